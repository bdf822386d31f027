"""Model and family comparisons per category: the study's section 4.3 table and the effect-size heatmap."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from compsem.data.labels import labels_of
from compsem.stats._common import ALPHA, _check_models, _model_meta, _models, _objectives, _prepare, _select_categories
from compsem.stats.inference import cohens_d, holm, mann_whitney, wilcoxon_paired

# -- family and model comparisons ------------------------------------------------------------
_COMPARISON_COLUMNS = [
    "category",
    "reference_mean",
    "other_mean",
    "difference",
    "cohens_d",
    "mw_statistic",
    "mw_pvalue",
    "mw_rank_biserial",
    "wilcoxon_statistic",
    "wilcoxon_pvalue",
    "wilcoxon_rank_biserial",
    "n_reference_models",
    "n_other_models",
    "n_reference_scores",
    "n_other_scores",
    "n_pairs",
    "holm_pvalue_mw",
    "holm_pvalue_wilcoxon",
]


def model_comparison(
    df: pd.DataFrame,
    reference_models: Sequence[str],
    other_models: Sequence[str],
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Compare two sets of models category by category (one model per set is fine).

    Per category, with R the pair x model scores of the reference models and O those of the
    other models:

    * reference_mean = mean(R), other_mean = mean(O), difference = reference_mean - other_mean;
    * cohens_d = :func:`cohens_d` (O, R): negative when the other models score lower;
    * mw_* = :func:`mann_whitney` (O, R) over all pair x model scores (statistic = U of O,
      rank-biserial negative when O is lower);
    * wilcoxon_* = :func:`wilcoxon_paired` on the pairs both sets scored, each pair's value
      being the mean over the set's models (statistic = min(T+, T-) of O - R);
    * holm_pvalue_mw / holm_pvalue_wilcoxon = :func:`holm` across the categories of the table.

    A category that one set did not score gets NaN statistics (and does not count in Holm).

    Args:
        df: tidy results.
        reference_models: model keys of the reference set.
        other_models: model keys of the set compared with it; disjoint from the reference.
        categories: categories to compare (default: every category the two sets scored).

    Returns:
        One row per category with ``category, reference_mean, other_mean, difference, cohens_d,
        mw_statistic, mw_pvalue, mw_rank_biserial, wilcoxon_statistic, wilcoxon_pvalue,
        wilcoxon_rank_biserial, n_reference_models, n_other_models, n_reference_scores,
        n_other_scores, n_pairs, holm_pvalue_mw, holm_pvalue_wilcoxon``.

    Example:
        ``model_comparison(df, ["sentence-transformers/all-MiniLM-L6-v2"], ["cross-encoder/stsb-roberta-large"])``
    """
    data = _prepare(df)
    ref = _check_models(data, reference_models, "reference_models")
    oth = _check_models(data, other_models, "other_models")
    both = sorted(set(ref) & set(oth))
    if both:
        raise ValueError(f"model(s) in both reference_models and other_models: {', '.join(both)}")
    data = data[data["model"].isin(ref + oth)]
    cats = _select_categories(data, categories)
    rows = []
    for cat in cats:
        sub = data[data["category"] == cat]
        r, o = sub[sub["model"].isin(ref)], sub[sub["model"].isin(oth)]
        row: dict = {c: math.nan for c in _COMPARISON_COLUMNS}
        row.update(
            category=cat,
            n_reference_models=int(r["model"].nunique()),
            n_other_models=int(o["model"].nunique()),
            n_reference_scores=len(r),
            n_other_scores=len(o),
            n_pairs=0,
        )
        if len(r) and len(o):
            rs, os_ = r["score"].to_numpy(), o["score"].to_numpy()
            row.update(reference_mean=float(rs.mean()), other_mean=float(os_.mean()))
            row["difference"] = row["reference_mean"] - row["other_mean"]
            row["cohens_d"] = cohens_d(os_, rs).d
            mw = mann_whitney(os_, rs)
            row.update(mw_statistic=mw.statistic, mw_pvalue=mw.pvalue, mw_rank_biserial=mw.effect_size)
            r_pairs, o_pairs = r.groupby("pair_id")["score"].mean(), o.groupby("pair_id")["score"].mean()
            common = r_pairs.index.intersection(o_pairs.index)
            row["n_pairs"] = len(common)
            if len(common):
                w = wilcoxon_paired(o_pairs.loc[common].to_numpy(), r_pairs.loc[common].to_numpy())
                row.update(
                    wilcoxon_statistic=w.statistic, wilcoxon_pvalue=w.pvalue, wilcoxon_rank_biserial=w.effect_size
                )
        rows.append(row)
    table = pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)
    table["holm_pvalue_mw"] = holm(table["mw_pvalue"])
    table["holm_pvalue_wilcoxon"] = holm(table["wilcoxon_pvalue"])
    return table


