"""compsem.stats.compare: family and model comparisons, effect-size tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from stats_data import META, PAIRS, SCORES, frame, results, row  # noqa: F401 - results is a fixture

from compsem import stats


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
        rows += [
            (f"n{i}", "negation", "bi1", 0.9 + rng.uniform(0, 0.05)),
            (f"n{i}", "negation", "ce1", 0.1 + rng.uniform(0, 0.05)),
        ]
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
