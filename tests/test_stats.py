"""compsem.stats: every number checked against a hand-worked value (in the comments) or scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from compsem import stats

META = {
    "bi1": ("bi-encoder", "general"),
    "bi2": ("bi-encoder", "general"),
    "ce1": ("cross-encoder", "sts"),
    "ce_ret": ("cross-encoder", "retrieval"),
}

# Scores per model for each pair: pair -> category, and model -> {pair: score}.
PAIRS = {"n1": "negation", "n2": "negation", "n3": "negation", "h1": "hedging", "h2": "hedging",
         "p1": "positive_control", "p2": "positive_control"}
SCORES = {
    "bi1": {"n1": 0.9, "n2": 0.8, "n3": 0.7, "h1": 0.7, "h2": 0.4, "p1": 0.9, "p2": 0.8},
    "bi2": {"n1": 0.95, "n2": 0.85, "n3": 0.6, "h1": 0.6, "h2": 0.3, "p1": 0.85, "p2": 0.95},
    "ce1": {"n1": 0.1, "n2": 0.2, "n3": 0.6, "h1": 0.6, "h2": 0.5, "p1": 0.9, "p2": 0.7},
    "ce_ret": {"n1": 0.99, "n2": 0.98, "n3": 0.97, "h1": 0.9, "h2": 0.9, "p1": 0.6, "p2": 0.5},
}


def frame(rows, meta=META) -> pd.DataFrame:
    """Tidy results from (pair_id, category, model, score) rows."""
    return pd.DataFrame(
        [{"pair_id": p, "category": c, "model": m, "kind": meta[m][0], "objective": meta[m][1],
          "raw_score": s, "score": s} for p, c, m, s in rows]
    )


@pytest.fixture
def results() -> pd.DataFrame:
    return frame([(p, PAIRS[p], m, s) for m, by_pair in SCORES.items() for p, s in by_pair.items()])


def row(df: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(df), dtype=bool)
    for k, v in where.items():
        mask &= (df[k] == v).to_numpy()
    assert mask.sum() == 1, f"{mask.sum()} rows match {where}"
    return df[mask].iloc[0]


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
    assert list(stats.describe_scores(df)["category"]) == ["negation", "entity_swap", "positive_control",
                                                            "aardvark", "sarcasm"]


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
    df = frame([("a", "negation", "bi1", 0.9), ("b", "negation", "bi1", 0.1),
                ("a", "negation", "bi2", 0.9), ("b", "negation", "bi2", 0.8), ("c", "negation", "bi2", 0.7),
                ("d", "negation", "bi2", np.nan), ("a", "negation", "ce_ret", 0.9)])
    fam = stats.family_failure_rates(df, [0.5])
    r = row(fam, kind="bi-encoder")
    assert r["mean_rate"] == pytest.approx(0.75)  # (1/2 + 3/3) / 2
    assert r["pooled_rate"] == pytest.approx(0.8)  # 4 / 5
    assert r["n_models"] == 2
    no_retrieval = stats.family_failure_rates(df, [0.5], exclude_objectives=("retrieval",))
    assert list(no_retrieval["kind"]) == ["bi-encoder"]
    with pytest.raises(ValueError, match="no models left"):
        stats.family_failure_rates(df, 0.5, exclude_objectives=("retrieval", "general"))


# -- Cohen's d -------------------------------------------------------------------------------
def test_cohens_d_hand_values():
    e = stats.cohens_d([1, 2, 3], [4, 5, 6])  # s_x = s_y = 1, s_p = 1, d = (2 - 5) / 1
    assert (e.d, e.mean_x, e.mean_y, e.pooled_sd, e.n_x, e.n_y) == (pytest.approx(-3), 2, 5, pytest.approx(1), 3, 3)
    # Unequal n: x = [0, 2] (s^2 = 2), y = [1, 1, 1, 5] (mean 2, s^2 = 12/3 = 4)
    # s_p = sqrt((1*2 + 3*4) / (2 + 4 - 2)) = sqrt(3.5); d = (1 - 2) / sqrt(3.5) = -0.534522
    e = stats.cohens_d([0, 2], [1, 1, 1, 5])
    assert e.pooled_sd == pytest.approx(math.sqrt(3.5)) and e.d == pytest.approx(-0.5345225)


def test_cohens_d_zero_pooled_sd_and_degenerate_sizes():
    assert stats.cohens_d([0.1, 0.1, 0.1], [0.1, 0.1]).d == 0.0
    assert stats.cohens_d([0.7, 0.7], [0.1, 0.1]).d == math.inf
    assert stats.cohens_d([0.1, 0.1], [0.7, 0.7]).d == -math.inf
    one_each = stats.cohens_d([1.0], [2.0])  # n_x + n_y - 2 = 0: no pooled SD
    assert math.isnan(one_each.d) and math.isnan(one_each.pooled_sd)
    assert stats.cohens_d([1.0, np.nan, 3.0], [4.0, 5.0, 6.0]).n_x == 2  # NaN dropped
    with pytest.raises(ValueError, match="y is empty"):
        stats.cohens_d([1.0], [np.nan])


# -- Mann-Whitney and Wilcoxon ---------------------------------------------------------------
def test_mann_whitney_hand_values():
    r = stats.mann_whitney([1, 2, 3], [4, 5, 6])  # U_x = 0, r = -1, exact p = 2 / C(6,3) = 0.1
    assert (r.statistic, r.effect_size, r.n) == (0, -1, 6) and r.pvalue == pytest.approx(0.1)
    # x = [1, 3, 5], y = [2, 4]: x beats y in (3,2), (5,2), (5,4) -> U_x = 3, r = 2*3/6 - 1 = 0
    assert stats.mann_whitney([1, 3, 5], [2, 4]).effect_size == pytest.approx(0)
    # ties count half: x = [1, 2], y = [2, 3] -> U_x = 0.5, r = 2*0.5/4 - 1 = -0.75
    r = stats.mann_whitney([1, 2], [2, 3])
    assert r.statistic == 0.5 and r.effect_size == pytest.approx(-0.75)
    all_tied = stats.mann_whitney([0.5, 0.5], [0.5])
    assert (all_tied.statistic, all_tied.pvalue, all_tied.effect_size) == (1.0, 1.0, 0.0)


def test_mann_whitney_matches_scipy_with_ties():
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 10, 40) / 10, rng.integers(2, 12, 30) / 10
    ref = sps.mannwhitneyu(x, y, alternative="two-sided")
    got = stats.mann_whitney(x, y)
    assert got.statistic == ref.statistic and got.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    assert got.effect_size == pytest.approx(2 * ref.statistic / (40 * 30) - 1)


def test_wilcoxon_hand_values_and_scipy():
    x, y = [1, -2, 3, 4, 0], [0, 0, 0, 0, 0]
    # differences 1, -2, 3, 4, 0 -> zero dropped, ranks 1..4; T+ = 1 + 3 + 4 = 8, T- = 2
    r = stats.wilcoxon_paired(x, y)
    assert r.statistic == 2 and r.effect_size == pytest.approx(0.6) and r.n == 5  # (8 - 2) / 10
    assert r.pvalue == pytest.approx(sps.wilcoxon(x, y).pvalue)
    rng = np.random.default_rng(2)
    a = rng.normal(size=60)
    b = a + rng.normal(0.3, 1, size=60)
    ref = sps.wilcoxon(a, b)
    got = stats.wilcoxon_paired(a, b)
    assert got.statistic == ref.statistic and got.pvalue == pytest.approx(ref.pvalue, rel=1e-12)


def test_wilcoxon_all_zero_differences_nan_pairs_and_lengths():
    r = stats.wilcoxon_paired([0.3, 0.5], [0.3, 0.5])
    assert (r.statistic, r.pvalue, r.effect_size, r.n) == (0.0, 1.0, 0.0, 2)
    # the NaN pair is dropped: differences 0.5, 0.25 -> T+ = 3, T- = 0, r = 1
    r = stats.wilcoxon_paired([1.0, np.nan, 0.5], [0.5, 0.2, 0.25])
    assert r.n == 2 and r.effect_size == 1.0
    with pytest.raises(ValueError, match="same length"):
        stats.wilcoxon_paired([1, 2], [1])
    with pytest.raises(ValueError, match="no complete pairs"):
        stats.wilcoxon_paired([np.nan], [1])


# -- Holm ------------------------------------------------------------------------------------
def test_holm_hand_worked_step_down():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
    # running max -> 0.02, 0.03, 0.06, 0.06 (the last is lifted to keep the order monotone)
    got = stats.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(got, [0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_skips_nan():
    # 2 * 0.6 = 1.2 -> 1; 0.7 lifted to 1 by the running max
    np.testing.assert_allclose(stats.holm([0.6, 0.7]), [1.0, 1.0])
    # m counts the two non-NaN values: 2 * 0.01 = 0.02, 1 * 0.04 = 0.04
    got = stats.holm([0.01, np.nan, 0.04])
    assert got[0] == pytest.approx(0.02) and math.isnan(got[1]) and got[2] == pytest.approx(0.04)
    assert stats.holm([]).size == 0 and math.isnan(stats.holm([np.nan])[0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        stats.holm([0.5, 1.5])


# -- family and model comparisons ------------------------------------------------------------
def test_family_comparison_without_retrieval_hand_values(results):
    table = stats.family_comparison(results, exclude_objectives=("retrieval",))
    assert list(table["category"]) == ["negation", "hedging", "positive_control"]
    r = row(table, category="negation")
    # R (bi) = [.9, .8, .7, .95, .85, .6], mean 0.8; O (ce1) = [.1, .2, .6], mean 0.3
    assert r["reference_mean"] == pytest.approx(0.8) and r["other_mean"] == pytest.approx(0.3)
    assert r["difference"] == pytest.approx(0.5)
    # sum of squares O: .04 + .01 + .09 = .14; R: .01 + 0 + .01 + .0225 + .0025 + .04 = .085
    # s_p = sqrt(.225 / 7) = 0.179284; d = (0.3 - 0.8) / s_p = -2.78887 (negative: cross-encoder lower)
    assert r["cohens_d"] == pytest.approx(-2.788867, rel=1e-5)
    # U of O: only 0.6 ties with 0.6 in R -> 0.5; rank-biserial 2 * 0.5 / 18 - 1
    o, ref = [0.1, 0.2, 0.6], [0.9, 0.8, 0.7, 0.95, 0.85, 0.6]
    assert r["mw_statistic"] == 0.5 and r["mw_rank_biserial"] == pytest.approx(-17 / 18)
    assert r["mw_pvalue"] == pytest.approx(sps.mannwhitneyu(o, ref).pvalue)
    # per-pair bi means .925, .825, .65 vs ce1 .1, .2, .6: every difference negative -> T+ = 0, r = -1
    assert r["wilcoxon_statistic"] == 0 and r["wilcoxon_rank_biserial"] == -1
    assert r["wilcoxon_pvalue"] == pytest.approx(sps.wilcoxon([0.1, 0.2, 0.6], [0.925, 0.825, 0.65]).pvalue)
    assert (r["n_reference_models"], r["n_other_models"], r["n_pairs"]) == (2, 1, 3)
    np.testing.assert_allclose(table["holm_pvalue_mw"], stats.holm(table["mw_pvalue"]))
    np.testing.assert_allclose(table["holm_pvalue_wilcoxon"], stats.holm(table["wilcoxon_pvalue"]))
    assert (table["holm_pvalue_mw"] >= table["mw_pvalue"]).all()


def test_family_comparison_keeps_retrieval_models_unless_excluded(results):
    r = row(stats.family_comparison(results, categories=["negation"]), category="negation")
    # O = ce1 + ce_ret = [.1, .2, .6, .99, .98, .97], mean 3.84 / 6 = 0.64
    assert r["other_mean"] == pytest.approx(0.64) and r["n_other_models"] == 2
    # the exclusion applies to the other family only: a "general" objective is not dropped from the bi-encoders
    r = row(stats.family_comparison(results, exclude_objectives="general"), category="negation")
    assert r["n_reference_models"] == 2


def test_family_comparison_errors(results):
    with pytest.raises(ValueError, match="no baseline models"):
        stats.family_comparison(results, other="baseline")
    with pytest.raises(ValueError, match="after excluding objective\\(s\\) retrieval, sts"):
        stats.family_comparison(results, exclude_objectives=("retrieval", "sts"))
    with pytest.raises(ValueError, match="not in the results: sarcasm"):
        stats.family_comparison(results, categories=["sarcasm"])


def test_model_comparison_single_models_and_missing_sides(results):
    table = stats.model_comparison(results, ["bi1"], ["ce1"], categories=["negation"])
    r = row(table, category="negation")
    # bi1 [.9, .8, .7] vs ce1 [.1, .2, .6]: every ce1 score below every bi1 score -> U = 0
    assert r["mw_statistic"] == 0 and r["reference_mean"] == pytest.approx(0.8)
    assert r["holm_pvalue_mw"] == pytest.approx(r["mw_pvalue"])  # one category: Holm changes nothing
    with pytest.raises(ValueError, match="in both"):
        stats.model_comparison(results, ["bi1"], ["bi1", "ce1"])
    with pytest.raises(ValueError, match="not in the results: nope"):
        stats.model_comparison(results, ["nope"], ["ce1"])
    # a category only the reference scored: NaN statistics, ignored by Holm
    extra = pd.concat([results, frame([("q1", "quantifier", "bi1", 0.9)])])
    table = stats.model_comparison(extra, ["bi1"], ["ce1"])
    q = row(table, category="quantifier")
    assert math.isnan(q["cohens_d"]) and math.isnan(q["holm_pvalue_mw"]) and q["n_other_models"] == 0
    n = row(table, category="negation")
    assert n["holm_pvalue_mw"] == pytest.approx(min(1, 3 * n["mw_pvalue"]))  # m = 3, smallest p


def test_effect_size_table_holm_per_model_and_significance():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(8):
        rows += [(f"n{i}", "negation", "bi1", 0.9 + rng.uniform(0, 0.05)),
                 (f"n{i}", "negation", "ce1", 0.1 + rng.uniform(0, 0.05))]
        same = rng.uniform(0.4, 0.6)
        rows += [(f"h{i}", "hedging", "bi1", same), (f"h{i}", "hedging", "ce1", same)]
    table = stats.effect_size_table(frame(rows), ["bi1"])
    assert list(table["model"]) == ["ce1", "ce1"]
    neg, hedge = row(table, category="negation"), row(table, category="hedging")
    # complete separation of 8 vs 8: exact p = 2 / C(16, 8) = 1.55e-4; Holm over 2 categories doubles it
    assert neg["mw_pvalue"] == pytest.approx(2 / math.comb(16, 8))
    assert neg["holm_pvalue"] == pytest.approx(2 * neg["mw_pvalue"])
    assert neg["cohens_d"] < -10 and bool(neg["significant"])
    assert hedge["cohens_d"] == 0.0 and hedge["mw_pvalue"] == pytest.approx(1.0) and not hedge["significant"]
    with pytest.raises(ValueError, match="every model is in reference_models"):
        stats.effect_size_table(frame(rows), ["bi1", "ce1"])


# -- bootstrap -------------------------------------------------------------------------------
def test_bootstrap_percentile_on_a_two_point_sample():
    # Resampling [0, 1]: mean 0, 0.5, 1 with probability 1/4, 1/2, 1/4.
    # 95%: quantiles 0.025 and 0.975 -> [0, 1]; 40%: quantiles 0.3 and 0.7 fall in the 0.5 block.
    wide = stats.bootstrap_ci([0.0, 1.0], n_resamples=4000, confidence=0.95)
    assert (wide.low, wide.high, wide.estimate, wide.n) == (0.0, 1.0, 0.5, 2)
    narrow = stats.bootstrap_ci([0.0, 1.0], n_resamples=4000, confidence=0.4)
    assert (narrow.low, narrow.high) == (0.5, 0.5)


def test_bootstrap_mean_ci_close_to_normal_theory_and_reproducible():
    values = np.random.default_rng(4).normal(0.5, 0.1, size=400)
    ci = stats.bootstrap_ci(values, n_resamples=2000, seed=7)
    half = 1.96 * values.std(ddof=1) / math.sqrt(values.size)
    assert ci.low == pytest.approx(values.mean() - half, abs=0.2 * half)
    assert ci.high == pytest.approx(values.mean() + half, abs=0.2 * half)
    assert ci == stats.bootstrap_ci(values, n_resamples=2000, seed=7)
    assert ci != stats.bootstrap_ci(values, n_resamples=2000, seed=8)
    assert ci.method == "percentile bootstrap" and ci.confidence == 0.95


def test_bootstrap_failure_rate_and_argument_checks():
    ci = stats.bootstrap_ci([0.9, 0.8, 0.95, 0.4], "failure_rate", threshold=0.5)
    assert ci.estimate == 0.75 and 0 <= ci.low <= 0.75 <= ci.high <= 1
    const = stats.bootstrap_ci([0.7, 0.7, np.nan], "failure_rate", threshold=0.7)  # NaN dropped, 0.7 >= 0.7
    assert (const.low, const.high, const.n) == (1.0, 1.0, 2)
    with pytest.raises(ValueError, match="needs a threshold"):
        stats.bootstrap_ci([0.5], "failure_rate")
    with pytest.raises(ValueError, match="only used with"):
        stats.bootstrap_ci([0.5], "mean", threshold=0.5)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        stats.bootstrap_ci([0.5], confidence=1.0)
    with pytest.raises(ValueError, match="positive integer"):
        stats.bootstrap_ci([0.5], n_resamples=0)
    with pytest.raises(ValueError, match="'mean' or 'failure_rate'"):
        stats.bootstrap_ci([0.5], "median")
    with pytest.raises(ValueError, match="values is empty"):
        stats.bootstrap_ci([])


def test_describe_with_ci_matches_plain_tables(results):
    table = stats.describe_with_ci(results, 0.5, n_resamples=200)
    rates = stats.failure_rates(results, 0.5)
    desc = stats.describe_scores(results)
    assert len(table) == len(rates) == len(desc)
    np.testing.assert_allclose(table["rate"], rates["rate"])
    np.testing.assert_allclose(table["mean"], desc["mean"])
    assert (table["mean_ci_low"] <= table["mean"]).all() and (table["mean"] <= table["mean_ci_high"]).all()
    assert (table["rate_ci_low"] <= table["rate"]).all() and (table["rate"] <= table["rate_ci_high"]).all()


# -- ROC-AUC and calibration -----------------------------------------------------------------
def test_roc_auc_hand_value_and_category_selection():
    rows = [("p1", "positive_control", "bi1", 0.9), ("p2", "positive_control", "bi1", 0.8),
            ("p3", "positive_control", "bi1", 0.5),
            ("n1", "negation", "bi1", 0.5), ("n2", "negation", "bi1", 0.1),
            ("m1", "near_miss_control", "bi1", 0.95),
            ("u1", "negative_control", "bi1", 0.0), ("s1", "sarcasm", "bi1", 0.2), ("c1", "close", "bi1", 0.9),
            ("n1", "negation", "bi2", 0.3)]
    df = frame(rows).assign(expected=[""] * 8 + ["high", ""])
    auc = stats.roc_auc_by_category(df)
    # negation: pairs (0.9>0.5, 0.9>0.1, 0.8>0.5, 0.8>0.1, 0.5=0.5 -> 1/2, 0.5>0.1) = 5.5 of 6
    assert row(auc, model="bi1", category="negation")["auc"] == pytest.approx(5.5 / 6)
    assert row(auc, model="bi1", category="near_miss_control")["auc"] == 0.0  # 0.95 beats every paraphrase
    assert row(auc, model="bi1", category="sarcasm")["auc"] == 1.0  # custom, expected low (default)
    assert set(auc.loc[auc["model"] == "bi1", "category"]) == {"negation", "near_miss_control", "sarcasm"}
    assert math.isnan(row(auc, model="bi2", category="negation")["auc"])  # bi2 has no positive controls


def test_calibrated_threshold_youden_ties_go_to_the_highest():
    pos, neg, near = [0.9, 0.7, 0.6], [0.65, 0.2], [0.1]
    rows = [(f"p{i}", "positive_control", "bi1", s) for i, s in enumerate(pos)]
    rows += [(f"n{i}", "negative_control", "bi1", s) for i, s in enumerate(neg)]
    rows += [("m0", "near_miss_control", "bi1", near[0]), ("p0", "positive_control", "bi2", 0.9)]
    cal = stats.calibrated_thresholds(frame(rows))
    # t: 0.9 -> J = 1/3; 0.7 -> 2/3 - 0; 0.65 -> 2/3 - 1/3; 0.6 -> 1 - 1/3; 0.2 -> 1 - 2/3; 0.1 -> 0
    # J = 2/3 at 0.7 and at 0.6: the higher, 0.7, wins
    r = row(cal, model="bi1")
    assert (r["threshold"], r["tpr"], r["fpr"], r["n_pos"], r["n_neg"]) == (0.7, pytest.approx(2 / 3), 0.0, 3, 3)
    assert r["youden_j"] == pytest.approx(2 / 3)
    assert math.isnan(row(cal, model="bi2")["threshold"])  # no negatives for bi2
    with pytest.raises(ValueError, match="needs positive_control"):
        stats.calibrated_thresholds(frame(rows[3:5]))
    with pytest.raises(ValueError, match="negative_control or near_miss_control"):
        stats.calibrated_thresholds(frame(rows[:3]))


# -- headline --------------------------------------------------------------------------------
def test_best_and_worst_with_ties_broken_by_mean():
    rows = [("n1", "negation", "A", 0.6), ("n2", "negation", "A", 0.2), ("n3", "negation", "A", 0.1),
            ("n1", "negation", "B", 0.1), ("n2", "negation", "B", 0.1), ("n3", "negation", "B", 0.1),
            ("n1", "negation", "C", 0.05), ("n2", "negation", "C", 0.05), ("n3", "negation", "C", 0.05),
            ("p1", "positive_control", "A", 0.9), ("p2", "positive_control", "A", 0.9),
            ("p1", "positive_control", "B", 0.6), ("p2", "positive_control", "B", 0.6),
            ("p1", "positive_control", "C", 0.4), ("p2", "positive_control", "C", 0.9)]
    meta = {m: ("bi-encoder", "general") for m in "ABC"}
    table = stats.best_and_worst(frame(rows, meta), 0.5)
    # negation rates A 1/3, B 0, C 0; B and C tie on rate, C has the lower mean -> best C, worst A
    neg = row(table, category="negation")
    assert (neg["best_model"], neg["best_rate"], neg["worst_model"]) == ("C", 0.0, "A")
    assert neg["worst_rate"] == pytest.approx(1 / 3) and neg["meaning"] == "failure_rate"
    # pass rates A 1, B 1, C 0.5; A and B tie, A has the higher mean -> best A, worst C
    pos = row(table, category="positive_control")
    assert (pos["best_model"], pos["worst_model"], pos["worst_rate"], pos["meaning"]) == ("A", "C", 0.5, "pass_rate")


def test_findings_full_results(results):
    sentences = stats.findings(results, 0.5)
    assert len(sentences) == 5
    # bi negation: every score >= 0.5 for both models -> 100%, mean (0.9+0.8+0.7+0.95+0.85+0.6)/6 = 0.800
    assert "bi-encoders fail most on Negation" in sentences[0] and "100%" in sentences[0]
    assert "0.800" in sentences[0] and "2 bi-encoder models" in sentences[0]
    # cross negation: ce1 1/3, ce_ret 3/3 -> mean 67%; mean score 3.84 / 6 = 0.640
    assert "from 100% to 67%" in sentences[1] and "0.640" in sentences[1]
    # cross hedging: ce1 [0.6, 0.5] -> 1, ce_ret -> 1: hedging 100% beats negation 67%
    assert "cross-encoders is Hedging" in sentences[2] and "100%" in sentences[2]
    assert "100% for bi-encoders, 100% for cross-encoders" in sentences[3]
    # ce_ret: adversarial mean (0.99+0.98+0.97+0.9+0.9)/5 = 0.948 > positive controls 0.550
    assert sentences[4].startswith("ce_ret (cross-encoder, retrieval objective)")
    assert "0.948" in sentences[4] and "0.550" in sentences[4]


def test_findings_degrade_with_one_model_or_one_family(results):
    one = stats.findings(results[results["model"] == "ce1"], 0.5)
    assert 1 <= len(one) < 5 and "cross-encoders fail most on Hedging" in one[0]
    bis = stats.findings(results[results["kind"] == "bi-encoder"], 0.5)
    assert not any("Cross-encoders" in s or "ce_ret" in s for s in bis)
    nothing = stats.findings(frame([("u1", "negative_control", "bi1", 0.1)]), 0.5)
    assert nothing == ["1 model(s) scored 1 pair(s); the results hold no adversarial categories or positive "
                       "controls to summarise."]
