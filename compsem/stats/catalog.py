"""One typed registry of the statistics tables: what the dashboard shows and the Exports page offers.

Each :class:`TableSpec` says how to build its table from the tidy results and the view's
threshold. The dashboard asks for a table by name (cached per selection; a spec that does
not read the threshold is not recomputed when it moves), and the Exports page offers every
spec with ``export=True`` as ``<name>.csv``, in the order of :data:`TABLES`.

Example:
    >>> sorted(TABLES)[:2]
    ['best_and_worst', 'calibrated_thresholds']
    >>> build_table("describe_scores", df, 0.5)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compsem.stats.compare import family_comparison
from compsem.stats.separation import calibrated_thresholds, roc_auc_by_category
from compsem.stats.tables import best_and_worst, describe_scores, describe_with_ci, failure_rates, family_failure_rates

#: Thresholds of the rate-vs-threshold curves: 0 to 1 in steps of 0.01.
THRESHOLD_GRID: tuple[float, ...] = tuple(round(float(x), 2) for x in np.arange(0, 1.0001, 0.01))


@dataclass(frozen=True)
class TableSpec:
    """A named statistics table.

    Attributes:
        name: file stem of the export and key of :data:`TABLES`.
        title: what the table holds, in words.
        build: (tidy results, threshold) -> table; may raise ValueError with a sentence.
        uses_threshold: False when the table does not depend on the threshold.
        export: offered on the Exports page.
    """

    name: str
    title: str
    build: Callable[[pd.DataFrame, float], pd.DataFrame]
    uses_threshold: bool = True
    export: bool = True


def _export_thresholds(t: float) -> list[float]:
    """The view's threshold and the study's two, each once, ascending."""
    return sorted({t, 0.5, 0.8})


_SPECS = (
    TableSpec("describe_scores", "Mean, SD, median and range per model and category",
              lambda df, t: describe_scores(df), uses_threshold=False),
    TableSpec("failure_rates", "Share of pairs at or above the view's threshold, 0.5 and 0.8",
              lambda df, t: failure_rates(df, _export_thresholds(t))),
    TableSpec("family_failure_rates", "Family failure rates at the view's threshold, 0.5 and 0.8",
              lambda df, t: family_failure_rates(df, _export_thresholds(t))),
    TableSpec("describe_with_ci", "Mean and rate with 95% bootstrap CIs", describe_with_ci),
    TableSpec("best_and_worst", "Best and worst model per category", best_and_worst),
    TableSpec("roc_auc_by_category", "ROC-AUC of paraphrases against each category",
              lambda df, t: roc_auc_by_category(df), uses_threshold=False),
    TableSpec("calibrated_thresholds", "Each model's threshold of maximum Youden J",
              lambda df, t: calibrated_thresholds(df), uses_threshold=False),
    TableSpec("family_comparison", "Cross-encoders against bi-encoders per category (the study's 4.3)",
              lambda df, t: family_comparison(df), uses_threshold=False),
    TableSpec("family_comparison_without_retrieval", "The same without retrieval-trained cross-encoders",
              lambda df, t: family_comparison(df, exclude_objectives=("retrieval",)), uses_threshold=False),
    TableSpec("family_rates", "Family failure rates at the view's threshold (the Overview's heatmap)",
              lambda df, t: family_failure_rates(df, t), export=False),
    TableSpec("rate_curves", "Share of pairs at or above every threshold from 0 to 1",
              lambda df, t: failure_rates(df, list(THRESHOLD_GRID)), uses_threshold=False, export=False),
)

#: Every table by name, in the order the Exports page lists them.
TABLES: dict[str, TableSpec] = {spec.name: spec for spec in _SPECS}


def export_names() -> list[str]:
    """Names of the tables offered for download, in order."""
    return [name for name, spec in TABLES.items() if spec.export]


def build_table(name: str, df: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The table ``name`` of :data:`TABLES` on ``df`` at ``threshold``.

    Raises:
        KeyError: no table of that name.
        ValueError: the table cannot be built from these results (the message says why).
    """
    return TABLES[name].build(df, threshold)


__all__ = ["THRESHOLD_GRID", "TABLES", "TableSpec", "build_table", "export_names"]
