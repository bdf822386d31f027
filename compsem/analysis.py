"""One run's statistics, computed once: ``analyze(results, thresholds) -> Analysis``.

``summary.json``, ``comparison.json`` and ``report.md`` (:mod:`compsem.report`) are three
renderings of the same tables. They are computed here, once per run, by the public
functions of :mod:`compsem.stats`, and handed to every renderer as one frozen
:class:`Analysis`; no renderer computes a statistic.

Pure: takes the tidy results frame (one row per pair x model, :mod:`compsem.schema`),
returns tables; nothing here reads or writes files.

Example:
    >>> a = analyze(results, [0.5, 0.8])  # doctest: +SKIP
    >>> a.rates.query("threshold == 0.5")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from compsem import grid, stats
from compsem.categories import sort_categories
from compsem.registry import get_spec

#: Family comparisons of ``comparison.json``, in order: (name, reference kind, other kind, objectives left out).
FamilyComparison = tuple[str, str, str, tuple[str, ...]]

#: How each family comparison is computed, written into ``comparison.json``.
COMPARISON_METHOD: Mapping[str, str] = MappingProxyType({
    "cohens_d": "other family vs reference family over all pair x model scores, pooled SD",
    "mann_whitney": "two-sided, all pair x model scores of each family",
    "wilcoxon": "two-sided signed-rank, paired on pairs (per pair: mean over the family's models)",
    "holm": "Holm-Bonferroni across the categories of each table",
})


@dataclass(frozen=True)
class Analysis:
    """Every statistics table of one run, each computed once by :func:`analyze`.

    Attributes:
        thresholds: the run's thresholds, in the order given.
        categories: the categories present, in display order.
        kinds: the model families present (``bi-encoder``, ``cross-encoder``, ``baseline``).
        n_pairs: distinct pair ids.
        n_models: distinct models.
        models: one row per model: ``model, label, kind, objective, normalization``.
        describe: :func:`compsem.stats.describe_scores` (n, mean, SD, ... per model x category).
        rates: :func:`compsem.stats.failure_rates` at every threshold.
        with_ci: threshold -> :func:`compsem.stats.describe_with_ci`, indexed by ``(model, category)``.
        comparisons: name -> :func:`compsem.stats.family_comparison` table, or the sentence saying
            why it was skipped; the names of :func:`family_comparisons`.
        family_rates: :func:`compsem.stats.family_failure_rates` when bi- and cross-encoders both ran,
            else None.
        roc_auc: :func:`compsem.stats.roc_auc_by_category` when positive controls are present, else None.
        calibrated: :func:`compsem.stats.calibrated_thresholds` when positive and negative or near-miss
            controls are present, else None.
        findings: :func:`compsem.stats.findings` at the first threshold.
        findings_error: why there are no findings (the ``ValueError``'s message), else None.
        grid: :func:`compsem.grid.grid_table` at the first threshold when at least two trained
            adapters and their backbone's bi-encoder ran, else None.
        grid_cells: the grid's cells (:class:`compsem.grid.GridCell`) among the models that ran.
        grid_findings: :func:`compsem.grid.grid_findings` of ``grid``.
    """

    thresholds: tuple[float, ...]
    categories: tuple[str, ...]
    kinds: frozenset[str]
    n_pairs: int
    n_models: int
    models: pd.DataFrame
    describe: pd.DataFrame
    rates: pd.DataFrame
    with_ci: Mapping[float, pd.DataFrame]
    comparisons: Mapping[str, pd.DataFrame | str]
    family_rates: pd.DataFrame | None
    roc_auc: pd.DataFrame | None
    calibrated: pd.DataFrame | None
    findings: tuple[str, ...]
    findings_error: str | None
    grid: pd.DataFrame | None = None
    grid_cells: tuple = ()
    grid_findings: tuple[str, ...] = ()


def model_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per model in the results: ``model, label, kind, objective, normalization``.

    A model the registry does not know (a local folder) keeps its key as label and ``?`` as normalization.
    """
    rows = []
    for key in dict.fromkeys(results["model"]):
        try:
            spec = get_spec(key)
            rows.append({"model": key, "label": spec.display, "kind": spec.kind, "objective": spec.objective,
                         "normalization": spec.normalization})
        except KeyError:
            sub = results[results["model"] == key].iloc[0]
            rows.append({"model": key, "label": key, "kind": sub["kind"], "objective": sub["objective"],
                         "normalization": "?"})
    return pd.DataFrame(rows)


def family_comparisons(results: pd.DataFrame) -> list[FamilyComparison]:
    """The family comparisons a run supports, as ``(name, reference, other, excluded objectives)``.

    Bi-encoders vs cross-encoders (and again without retrieval-trained cross-encoders, as the
    study's 4.3 did) and bi-encoders vs baselines, each only when both families ran.
    """
    kinds = set(results["kind"])
    out: list[FamilyComparison] = []
    if {"bi-encoder", "cross-encoder"} <= kinds:
        out.append(("bi_encoder_vs_cross_encoder", "bi-encoder", "cross-encoder", ()))
        if "retrieval" in set(results.loc[results["kind"] == "cross-encoder", "objective"]):
            out.append(("bi_encoder_vs_cross_encoder_without_retrieval", "bi-encoder", "cross-encoder",
                        ("retrieval",)))
    if {"bi-encoder", "baseline"} <= kinds:
        out.append(("bi_encoder_vs_baselines", "bi-encoder", "baseline", ()))
    return out


def comparison_tables(results: pd.DataFrame) -> dict[str, pd.DataFrame | str]:
    """Each of :func:`family_comparisons` as a :func:`compsem.stats.family_comparison` table.

    A comparison that cannot be computed keeps the ``ValueError``'s sentence in place of its table.
    """
    out: dict[str, pd.DataFrame | str] = {}
    for name, ref, other, exclude in family_comparisons(results):
        try:
            out[name] = stats.family_comparison(results, reference=ref, other=other, exclude_objectives=exclude)
        except ValueError as exc:
            out[name] = str(exc)
    return out


def analyze(results: pd.DataFrame, thresholds: Sequence[float], grid_cells: Sequence = ()) -> Analysis:
    """Compute every table a run's files show, once.

    Args:
        results: tidy results (one row per pair x model).
        thresholds: finite thresholds, the first one also the findings' threshold.
        grid_cells: trained adapters as :class:`compsem.grid.GridCell` (from their cards); the
            backbone × objective grid is computed when two or more of them have scores.

    Returns:
        A frozen :class:`Analysis`.

    Raises:
        ValueError: from :mod:`compsem.stats` when the results cannot be analysed (no rows, a threshold
            that is not a number).

    Example:
        >>> analyze(results, [0.5]).describe[["model", "category", "mean"]]  # doctest: +SKIP
    """
    ts = tuple(float(t) for t in thresholds)
    if not ts:
        raise ValueError("give at least one threshold, such as 0.5")
    kinds = frozenset(results["kind"])
    present = set(results["category"])
    with_positive = "positive_control" in present
    try:
        findings, findings_error = tuple(stats.findings(results, ts[0])), None
    except ValueError as exc:
        findings, findings_error = (), str(exc)
    with_ci = {t: stats.describe_with_ci(results, t) for t in ts}
    cells = tuple(c for c in grid_cells if c.key in set(results["model"]))
    grid_table = grid.grid_table(results, cells, ts[0], described=with_ci[ts[0]]) if len(cells) >= 2 else None
    if grid_table is not None and grid_table.empty:
        grid_table = None
    return Analysis(
        thresholds=ts,
        categories=tuple(sort_categories(results["category"].unique())),
        kinds=kinds,
        n_pairs=int(results["pair_id"].nunique()),
        n_models=int(results["model"].nunique()),
        models=model_table(results),
        describe=stats.describe_scores(results),
        rates=stats.failure_rates(results, list(ts)),
        # Bootstrap 95% CIs of the mean and of the rate at every threshold (same seed per cell).
        with_ci=MappingProxyType({t: table.set_index(["model", "category"]) for t, table in with_ci.items()}),
        comparisons=MappingProxyType(comparison_tables(results)),
        family_rates=(stats.family_failure_rates(results, list(ts))
                      if {"bi-encoder", "cross-encoder"} <= kinds else None),
        roc_auc=stats.roc_auc_by_category(results) if with_positive else None,
        calibrated=(stats.calibrated_thresholds(results)
                    if with_positive and {"negative_control", "near_miss_control"} & present else None),
        findings=findings,
        findings_error=findings_error,
        grid=grid_table,
        grid_cells=cells if grid_table is not None else (),
        grid_findings=tuple(grid.grid_findings(grid_table, cells, ts[0])) if grid_table is not None else (),
    )


__all__ = ["COMPARISON_METHOD", "Analysis", "analyze", "comparison_tables", "family_comparisons", "model_table"]
