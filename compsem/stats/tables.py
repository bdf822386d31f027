"""Model x category tables: descriptive statistics, failure (pass) rates with CIs, best and worst.

Rows come out models in order of first appearance, categories in
:func:`compsem.data.categories.sort_categories` order, thresholds in the order given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from compsem.data.categories import category_label, sort_categories
from compsem.data.labels import labels_of
from compsem.stats._common import (
    _category_info,
    _cells,
    _finite,
    _kinds,
    _meaning,
    _model_meta,
    _models,
    _objectives,
    _prepare,
    _thresholds,
)
from compsem.stats.batched import mean_and_rate_cis, mean_cis
from compsem.stats.inference import ConfidenceInterval
from compsem.stats.separation import calibrated_thresholds


# -- descriptive statistics ------------------------------------------------------------------
def describe_scores(df: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD, median and range of the score per model x category.

    ``sd`` is the sample standard deviation sqrt(sum_i (s_i - mean)^2 / (n - 1)), with s_i the
    scores of the model in the category and n their number; NaN when n < 2.

    Args:
        df: tidy results.

    Returns:
        Columns ``model, kind, objective, category, n, mean, sd, median, min, max``.

    Example:
        >>> describe_scores(df)[["model", "category", "n", "mean", "sd"]]  # doctest: +SKIP
    """
    data = _prepare(df)
    meta = _model_meta(data)
    cats = sort_categories(data["category"].unique())
    rows = []
    for model, cat, s in _cells(data, cats):
        rows.append(
            {
                "model": model,
                "kind": meta[model][0],
                "objective": meta[model][1],
                "category": cat,
                "n": int(s.size),
                "mean": float(s.mean()),
                "sd": float(s.std(ddof=1)) if s.size > 1 else math.nan,
                "median": float(np.median(s)),
                "min": float(s.min()),
                "max": float(s.max()),
            }
        )
    return pd.DataFrame(
        rows, columns=["model", "kind", "objective", "category", "n", "mean", "sd", "median", "min", "max"]
    )


_RATE_COLUMNS = ["model", "kind", "objective", "category", "threshold", "n", "n_at_or_above", "rate", "meaning"]


def _rates_table(data: pd.DataFrame, thresholds_for: Mapping[str, list[float]]) -> pd.DataFrame:
    meta = _model_meta(data)
    info = _category_info(data)
    cats = sort_categories(info)
    text: dict[str, list] = {"model": [], "kind": [], "objective": [], "category": [], "meaning": []}
    thresholds, sizes, counts = [], [], []
    # Column-wise, every threshold of a cell at once: the rate curves read 101 thresholds per cell, and a
    # row dict per (cell, threshold) cost more than the counting. k = #{s >= t} = n - #{s < t}, exact.
    for model, cat, s in _cells(data, cats):
        ts = np.asarray(thresholds_for[model], dtype=float)
        m = ts.size
        for column, value in (
            ("model", model),
            ("kind", meta[model][0]),
            ("objective", meta[model][1]),
            ("category", cat),
            ("meaning", _meaning(info[cat])),
        ):
            text[column] += [value] * m
        thresholds.append(ts)
        sizes.append(np.full(m, s.size, dtype=np.int64))
        counts.append(s.size - np.searchsorted(np.sort(s), ts, side="left").astype(np.int64))
    if not thresholds:
        return pd.DataFrame([], columns=_RATE_COLUMNS)
    n, k = np.concatenate(sizes), np.concatenate(counts)
    table = {**text, "threshold": np.concatenate(thresholds), "n": n, "n_at_or_above": k, "rate": k / n}
    return pd.DataFrame(table)[_RATE_COLUMNS]


def failure_rates(df: pd.DataFrame, thresholds: float | Sequence[float]) -> pd.DataFrame:
    """Share of pairs scoring at or above each threshold, per model x category x threshold.

    rate = k / n, with n the number of scored pairs of the model in the category and k the
    number of them with score >= t (the comparison is inclusive, as in the study). The
    ``meaning`` column says how to read it: ``failure_rate`` for categories expected low,
    ``pass_rate`` for categories expected high (positive controls).

    Args:
        df: tidy results.
        thresholds: one threshold or several; any finite numbers (a repeated one is used once).

    Returns:
        Long table with ``model, kind, objective, category, threshold, n, n_at_or_above, rate, meaning``.

    Example:
        Three negation scores 0.9, 0.5, 0.2 at t = 0.5 give n = 3, n_at_or_above = 2, rate = 2/3.
    """
    data = _prepare(df)
    ts = _thresholds(thresholds)
    return _rates_table(data, {m: ts for m in _models(data)})


