"""Figures: built from stats tables, user text escaped in hover labels, the colour scale centred."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from compsem import figures, stats

EVIL = "<script>alert(1)</script> <b>bold</b> 😀 مرحبا"


@pytest.fixture
def results() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for model, kind, objective, shift in (("m/bi", "bi-encoder", "general", 0.3),
                                          ("m/ce", "cross-encoder", "sts", -0.3),
                                          ("m/base", "baseline", "lexical", 0.0)):
        for cat in ("negation", "entity_swap", "positive_control", "negative_control", "near_miss_control"):
            for i in range(6):
                base = 0.8 if cat == "positive_control" else 0.2 if cat == "negative_control" else 0.5
                s = float(np.clip(base + shift * (cat not in ("positive_control", "negative_control"))
                                  + rng.normal(0, 0.05), 0, 1))
                rows.append({"pair_id": f"{cat}-{i}", "category": cat, "expected": "",
                             "sentence_a": EVIL if i == 0 else f"A {cat} {i}", "sentence_b": f"B {cat} {i}",
                             "model": model, "kind": kind, "objective": objective, "raw_score": s * 5, "score": s,
                             "raw_output": "{}"})
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
    fig = figures.distributions(results, 0.5, {"m/bi": "Bi"}, kind=kind)
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
    assert len(fig.data) == 3 * 5
    fam = stats.family_failure_rates(results, 0.5)
    fig = figures.family_rate_heatmap(fam, 0.5)
    assert list(fig.data[0].y) == ["bi-encoder", "cross-encoder", "baseline"]


def test_text_pair_bars_escape_labels():
    table = pd.DataFrame({"label": ["<i>m</i>"], "kind": ["cross-encoder"], "score": [0.7], "score_reversed": [0.4]})
    fig = figures.text_pair_bars(table, 0.5)
    assert [t.name for t in fig.data] == ["score(A, B)", "score(B, A)"]
    assert "<i>" not in _json(fig)


def test_study_scatter_has_the_diagonal():
    from compsem.study import compare_with_study

    comp = compare_with_study(pd.DataFrame({"pair_id": ["p"], "category": ["hedging"], "kind": ["bi-encoder"],
                                            "model": ["sentence-transformers/all-MiniLM-L6-v2"],
                                            "objective": ["general"], "score": [0.9]}))
    fig = figures.study_scatter(comp)
    assert fig.data[-1].name.startswith("reproduced")
    assert len(fig.data) >= 2
