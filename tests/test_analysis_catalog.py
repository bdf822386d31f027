"""compsem.analysis.catalog: every named table, read from the view's analysis, is the stats table it names."""

from __future__ import annotations

import pandas as pd
import pytest
from run_fixture import CE, synthetic_results

from compsem import stats
from compsem.analysis import (
    TABLES,
    THRESHOLD_GRID,
    AtThreshold,
    ThresholdFree,
    compose,
    export_names,
    export_thresholds,
    read_table,
    view_thresholds,
)


def view_analysis(results: pd.DataFrame, threshold: float):
    free = ThresholdFree(results)
    return compose(free, lambda t: AtThreshold(free, t), view_thresholds(threshold))


#: What each table was built as before it was read from an analysis (the dashboard's numbers stay the same).
DIRECT = {
    "describe_scores": lambda df, t: stats.describe_scores(df),
    "failure_rates": lambda df, t: stats.failure_rates(df, sorted({t, 0.5, 0.8})),
    "family_failure_rates": lambda df, t: stats.family_failure_rates(df, sorted({t, 0.5, 0.8})),
    "describe_with_ci": lambda df, t: stats.describe_with_ci(df, t),
    "best_and_worst": lambda df, t: stats.best_and_worst(df, t),
    "roc_auc_by_category": lambda df, t: stats.roc_auc_by_category(df),
    "calibrated_thresholds": lambda df, t: stats.calibrated_thresholds(df),
    "family_comparison": lambda df, t: stats.family_comparison(df),
    "family_comparison_without_retrieval": lambda df, t: stats.family_comparison(df, exclude_objectives=("retrieval",)),
    "family_rates": lambda df, t: stats.family_failure_rates(df, t),
    "rate_curves": lambda df, t: stats.failure_rates(df, list(THRESHOLD_GRID)),
}


def test_the_thresholds_of_the_view():
    assert view_thresholds(0.7) == (0.7, 0.5, 0.8) and view_thresholds(0.5) == (0.5, 0.8)
    assert export_thresholds(0.7) == [0.5, 0.7, 0.8]


@pytest.mark.parametrize("threshold", [0.5, 0.73])
def test_every_table_is_the_stats_table(threshold):
    results = synthetic_results()
    analysis = view_analysis(results, threshold)
    assert set(DIRECT) == set(TABLES)
    for name, build in DIRECT.items():
        pd.testing.assert_frame_equal(read_table(name, analysis), build(results, threshold), obj=name)


def test_a_table_the_selection_cannot_support_says_why():
    results = synthetic_results()
    analysis = view_analysis(results[results["model"] != CE].query("kind != 'cross-encoder'"), 0.5)
    with pytest.raises(ValueError):
        read_table("family_comparison", analysis)
    with pytest.raises(KeyError):
        read_table("no_such_table", analysis)


def test_exports_in_order():
    assert export_names() == [
        "describe_scores",
        "failure_rates",
        "family_failure_rates",
        "describe_with_ci",
        "best_and_worst",
        "roc_auc_by_category",
        "calibrated_thresholds",
        "family_comparison",
        "family_comparison_without_retrieval",
    ]
