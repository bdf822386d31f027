"""compsem.stats.separation: ROC-AUC and calibrated thresholds, hand-worked."""

from __future__ import annotations

import math

import pytest
from stats_data import META, PAIRS, SCORES, frame, results, row  # noqa: F401 - results is a fixture

from compsem import stats


# -- ROC-AUC and calibration -----------------------------------------------------------------
def test_roc_auc_hand_value_and_category_selection():
    rows = [
        ("p1", "positive_control", "bi1", 0.9),
        ("p2", "positive_control", "bi1", 0.8),
        ("p3", "positive_control", "bi1", 0.5),
        ("n1", "negation", "bi1", 0.5),
        ("n2", "negation", "bi1", 0.1),
        ("m1", "near_miss_control", "bi1", 0.95),
        ("u1", "negative_control", "bi1", 0.0),
        ("s1", "sarcasm", "bi1", 0.2),
        ("c1", "close", "bi1", 0.9),
        ("n1", "negation", "bi2", 0.3),
    ]
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
