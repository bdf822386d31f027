"""compsem.analysis.parts: each table is the stats function's, computed on first read and kept."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from run_fixture import BAG, BI, CE, MRPC, synthetic_results

from compsem import stats
from compsem.analysis import THRESHOLD_GRID, AtThreshold, ThresholdFree, comparison_tables, grid
from compsem.analysis.story import story_findings
from compsem.data.labels import with_labels


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return with_labels(synthetic_results(), {BI: "Bi", CE: "NLI", BAG: "Bag", MRPC: "MRPC"})


def test_threshold_free_tables_are_the_stats_tables(results):
    free = ThresholdFree(results)
    pd.testing.assert_frame_equal(free.describe, stats.describe_scores(results))
    pd.testing.assert_frame_equal(free.roc_auc, stats.roc_auc_by_category(results))
    pd.testing.assert_frame_equal(free.calibrated, stats.calibrated_thresholds(results))
    pd.testing.assert_frame_equal(free.calibrated_rates, stats.rates_with_ci(results, None))
    pd.testing.assert_frame_equal(free.rate_curves, stats.failure_rates(results, list(THRESHOLD_GRID)))
    pd.testing.assert_frame_equal(free.pairs, stats.pair_table(results))
    pd.testing.assert_frame_equal(
        free.family_comparison(exclude_objectives=["nli"]),
        stats.family_comparison(results, exclude_objectives=("nli",)),
    )
    table, what = free.effect_rows("kind:bi-encoder", "family")
    expected, expected_what = stats.effect_rows(results, "kind:bi-encoder", "family")
    pd.testing.assert_frame_equal(table, expected)
    assert what == expected_what
    assert (
        list(free.comparisons)
        == list(comparison_tables(results))
        == ["bi_encoder_vs_cross_encoder", "bi_encoder_vs_baselines"]
    )
    assert (free.n_pairs, free.n_models, free.kinds) == (72, 4, frozenset({"bi-encoder", "cross-encoder", "baseline"}))


def test_tables_at_a_threshold_are_the_stats_tables(results):
    part = AtThreshold(ThresholdFree(results), 0.7)
    pd.testing.assert_frame_equal(part.family_rates, stats.family_failure_rates(results, 0.7))
    pd.testing.assert_frame_equal(part.with_ci, stats.describe_with_ci(results, 0.7))
    pd.testing.assert_frame_equal(part.rates_with_ci, stats.rates_with_ci(results, 0.7))
    pd.testing.assert_frame_equal(part.best_and_worst, stats.best_and_worst(results, 0.7))
    assert part.findings == tuple(stats.findings(results, 0.7)) and part.findings_error is None


def test_each_table_is_computed_once_and_a_new_threshold_reuses_the_threshold_free_ones(results, stats_calls):
    calls = stats_calls(
        "describe_scores",
        "describe_with_ci",
        "calibrated_thresholds",
        "roc_auc_by_category",
        "family_failure_rates",
        "family_comparison",
    )
    free = ThresholdFree(results)
    for t in (0.5, 0.6, 0.5):
        part = AtThreshold(free, t)
        for _ in range(2):
            part.story, part.family_rates, free.describe, free.comparisons  # noqa: B018 - reading is the test
    # the two parts at 0.5 are two objects: the dashboard keeps one per threshold, each computes its own once
    assert calls == {
        "describe_scores": 1,
        "describe_with_ci": 3,
        "calibrated_thresholds": 1,
        "roc_auc_by_category": 1,
        "family_failure_rates": 3,
        "family_comparison": 2,
    }


def test_the_story_from_the_parts_is_the_story_computed_alone(results):
    part = AtThreshold(ThresholdFree(results), 0.5)
    alone = story_findings(results, 0.5)
    assert [(f.key, f.title, f.sentence) for f in part.story] == [(f.key, f.title, f.sentence) for f in alone]
    for mine, theirs in zip(part.story, alone):
        pd.testing.assert_frame_equal(mine.chart, theirs.chart)
        assert mine.example == theirs.example


def test_the_story_without_controls_to_calibrate_leaves_out_the_threshold_finding(results):
    edits = results[~results["category"].isin(["negative_control", "near_miss_control"])]
    part = AtThreshold(ThresholdFree(edits), 0.5)
    with pytest.raises(ValueError, match="negative_control or near_miss_control"):
        part.free.calibrated  # noqa: B018
    assert [f.key for f in part.story] == [f.key for f in story_findings(edits, 0.5)]
    assert "threshold" not in [f.key for f in part.story]


def test_the_grid_reuses_the_parts_intervals():
    from test_grid import CELLS, SCORES, frame

    scores = frame(SCORES)
    part = AtThreshold(ThresholdFree(scores), 0.5)
    pd.testing.assert_frame_equal(part.grid(CELLS), grid.grid_table(scores, CELLS, 0.5))
    assert part.grid(CELLS) is part.grid(list(CELLS))  # kept per cells


def test_a_failure_is_not_kept_and_the_parts_are_frozen(results):
    free = ThresholdFree(results[results["category"] == "negation"])
    with pytest.raises(ValueError):
        free.calibrated  # noqa: B018
    with pytest.raises(ValueError):
        free.calibrated  # noqa: B018 - said again, not a kept None
    with pytest.raises(dataclasses.FrozenInstanceError):
        free.results = results  # type: ignore[misc]
