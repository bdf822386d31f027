"""One analysis: the threshold-free part and one part per threshold, composed; ``analyze()`` computes a run's.

:class:`Analysis` reads every table from its parts (:mod:`compsem.analysis.parts`) and adds
the run's rules: a table the data cannot support is None, the findings and the grid are read
at the first threshold; the tables over all its thresholds at once (``rates``, ``family_rates``)
are its own, one call each. :func:`analyze` composes fresh parts and
reads every table a run's files show, at once; the dashboard composes the parts it keeps per
selection (:func:`compose`), so its pages, ``report.md`` and the exports read the same tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from compsem import stats
from compsem.analysis.grid import grid_findings
from compsem.analysis.parts import AtThreshold, ThresholdFree, _Lazy


def _distinct(thresholds: Sequence[float]) -> tuple[float, ...]:
    return tuple(dict.fromkeys(float(t) for t in thresholds))


@dataclass(frozen=True, eq=False)
class Analysis(_Lazy):
    """Every statistics table of one set of results at one set of thresholds, each computed once.

    Attributes:
        thresholds: the thresholds, in the order given (the first is the findings' and the grid's).
        free: the threshold-free part.
        parts: one :class:`~compsem.analysis.parts.AtThreshold` per distinct threshold.
        cells: the trained adapters (:class:`compsem.analysis.grid.GridCell`) among the results' models.

    The tables (properties): ``categories``, ``kinds``, ``n_pairs``, ``n_models``, ``models``
    (``model, label, kind, objective, normalization``), ``describe``, ``rates`` (at every threshold),
    ``with_ci`` (threshold -> :func:`compsem.stats.describe_with_ci` indexed by ``(model, category)``),
    ``comparisons`` (name -> family comparison, or the sentence saying why it was skipped),
    ``family_rates`` (None unless bi- and cross-encoders both ran), ``roc_auc`` (None without
    positive controls), ``calibrated`` (None without positive and negative or near-miss controls),
    ``findings`` and ``findings_error``, ``grid``, ``grid_cells``, ``grid_findings``.
    """

    thresholds: tuple[float, ...]
    free: ThresholdFree
    parts: Mapping[float, AtThreshold]
    cells: tuple = ()

    @property
    def threshold(self) -> float:
        """The first threshold: the findings', the grid's, the dashboard view's."""
        return self.thresholds[0]

    def at(self, threshold: float) -> AtThreshold:
        """The part of one of the analysis's thresholds.

        Raises:
            KeyError: ``threshold`` is not one of :attr:`thresholds`.
        """
        return self.parts[float(threshold)]

    # -- threshold-free ------------------------------------------------------------------------
    @property
    def categories(self) -> tuple[str, ...]:
        return self.free.categories

    @property
    def kinds(self) -> frozenset[str]:
        return self.free.kinds

    @property
    def n_pairs(self) -> int:
        return self.free.n_pairs

    @property
    def n_models(self) -> int:
        return self.free.n_models

    @property
    def models(self) -> pd.DataFrame:
        return self.free.models

    @property
    def describe(self) -> pd.DataFrame:
        return self.free.describe

    @property
    def comparisons(self) -> Mapping[str, pd.DataFrame | str]:
        return self.free.comparisons

    @property
    def _with_positive(self) -> bool:
        return "positive_control" in self.categories

    @property
    def roc_auc(self) -> pd.DataFrame | None:
        return self.free.roc_auc if self._with_positive else None

    @property
    def calibrated(self) -> pd.DataFrame | None:
        supported = self._with_positive and bool({"negative_control", "near_miss_control"} & set(self.categories))
        return self.free.calibrated if supported else None

    # -- per threshold ---------------------------------------------------------------------------
    def rates_at(self, thresholds: Sequence[float]) -> pd.DataFrame:
        """:func:`compsem.stats.failure_rates` at ``thresholds``, in one call (thresholds innermost)."""
        ts = _distinct(thresholds)
        return self._once(("rates", ts), lambda: stats.failure_rates(self.free.data, list(ts)))

    def family_rates_at(self, thresholds: Sequence[float]) -> pd.DataFrame:
        """:func:`compsem.stats.family_failure_rates` at ``thresholds``, whatever families are present."""
        ts = _distinct(thresholds)
        return self._once(("family_rates", ts), lambda: stats.family_failure_rates(self.free.data, list(ts)))

    @property
    def rates(self) -> pd.DataFrame:
        return self.rates_at(self.thresholds)

    @property
    def with_ci(self) -> Mapping[float, pd.DataFrame]:
        # Bootstrap 95% CIs of the mean and of the rate at every threshold (same seed per cell).
        return self._once(
            "with_ci",
            lambda: MappingProxyType(
                {t: self.at(t).with_ci.set_index(["model", "category"]) for t in _distinct(self.thresholds)}
            ),
        )

    @property
    def family_rates(self) -> pd.DataFrame | None:
        return self.family_rates_at(self.thresholds) if {"bi-encoder", "cross-encoder"} <= self.kinds else None

    @property
    def findings(self) -> tuple[str, ...]:
        return self.at(self.threshold).findings

    @property
    def findings_error(self) -> str | None:
        return self.at(self.threshold).findings_error

    @property
    def grid(self) -> pd.DataFrame | None:
        if len(self.cells) < 2:
            return None
        table = self.at(self.threshold).grid(self.cells)
        return None if table.empty else table

    @property
    def grid_cells(self) -> tuple:
        return self.cells if self.grid is not None else ()

    @property
    def grid_findings(self) -> tuple[str, ...]:

        table = self.grid
        if table is None:
            return ()
        return self._once("grid_findings", lambda: tuple(grid_findings(table, self.cells, self.threshold)))

    def compute(self) -> Analysis:
        """Read every table a run's files show, now (so a ValueError surfaces here); returns ``self``."""
        for name in (
            "findings",
            "with_ci",
            "grid_findings",
            "categories",
            "n_pairs",
            "n_models",
            "models",
            "describe",
            "rates",
            "comparisons",
            "family_rates",
            "roc_auc",
            "calibrated",
        ):
            getattr(self, name)
        return self


