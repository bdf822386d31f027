"""Evaluation metrics for trained cross-encoders: pure functions, no I/O, no models.

Each takes two equal-length sequences (lists, arrays or Series) and returns a float.
Inputs are checked and a ``ValueError`` with a readable sentence is raised for bad input.

Example:
    >>> accuracy([1, 0, 1], [1, 1, 1])
    0.6666666666666666
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _pair(y_true: ArrayLike, y_pred: ArrayLike, min_n: int = 1) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(y_true), np.asarray(y_pred)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError("expected two flat sequences of values.")
    if len(a) != len(b):
        raise ValueError(f"the two sequences differ in length ({len(a)} vs {len(b)}).")
    if len(a) < min_n:
        raise ValueError(f"need at least {min_n} values, got {len(a)}.")
    return a, b


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Share of positions where prediction equals truth: (1/n) Σ 1[y_i = ŷ_i].

    Example:
        >>> accuracy(["a", "b"], ["a", "a"])
        0.5
    """
    a, b = _pair(y_true, y_pred)
    return float(np.mean(a == b))


def f1(y_true: ArrayLike, y_pred: ArrayLike, positive: int = 1) -> float:
    """F1 of the positive class: 2·TP / (2·TP + FP + FN); 0.0 when there is no TP, FP or FN.

    TP = predicted positive and truly positive, FP = predicted positive but negative,
    FN = predicted negative but positive.

    Example:
        >>> f1([1, 1, 0, 0], [1, 0, 1, 0])
        0.5
    """
    a, b = _pair(y_true, y_pred)
    tp = int(np.sum((a == positive) & (b == positive)))
    fp = int(np.sum((a != positive) & (b == positive)))
    fn = int(np.sum((a == positive) & (b != positive)))
    denom = 2 * tp + fp + fn
    return 2 * tp / denom if denom else 0.0


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson correlation r = Σ(x-x̄)(y-ȳ) / sqrt(Σ(x-x̄)² Σ(y-ȳ)²).

    Raises:
        ValueError: fewer than 2 values, or a constant sequence (r undefined).

    Example:
        >>> round(pearson([1, 2, 3], [2, 4, 7]), 4)
        0.9934
    """
    a, b = _pair(x, y, min_n=2)
    a, b = a.astype(float), b.astype(float)
    da, db = a - a.mean(), b - b.mean()
    denom = np.sqrt(np.sum(da * da) * np.sum(db * db))
    if denom == 0:
        raise ValueError("correlation is undefined when one sequence is constant.")
    return float(np.sum(da * db) / denom)


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman's rho: the Pearson correlation of the ranks (ties get their average rank).

    Example:
        >>> spearman([1, 2, 3], [10, 20, 25])
        1.0
    """
    from scipy.stats import rankdata  # heavy (scipy.stats); the dashboard imports this module before it needs it

    a, b = _pair(x, y, min_n=2)
    return pearson(rankdata(a.astype(float)), rankdata(b.astype(float)))
