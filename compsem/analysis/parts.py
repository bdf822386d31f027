"""The two parts of an analysis: the tables that read no threshold, and the tables of one threshold.

:class:`ThresholdFree` holds the tidy results; :class:`AtThreshold` holds a :class:`ThresholdFree`
and one threshold. Each part computes a table the first time it is read, by the public
functions of :mod:`compsem.stats`, and keeps it: the command line reads every table a run
writes (:func:`compsem.analysis.analyze`), the dashboard keeps one part per selection and one
per (selection, threshold), so a slider move computes only the tables of the new threshold
that a page reads, and never a threshold-free one.

The tables are those of :mod:`compsem.stats` as it computes them (a table the data cannot
support raises its ``ValueError``); the run's rules on top (a table is None where the data do
not support it) are :class:`compsem.analysis.Analysis`'s.

Example:
    >>> free = ThresholdFree(results)  # doctest: +SKIP
    >>> AtThreshold(free, 0.5).family_rates  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from compsem import stats
from compsem.analysis.grid import grid_table
from compsem.analysis.story import story_findings
from compsem.analysis.study import compare_with_study
from compsem.data.categories import sort_categories
from compsem.models.registry import get_spec

if TYPE_CHECKING:
    from compsem.analysis.grid import GridCell
    from compsem.analysis.story_parts import Finding

_T = TypeVar("_T")

#: Thresholds of the rate-vs-threshold curves: 0 to 1 in steps of 0.01.
THRESHOLD_GRID: tuple[float, ...] = tuple(round(float(x), 2) for x in np.arange(0, 1.0001, 0.01))

#: Family comparisons of ``comparison.json``, in order: (name, reference kind, other kind, objectives left out).
FamilyComparison = tuple[str, str, str, tuple[str, ...]]

#: How each family comparison is computed, written into ``comparison.json``.
COMPARISON_METHOD: Mapping[str, str] = MappingProxyType(
    {
        "cohens_d": "other family vs reference family over all pair x model scores, pooled SD",
        "mann_whitney": "two-sided, all pair x model scores of each family",
        "wilcoxon": "two-sided signed-rank, paired on pairs (per pair: mean over the family's models)",
        "holm": "Holm-Bonferroni across the categories of each table",
    }
)


def model_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per model in the results: ``model, label, kind, objective, normalization``.

    A model the registry does not know (a local folder) keeps its key as label and ``?`` as normalization.
    """
    rows = []
    for key in pd.unique(results["model"]):
        try:
            spec = get_spec(key)
            rows.append(
                {
                    "model": key,
                    "label": spec.display,
                    "kind": spec.kind,
                    "objective": spec.objective,
                    "normalization": spec.normalization,
                }
            )
        except KeyError:
            sub = results[results["model"] == key].iloc[0]
            rows.append(
                {"model": key, "label": key, "kind": sub["kind"], "objective": sub["objective"], "normalization": "?"}
            )
    return pd.DataFrame(rows)


def family_comparisons(results: pd.DataFrame) -> list[FamilyComparison]:
    """The family comparisons a run supports, as ``(name, reference, other, excluded objectives)``.

    Bi-encoders vs cross-encoders (and again without retrieval-trained cross-encoders, as the
    study's 4.3 did) and bi-encoders vs baselines, each only when both families ran.
    """
    kinds = set(pd.unique(results["kind"]))
    out: list[FamilyComparison] = []
    if {"bi-encoder", "cross-encoder"} <= kinds:
        out.append(("bi_encoder_vs_cross_encoder", "bi-encoder", "cross-encoder", ()))
        if "retrieval" in set(pd.unique(results.loc[results["kind"] == "cross-encoder", "objective"])):
            out.append(("bi_encoder_vs_cross_encoder_without_retrieval", "bi-encoder", "cross-encoder", ("retrieval",)))
    if {"bi-encoder", "baseline"} <= kinds:
        out.append(("bi_encoder_vs_baselines", "bi-encoder", "baseline", ()))
    return out


def comparison_tables(results: pd.DataFrame) -> dict[str, pd.DataFrame | str]:
    """Each of :func:`family_comparisons` as a :func:`compsem.stats.family_comparison` table.

    A comparison that cannot be computed keeps the ``ValueError``'s sentence in place of its table.
    """
    return dict(ThresholdFree(results).comparisons)


