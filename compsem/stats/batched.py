"""Intervals of many cells at once: the bootstrap of every model x category cell, one resampling per sample size.

The same numbers as :func:`compsem.stats.inference.mean_and_rate_ci` per cell (``tests/test_stats_inference.py``
compares them exactly); the tables of :mod:`compsem.stats.tables` read them, and a view that moves its
threshold computes the means' intervals once (:func:`mean_cis`) and resamples only the rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from compsem.stats._common import _finite, _sample
from compsem.stats.inference import ConfidenceInterval, _bootstrap_args, _percentile_bootstrap, interval_method


def mean_and_rate_cis(
    samples: Sequence[Iterable[float]],
    threshold: float | Sequence[float],
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
    means: Sequence[ConfidenceInterval] | None = None,
) -> list[tuple[ConfidenceInterval, ConfidenceInterval]]:
    """:func:`mean_and_rate_ci` of each sample, the same numbers, with one bootstrap per sample size.

    With a fixed seed, every sample of size n draws the same B x n resample indices
    (``numpy.random.default_rng(seed).integers(0, n, (B, n))``, what ``scipy.stats.bootstrap``
    draws), and each row's statistic and percentiles depend only on that row. So the samples of
    one size are stacked into one array and resampled by one ``scipy.stats.bootstrap`` call,
    and each interval equals the one :func:`mean_and_rate_ci` gives for that sample alone
    (``tests/test_stats_inference.py`` checks exact equality). A dashboard table of 144 model x
    category cells needs a few calls instead of 144. The indices do not depend on the threshold,
    so samples read at different thresholds (each model at its calibrated one) share them too.
    With ``seed=None`` every sample gets its own fresh generator, as with separate calls.

    Args:
        samples: one sample per cell (NaN dropped, as in :func:`mean_and_rate_ci`).
        threshold: finite threshold of the rate: one for every sample, or a sequence with one per sample.
        n_resamples: bootstrap resamples B per interval (>= 1).
        confidence: nominal coverage in (0, 1).
        seed: generator seed shared by every sample (None: a fresh generator per sample).
        means: the samples' mean intervals from :func:`mean_cis` with the same ``n_resamples``,
            ``confidence`` and ``seed``, when already computed: only the rates are resampled then
            (the mean reads no threshold; a view that moves its threshold computes it once).

    Returns:
        (mean interval, rate interval) per sample, in the order given.

    Raises:
        ValueError: as :func:`mean_and_rate_ci` (an empty sample, bad threshold or arguments), or
            ``means`` that are not one interval per sample of its size.

    Example:
        ``mean_and_rate_cis([[0.9, 0.8, 0.95, 0.4], [0.1, 0.2]], 0.5)[0][1].estimate`` is 0.75.
    """
    arrs = [_sample(v, "values") for v in samples]
    if isinstance(threshold, (int, float, np.number)):
        ts = [_finite(threshold, "threshold")] * len(arrs)
    else:
        ts = [_finite(t, "threshold") for t in threshold]
        if len(ts) != len(arrs):
            raise ValueError(f"give one threshold, or one per sample: {len(ts)} thresholds for {len(arrs)} samples")
    if means is not None and [m.n for m in means] != [a.size for a in arrs]:
        raise ValueError("give one mean interval per sample, of the same size, or none")
    conf = _bootstrap_args(n_resamples, confidence)
    rates = [(a >= t).astype(float) for a, t in zip(arrs, ts)]
    if means is not None:
        lows, highs = _stacked_bootstrap([r[None, :] for r in rates], int(n_resamples), conf, seed)
        return [
            (m, _interval(low[0], high[0], r, conf)) for m, r, low, high in zip(means, rates, lows, highs, strict=True)
        ]
    rows = [np.stack([a, r]) for a, r in zip(arrs, rates)]
    lows, highs = _stacked_bootstrap(rows, int(n_resamples), conf, seed)
    return [
        (_interval(low[0], high[0], a, conf), _interval(low[1], high[1], r, conf))
        for a, r, low, high in zip(arrs, rates, lows, highs, strict=True)
    ]


def mean_cis(
    samples: Sequence[Iterable[float]], n_resamples: int = 2000, confidence: float = 0.95, seed: int | None = 0
) -> list[ConfidenceInterval]:
    """The mean intervals of :func:`mean_and_rate_cis` alone (the same numbers): what reads no threshold.

    Example:
        ``mean_cis([[0.9, 0.8, 0.95, 0.4]])[0].estimate`` is 0.7625.
    """
    arrs = [_sample(v, "values") for v in samples]
    conf = _bootstrap_args(n_resamples, confidence)
    lows, highs = _stacked_bootstrap([a[None, :] for a in arrs], int(n_resamples), conf, seed)
    return [_interval(low[0], high[0], a, conf) for a, low, high in zip(arrs, lows, highs, strict=True)]


def _interval(low: float, high: float, values: np.ndarray, conf: float) -> ConfidenceInterval:
    """The interval of the mean of ``values`` (a sample, or its indicators v >= t for a rate)."""
    n = int(values.size)
    return ConfidenceInterval(float(low), float(high), float(values.mean()), n, conf, interval_method(n))


def _stacked_bootstrap(
    rows: Sequence[np.ndarray], b: int, conf: float, seed: int | None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """:func:`_percentile_bootstrap` of each (k, n) array, the arrays of one n stacked into one call."""
    lows: list[np.ndarray] = [np.empty(0)] * len(rows)
    highs: list[np.ndarray] = [np.empty(0)] * len(rows)
    by_size: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        by_size.setdefault(r.shape[1] if seed is not None else -1 - i, []).append(i)  # seed None: one group each
    for members in by_size.values():
        k, n = rows[members[0]].shape
        # Stacking is exact whatever the chunk of two rows or more; chunks bound the (rows, B, n) resample array
        # at ~16 MB, or two rows of the largest n (what a mean and a rate of one cell took before).
        per_call = max(1, 2 // k, _RESAMPLE_VALUES // (k * b * n))
        for start in range(0, len(members), per_call):
            chunk = members[start : start + per_call]
            stacked = np.concatenate([rows[i] for i in chunk])
            if stacked.shape[0] == 1:  # numpy sums a lone row's resamples in another order (1 ulp): give it two
                stacked = np.concatenate([stacked, stacked])
            low, high = _percentile_bootstrap(stacked, b, conf, seed)
            for j, i in enumerate(chunk):
                lows[i], highs[i] = low[k * j : k * j + k], high[k * j : k * j + k]
    return lows, highs


#: Most resampled values (rows x B x n) one bootstrap call of :func:`mean_and_rate_cis` holds in memory.
_RESAMPLE_VALUES = 2_000_000


__all__ = ["mean_and_rate_cis", "mean_cis"]