def failure_rates_at(df: pd.DataFrame, thresholds_by_model: Mapping[str, float]) -> pd.DataFrame:
    """Like :func:`failure_rates`, but each model is read at its own threshold.

    For the "calibrated thresholds" view: pass ``dict(zip(cal.model, cal.threshold))`` from
    :func:`calibrated_thresholds`. Keys for models not in the results are ignored.

    Args:
        df: tidy results.
        thresholds_by_model: model key -> finite threshold; every model in the results needs one.

    Returns:
        The columns of :func:`failure_rates`, one threshold per model.

    Example:
        ``failure_rates_at(df, {"m1": 0.5, "m2": 0.83})``
    """
    data = _prepare(df)
    if not isinstance(thresholds_by_model, Mapping):
        raise ValueError("thresholds_by_model must map model keys to thresholds")
    missing = [m for m in _models(data) if m not in thresholds_by_model]
    if missing:
        raise ValueError(f"no threshold given for model(s): {', '.join(missing)}")
    per = {m: [_finite(thresholds_by_model[m], f"threshold for {m}")] for m in _models(data)}
    return _rates_table(data, per)


def family_failure_rates(
    df: pd.DataFrame, thresholds: float | Sequence[float], exclude_objectives: str | Iterable[str] = ()
) -> pd.DataFrame:
    """Failure (pass) rates per family (``kind``) x category x threshold: the study's section 4.4.

    mean_rate = (1/M) sum_m k_m / n_m, the mean over the family's M models of each model's rate
    (how the study averages); pooled_rate = sum_m k_m / sum_m n_m, all pair x model scores
    pooled. k_m and n_m are as in :func:`failure_rates`. The two agree when every model scored
    the same pairs.

    Args:
        df: tidy results.
        thresholds: one threshold or several.
        exclude_objectives: training objectives whose models are left out of every family,
            e.g. ``("retrieval",)`` for the study's "non-retrieval cross-encoders".

    Returns:
        ``kind, category, threshold, mean_rate, pooled_rate, n_models, meaning``.

    Example:
        Model A 1 of 2 pairs, model B 3 of 3 pairs at or above t: mean_rate = (0.5 + 1) / 2 = 0.75,
        pooled_rate = 4 / 5 = 0.8.
    """
    data = _prepare(df)
    ts = _thresholds(thresholds)
    drop = _objectives(exclude_objectives)
    kept = data[~data["objective"].isin(drop)]
    if kept.empty:
        raise ValueError(f"no models left after excluding objective(s) {', '.join(sorted(drop))}")
    rates = _rates_table(kept, {m: ts for m in _models(kept)})
    # One groupby instead of a filter per cell: this runs on every slider move in the dashboard.
    cells = {key: grp for key, grp in rates.groupby(["kind", "category", "threshold"], sort=False)}
    rows = []
    for kind in _kinds(kept):
        cats = sort_categories({c for (k, c, _t) in cells if k == kind})
        for cat in cats:
            for t in ts:
                sub = cells.get((kind, cat, t))
                if sub is None:
                    continue
                rate, k, n = sub["rate"].to_numpy(), sub["n_at_or_above"].to_numpy(), sub["n"].to_numpy()
                rows.append(
                    {
                        "kind": kind,
                        "category": cat,
                        "threshold": t,
                        "mean_rate": float(rate.mean()),
                        "pooled_rate": float(k.sum() / n.sum()),
                        "n_models": int(len(set(sub["model"]))),
                        "meaning": sub["meaning"].iloc[0],
                    }
                )
    return pd.DataFrame(
        rows, columns=["kind", "category", "threshold", "mean_rate", "pooled_rate", "n_models", "meaning"]
    )