@dataclass(frozen=True, eq=False)
class _Lazy:
    """Tables computed on first read and kept; the object is otherwise frozen.

    No lock: two threads reading the same new table may both compute it (the functions are pure
    and seeded, so they agree); the first result is kept.
    """

    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False)

    def _once(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        if key not in self._memo:
            value = compute()  # a ValueError is not kept: the next read says it again
            self._memo.setdefault(key, value)
        return self._memo[key]


@dataclass(frozen=True, eq=False)
class ThresholdFree(_Lazy):
    """The tables of the tidy results that read no threshold, each computed once.

    Attributes:
        results: tidy results (one row per pair x model).
    """

    results: pd.DataFrame = field(repr=False)

    @property
    def data(self) -> pd.DataFrame:
        """The results as every statistic reads them (:func:`compsem.stats.prepare_results`), converted once.

        Each table of :mod:`compsem.stats` is computed from this frame: the same tables as from the results,
        without converting a million rows again per table. Results the statistics refuse are kept as they are,
        so each table raises its own ``ValueError`` when read, as before.
        """

        def build() -> pd.DataFrame:
            try:
                return stats.prepare_results(self.results)
            except ValueError:
                return self.results

        return self._once("data", build)

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories present, in display order."""
        return self._once("categories", lambda: tuple(sort_categories(self.results["category"].unique())))

    @property
    def kinds(self) -> frozenset[str]:
        """The model families present (``bi-encoder``, ``cross-encoder``, ``baseline``)."""
        return self._once("kinds", lambda: frozenset(pd.unique(self.results["kind"])))

    def thin_categories(self, min_pairs: int | None = None) -> dict[str, int]:
        """:func:`compsem.stats.thin_categories` (``min_pairs`` None: the default in force, read now)."""
        limit = stats.min_pairs_or_default(min_pairs)
        return self._once(("thin", limit), lambda: stats.thin_categories(self.results, limit))

    @property
    def n_pairs(self) -> int:
        """Distinct pair ids."""
        return self._once("n_pairs", lambda: int(self.results["pair_id"].nunique()))

    @property
    def n_models(self) -> int:
        """Distinct models."""
        return self._once("n_models", lambda: int(self.results["model"].nunique()))

    @property
    def models(self) -> pd.DataFrame:
        """:func:`model_table`."""
        return self._once("models", lambda: model_table(self.results))

    @property
    def describe(self) -> pd.DataFrame:
        """:func:`compsem.stats.describe_scores`."""
        return self._once("describe", lambda: stats.describe_scores(self.data))

    def family_comparison(
        self, reference: str = "bi-encoder", other: str = "cross-encoder", exclude_objectives: Iterable[str] = ()
    ) -> pd.DataFrame:
        """:func:`compsem.stats.family_comparison` of two families (raises its ValueError)."""
        exclude = tuple(exclude_objectives)
        return self._once(
            ("family_comparison", reference, other, exclude),
            lambda: stats.family_comparison(self.data, reference=reference, other=other, exclude_objectives=exclude),
        )

    @property
    def comparisons(self) -> Mapping[str, pd.DataFrame | str]:
        """Each of :func:`family_comparisons` as a table, or the sentence saying why it could not be computed."""

        def build() -> Mapping[str, pd.DataFrame | str]:
            out: dict[str, pd.DataFrame | str] = {}
            for name, ref, other, exclude in family_comparisons(self.results):
                try:
                    out[name] = self.family_comparison(ref, other, exclude)
                except ValueError as exc:
                    out[name] = str(exc)
            return MappingProxyType(out)

        return self._once("comparisons", build)

    @property
    def roc_auc(self) -> pd.DataFrame:
        """:func:`compsem.stats.roc_auc_by_category` (NaN where a model has no positive controls)."""
        return self._once("roc_auc", lambda: stats.roc_auc_by_category(self.data))

    @property
    def calibrated(self) -> pd.DataFrame:
        """:func:`compsem.stats.calibrated_thresholds` (raises its ValueError without the controls it needs)."""
        return self._once("calibrated", lambda: stats.calibrated_thresholds(self.data))

    @property
    def mean_cis(self) -> Mapping[tuple[str, str], stats.ConfidenceInterval] | None:
        """:func:`compsem.stats.cell_mean_cis` (1000 resamples, seed 0): what every :attr:`AtThreshold.with_ci` reuses.

        None when the statistics refuse the results (each threshold's table then raises its own ``ValueError``).
        """

        def build() -> Mapping[tuple[str, str], stats.ConfidenceInterval] | None:
            try:
                return MappingProxyType(stats.cell_mean_cis(self.data))
            except ValueError:
                return None

        return self._once("mean_cis", build)

    @property
    def calibrated_rates(self) -> pd.DataFrame:
        """:func:`compsem.stats.rates_with_ci` at each model's calibrated threshold."""
        return self._once("calibrated_rates", lambda: stats.rates_with_ci(self.data, None))

    @property
    def rate_curves(self) -> pd.DataFrame:
        """:func:`compsem.stats.failure_rates` at every threshold of :data:`THRESHOLD_GRID`."""
        return self._once("rate_curves", lambda: stats.failure_rates(self.data, list(THRESHOLD_GRID)))

    @property
    def pairs(self) -> pd.DataFrame:
        """:func:`compsem.stats.pair_table`: one row per pair with every model's score."""
        return self._once("pairs", lambda: stats.pair_table(self.results))

    @property
    def study(self) -> pd.DataFrame:
        """:func:`compsem.analysis.study.compare_with_study`: the seed study's figures beside these results'."""

        return self._once("study", lambda: compare_with_study(self.results))

    def effect_rows(self, reference: str, rows: str) -> tuple[pd.DataFrame | None, str]:
        """:func:`compsem.stats.effect_rows` against ``reference``, per model or per family."""
        return self._once(("effect_rows", reference, rows), lambda: stats.effect_rows(self.results, reference, rows))


@dataclass(frozen=True, eq=False)
class AtThreshold(_Lazy):
    """The tables of the tidy results at one threshold, each computed once.

    Attributes:
        free: the results' threshold-free part (what the story and the grid reuse).
        threshold: the 0-1 threshold.
    """

    free: ThresholdFree = field(repr=False)
    threshold: float

    @property
    def results(self) -> pd.DataFrame:
        """The tidy results."""
        return self.free.results

    @property
    def family_rates(self) -> pd.DataFrame:
        """:func:`compsem.stats.family_failure_rates` at the threshold, whatever families are present."""
        return self._once("family_rates", lambda: stats.family_failure_rates(self.free.data, self.threshold))

    @property
    def with_ci(self) -> pd.DataFrame:
        """:func:`compsem.stats.describe_with_ci` at the threshold (1000 resamples, seed 0).

        The mean intervals, which read no threshold, come from the free part (:attr:`ThresholdFree.mean_cis`):
        a new threshold resamples only the rates.
        """
        return self._once(
            "with_ci",
            lambda: stats.describe_with_ci(self.free.data, self.threshold, mean_intervals=self.free.mean_cis),
        )

    @property
    def rates_with_ci(self) -> pd.DataFrame:
        """:func:`compsem.stats.rates_with_ci` at the threshold: :attr:`with_ci` and the threshold used."""
        return self._once("rates_with_ci", lambda: self.with_ci.assign(threshold=self.threshold))

    @property
    def best_and_worst(self) -> pd.DataFrame:
        """:func:`compsem.stats.best_and_worst` at the threshold."""
        return self._once("best_and_worst", lambda: stats.best_and_worst(self.free.data, self.threshold))

    def _findings(self) -> tuple[tuple[str, ...], str | None]:
        def build() -> tuple[tuple[str, ...], str | None]:
            try:
                return tuple(stats.findings(self.free.data, self.threshold)), None
            except ValueError as exc:
                return (), str(exc)

        return self._once("findings", build)

    @property
    def findings(self) -> tuple[str, ...]:
        """:func:`compsem.stats.findings` at the threshold; empty when they cannot be told."""
        return self._findings()[0]

    @property
    def findings_error(self) -> str | None:
        """Why there are no findings (the ``ValueError``'s message), else None."""
        return self._findings()[1]

    @property
    def story(self) -> list[Finding]:
        """:func:`~compsem.analysis.story.story_findings` at the threshold, from this part's and the free tables."""

        def build() -> list[Finding]:
            try:
                calibrated = self.free.calibrated
            except ValueError:  # the story leaves out the threshold finding, as without the tables
                calibrated = pd.DataFrame(columns=["model", "threshold"])
            return story_findings(
                self.results, self.threshold, described=self.with_ci, roc_auc=self.free.roc_auc, calibrated=calibrated
            )

        return self._once("story", build)

    def grid(self, cells: Sequence[GridCell]) -> pd.DataFrame:
        """:func:`compsem.analysis.grid.grid_table` of ``cells`` at the threshold (empty when no cell has scores)."""

        key = tuple(cells)
        return self._once(("grid", key), lambda: grid_table(self.results, key, self.threshold, described=self.with_ci))


__all__ = [
    "COMPARISON_METHOD",
    "THRESHOLD_GRID",
    "AtThreshold",
    "FamilyComparison",
    "ThresholdFree",
    "comparison_tables",
    "family_comparisons",
    "model_table",
]
