"""compsem.facets: distributions as small multiples, a fixed colour per model, escaped hover text."""

from __future__ import annotations

import pandas as pd
import pytest

from compsem.facets import distribution_facets
from compsem.labels import with_labels
from compsem.palette import model_color

CATS = ["negation", "entity_swap", "positive_control", "negative_control"]


def results(n_models: int) -> pd.DataFrame:
    rows = []
    for m in range(n_models):
        for c in CATS:
            for i in range(3):
                rows.append({"pair_id": f"{c}-{i}", "category": c, "sentence_a": "<b>A</b>", "sentence_b": "B",
                             "model": f"org/model-{m}", "raw_score": 0.1 * i, "score": 0.1 * i + 0.01 * m})
    return pd.DataFrame(rows)


def test_one_panel_per_category_and_one_box_per_model_up_to_twelve_models():
    fig = distribution_facets(results(12), 0.5, by="category")
    titles = [a.text for a in fig.layout.annotations if a.text and "control" in a.text or a.text in
              ("Negation", "Entity swap")]
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
