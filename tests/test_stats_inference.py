"""compsem.stats.inference: Cohen's d, Mann-Whitney, Wilcoxon, Holm, bootstrap against hand values and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from stats_data import META, PAIRS, SCORES, frame, results, row  # noqa: F401 - results is a fixture

from compsem import stats


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


def test_mean_and_rate_ci_equals_two_bootstrap_calls():
    values = np.random.default_rng(5).random(23)
    mean, rate = stats.mean_and_rate_ci(values, 0.5, n_resamples=500, seed=3)
    assert mean == stats.bootstrap_ci(values, "mean", n_resamples=500, seed=3)
    assert rate == stats.bootstrap_ci(values, "failure_rate", threshold=0.5, n_resamples=500, seed=3)


@pytest.mark.parametrize("chunk", [2_000_000, 1])  # one call per sample size, and one call per sample
def test_mean_and_rate_cis_equals_one_call_per_sample_exactly(monkeypatch, chunk):
    from compsem.stats import batched

    monkeypatch.setattr(batched, "_RESAMPLE_VALUES", chunk)
    rng = np.random.default_rng(6)
    samples = [rng.random(int(n)) for n in rng.choice([1, 2, 7, 21, 21, 24], size=40)]
    samples += [[0.2, np.nan, 0.9, 0.6], [0.5] * 21]  # NaN dropped; a constant sample
    for seed in (0, 11):
        batched = stats.mean_and_rate_cis(samples, 0.6, n_resamples=300, seed=seed)
        assert batched == [stats.mean_and_rate_ci(s, 0.6, n_resamples=300, seed=seed) for s in samples]


@pytest.mark.parametrize("chunk", [1, 2_000_000])
def test_mean_intervals_computed_once_give_the_same_table_at_every_threshold(monkeypatch, chunk):
    # The dashboard computes the mean intervals once per selection and resamples only the rates per threshold;
    # the numbers must be those of one call, also for samples of a few hundred (where numpy sums a lone
    # stacked row in another order) and for a size only one sample has.
    from compsem.stats import batched

    monkeypatch.setattr(batched, "_RESAMPLE_VALUES", chunk)
    rng = np.random.default_rng(3)
    samples = [rng.random(n) for n in (300, 300, 300, 1100, 1100, 450, 2, 1)]
    means = stats.mean_cis(samples, n_resamples=400)
    assert means == [m for m, _r in stats.mean_and_rate_cis(samples, 0.5, n_resamples=400)]
    for t in (0.2, 0.5, [0.3, 0.6, 0.5, 0.7, 0.1, 0.45, 0.5, 0.5]):
        assert stats.mean_and_rate_cis(samples, t, n_resamples=400, means=means) == stats.mean_and_rate_cis(
            samples, t, n_resamples=400
        )
    with pytest.raises(ValueError, match="one mean interval per sample"):
        stats.mean_and_rate_cis(samples, 0.5, n_resamples=400, means=means[:-1])


def test_mean_and_rate_cis_without_a_seed_resamples_each_sample_on_its_own():
    same = [np.linspace(0, 1, 30)] * 2
    first, second = stats.mean_and_rate_cis(same, 0.5, n_resamples=200, seed=None)
    assert first[0] != second[0]  # a shared draw would give identical intervals
    assert stats.mean_and_rate_cis([], 0.5) == []
    with pytest.raises(ValueError, match="values is empty"):
        stats.mean_and_rate_cis([[0.5], []], 0.5)
    with pytest.raises(ValueError, match="finite"):
        stats.mean_and_rate_cis([[0.5]], math.nan)


def test_mean_and_rate_cis_reads_each_sample_at_its_own_threshold():
    rng = np.random.default_rng(8)
    samples = [rng.random(12) for _ in range(5)]
    ts = [0.1, 0.5, 0.5, 0.9, 0.3]
    assert stats.mean_and_rate_cis(samples, ts, n_resamples=250) == [
        stats.mean_and_rate_ci(s, t, n_resamples=250) for s, t in zip(samples, ts)
    ]
    with pytest.raises(ValueError, match="one per sample"):
        stats.mean_and_rate_cis(samples, [0.5, 0.5])
