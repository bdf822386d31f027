"""One typed registry of the named tables: what the dashboard's pages show and the Exports page offers.

Each :class:`TableSpec` says how to read its table from an :class:`~compsem.analysis.Analysis`
whose first threshold is the view's: the dashboard composes that analysis from the parts it
keeps per selection (thresholds: the view's, 0.5 and 0.8, see :func:`view_thresholds`; the
same as its ``report.md``), so a page, an export and the report read one and the same table.
The Exports page offers every spec with ``export=True`` as ``<name>.csv``, in the order of
:data:`TABLES`.

Example:
    >>> sorted(TABLES)[:2]
    ['best_and_worst', 'calibrated_thresholds']
    >>> read_table("describe_scores", analysis)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from compsem.analysis.compose import Analysis

#: The study's two thresholds, offered beside the view's in the rate exports and ``report.md``.
STUDY_THRESHOLDS: tuple[float, ...] = (0.5, 0.8)


def view_thresholds(threshold: float) -> tuple[float, ...]:
    """The thresholds of the dashboard's analysis: the view's first, then the study's, each once."""
    return tuple(dict.fromkeys([float(threshold), *STUDY_THRESHOLDS]))


def export_thresholds(threshold: float) -> list[float]:
    """The view's threshold and the study's two, each once, ascending (the rate exports)."""
    return sorted(set(view_thresholds(threshold)))


@dataclass(frozen=True)
class TableSpec:
    """A named statistics table.

    Attributes:
        name: file stem of the export and key of :data:`TABLES`.
        title: what the table holds, in words.
        read: the view's analysis -> the table; may raise ValueError with a sentence.
        export: offered on the Exports page.
    """

    name: str
    title: str
    read: Callable[[Analysis], pd.DataFrame]
    export: bool = True


_SPECS = (
    TableSpec("describe_scores", "Mean, SD, median and range per model and category", lambda a: a.describe),
    TableSpec(
        "failure_rates",
        "Share of pairs at or above the view's threshold, 0.5 and 0.8",
        lambda a: a.rates_at(export_thresholds(a.threshold)),
    ),
    TableSpec(
        "family_failure_rates",
        "Family failure rates at the view's threshold, 0.5 and 0.8",
        lambda a: a.family_rates_at(export_thresholds(a.threshold)),
    ),
    TableSpec("describe_with_ci", "Mean and rate with 95% bootstrap CIs", lambda a: a.at(a.threshold).with_ci),
    TableSpec("best_and_worst", "Best and worst model per category", lambda a: a.at(a.threshold).best_and_worst),
    TableSpec("roc_auc_by_category", "ROC-AUC of paraphrases against each category", lambda a: a.free.roc_auc),
    TableSpec("calibrated_thresholds", "Each model's threshold of maximum Youden J", lambda a: a.free.calibrated),
    TableSpec(
        "family_comparison",
        "Cross-encoders against bi-encoders per category (the study's 4.3)",
        lambda a: a.free.family_comparison(),
    ),
    TableSpec(
        "family_comparison_without_retrieval",
        "The same without retrieval-trained cross-encoders",
        lambda a: a.free.family_comparison(exclude_objectives=("retrieval",)),
    ),
    TableSpec(
        "family_rates",
        "Family failure rates at the view's threshold (the Overview's heatmap)",
        lambda a: a.at(a.threshold).family_rates,
        export=False,
    ),
    TableSpec(
        "rate_curves",
        "Share of pairs at or above every threshold from 0 to 1",
        lambda a: a.free.rate_curves,
        export=False,
    ),
)

#: Every table by name, in the order the Exports page lists them.
TABLES: dict[str, TableSpec] = {spec.name: spec for spec in _SPECS}


def export_names() -> list[str]:
    """Names of the tables offered for download, in order."""
    return [name for name, spec in TABLES.items() if spec.export]


def read_table(name: str, analysis: Analysis) -> pd.DataFrame:
    """The table ``name`` of :data:`TABLES`, read from ``analysis`` (its first threshold is the view's).

    Raises:
        KeyError: no table of that name.
        ValueError: the table cannot be built from these results (the message says why).
    """
    return TABLES[name].read(analysis)


__all__ = [
    "STUDY_THRESHOLDS",
    "TABLES",
    "TableSpec",
    "export_names",
    "export_thresholds",
    "read_table",
    "view_thresholds",
]