def describe_with_ci(
    df: pd.DataFrame,
    threshold: float,
    n_resamples: int = 1000,
    seed: int | None = 0,
    mean_intervals: Mapping[tuple[str, str], ConfidenceInterval] | None = None,
) -> pd.DataFrame:
    """Mean score and rate at a threshold per model x category, each with a 95% bootstrap CI.

    The intervals are :func:`bootstrap_ci` (percentile, ``confidence=0.95``) of the mean and of
    the rate = share of scores >= threshold; every cell uses the same ``seed``, so a cell's
    interval does not depend on which other cells are in the table (:func:`mean_and_rate_cis`
    computes them all, with one resampling per sample size).

    Args:
        df: tidy results.
        threshold: finite threshold for the rate.
        n_resamples: bootstrap resamples per interval.
        seed: generator seed.
        mean_intervals: :func:`cell_mean_cis` of the same results, ``n_resamples`` and ``seed``, when
            already computed (the same numbers: only the rates are resampled at this threshold).

    Returns:
        ``model, kind, objective, category, n, mean, mean_ci_low, mean_ci_high, rate,
        rate_ci_low, rate_ci_high, meaning``.

    Example:
        ``describe_with_ci(df, 0.5)``
    """
    data = _prepare(df)
    t = _finite(threshold, "threshold")
    return _describe_with_ci(data, {m: t for m in _models(data)}, n_resamples, seed, mean_intervals)


def cell_mean_cis(
    df: pd.DataFrame, n_resamples: int = 1000, seed: int | None = 0
) -> dict[tuple[str, str], ConfidenceInterval]:
    """The mean interval of each (model, category) cell of :func:`describe_with_ci`: the part that reads no threshold.

    A view that moves its threshold computes these once and passes them to each :func:`describe_with_ci`.
    """
    data = _prepare(df)
    cells = list(_cells(data, sort_categories(_category_info(data))))
    cis = mean_cis([s for _m, _c, s in cells], n_resamples=n_resamples, seed=seed)
    return {(model, cat): ci for (model, cat, _s), ci in zip(cells, cis)}


_DESCRIBE_CI_COLUMNS = [
    "model",
    "kind",
    "objective",
    "category",
    "n",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "rate",
    "rate_ci_low",
    "rate_ci_high",
    "meaning",
]


def _describe_with_ci(
    data: pd.DataFrame,
    threshold_of: Mapping[str, float],
    n_resamples: int,
    seed: int | None,
    mean_intervals: Mapping[tuple[str, str], ConfidenceInterval] | None = None,
) -> pd.DataFrame:
    """:func:`describe_with_ci` of the prepared results, each model read at ``threshold_of[model]``."""
    info = _category_info(data)
    meta = _model_meta(data)
    cats = sort_categories(info)
    cells = list(_cells(data, cats))
    means = None
    if mean_intervals is not None:
        if any((m, c) not in mean_intervals for m, c, _s in cells):
            raise ValueError("the mean intervals given are not those of these results (a cell is missing)")
        means = [mean_intervals[(m, c)] for m, c, _s in cells]
    # One bootstrap per sample size for the whole table, the same numbers as one call per cell.
    cis = mean_and_rate_cis(
        [s for _m, _c, s in cells],
        [threshold_of[m] for m, _c, _s in cells],
        n_resamples=n_resamples,
        seed=seed,
        means=means,
    )
    rows = []
    for (model, cat, _s), (m, r) in zip(cells, cis):
        rows.append(
            {
                "model": model,
                "kind": meta[model][0],
                "objective": meta[model][1],
                "category": cat,
                "n": m.n,
                "mean": m.estimate,
                "mean_ci_low": m.low,
                "mean_ci_high": m.high,
                "rate": r.estimate,
                "rate_ci_low": r.low,
                "rate_ci_high": r.high,
                "meaning": _meaning(info[cat]),
            }
        )
    return pd.DataFrame(rows, columns=_DESCRIBE_CI_COLUMNS)


