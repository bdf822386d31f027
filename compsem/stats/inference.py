"""Tests and intervals: Cohen's d, Mann-Whitney U, Wilcoxon signed-rank, Holm, the percentile bootstrap.

Each function takes plain samples (not the tidy results) and returns a small frozen result
object whose docstring gives the formula.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from compsem.stats._common import _finite, _sample, _sps


# -- result types ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EffectSize:
    """Cohen's d of sample x against sample y.

    Attributes:
        d: (mean_x - mean_y) / pooled_sd; see :func:`cohens_d` for the degenerate cases.
        mean_x: mean of x.
        mean_y: mean of y.
        pooled_sd: pooled sample standard deviation (NaN when n_x + n_y < 3).
        n_x: number of values of x used (NaN dropped).
        n_y: number of values of y used (NaN dropped).
    """

    d: float
    mean_x: float
    mean_y: float
    pooled_sd: float
    n_x: int
    n_y: int


@dataclass(frozen=True)
class TestResult:
    """A two-sided significance test with its effect size.

    Attributes:
        statistic: the test statistic (which one is stated by the function that returns it).
        pvalue: two-sided p-value.
        effect_size: rank-biserial correlation in [-1, 1]; positive when x tends to be larger.
        n: number of observations used (both samples, or the number of complete pairs).
    """

    __test__ = False  # a library class, not a pytest test class (the name starts with "Test")

    statistic: float
    pvalue: float
    effect_size: float
    n: int


@dataclass(frozen=True)
class ConfidenceInterval:
    """A bootstrap confidence interval.

    Attributes:
        low: lower bound.
        high: upper bound.
        estimate: the statistic on the data as observed.
        n: number of values used (NaN dropped).
        confidence: nominal coverage, e.g. 0.95.
        method: how the interval was obtained, in words.
    """

    low: float
    high: float
    estimate: float
    n: int
    confidence: float
    method: str


# -- effect sizes and tests ------------------------------------------------------------------
def cohens_d(x: Iterable[float], y: Iterable[float]) -> EffectSize:
    """Cohen's d of x against y with the pooled standard deviation.

    d = (mean_x - mean_y) / s_p,  s_p = sqrt(((n_x - 1) s_x^2 + (n_y - 1) s_y^2) / (n_x + n_y - 2)),
    with n_x, n_y the sample sizes and s_x^2, s_y^2 the sample variances (ddof = 1; a sample
    of one contributes (n - 1) s^2 = 0). NaN values are dropped first.

    Degenerate cases: when s_p = 0 (every value of x equal, every value of y equal) d is 0 if
    the means are equal and +inf / -inf otherwise (complete separation); when
    n_x + n_y < 3, s_p is undefined and both s_p and d are NaN.

    Args:
        x: first sample (e.g. cross-encoder scores).
        y: second sample (e.g. bi-encoder scores).

    Returns:
        :class:`EffectSize`.

    Raises:
        ValueError: if either sample is empty.

    Example:
        x = [1, 2, 3], y = [4, 5, 6]: s_x = s_y = 1, s_p = 1, d = (2 - 5) / 1 = -3.
    """
    a, b = _sample(x, "x"), _sample(y, "y")
    nx, ny = a.size, b.size
    mx, my = float(a.mean()), float(b.mean())
    if nx + ny < 3:
        return EffectSize(math.nan, mx, my, math.nan, nx, ny)
    if a.min() == a.max() and b.min() == b.max():  # exact test: a float mean of equal values may be off by an ulp
        return EffectSize(0.0 if a[0] == b[0] else math.copysign(math.inf, a[0] - b[0]), mx, my, 0.0, nx, ny)
    ss = float(((a - mx) ** 2).sum() + ((b - my) ** 2).sum())  # (n_x-1)s_x^2 + (n_y-1)s_y^2
    sp = math.sqrt(ss / (nx + ny - 2))
    return EffectSize((mx - my) / sp, mx, my, sp, nx, ny)


def _midranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values`` (no NaN), tied values sharing the mean of their ranks.

    ``scipy.stats.rankdata(values)``'s numbers, from one stable sort: a tie group that fills sorted
    positions i+1..j gets (i + 1 + j) / 2, a half-integer held exactly in a float, so sums of ranks
    are exact integers or halves (up to 2**52) whichever way they are added.
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], values.size)
    ranks = np.empty(values.size, dtype=float)
    ranks[order] = np.repeat((starts + 1 + ends) / 2, ends - starts)
    return ranks


def _u_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """U of x: the number of (x_i, y_j) with x_i > y_j, ties counting 1/2 (via midranks of both samples at once)."""
    ranks = _midranks(np.concatenate([x, y]))
    return float(ranks[: x.size].sum() - x.size * (x.size + 1) / 2)


def mann_whitney(x: Iterable[float], y: Iterable[float]) -> TestResult:
    """Two-sided Mann-Whitney U test of x against y, with the rank-biserial correlation.

    statistic = U_x = #{(i, j): x_i > y_j} + 1/2 #{(i, j): x_i = y_j}, the U of the first
    sample (what ``scipy.stats.mannwhitneyu(x, y)`` returns); the p-value is scipy's with its
    defaults (exact for small samples without ties, else normal approximation with continuity
    correction). effect_size r = 2 U_x / (n_x n_y) - 1, in [-1, 1]: +1 when every x exceeds
    every y, -1 when every y exceeds every x. n = n_x + n_y. NaN values are dropped first.

    Args:
        x: first sample.
        y: second sample.

    Returns:
        :class:`TestResult`.

    Raises:
        ValueError: if either sample is empty.

    Example:
        x = [1, 2, 3], y = [4, 5, 6]: U_x = 0, r = -1, exact p = 2 / C(6, 3) = 0.1.
    """
    a, b = _sample(x, "x"), _sample(y, "y")
    if np.unique(np.concatenate([a, b])).size == 1:  # every value tied: no evidence either way
        return TestResult(a.size * b.size / 2, 1.0, 0.0, a.size + b.size)
    res = _sps.mannwhitneyu(a, b, alternative="two-sided")
    u = float(res.statistic)
    return TestResult(u, float(res.pvalue), 2 * u / (a.size * b.size) - 1, a.size + b.size)


def wilcoxon_paired(x: Iterable[float], y: Iterable[float]) -> TestResult:
    """Two-sided Wilcoxon signed-rank test on paired samples, with the matched-pairs rank-biserial r.

    With differences d_i = x_i - y_i, zero differences are dropped (scipy's default
    ``zero_method="wilcox"``) and the rest ranked by |d_i| (midranks for ties). T+ and T- are
    the rank sums of the positive and negative differences. statistic = min(T+, T-) (what
    ``scipy.stats.wilcoxon(x, y)`` returns for a two-sided test), pvalue is scipy's with its
    defaults, effect_size r = (T+ - T-) / (T+ + T-): +1 when every non-zero difference is
    positive (x larger). n = number of complete pairs. A pair with NaN on either side is
    dropped. When every difference is zero there is no evidence of a shift: statistic 0,
    pvalue 1.0, effect_size 0.

    Args:
        x: first sample (e.g. per-pair cross-encoder means).
        y: second sample, same length, paired by position.

    Returns:
        :class:`TestResult`.

    Raises:
        ValueError: if the lengths differ or no complete pair is left.

    Example:
        Differences 1, -2, 3, 4, 0: the zero is dropped, ranks 1, 2, 3, 4; T+ = 8, T- = 2,
        statistic = 2, r = (8 - 2) / 10 = 0.6.
    """
    try:
        a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("x and y must hold numbers") from None
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError("x and y must be one-dimensional")
    if a.size != b.size:
        raise ValueError(f"paired samples must have the same length, got {a.size} and {b.size}")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size == 0:
        raise ValueError("no complete pairs (after dropping NaN); a paired test needs at least one")
    diff = a - b
    nonzero = diff[diff != 0]
    if nonzero.size == 0:
        return TestResult(0.0, 1.0, 0.0, int(a.size))
    ranks = _midranks(np.abs(nonzero))
    t_plus, t_minus = float(ranks[nonzero > 0].sum()), float(ranks[nonzero < 0].sum())
    res = _sps.wilcoxon(a, b, alternative="two-sided")
    return TestResult(float(res.statistic), float(res.pvalue), (t_plus - t_minus) / (t_plus + t_minus), int(a.size))


def holm(pvalues: Iterable[float]) -> np.ndarray:
    """Holm-Bonferroni step-down adjusted p-values.

    With the m non-NaN p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value of
    the i-th is  p~_(i) = min(1, max_{j <= i} (m - j + 1) p_(j)),  so adjusted values never
    decrease along the order and never exceed 1. Reject H_(i) at level alpha when
    p~_(i) < alpha. NaN stays NaN and does not count towards m.

    Args:
        pvalues: p-values in [0, 1] (NaN allowed).

    Returns:
        Adjusted p-values in the input order.

    Raises:
        ValueError: if a p-value is outside [0, 1].

    Example:
        [0.01, 0.04, 0.03, 0.005] -> sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 =
        0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06 -> [0.03, 0.06, 0.06, 0.02].
    """
    try:
        p = np.asarray(list(pvalues), dtype=float)
    except (TypeError, ValueError):
        raise ValueError("p-values must be numbers") from None
    if p.ndim != 1:
        raise ValueError("p-values must be a flat sequence")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    m = int(ok.sum())
    if m == 0:
        return out
    idx = np.flatnonzero(ok)
    order = np.argsort(p[idx], kind="stable")
    stepped = (m - np.arange(m)) * p[idx][order]
    adjusted = np.minimum(1.0, np.maximum.accumulate(stepped))
    out[idx[order]] = adjusted
    return out


# -- confidence intervals --------------------------------------------------------------------
def bootstrap_ci(
    values: Iterable[float],
    statistic: Literal["mean", "failure_rate"] = "mean",
    threshold: float | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> ConfidenceInterval:
    """Percentile bootstrap confidence interval of a mean or of a failure rate.

    ``scipy.stats.bootstrap(method="percentile")`` with ``numpy.random.default_rng(seed)``:
    draw B = n_resamples samples of size n with replacement from the n values, compute the
    statistic on each - the mean, or the failure rate (1/n) #{i: v_i >= threshold} - and take
    the 100 (1 - confidence)/2 and 100 (1 + confidence)/2 percentiles of the B results (linear
    interpolation) as low and high. NaN values are dropped first. A sample of one value has
    the interval [v, v] (every resample is that value; scipy refuses n < 2).

    Args:
        values: the sample.
        statistic: ``"mean"`` or ``"failure_rate"`` (share at or above ``threshold``).
        threshold: required with ``"failure_rate"``, not allowed with ``"mean"``.
        n_resamples: number of bootstrap resamples B (>= 1).
        confidence: nominal coverage in (0, 1).
        seed: seed of the generator; the same seed gives the same interval.

    Returns:
        :class:`ConfidenceInterval`.

    Example:
        ``bootstrap_ci([0.9, 0.8, 0.95, 0.4], "failure_rate", threshold=0.5)`` has estimate 0.75.
    """
    arr = _sample(values, "values")
    if statistic not in ("mean", "failure_rate"):
        raise ValueError(f"statistic must be 'mean' or 'failure_rate', not {statistic!r}")
    if statistic == "failure_rate":
        if threshold is None:
            raise ValueError("statistic 'failure_rate' needs a threshold")
        t = _finite(threshold, "threshold")
    elif threshold is not None:
        raise ValueError("threshold is only used with statistic 'failure_rate'")
    conf = _bootstrap_args(n_resamples, confidence)
    sample = arr if statistic == "mean" else (arr >= t).astype(float)
    low, high = _percentile_bootstrap(sample[None, :], int(n_resamples), conf, seed)
    return ConfidenceInterval(
        float(low[0]), float(high[0]), float(sample.mean()), int(arr.size), conf, interval_method(int(arr.size))
    )


def mean_and_rate_ci(
    values: Iterable[float], threshold: float, n_resamples: int = 2000, confidence: float = 0.95, seed: int | None = 0
) -> tuple[ConfidenceInterval, ConfidenceInterval]:
    """:func:`bootstrap_ci` of the mean and of the failure rate at ``threshold``, from the same resamples.

    Equal to ``(bootstrap_ci(values, "mean", ...), bootstrap_ci(values, "failure_rate", threshold, ...))``
    with the same seed (both draw the same B x n indices), in one ``scipy.stats.bootstrap`` call:
    tables of every model x category need both, and one call costs about half of two.

    Example:
        ``mean_and_rate_ci([0.9, 0.8, 0.95, 0.4], 0.5)[1].estimate`` is 0.75.
    """
    arr = _sample(values, "values")
    t = _finite(threshold, "threshold")
    conf = _bootstrap_args(n_resamples, confidence)
    rows = np.stack([arr, (arr >= t).astype(float)])
    low, high = _percentile_bootstrap(rows, int(n_resamples), conf, seed)
    mean, rate = (
        ConfidenceInterval(
            float(low[i]), float(high[i]), float(rows[i].mean()), int(arr.size), conf, interval_method(int(arr.size))
        )
        for i in (0, 1)
    )
    return mean, rate


#: Above this many observations an interval is the normal approximation (mean ± z·s/√n), not the bootstrap:
#: it agrees with the percentile bootstrap to about 1e-3 there, and a bootstrap of a million-row sample
#: would cost minutes (B × n resampled values). Runs of the bundled pairs are far below it.
BOOTSTRAP_MAX_N = 5_000


def interval_method(n: int) -> str:
    """How an interval over ``n`` observations is computed: ``percentile bootstrap`` or the normal approximation."""
    return "percentile bootstrap" if n <= BOOTSTRAP_MAX_N else f"normal approximation (n > {BOOTSTRAP_MAX_N:,})"


def _bootstrap_args(n_resamples: int, confidence: float) -> float:
    """Checks the bootstrap's arguments; returns the confidence as a float."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, not {n_resamples!r}")
    conf = _finite(confidence, "confidence")
    if not 0 < conf < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, not {confidence!r}")
    return conf


