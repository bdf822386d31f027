"""compsem.stats.tables (and the input checks every table shares): hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from stats_data import META, PAIRS, SCORES, frame, results, row  # noqa: F401 - results is a fixture

from compsem import stats

# -- input checks ----------------------------------------------------------------------------
EMPTY = pd.DataFrame(columns=["pair_id", "category", "model", "kind", "objective", "raw_score", "score"])
DF_FUNCTIONS = {
    "describe_scores": lambda d: stats.describe_scores(d),
    "failure_rates": lambda d: stats.failure_rates(d, [0.5]),
    "failure_rates_at": lambda d: stats.failure_rates_at(d, {}),
    "family_failure_rates": lambda d: stats.family_failure_rates(d, [0.5]),
    "family_comparison": lambda d: stats.family_comparison(d),
    "model_comparison": lambda d: stats.model_comparison(d, ["bi1"], ["ce1"]),
    "effect_size_table": lambda d: stats.effect_size_table(d, ["bi1"]),
    "describe_with_ci": lambda d: stats.describe_with_ci(d, 0.5, n_resamples=10),
    "roc_auc_by_category": lambda d: stats.roc_auc_by_category(d),
    "calibrated_thresholds": lambda d: stats.calibrated_thresholds(d),
    "best_and_worst": lambda d: stats.best_and_worst(d, 0.5),
    "findings": lambda d: stats.findings(d, 0.5),
}


@pytest.mark.parametrize("name", DF_FUNCTIONS)
def test_empty_results_are_refused_with_a_sentence(name):
    with pytest.raises(ValueError, match="results are empty"):
        DF_FUNCTIONS[name](EMPTY)


@pytest.mark.parametrize("name", DF_FUNCTIONS)
def test_missing_column_is_named(name, results):
    with pytest.raises(ValueError, match="missing column\\(s\\): kind"):
        DF_FUNCTIONS[name](results.drop(columns="kind"))


def test_infinite_and_non_numeric_scores_are_refused(results):
    bad = results.copy()
    bad.loc[0, "score"] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        stats.describe_scores(bad)
    with pytest.raises(ValueError, match="must hold numbers"):
        stats.describe_scores(results.assign(score="high"))
    with pytest.raises(ValueError, match="every score is NaN"):
        stats.describe_scores(results.assign(score=np.nan))


@pytest.mark.parametrize("bad", [math.nan, math.inf, "x", []])
def test_thresholds_must_be_finite_numbers(results, bad):
    with pytest.raises(ValueError, match="threshold"):
        stats.failure_rates(results, bad if bad == [] else [0.5, bad])


def test_thresholds_may_be_any_finite_number(results):
    rates = stats.failure_rates(results, [-1.0, 2.0])
    assert set(rates.loc[rates["threshold"] == -1.0, "rate"]) == {1.0}
    assert set(rates.loc[rates["threshold"] == 2.0, "rate"]) == {0.0}


# -- describe_scores -------------------------------------------------------------------------
def test_describe_scores_hand_values(results):
    desc = stats.describe_scores(results)
    r = row(desc, model="bi1", category="negation")
    # [0.9, 0.8, 0.7]: mean 0.8; sd (ddof=1) = sqrt((0.01 + 0 + 0.01) / 2) = 0.1 (ddof=0 would give 0.0816)
    assert (r["n"], r["kind"], r["objective"]) == (3, "bi-encoder", "general")
    assert r["mean"] == pytest.approx(0.8) and r["sd"] == pytest.approx(0.1)
    assert (r["median"], r["min"], r["max"]) == (pytest.approx(0.8), 0.7, 0.9)
    assert len(desc) == 4 * 3
    assert list(desc.columns) == ["model", "kind", "objective", "category", "n", "mean", "sd", "median", "min", "max"]


def test_describe_sd_is_nan_for_one_score_and_nan_scores_are_left_out():
    df = frame([("a", "negation", "bi1", 0.4), ("b", "negation", "bi1", np.nan)])
    r = stats.describe_scores(df).iloc[0]
    assert r["n"] == 1 and r["mean"] == 0.4 and math.isnan(r["sd"])


def test_describe_orders_categories_study_first_then_custom_alphabetically():
    cats = ["sarcasm", "positive_control", "negation", "entity_swap", "aardvark"]
    df = frame([(f"p{i}", c, "bi1", 0.5) for i, c in enumerate(cats)])
    assert list(stats.describe_scores(df)["category"]) == [
        "negation",
        "entity_swap",
        "positive_control",
        "aardvark",
        "sarcasm",
    ]


# -- failure rates ---------------------------------------------------------------------------
def test_failure_rates_are_inclusive_and_labelled(results):
    rates = stats.failure_rates(results, [0.5, 0.8])
    # bi1 negation [0.9, 0.8, 0.7]: >= 0.8 -> 0.9 and 0.8 (the equal score counts) -> 2/3
    r = row(rates, model="bi1", category="negation", threshold=0.8)
    assert (r["n"], r["n_at_or_above"], r["rate"], r["meaning"]) == (3, 2, pytest.approx(2 / 3), "failure_rate")
    # ce1 negation [0.1, 0.2, 0.6] at 0.5 -> 1/3
    assert row(rates, model="ce1", category="negation", threshold=0.5)["rate"] == pytest.approx(1 / 3)
    # positive controls are a pass rate: ce_ret [0.6, 0.5] at 0.5 -> 1.0
    r = row(rates, model="ce_ret", category="positive_control", threshold=0.5)
    assert r["rate"] == 1.0 and r["meaning"] == "pass_rate"
    assert len(rates) == 4 * 3 * 2


def test_expected_column_sets_direction_of_custom_categories_only():
    df = frame([("a", "close_paraphrase", "bi1", 0.9), ("b", "sarcasm", "bi1", 0.9), ("c", "negation", "bi1", 0.9)])
    df["expected"] = ["high", "", "high"]  # "high" on a built-in category is ignored: negation stays low
    meaning = stats.failure_rates(df, 0.5).set_index("category")["meaning"]
    assert meaning.to_dict() == {"negation": "failure_rate", "close_paraphrase": "pass_rate", "sarcasm": "failure_rate"}
    df["expected"] = ["high", "low", "sideways"]
    with pytest.raises(ValueError, match="'low' or 'high'"):
        stats.failure_rates(df, 0.5)
    clash = frame([("a", "x", "bi1", 0.9), ("b", "x", "bi1", 0.1)]).assign(expected=["high", "low"])
    with pytest.raises(ValueError, match="both low and high"):
        stats.failure_rates(clash, 0.5)


def test_failure_rates_at_uses_each_models_threshold(results):
    rates = stats.failure_rates_at(results, {"bi1": 0.85, "bi2": 0.5, "ce1": 0.15, "ce_ret": 0.99, "other": 3})
    # bi1 negation [0.9, 0.8, 0.7] >= 0.85 -> 1/3; ce1 [0.1, 0.2, 0.6] >= 0.15 -> 2/3; ce_ret >= 0.99 -> 1/3
    assert row(rates, model="bi1", category="negation")["rate"] == pytest.approx(1 / 3)
    assert row(rates, model="ce1", category="negation")["rate"] == pytest.approx(2 / 3)
    assert row(rates, model="ce_ret", category="negation")["threshold"] == 0.99
    with pytest.raises(ValueError, match="no threshold given for model\\(s\\): ce1, ce_ret"):
        stats.failure_rates_at(results, {"bi1": 0.5, "bi2": 0.5})
    with pytest.raises(ValueError, match="finite"):
        stats.failure_rates_at(results, {"bi1": 0.5, "bi2": 0.5, "ce1": math.nan, "ce_ret": 0.5})


def test_family_failure_rates_mean_of_model_rates_vs_pooled():
    # A: 1 of 2 at or above 0.5; B: 3 of 3 (its fourth score is NaN and left out).
    df = frame(
        [
            ("a", "negation", "bi1", 0.9),
            ("b", "negation", "bi1", 0.1),
            ("a", "negation", "bi2", 0.9),
            ("b", "negation", "bi2", 0.8),
            ("c", "negation", "bi2", 0.7),
            ("d", "negation", "bi2", np.nan),
            ("a", "negation", "ce_ret", 0.9),
        ]
    )
    fam = stats.family_failure_rates(df, [0.5])
    r = row(fam, kind="bi-encoder")
    assert r["mean_rate"] == pytest.approx(0.75)  # (1/2 + 3/3) / 2
    assert r["pooled_rate"] == pytest.approx(0.8)  # 4 / 5
    assert r["n_models"] == 2
    no_retrieval = stats.family_failure_rates(df, [0.5], exclude_objectives=("retrieval",))
    assert list(no_retrieval["kind"]) == ["bi-encoder"]
    with pytest.raises(ValueError, match="no models left"):
        stats.family_failure_rates(df, 0.5, exclude_objectives=("retrieval", "general"))


def test_describe_with_ci_matches_plain_tables(results):
    table = stats.describe_with_ci(results, 0.5, n_resamples=200)
    rates = stats.failure_rates(results, 0.5)
    desc = stats.describe_scores(results)
    assert len(table) == len(rates) == len(desc)
    np.testing.assert_allclose(table["rate"], rates["rate"])
    np.testing.assert_allclose(table["mean"], desc["mean"])
    assert (table["mean_ci_low"] <= table["mean"]).all() and (table["mean"] <= table["mean_ci_high"]).all()
    assert (table["rate_ci_low"] <= table["rate"]).all() and (table["rate"] <= table["rate_ci_high"]).all()


# -- headline --------------------------------------------------------------------------------
def test_best_and_worst_with_ties_broken_by_mean():
    rows = [
        ("n1", "negation", "A", 0.6),
        ("n2", "negation", "A", 0.2),
        ("n3", "negation", "A", 0.1),
        ("n1", "negation", "B", 0.1),
        ("n2", "negation", "B", 0.1),
        ("n3", "negation", "B", 0.1),
        ("n1", "negation", "C", 0.05),
        ("n2", "negation", "C", 0.05),
        ("n3", "negation", "C", 0.05),
        ("p1", "positive_control", "A", 0.9),
        ("p2", "positive_control", "A", 0.9),
        ("p1", "positive_control", "B", 0.6),
        ("p2", "positive_control", "B", 0.6),
        ("p1", "positive_control", "C", 0.4),
        ("p2", "positive_control", "C", 0.9),
    ]
    meta = {m: ("bi-encoder", "general") for m in "ABC"}
    table = stats.best_and_worst(frame(rows, meta), 0.5)
    # negation rates A 1/3, B 0, C 0; B and C tie on rate, C has the lower mean -> best C, worst A
    neg = row(table, category="negation")
    assert (neg["best_model"], neg["best_rate"], neg["worst_model"]) == ("C", 0.0, "A")
    assert neg["worst_rate"] == pytest.approx(1 / 3) and neg["meaning"] == "failure_rate"
    # pass rates A 1, B 1, C 0.5; A and B tie, A has the higher mean -> best A, worst C
    pos = row(table, category="positive_control")
    assert (pos["best_model"], pos["worst_model"], pos["worst_rate"], pos["meaning"]) == ("A", "C", 0.5, "pass_rate")


def _controlled(seed: int = 3) -> pd.DataFrame:
    """Three models over categories of different sizes, with both kinds of control (so each can be calibrated)."""
    rng = np.random.default_rng(seed)
    sizes = {"negation": 9, "hedging": 4, "positive_control": 7, "negative_control": 6, "quantifier": 1}
    meta = {"bi": ("bi-encoder", "general"), "ce": ("cross-encoder", "nli"), "jac": ("baseline", "lexical")}
    rows = [
        (f"{cat}{i}", cat, m, float(np.round(rng.random(), 2)))
        for m in meta
        for cat, n in sizes.items()
        for i in range(n)
    ]
    return frame(rows, meta)


def test_rate_tables_count_every_threshold_exactly():
    df = _controlled()
    ts = [0.0, 0.25, 0.5, 0.5000001, 0.73, 1.0]  # rounded scores: some sit exactly on a threshold
    table = stats.failure_rates(df, ts)
    expected = [
        (m, c, t, int((g["score"].to_numpy() >= t).sum()), len(g))
        for m in dict.fromkeys(df["model"])
        for c in stats_categories(df)
        for g in [df[(df["model"] == m) & (df["category"] == c)]]
        for t in ts
    ]
    got = list(zip(table["model"], table["category"], table["threshold"], table["n_at_or_above"], table["n"]))
    assert got == expected
    assert list(table["rate"]) == [k / n for *_rest, k, n in expected]  # the same float division, bit for bit


def stats_categories(df: pd.DataFrame) -> list[str]:
    from compsem.data.categories import sort_categories

    return sort_categories(df["category"].unique())


def test_calibrated_rates_equal_one_table_per_model_at_its_threshold():
    df = _controlled()
    cal = stats.calibrated_thresholds(df)
    assert not cal["threshold"].isna().any()
    expected = pd.concat(
        [
            stats.describe_with_ci(df[df["model"] == m], float(t), n_resamples=300).assign(threshold=float(t))
            for m, t in zip(cal["model"], cal["threshold"])
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(stats.rates_with_ci(df, None, n_resamples=300), expected, check_exact=True)


def test_describe_with_ci_from_mean_intervals_computed_once_is_the_same_table(results):
    means = stats.cell_mean_cis(results, n_resamples=300)
    for t in (0.4, 0.7):
        pd.testing.assert_frame_equal(
            stats.describe_with_ci(results, t, n_resamples=300, mean_intervals=means),
            stats.describe_with_ci(results, t, n_resamples=300),
            check_exact=True,
        )
    first_cell = next(iter(means))
    with pytest.raises(ValueError, match="not those of these results"):
        stats.describe_with_ci(results, 0.5, n_resamples=300, mean_intervals={first_cell: means[first_cell]})