def compose(
    free: ThresholdFree, part: Callable[[float], AtThreshold], thresholds: Sequence[float], grid_cells: Sequence = ()
) -> Analysis:
    """An :class:`Analysis` of ``free``'s results at ``thresholds`` from the parts ``part(threshold)`` returns.

    Nothing is computed here: the tables are read from the parts when asked for.

    Args:
        free: the threshold-free part.
        part: threshold -> its part (the dashboard's keeps them per selection).
        thresholds: at least one threshold.
        grid_cells: trained adapters as :class:`compsem.analysis.grid.GridCell`; those without scores are left out.

    Raises:
        ValueError: no threshold.
    """
    ts = tuple(float(t) for t in thresholds)
    if not ts:
        raise ValueError("give at least one threshold, such as 0.5")
    present = set(free.results["model"]) if grid_cells else set()
    cells = tuple(c for c in grid_cells if c.key in present)
    return Analysis(ts, free, MappingProxyType({t: part(t) for t in _distinct(ts)}), cells)


def analyze(results: pd.DataFrame, thresholds: Sequence[float], grid_cells: Sequence = ()) -> Analysis:
    """Compute every table a run's files show, once.

    Args:
        results: tidy results (one row per pair x model).
        thresholds: finite thresholds, the first one also the findings' threshold.
        grid_cells: trained adapters as :class:`compsem.analysis.grid.GridCell` (from their cards); the
            backbone × objective grid is computed when two or more of them have scores.

    Returns:
        A frozen :class:`Analysis` whose tables are all computed.

    Raises:
        ValueError: from :mod:`compsem.stats` when the results cannot be analysed (no rows, a threshold
            that is not a number).

    Example:
        >>> analyze(results, [0.5]).describe[["model", "category", "mean"]]  # doctest: +SKIP
    """
    if not len(thresholds):
        raise ValueError("give at least one threshold, such as 0.5")
    free = ThresholdFree(results)
    return compose(free, lambda t: AtThreshold(free, t), thresholds, grid_cells).compute()


__all__ = ["Analysis", "analyze", "compose"]
