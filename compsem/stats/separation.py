"""Threshold-free separation and calibration: ROC-AUC per category, calibrated thresholds per model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from compsem.data.categories import sort_categories
from compsem.stats._common import _category_info, _model_meta, _models, _prepare
from compsem.stats.inference import _u_statistic


# -- threshold-free separation and calibration ------------------------------------------------
def roc_auc_by_category(df: pd.DataFrame) -> pd.DataFrame:
    """ROC-AUC of telling positive controls from each meaning-changing category, per model.

    Positives (label 1) are the model's positive-control scores P, negatives (label 0) its
    scores N in one category that a good model scores low and that is not an unrelated-pair
    control: adversarial, near-miss, and custom categories expected low. Through the
    Mann-Whitney identity, AUC = U_P / (n_P n_N) with U_P = #{(p, q): p > q} + 1/2 #{p = q}
    over p in P, q in N: the probability that a random paraphrase outscores a random pair of
    the category (ties count half). 1 = perfect separation, 0.5 = chance; threshold-free.
    NaN when P or N is empty.

    Args:
        df: tidy results.

    Returns:
        ``model, kind, objective, category, auc, n_pos, n_neg``.

    Example:
        P = [0.9, 0.8, 0.5], N = [0.5, 0.1]: U_P = 2 + 2 + 0.5 + 1 = 5.5, AUC = 5.5 / 6 = 0.917.
    """
    data = _prepare(df)
    info = _category_info(data)
    meta = _model_meta(data)
    targets = [
        c
        for c in sort_categories(info)
        if info[c].role in ("adversarial", "near_miss") or (info[c].role == "custom" and info[c].expected == "low")
    ]
    # Row positions per (model, category), in row order, into the score column: no sub-frame per group.
    score = data["score"].to_numpy()
    groups = {key: score[at] for key, at in data.groupby(["model", "category"], sort=False).indices.items()}
    rows = []
    for model in _models(data):
        pos = groups.get((model, "positive_control"), np.empty(0))
        for cat in targets:
            neg = groups.get((model, cat))
            if neg is None:
                continue
            auc = _u_statistic(pos, neg) / (pos.size * neg.size) if pos.size else math.nan
            rows.append(
                {
                    "model": model,
                    "kind": meta[model][0],
                    "objective": meta[model][1],
                    "category": cat,
                    "auc": auc,
                    "n_pos": int(pos.size),
                    "n_neg": int(neg.size),
                }
            )
    return pd.DataFrame(rows, columns=["model", "kind", "objective", "category", "auc", "n_pos", "n_neg"])


def calibrated_thresholds(df: pd.DataFrame) -> pd.DataFrame:
    """Per model, the threshold that best separates the controls (maximum Youden's J).

    Positives are the model's positive-control scores, negatives its negative-control and
    near-miss-control scores. A pair is predicted similar when score >= t. For each candidate
    t among the observed control scores, TPR(t) = #{positives >= t} / n_pos,
    FPR(t) = #{negatives >= t} / n_neg and J(t) = TPR(t) - FPR(t); the chosen t maximizes J.
    Ties in J go to the highest threshold (the strictest cut that does as well). A model
    without positives or without negatives gets a row of NaN.

    Args:
        df: tidy results.

    Returns:
        ``model, kind, objective, threshold, youden_j, tpr, fpr, n_pos, n_neg``.

    Raises:
        ValueError: if the results hold no positive controls, or neither negative nor near-miss controls.

    Example:
        Positives 0.9, 0.7, 0.6; negatives 0.65, 0.2, 0.1: J(0.7) = 2/3 - 0 and J(0.6) = 1 - 1/3
        tie at 2/3, so t = 0.7 (TPR 2/3, FPR 0).
    """
    data = _prepare(df)
    cats = set(pd.unique(data["category"]))
    if "positive_control" not in cats:
        raise ValueError("calibrating a threshold needs positive_control pairs; the results have none")
    if not {"negative_control", "near_miss_control"} & cats:
        raise ValueError(
            "calibrating a threshold needs negative_control or near_miss_control pairs; the results have neither"
        )
    meta = _model_meta(data)
    # Masks and row positions computed once, not three filters per model (this runs on a dashboard selection change).
    score = data["score"].to_numpy()
    is_pos = (data["category"] == "positive_control").to_numpy()
    is_neg = data["category"].isin(["negative_control", "near_miss_control"]).to_numpy()
    where = data.groupby("model", sort=False).indices
    none = np.empty(0, dtype=np.intp)
    rows = []
    for model in _models(data):
        at = where.get(model, none)
        pos, neg = score[at[is_pos[at]]], score[at[is_neg[at]]]
        row = {
            "model": model,
            "kind": meta[model][0],
            "objective": meta[model][1],
            "threshold": math.nan,
            "youden_j": math.nan,
            "tpr": math.nan,
            "fpr": math.nan,
            "n_pos": int(pos.size),
            "n_neg": int(neg.size),
        }
        if pos.size and neg.size:
            cand = np.unique(np.concatenate([pos, neg]))[::-1]  # highest first, so argmax keeps the highest on ties
            # #{s >= t} = n - #{s < t}, counted by binary search in the sorted scores: exact, and
            # O((n + candidates) log n) where comparing every score with every candidate grew as their product
            k_pos = pos.size - np.searchsorted(np.sort(pos), cand, side="left")
            k_neg = neg.size - np.searchsorted(np.sort(neg), cand, side="left")
            # J * n_pos * n_neg in integers, so equal J values tie exactly (2/3 - 0 vs 1 - 1/3 in floats do not)
            best = int(np.argmax(k_pos * neg.size - k_neg * pos.size))
            tpr, fpr = k_pos[best] / pos.size, k_neg[best] / neg.size
            row.update(threshold=float(cand[best]), youden_j=float(tpr - fpr), tpr=float(tpr), fpr=float(fpr))
        rows.append(row)
    return pd.DataFrame(
        rows, columns=["model", "kind", "objective", "threshold", "youden_j", "tpr", "fpr", "n_pos", "n_neg"]
    )
