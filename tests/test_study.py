"""The study's reported figures as data, and their comparison with a run."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from compsem.analysis.study import BI_FAMILY, CROSS_FAMILY, compare_with_study, reported_table
from compsem.data.categories import BUILTIN_CATEGORIES
from compsem.models.registry import get_spec


def study_models() -> list[str]:
    """Registry keys of the models the study reports figures for."""
    return [m for m in dict.fromkeys(reported_table()["model"]) if not m.startswith("family:")]


def test_every_figure_is_marked_reported_and_uses_compsem_names():
    table = reported_table()
    assert set(table["source"]) == {"reported"}
    assert set(table["category"]) <= set(BUILTIN_CATEGORIES)
    for model in study_models():
        assert get_spec(model).key == model  # registry keys, not the paper's display names
    assert set(table["section"]) == {"4.1", "4.2", "4.3", "4.4"}


@pytest.mark.parametrize(
    "section, model, category, statistic, threshold, scale, value",
    [
        ("4.1", "sentence-transformers/all-MiniLM-L6-v2", "hedging", "rate", 0.8, "score", 0.32),
        ("4.1", "thenlper/gte-large", "quantifier", "rate", 0.8, "score", 1.00),
        ("4.1", BI_FAMILY, "entity_swap", "mean", math.nan, "score", 0.987),
        ("4.2", "cross-encoder/quora-roberta-large", "hedging", "rate", 0.5, "score", 0.52),
        ("4.2", "BAAI/bge-reranker-large", "entity_swap", "max", math.nan, "score", 0.999),
        ("4.2", "cross-encoder/stsb-roberta-large", "positive_control", "mean", math.nan, "score", 0.889),
        ("4.2", "cross-encoder/stsb-roberta-large", "positive_control", "mean", math.nan, "score / 5", 0.178),
        ("4.2", "cross-encoder/ms-marco-MiniLM-L-12-v2", "numerical", "rate", 0.5, "score", 0.98),
        ("4.3", CROSS_FAMILY, "negation", "cohens_d", math.nan, "score", -14.8),
        ("4.3", BI_FAMILY, "negative_control", "mean", math.nan, "score", 0.377),
        ("4.4", CROSS_FAMILY, "quantifier", "rate", 0.5, "score", 0.12),
        ("4.4", BI_FAMILY, "hedging", "rate", 0.8, "score", 0.64),
    ],
)
def test_transcribed_values(section, model, category, statistic, threshold, scale, value):
    t = reported_table()
    sel = t[
        (t["section"] == section)
        & (t["model"] == model)
        & (t["category"] == category)
        & (t["statistic"] == statistic)
        & (t["scale"] == scale)
    ]
    sel = sel[sel["threshold"].isna()] if math.isnan(threshold) else sel[sel["threshold"] == threshold]
    assert len(sel) == 1
    assert sel["value"].iloc[0] == pytest.approx(value)


def test_table_sizes_match_the_paper():
    t = reported_table()
    assert len(t[(t["section"] == "4.1") & (t["statistic"] == "rate")]) == 5 * 6
    assert len(t[(t["section"] == "4.4")]) == 4 * 6
    assert len(t[(t["section"] == "4.3") & (t["statistic"] == "cohens_d")]) == 6


def _results():
    rows = []
    for model, kind, objective, scores in (
        ("sentence-transformers/all-MiniLM-L6-v2", "bi-encoder", "general", [0.9, 0.7, 0.85, 0.95]),
        ("cross-encoder/stsb-roberta-large", "cross-encoder", "sts", [0.5, 0.4, 0.6, 0.5]),
        ("cross-encoder/ms-marco-MiniLM-L-12-v2", "cross-encoder", "retrieval", [1.0, 1.0, 1.0, 1.0]),
    ):
        for i, s in enumerate(scores):
            rows.append(
                {
                    "pair_id": f"p{i}",
                    "category": "hedging",
                    "model": model,
                    "kind": kind,
                    "objective": objective,
                    "score": s,
                }
            )
    return pd.DataFrame(rows)


def test_comparison_measures_the_same_statistic():
    comp = compare_with_study(_results())
    minilm = comp[(comp["model"] == "sentence-transformers/all-MiniLM-L6-v2") & (comp["category"] == "hedging")]
    assert minilm["measured"].iloc[0] == pytest.approx(0.75)  # 3 of 4 scores >= 0.8
    assert minilm["difference"].iloc[0] == pytest.approx(0.75 - 0.32)
    stsb = comp[
        (comp["model"] == "cross-encoder/stsb-roberta-large")
        & (comp["category"] == "hedging")
        & (comp["statistic"] == "mean")
    ].set_index("scale")["measured"]
    assert stsb["score"] == pytest.approx(0.5)
    assert stsb["score / 5"] == pytest.approx(0.1)  # the study's second division, applied to compsem's score


def test_family_figures_leave_out_retrieval_cross_encoders_like_the_study():
    comp = compare_with_study(_results())
    row = comp[
        (comp["section"] == "4.4")
        & (comp["model"] == CROSS_FAMILY)
        & (comp["category"] == "hedging")
        & (comp["threshold"] == 0.5)
    ]
    assert row["measured"].iloc[0] == pytest.approx(0.75)  # STS-B only: 3 of 4 >= 0.5; MS MARCO excluded
    assert "ms-marco" not in row["measured_models"].iloc[0]


def test_study_cross_family_keeps_the_bge_reranker_but_not_ms_marco():
    # The study pooled STS-B, BGE reranker and Quora; BGE is retrieval-trained by compsem's labels,
    # so an objective filter alone would have dropped it.
    extra = pd.DataFrame(
        [
            {
                "pair_id": f"p{i}",
                "category": "hedging",
                "model": "BAAI/bge-reranker-large",
                "kind": "cross-encoder",
                "objective": "retrieval",
                "score": s,
            }
            for i, s in enumerate([0.9, 0.9, 0.1, 0.1])
        ]
    )
    comp = compare_with_study(pd.concat([_results(), extra], ignore_index=True))
    row = comp[
        (comp["section"] == "4.4")
        & (comp["model"] == CROSS_FAMILY)
        & (comp["category"] == "hedging")
        & (comp["threshold"] == 0.5)
    ]
    assert row["measured"].iloc[0] == pytest.approx((0.75 + 0.5) / 2)  # mean over models of each model's rate
    assert "bge-reranker" in row["measured_models"].iloc[0]
    assert "ms-marco" not in row["measured_models"].iloc[0]


def test_unmeasurable_rows_stay_nan():
    comp = compare_with_study(_results())
    assert comp.loc[comp["model"] == "thenlper/gte-large", "measured"].isna().all()
    assert comp.loc[comp["category"] == "negation", "measured"].isna().all()
