"""compsem.analysis.analyze: a run's tables, computed once, present only when the data support them."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from run_fixture import BAG, BI, CE, synthetic_results

from compsem import stats
from compsem.analysis import analyze, family_comparisons


def test_analysis_holds_the_stats_tables_and_is_frozen():
    results = synthetic_results()
    a = analyze(results, [0.5, 0.8])
    pd.testing.assert_frame_equal(a.describe, stats.describe_scores(results))
    pd.testing.assert_frame_equal(a.rates, stats.failure_rates(results, [0.5, 0.8]))
    assert set(a.with_ci) == {0.5, 0.8} and a.with_ci[0.8].index.names == ["model", "category"]
    assert list(a.comparisons) == ["bi_encoder_vs_cross_encoder", "bi_encoder_vs_baselines"]
    assert a.findings == tuple(stats.findings(results, 0.5)) and a.findings_error is None
    assert a.family_rates is not None and a.roc_auc is not None and a.calibrated is not None
    assert (a.n_pairs, a.n_models, a.categories[0]) == (72, 4, "negation")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.rates = a.describe  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.comparisons["x"] = "y"  # type: ignore[index]


def test_tables_the_data_cannot_support_are_none():
    results = synthetic_results()
    only_edits = results[results["model"].isin([BI, BAG]) & results["category"].isin(["negation", "entity_swap"])]
    a = analyze(only_edits, [0.5])
    assert a.roc_auc is None and a.calibrated is None and a.family_rates is None  # no controls, no cross-encoder
    assert list(a.comparisons) == ["bi_encoder_vs_baselines"]
    no_negatives = results[results["category"].isin(["negation", "positive_control"])]
    assert analyze(no_negatives, [0.5]).calibrated is None and analyze(no_negatives, [0.5]).roc_auc is not None


def test_a_comparison_that_cannot_be_computed_says_why():
    results = synthetic_results()
    retrieval = results[results["model"] == CE].assign(model="x/ms-marco", objective="retrieval")
    only_retrieval = pd.concat([results[results["model"] == BI], retrieval], ignore_index=True)
    names = [name for name, *_ in family_comparisons(only_retrieval)]
    assert names == ["bi_encoder_vs_cross_encoder", "bi_encoder_vs_cross_encoder_without_retrieval"]
    skipped = analyze(only_retrieval, [0.5]).comparisons["bi_encoder_vs_cross_encoder_without_retrieval"]
    assert isinstance(skipped, str) and skipped


def test_no_thresholds_is_refused():
    with pytest.raises(ValueError, match="at least one threshold"):
        analyze(synthetic_results(), [])


def test_thresholds_in_any_order_and_repeated_give_the_stats_tables():
    results = synthetic_results()
    a = analyze(results, [0.8, 0.5, 0.8])
    assert a.thresholds == (0.8, 0.5, 0.8) and list(a.with_ci) == [0.8, 0.5]
    pd.testing.assert_frame_equal(a.rates, stats.failure_rates(results, [0.8, 0.5]))
    pd.testing.assert_frame_equal(a.family_rates, stats.family_failure_rates(results, [0.8, 0.5]))
    assert a.findings == tuple(stats.findings(results, 0.8))


def test_analyses_composed_from_the_same_parts_share_their_tables():
    from compsem.analysis import AtThreshold, ThresholdFree, compose

    results = synthetic_results()
    free = ThresholdFree(results)
    parts: dict[float, AtThreshold] = {}

    def part(t: float) -> AtThreshold:
        return parts.setdefault(t, AtThreshold(free, t))

    report = compose(free, part, [0.6, 0.5, 0.8]).compute()
    html = compose(free, part, [0.6, 0.8])
    assert html.describe is report.describe and html.at(0.8) is report.at(0.8)
    assert html.with_ci[0.6] is not None and html.at(0.6).with_ci is report.at(0.6).with_ci
    with pytest.raises(KeyError):
        html.at(0.5)
