"""Metrics against hand-worked values and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from compsem.training import metrics as ev


def test_accuracy_hand_worked():
    assert ev.accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    assert ev.accuracy(["entailment"], ["entailment"]) == 1.0


def test_f1_hand_worked():
    # TP=2 (pos 0,1), FP=1 (pos 3), FN=1 (pos 2): F1 = 4 / (4 + 1 + 1)
    assert ev.f1([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]) == pytest.approx(4 / 6)
    assert ev.f1([0, 0], [0, 0]) == 0.0  # no positives anywhere
    assert ev.f1([0, 1], [0, 1], positive=0) == 1.0


def test_pearson_hand_worked():
    # x̄=2, ȳ=13/3: Σdxdy = (-1)(-7/3)+0+(1)(8/3) = 5; Σdx²=2; Σdy²=(49+1+64)/9=114/9
    assert ev.pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9))


def test_spearman_uses_average_ranks_for_ties():
    # ranks x: 1,2,3,4; ranks y: 1, 2.5, 2.5, 4
    expected = ev.pearson([1, 2, 3, 4], [1, 2.5, 2.5, 4])
    assert ev.spearman([1, 2, 3, 4], [5, 7, 7, 9]) == pytest.approx(expected)
    assert ev.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_against_scipy():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=50), rng.normal(size=50)
    assert ev.pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0])
    assert ev.spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0])


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="differ in length"):
        ev.accuracy([1, 2], [1])
    with pytest.raises(ValueError, match="constant"):
        ev.pearson([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="at least 2"):
        ev.spearman([1], [1])