def _normal_quantile(p: float) -> float:
    """The standard normal's p-quantile: ``scipy.special.ndtri``, the function ``scipy.stats.norm.ppf`` calls.

    The same number, without importing ``scipy.stats`` (a second of import) for a run whose intervals
    are all the normal approximation.
    """
    from scipy.special import ndtri

    return float(ndtri(p))


def _percentile_bootstrap(
    rows: np.ndarray, n_resamples: int, confidence: float, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap interval of the mean of each row, every row resampled with the same indices.

    ``rows`` has shape (k, n): k statistics of one sample of n (the values, the indicators
    v >= t). One sample value gives [v, v]: every resample is that value (scipy refuses n < 2).
    """
    if rows.shape[1] == 1:
        return rows[:, 0], rows[:, 0]
    if rows.shape[1] > BOOTSTRAP_MAX_N:  # mean ± z·s/√n, s the sample standard deviation (ddof=1)
        z = _normal_quantile(0.5 + confidence / 2)
        centre = rows.mean(axis=1)
        half = z * rows.std(axis=1, ddof=1) / np.sqrt(rows.shape[1])
        return centre - half, centre + half
    # scipy's bootstrap rather than a hand-written index matrix: the same numbers (compsem run's
    # summary.json and report.md are byte-identical). One call costs about 1 ms of scipy overhead
    # whatever the rows, so callers stack rows: one "sample" of n observations with k values each
    # (resampled along the last axis, the same indices for every row) serves the mean and the rate
    # of one cell, or of every cell of that size (mean_and_rate_cis).
    res = _sps.bootstrap(
        (rows,),
        np.mean,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        vectorized=True,
        axis=-1,
        rng=np.random.default_rng(seed),
    )
    ci = res.confidence_interval
    return np.atleast_1d(ci.low), np.atleast_1d(ci.high)