# -- headline tables and sentences -----------------------------------------------------------
def best_and_worst(df: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The best and the worst model per category at a threshold.

    For a category expected low, best = lowest failure rate (share of scores >= threshold),
    ties broken by the lower mean score; worst = highest failure rate, ties by the higher mean.
    For a category expected high (positive controls), best = highest pass rate, ties by the
    higher mean; worst = lowest, ties by the lower mean. Remaining ties go to the model that
    appears first in the results. With one model, best and worst are the same.

    Args:
        df: tidy results.
        threshold: finite threshold.

    Returns:
        ``category, meaning, threshold, best_model, best_rate, best_mean, worst_model,
        worst_rate, worst_mean, n_models``.

    Example:
        Negation rates A 0.2, B 0.0, C 0.0 with means 0.3, 0.1, 0.05: best C, worst A.
    """
    data = _prepare(df)
    t = _finite(threshold, "threshold")
    info = _category_info(data)
    rates = _rates_table(data, {m: [t] for m in _models(data)})
    means = data.groupby(["model", "category"], sort=False)["score"].mean()
    rows = []
    for cat in sort_categories(info):
        sub = rates[rates["category"] == cat]
        cands = [(m, float(r), float(means[(m, cat)])) for m, r in zip(sub["model"], sub["rate"])]
        sign = -1.0 if info[cat].expected == "high" else 1.0  # lower key = better
        best = min(cands, key=lambda c: (sign * c[1], sign * c[2]))
        worst = min(cands, key=lambda c: (-sign * c[1], -sign * c[2]))
        rows.append(
            {
                "category": cat,
                "meaning": _meaning(info[cat]),
                "threshold": t,
                "best_model": best[0],
                "best_rate": best[1],
                "best_mean": best[2],
                "worst_model": worst[0],
                "worst_rate": worst[1],
                "worst_mean": worst[2],
                "n_models": len(cands),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "category",
            "meaning",
            "threshold",
            "best_model",
            "best_rate",
            "best_mean",
            "worst_model",
            "worst_rate",
            "worst_mean",
            "n_models",
        ],
    )


def rates_with_ci(df: pd.DataFrame, threshold: float | None, n_resamples: int = 1000) -> pd.DataFrame:
    """:func:`describe_with_ci` at one threshold, or at each model's calibrated threshold when None.

    The calibrated thresholds are :func:`compsem.stats.calibrated_thresholds` (maximum Youden J
    on the controls); a model without both kinds of control is left out.

    Args:
        df: tidy results.
        threshold: finite threshold, or None for each model's calibrated one.
        n_resamples: bootstrap resamples per interval.

    Returns:
        The columns of :func:`describe_with_ci` plus ``threshold`` (the one each row used).

    Raises:
        ValueError: ``threshold`` is None and no model can be calibrated.

    Example:
        ``rates_with_ci(df, None)`` reads every model at its own best cut.
    """

    if threshold is not None:
        return describe_with_ci(df, threshold, n_resamples=n_resamples).assign(threshold=threshold)
    cal = calibrated_thresholds(df)
    threshold_of = {m: float(t) for m, t in zip(cal["model"], cal["threshold"]) if not math.isnan(t)}
    if not threshold_of:
        raise ValueError("no model has both positive and negative controls to calibrate a threshold")
    # Every calibrated model in one table: the rows and numbers of one describe_with_ci per model at its own
    # threshold (the resample indices depend on the sample size only), with a bootstrap per size, not per model.
    data = _prepare(df)
    data = data[data["model"].isin(list(threshold_of)).to_numpy()]
    table = _describe_with_ci(data, threshold_of, n_resamples, 0)
    return table.assign(threshold=table["model"].map(threshold_of).astype(float))


def pair_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: its text, each model's score, and how much the models disagree.

    ``disagreement`` = max - min of the pair's scores over the models (0 with one model);
    ``sd`` is their standard deviation (ddof = 0). Score columns are named by the
    frame's ``model_label`` column (:mod:`compsem.data.labels`; the key where there is none) and the
    category by its label.

    Returns:
        ``pair_id, category, sentence_a, sentence_b, <one column per model>, disagreement, sd``.
    """
    labels = labels_of(df)
    wide_scores = df.pivot_table(index="pair_id", columns="model", values="score", aggfunc="first", sort=False)
    models = list(pd.unique(df["model"]))
    wide_scores = wide_scores.reindex(columns=models)
    info = df.drop_duplicates("pair_id").set_index("pair_id")[["category", "sentence_a", "sentence_b"]]
    out = info.join(wide_scores)
    values = out[models].to_numpy(dtype=float)
    out["disagreement"] = np.nanmax(values, axis=1) - np.nanmin(values, axis=1)
    out["sd"] = np.nanstd(values, axis=1)
    out = out.rename(columns={m: labels.get(m, m) for m in models}).reset_index()
    out["category"] = [category_label(c) for c in out["category"]]
    return out
