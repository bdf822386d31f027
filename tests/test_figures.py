"""Figures: built from stats tables, user text escaped in hover labels, the colour scale centred."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from compsem import figures, stats
from compsem.data.labels import with_labels
from compsem.figures.palette import NEUTRAL, model_color

EVIL = "<script>alert(1)</script> <b>bold</b> 😀 مرحبا"


@pytest.fixture
def results() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for model, kind, objective, shift in (
        ("m/bi", "bi-encoder", "general", 0.3),
        ("m/ce", "cross-encoder", "sts", -0.3),
        ("m/base", "baseline", "lexical", 0.0),
    ):
        for cat in ("negation", "entity_swap", "positive_control", "negative_control", "near_miss_control"):
            for i in range(6):
                base = 0.8 if cat == "positive_control" else 0.2 if cat == "negative_control" else 0.5
                s = float(
                    np.clip(
                        base + shift * (cat not in ("positive_control", "negative_control")) + rng.normal(0, 0.05), 0, 1
                    )
                )
                rows.append(
                    {
                        "pair_id": f"{cat}-{i}",
                        "category": cat,
                        "expected": "",
                        "sentence_a": EVIL if i == 0 else f"A {cat} {i}",
                        "sentence_b": f"B {cat} {i}",
                        "model": model,
                        "kind": kind,
                        "objective": objective,
                        "raw_score": s * 5,
                        "score": s,
                        "raw_output": "{}",
                    }
                )
    return pd.DataFrame(rows)


def _json(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), default=str, ensure_ascii=False)


def test_escape_neutralises_markup_and_keeps_unicode():
    out = figures.escape(EVIL)
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "😀" in out and "مرحبا" in out
    assert len(figures.escape("x" * 20000).replace("<br>", "")) <= 300


@pytest.mark.parametrize("kind", ["box", "violin"])
def test_distributions_hover_shows_the_pair_escaped(results, kind):
    fig = figures.distributions(with_labels(results, {"m/bi": "Bi"}), 0.5, kind=kind)
    assert len(fig.data) == 3
    trace = fig.data[0]
    assert "customdata[1]" in trace.hovertemplate and "customdata[3]" in trace.hovertemplate  # sentence, raw score
    text = _json(fig)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert any("(control)" in x for x in trace.x)
    assert any(s.type == "rect" for s in fig.layout.shapes)  # control categories shaded


def test_rate_heatmap_and_curves_from_stats(results):
    table = stats.describe_with_ci(results, 0.5, n_resamples=50).assign(threshold=0.5)
    fig = figures.rate_heatmap(table)
    assert fig.data[0].zmin == 0 and fig.data[0].zmax == 1
    assert np.array(fig.data[0].z, dtype=float).shape == (3, 5)
    curves = stats.failure_rates(results, [0.0, 0.5, 1.0])
    fig = figures.rate_curves(curves, 0.5, marks={"m/bi": 0.6})
    assert any(t.mode == "markers" for t in fig.data)


def test_effect_size_heatmap_is_diverging_centred_on_zero_and_marks_significance(results):
    table = stats.effect_size_table(results, ["m/bi"]).rename(columns={"model": "row"})
    fig = figures.effect_size_heatmap(table, "Bi")
    heat = fig.data[0]
    assert heat.zmid == 0 and heat.zmin == -heat.zmax
    flat = [t for row in heat.text for t in row]
    assert any(t.endswith("*") for t in flat)
    assert all(t == "" or t[0] in "+-" for t in flat)


def test_calibration_and_family_heatmap(results):
    cal = stats.calibrated_thresholds(results)
    fig = figures.calibration(results, dict(zip(cal["model"], cal["threshold"])), threshold=0.5)
    points = [t for t in fig.data if t.x[0] is not None]
    assert len(points) == 3 * 5 and len(fig.data) == 3 * 5 + 5  # + one legend entry per category
    # categories by symbol, each panel in its model's colour: no category borrows a model colour
    colours = {(t.xaxis or "x"): set() for t in points}
    for trace in points:
        colours[trace.xaxis or "x"].add(trace.marker.color)
    assert [c.pop() for c in colours.values() if len(c) == 1] == [model_color(m) for m in ("m/bi", "m/ce", "m/base")]
    assert len({t.marker.symbol for t in points}) == 5
    assert {t.marker.color for t in fig.data if t.x[0] is None} == {NEUTRAL}
    fam = stats.family_failure_rates(results, 0.5)
    fig = figures.family_rate_heatmap(fam, 0.5)
    assert list(fig.data[0].y) == ["bi-encoder", "cross-encoder", "baseline"]


def test_text_pair_bars_escape_labels():
    table = pd.DataFrame({"label": ["<i>m</i>"], "kind": ["cross-encoder"], "score": [0.7], "score_reversed": [0.4]})
    fig = figures.text_pair_bars(table, 0.5)
    assert [t.name for t in fig.data if t.showlegend is False] == ["score(A, B)", "score(B, A)"]


def test_text_pair_bars_are_horizontal_in_model_colours_with_the_threshold_label_above_the_bars():
    table = pd.DataFrame(
        {
            "model": ["sentence-transformers/all-MiniLM-L6-v2", "compsem/minilm-l6-stsb"],
            "label": ["MiniLM-L6 (bi)", "MiniLM-L6 STS-B (trained)"],
            "kind": ["bi-encoder", "cross-encoder"],
            "score": [0.8139999999, 0.0000000000000002],
            "score_reversed": [0.8139999999, 0.31],
        }
    )
    fig = figures.text_pair_bars(table, 0.5)
    ab, ba = fig.data[0], fig.data[1]
    names = [y.replace("<br>", " ") for y in ab.y]  # wrapped for a phone, never cut
    assert ab.orientation == "h" and names == ["MiniLM-L6 (bi)", "MiniLM-L6 STS-B (trained)"]
    assert list(ab.marker.color) == [model_color(m) for m in table["model"]]
    assert list(ab.text) == ["0.814", "0.000"]  # fixed decimals, no float noise
    assert list(ba.text) == ["", "0.310"]  # a symmetric model's (B, A) would repeat its (A, B): not drawn
    note = fig.layout.annotations[0]
    assert note.text == "threshold 0.5" and note.yref == "paper" and note.y == 1 and note.yanchor == "bottom"
    assert "<i>" not in _json(fig)


def test_study_scatter_has_the_diagonal():
    from compsem.analysis.study import compare_with_study

    comp = compare_with_study(
        pd.DataFrame(
            {
                "pair_id": ["p"],
                "category": ["hedging"],
                "kind": ["bi-encoder"],
                "model": ["sentence-transformers/all-MiniLM-L6-v2"],
                "objective": ["general"],
                "score": [0.9],
            }
        )
    )
    fig = figures.study_scatter(comp)
    assert fig.layout.shapes and all(s.line.dash == "dot" for s in fig.layout.shapes)  # a diagonal per panel
    assert len(fig.data) >= 1


def test_study_scatter_draws_one_panel_per_statistic_on_its_own_scale():
    table = pd.DataFrame(
        {
            "section": ["4.1", "4.2", "4.3", "4.3"],
            "model": ["sentence-transformers/all-MiniLM-L6-v2"] * 2 + ["family:cross-encoder"] * 2,
            "category": ["negation"] * 4,
            "statistic": ["rate", "mean", "cohens_d", "cohens_d"],
            "scale": ["score"] * 4,
            "reported": [0.9, 0.8, -14.0, -3.0],
            "measured": [0.7, 0.75, -12.0, np.nan],
            "measured_models": ["", "", "a", "b"],
        }
    )
    fig = figures.study_scatter(table)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["share ≥ threshold", "mean score", "Cohen's d (cross- vs bi-encoders)"]
    assert len(fig.layout.shapes) == 3  # each panel its own diagonal over its own range
    d = next(t for t in fig.data if t.xaxis == "x3")
    assert d.name == "cross-encoders (family)" and list(d.x) == [-14.0]  # the unmeasured row is left out
    assert fig.layout.shapes[2].x0 < -14 < -12 < fig.layout.shapes[2].x1 and fig.layout.shapes[0].x1 < 1.1


def test_objective_bars_group_models_per_category_with_ci(results):
    from compsem.analysis import objective_comparison as objectives

    table = objectives.comparison_table(results, 0.5, reference="m/bi", n_resamples=50)
    fig = figures.objective_bars(table, "mean", 0.5, {"m/bi": "Bi <ref>", "m/ce": "CE"})
    assert fig.layout.barmode == "group"
    assert [t.type for t in fig.data] == ["bar"] * 3
    assert [t.name for t in fig.data] == ["Bi &lt;ref&gt;", "CE", "m/base"]  # reference first, labels escaped
    assert fig.data[0].marker.pattern.shape == "/" and fig.data[1].marker.pattern.shape == ""
    assert list(fig.data[0].x) == [
        "Negation",
        "Entity swap",
        "Positive control<br>(control)",
        "Negative control<br>(control)",
        "Near-miss control<br>(control)",
    ]
    ce = table[table["model"] == "m/ce"].set_index("category")
    np.testing.assert_allclose(fig.data[1].y[0], ce.loc["negation", "mean"])
    err = fig.data[1].error_y
    np.testing.assert_allclose(err.array[0], ce.loc["negation", "mean_ci_high"] - ce.loc["negation", "mean"])
    np.testing.assert_allclose(err.arrayminus[0], ce.loc["negation", "mean"] - ce.loc["negation", "mean_ci_low"])
    assert any(s.type == "line" and s.y0 == 0.5 for s in fig.layout.shapes)  # threshold on the mean chart
    assert isinstance(fig.data[1].customdata[0][1], float)  # CI bounds stay numbers for the hover format
    rate = figures.objective_bars(table, "rate", 0.5)
    np.testing.assert_allclose(rate.data[1].y[0], ce.loc["negation", "rate"])
    assert rate.layout.yaxis.tickformat == ".0%" and "0.5" in rate.layout.title.text
    with pytest.raises(ValueError, match="statistic"):
        figures.objective_bars(table, "median")


def test_rerank_quality_latency_one_line_per_system_labelled_by_k(tmp_path):
    from test_rerank import RERANKER, write_rerank_results

    from compsem import rerank

    write_rerank_results(tmp_path)
    points = rerank.quality_latency_points(rerank.load_rerank_results(tmp_path))
    points.loc[points["reranker"] == RERANKER, "system"] += " <b>x</b>"  # a label from a model card stays text
    fig = figures.rerank_quality_latency(points, "p50")
    assert len(fig.data) == points["system"].nunique() == 6
    assert [t.name for t in fig.data if t.mode == "markers"] == [
        "BM25 alone",
        "Bi-encoder (MiniLM) alone",
        "Hybrid (BM25 + bi-encoder, RRF) alone",
    ]
    lines = [t for t in fig.data if t.mode == "lines+markers+text"]
    # one K label per line, at its largest K: "K=10K=20…" labels no longer pile up (the hover has every K)
    assert len(lines) == 3 and all(list(t.text) == ["", "K=20"] for t in lines)
    # colour = the reranker's model colour on every page; the first stage is the dash and the symbol
    assert {t.line.color for t in lines} == {model_color(RERANKER)}
    assert sorted(t.line.dash for t in lines) == ["dash", "dot", "solid"]
    assert all("&lt;b&gt;" in t.name for t in lines) and "<b>x" not in _json(fig)
    bm25 = next(t for t in lines if t.name.startswith("BM25 +"))
    np.testing.assert_allclose(bm25.x, [102.5, 202.5])  # measured totals, by K
    np.testing.assert_allclose(bm25.y, [0.51, 0.52])
    assert list(bm25.marker.symbol) == ["circle", "circle"]
    assert list(next(t for t in lines if t.name.startswith("Hybrid")).marker.symbol) == ["triangle-up"] * 2
    estimated = points.assign(latency=np.where(points["first_stage"] == "hybrid", "estimate", points["latency"]))
    hybrid = next(
        t
        for t in figures.rerank_quality_latency(estimated, "p50").data
        if t.name.startswith("Hybrid") and t.mode == "lines+markers+text"
    )
    assert list(hybrid.marker.symbol) == ["triangle-up-open"] * 2  # an estimate never looks like a measurement
    assert isinstance(bm25.customdata[0][1], float)  # numbers stay numbers for the hover format
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.title.text.startswith("p50 latency")
    assert set(fig.layout.xaxis.tickvals) <= {20, 50, 100, 200, 500}  # round labelled ticks only
    assert fig.layout.yaxis.title.text == "NDCG@10"
    p95 = figures.rerank_quality_latency(points, "p95")
    np.testing.assert_allclose(next(t for t in p95.data if t.name.startswith("BM25 +")).x, [123.5, 243.5])
    assert p95.layout.xaxis.title.text.startswith("p95 latency")
    with pytest.raises(ValueError, match="p50"):
        figures.rerank_quality_latency(points, "mean")


def test_importing_figures_leaves_plotlys_default_template_alone_and_each_figure_carries_compsems():
    import subprocess
    import sys

    code = (
        "import plotly.io as pio; before = pio.templates.default; import compsem.figures, compsem.figures.facets, "
        "compsem.figures.story; print(before == pio.templates.default == 'plotly')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "True", done.stderr[-2000:]
    fig = figures.effect_size_heatmap(
        pd.DataFrame(
            {"row": ["m"], "category": ["negation"], "cohens_d": [-2.0], "holm_pvalue": [0.001], "significant": [True]}
        )
    )
    assert fig.layout.template == pio.templates[figures.TEMPLATE]


def _grid_figures(results: pd.DataFrame) -> dict[str, go.Figure]:
    """The figures built from plain dicts without Plotly's validation (figures._style._figure)."""
    from compsem.analysis import objective_comparison as objectives

    curves = stats.failure_rates(with_labels(results, {"m/bi": "<b>Bi</b>"}), [0.0, 0.25, 0.5, 0.75, 1.0])
    table = objectives.comparison_table(results, 0.5, reference="m/bi", n_resamples=50)
    return {
        "curves": figures.rate_curves(curves, None, {"m/bi": 0.6, "m/ce": float("nan")}),
        "curves at t": figures.rate_curves(curves, 0.4),
        "calibration": figures.calibration(results, {"m/ce": 0.3}, 0.5),
        "calibration, one model": figures.calibration(results[results["model"] == "m/bi"]),
        "bars": figures.objective_bars(table, "mean", 0.5, {"m/bi": "Bi <ref>"}),
        "bars, rate": figures.objective_bars(table.iloc[2:], "rate", None),
    }