def family_comparison(
    df: pd.DataFrame,
    *,
    reference: str = "bi-encoder",
    other: str = "cross-encoder",
    exclude_objectives: str | Iterable[str] = (),
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The study's section 4.3 table: one model family against another, per category.

    Families are the models whose ``kind`` is ``reference`` / ``other``; the statistics are
    those of :func:`model_comparison` (cohens_d is other vs reference, so it is negative when
    the other family scores lower, like the study's -14.8 for negation).

    Args:
        df: tidy results.
        reference: kind of the reference family.
        other: kind of the family compared with it.
        exclude_objectives: objectives whose models are dropped from the *other* family only;
            ``("retrieval",)`` gives the "without retrieval-trained cross-encoders" variant.
        categories: categories to compare (default: all that both families scored).

    Returns:
        The table of :func:`model_comparison`.

    Raises:
        ValueError: if a family has no models (after the exclusion).

    Example:
        ``family_comparison(df, exclude_objectives=("retrieval",))``
    """
    data = _prepare(df)
    if reference == other:
        raise ValueError(f"reference and other are both {reference!r}; compare two different kinds")
    meta = _model_meta(data)
    drop = _objectives(exclude_objectives)
    ref = [m for m, (k, _) in meta.items() if k == reference]
    oth = [m for m, (k, o) in meta.items() if k == other and o not in drop]
    if not ref:
        raise ValueError(f"no {reference} models in the results")
    if not oth:
        why = f" after excluding objective(s) {', '.join(sorted(drop))}" if drop else ""
        raise ValueError(f"no {other} models in the results{why}")
    return model_comparison(data, ref, oth, categories)


def effect_size_table(
    df: pd.DataFrame, reference_models: Sequence[str], categories: Sequence[str] | None = None
) -> pd.DataFrame:
    """Each other model against the reference models, per category (feeds a heatmap).

    For model m and category c, with X the scores of m and Y the pooled pair x model scores
    of the reference models in c: cohens_d = :func:`cohens_d` (X, Y), mw_pvalue =
    :func:`mann_whitney` (X, Y) p-value, holm_pvalue = :func:`holm` over the categories of
    model m, significant = holm_pvalue < 0.05 (False when NaN). Cells where either side has no
    scores are NaN.

    Args:
        df: tidy results.
        reference_models: model keys forming the reference (e.g. the bi-encoders).
        categories: categories to include (default: all).

    Returns:
        ``model, kind, objective, category, mean, reference_mean, cohens_d, mw_pvalue,
        holm_pvalue, significant, n, n_reference``.

    Raises:
        ValueError: if every model is a reference model.

    Example:
        ``effect_size_table(df, ["sentence-transformers/all-MiniLM-L6-v2"])``
    """
    data = _prepare(df)
    ref = _check_models(data, reference_models, "reference_models")
    others = [m for m in _models(data) if m not in ref]
    if not others:
        raise ValueError("every model is in reference_models; leave at least one model to compare")
    cats = _select_categories(data, categories)
    meta = _model_meta(data)
    # One grouping instead of two filters per model x category (this runs on a dashboard widget change);
    # groupby keeps the rows' order within a group, so every sample is in the same order as before.
    groups = {key: grp.to_numpy() for key, grp in data.groupby(["model", "category"], sort=False)["score"]}
    in_ref = data["model"].isin(ref).to_numpy()
    pooled = {cat: grp.to_numpy() for cat, grp in data[in_ref].groupby("category", sort=False)["score"]}
    empty = np.empty(0)
    rows = []
    for model in others:
        block: list[dict[str, Any]] = []
        for cat in cats:
            x = groups.get((model, cat), empty)
            y = pooled.get(cat, empty)
            row = {
                "model": model,
                "kind": meta[model][0],
                "objective": meta[model][1],
                "category": cat,
                "mean": float(x.mean()) if x.size else math.nan,
                "reference_mean": float(y.mean()) if y.size else math.nan,
                "cohens_d": math.nan,
                "mw_pvalue": math.nan,
                "n": int(x.size),
                "n_reference": int(y.size),
            }
            if x.size and y.size:
                row["cohens_d"] = cohens_d(x, y).d
                row["mw_pvalue"] = mann_whitney(x, y).pvalue
            block.append(row)
        adjusted = holm([r["mw_pvalue"] for r in block])
        for row, p in zip(block, adjusted):
            row["holm_pvalue"] = float(p)
            row["significant"] = bool(p < ALPHA)  # NaN < 0.05 is False
        rows += block
    return pd.DataFrame(
        rows,
        columns=[
            "model",
            "kind",
            "objective",
            "category",
            "mean",
            "reference_mean",
            "cohens_d",
            "mw_pvalue",
            "holm_pvalue",
            "significant",
            "n",
            "n_reference",
        ],
    )


def effect_rows(df: pd.DataFrame, reference: str, rows: str) -> tuple[pd.DataFrame | None, str]:
    """Cohen's d table for the effect-size heatmap, against a model or a pooled family.

    Per model (``rows="model"``) it is :func:`effect_size_table` against the reference models;
    per family (``rows="family"``) each other family's models are pooled and compared with
    :func:`model_comparison` (Holm-corrected Mann-Whitney p, significant when below :data:`ALPHA`).

    Args:
        df: tidy results; its ``model_label`` column (:mod:`compsem.data.labels`), where present, names
            the rows and the reference.
        reference: ``kind:<kind>`` (a family) or a model key.
        rows: ``"model"`` (each other model) or ``"family"`` (each other family, pooled).

    Returns:
        (``row, category, cohens_d, holm_pvalue, significant, mean, reference_mean`` or None
        when there is nothing to compare, what the reference is in words).

    Raises:
        ValueError: from the statistics (e.g. every model is a reference model).
    """
    labels = labels_of(df)
    meta = df.drop_duplicates("model").set_index("model")["kind"]
    if reference.startswith("kind:"):
        kind = reference[5:]
        ref_models = [m for m, k in meta.items() if k == kind]
        what = f"the {kind} family ({len(ref_models)} model(s))"
    else:
        ref_models = [reference] if reference in meta.index else []
        what = labels.get(reference, reference)
    if not ref_models:
        return None, what
    if rows == "model":
        table = effect_size_table(df, ref_models)
        return table.assign(row=[labels.get(m, m) for m in table["model"]]), what
    parts = []
    for kind in dict.fromkeys(meta):
        others = [m for m, k in meta.items() if k == kind and m not in ref_models]
        if not others:
            continue
        table = model_comparison(df, ref_models, others)
        parts.append(
            pd.DataFrame(
                {
                    "row": f"{kind} ({len(others)})",
                    "category": table["category"],
                    "cohens_d": table["cohens_d"],
                    "holm_pvalue": table["holm_pvalue_mw"],
                    "significant": table["holm_pvalue_mw"] < ALPHA,
                    "mean": table["other_mean"],
                    "reference_mean": table["reference_mean"],
                }
            )
        )
    return (pd.concat(parts, ignore_index=True) if parts else None), what
