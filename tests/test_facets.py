"""compsem.figures.facets: distributions as small multiples, a fixed colour per model, escaped hover text."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from compsem.data.labels import with_labels
from compsem.figures._style import _axes, _panel_line
from compsem.figures.facets import FACETS, distribution_facets
from compsem.figures.palette import model_color

CATS = ["negation", "entity_swap", "positive_control", "negative_control"]


def results(n_models: int) -> pd.DataFrame:
    rows = []
    for m in range(n_models):
        for c in CATS:
            for i in range(3):
                rows.append(
                    {
                        "pair_id": f"{c}-{i}",
                        "category": c,
                        "sentence_a": "<b>A</b>",
                        "sentence_b": "B",
                        "model": f"org/model-{m}",
                        "raw_score": 0.1 * i,
                        "score": 0.1 * i + 0.01 * m,
                    }
                )
    return pd.DataFrame(rows)


def test_one_panel_per_category_and_one_box_per_model_up_to_twelve_models():
    fig = distribution_facets(results(12), 0.5, by="category")
    titles = [
        a.text
        for a in fig.layout.annotations
        if a.text and "control" in a.text or a.text in ("Negation", "Entity swap")
    ]
    assert "Positive control (control)" in titles and "Negation" in titles
    assert len(fig.data) == 12 * len(CATS)
    assert len({t.xaxis for t in fig.data}) == len(CATS)  # one panel each
    assert sum(1 for t in fig.data if t.showlegend) == 12  # each model once in the legend
    assert fig.layout.xaxis.showticklabels is False  # the legend names the boxes, no crowded tick labels


def test_one_panel_per_model_with_horizontal_boxes():
    fig = distribution_facets(with_labels(results(3), {"org/model-0": "Zero"}), 0.5, by="model")
    assert len({t.xaxis for t in fig.data}) == 3
    assert all(t.orientation == "h" for t in fig.data)
    assert "Zero" in [a.text for a in fig.layout.annotations]


@pytest.mark.parametrize("by", ["category", "model"])
def test_colours_are_the_models_own_and_text_is_escaped(by):
    fig = distribution_facets(results(4), 0.5, by=by)
    for trace in fig.data:
        model = trace.legendgroup
        assert trace.marker.color == model_color(model)
    assert "&lt;b&gt;A&lt;/b&gt;" in fig.data[0].customdata[0][1]


def test_unknown_facet_is_refused():
    with pytest.raises(ValueError, match="by must be one of"):
        distribution_facets(results(1), 0.5, by="domain")


def test_every_model_chart_uses_the_same_colour_per_model():
    from compsem import figures, stats

    df = results(3).assign(kind="bi-encoder", objective="general")
    curves = stats.failure_rates(df, [0.2, 0.5])
    for fig in (figures.distributions(df, 0.5), figures.rate_curves(curves, 0.5)):
        for trace in fig.data:
            assert (trace.marker.color or trace.line.color) == model_color(trace.legendgroup)


def test_unvalidated_build_is_what_plotly_validates():
    # the page builds the figure from plain dicts without Plotly's validation (speed); validating it
    # again must change nothing
    import json

    import plotly.io as pio

    frame = pd.DataFrame(
        {
            "pair_id": [f"p{i}" for i in range(8)],
            "category": ["negation", "negation", "entity_swap", "entity_swap"] * 2,
            "sentence_a": ["A <b>", "b", "c", "d"] * 2,
            "sentence_b": ["e", "f", "g", "h"] * 2,
            "model": ["m1"] * 4 + ["m2"] * 4,
            "raw_score": [0.1, 0.9, 0.5, 0.6] * 2,
            "score": [0.1, 0.9, 0.5, 0.6] * 2,
        }
    )
    for by in FACETS:
        fast = distribution_facets(frame, 0.5, by=by)
        checked = go.Figure(fast.to_dict())  # raises on an invalid property
        assert json.loads(pio.to_json(checked)) == json.loads(pio.to_json(fast))
        assert fast.layout.template.layout.paper_bgcolor == "white"  # compsem's look
        assert len(fast.layout.shapes) == 2 and all(a.font.size == 13 for a in fast.layout.annotations)
        with pytest.raises(ValueError):  # later changes are validated as usual
            fast.update_layout(not_a_property=1)


@pytest.mark.parametrize("axis", ["x", "y"])
def test_threshold_line_is_what_plotly_adds(axis):
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=2)
    for r, c in ((1, 1), (1, 2), (2, 1), (2, 2)):
        fig.add_scatter(x=[0, 1], y=[0, 1], row=r, col=c)  # Plotly adds no line to an empty panel
        add = fig.add_hline if axis == "y" else fig.add_vline
        add(**{axis: 0.7}, line_dash="dash", line_color="#444", line_width=1.2, row=r, col=c)
        i = (r - 1) * 2 + c - 1
        assert fig.layout.shapes[-1].to_plotly_json() == _panel_line(*_axes(i), axis, 0.7, width=1.2)


def test_every_row_of_category_panels_names_the_score_axis():
    frame = pd.DataFrame(
        {
            "pair_id": [f"p{i}" for i in range(5)],
            "category": ["negation", "entity_swap", "temporal", "hedging", "numerical"],
            "sentence_a": list("abcde"),
            "sentence_b": list("fghij"),
            "model": ["m1"] * 5,
            "raw_score": [0.1, 0.2, 0.3, 0.4, 0.5],
            "score": [0.1, 0.2, 0.3, 0.4, 0.5],
        }
    )
    fig = distribution_facets(frame, 0.5, by="category", columns=2)  # 5 panels: 3 rows, the last half empty
    titled = {
        name for name in ("yaxis", "yaxis2", "yaxis3", "yaxis4", "yaxis5") if fig.layout[name].title.text == "score"
    }
    assert titled == {"yaxis", "yaxis3", "yaxis5"}  # the first panel of each row, as update_yaxes(row=r, col=1)
    assert len(fig.layout.shapes) == 5 and {s.yref for s in fig.layout.shapes} == {"y", "y2", "y3", "y4", "y5"}