def test_figures_built_without_validation_are_what_plotly_validates(results):
    """Some figures skip Plotly's validation for speed: validating them again must change nothing."""
    for name, fig in _grid_figures(results).items():
        validated = go.Figure(fig.to_dict())  # raises on an invalid property
        assert json.loads(pio.to_json(validated)) == json.loads(pio.to_json(fig)), name
        assert fig.layout.template.layout.paper_bgcolor == "white", name  # compsem's look (plotly_white)
        assert fig.layout.title.text and fig.layout.height > 200, name
    curves = _grid_figures(results)["curves"]
    assert all(ax.range == (0, 1) for ax in curves.select_xaxes())
    assert all(ax.range == (-0.03, 1.03) and ax.tickformat == ".0%" for ax in curves.select_yaxes())
    assert all(ax.title.text == "raw output" for ax in _grid_figures(results)["calibration"].select_xaxes())


def test_grid_figures_validate_later_changes(results):
    fig = figures.add_threshold(_grid_figures(results)["curves"], 0.42, axis="x")
    assert sum(s.x0 == 0.42 for s in fig.layout.shapes) == 5  # one line per category panel
    with pytest.raises(ValueError):
        fig.update_layout(not_a_property=1)


def test_a_full_pass_rate_is_painted_as_good_not_as_a_failure():
    table = pd.DataFrame(
        {
            "model": ["m", "m"],
            "category": ["negation", "positive_control"],
            "rate": [1.0, 1.0],
            "rate_ci_low": [0.9, 0.9],
            "rate_ci_high": [1.0, 1.0],
            "n": [40, 40],
            "meaning": ["failure_rate", "pass_rate"],
            "threshold": [0.5, 0.5],
        }
    )
    heat = figures.rate_heatmap(table).data[0]
    assert list(heat.z[0]) == [1.0, 0.0]  # 100% failing negation is bad (dark); 100% passing paraphrases is good
    assert heat.text[0][1].startswith("100%")  # the cell still says what the share is
    family = table.assign(kind="bi-encoder", mean_rate=table["rate"], n_models=1)
    assert list(figures.family_rate_heatmap(family, 0.5).data[0].z[0]) == [1.0, 0.0]


def test_rate_curves_isolate_a_model_on_legend_click(results):
    curves = stats.failure_rates(results, [0.1, 0.5, 0.9])
    fig = figures.rate_curves(curves, 0.5)
    assert fig.layout.legend.itemclick == "toggleothers"
