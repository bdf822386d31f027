"""One analysis of the tidy results, computed once: ``analyze(results, thresholds) -> Analysis``.

``summary.json``, ``comparison.json`` and ``report.md`` (:mod:`compsem.reports.markdown`) and the
dashboard's pages are renderings of the same tables. They are computed here, by the public
functions of :mod:`compsem.stats`, each once, and read from one frozen :class:`Analysis`; no
renderer and no page computes a statistic.

* :mod:`~compsem.analysis.parts` - the two parts: :class:`ThresholdFree` (the tables that read no
  threshold: describe, comparisons, ROC-AUC, calibration...) and :class:`AtThreshold` (the tables
  of one threshold: rates, CIs, findings...), each table computed on first read and kept;
* :mod:`~compsem.analysis.compose` - :class:`Analysis`, the parts composed for a set of
  thresholds with the run's rules, and :func:`analyze`, which computes a run's at once;
* :mod:`~compsem.analysis.catalog` - :data:`TABLES`, the named tables the pages show and the
  Exports page offers, each read from an :class:`Analysis`.

The dashboard keeps one :class:`ThresholdFree` per selection and one :class:`AtThreshold` per
(selection, threshold) and composes them (:func:`compose`): a threshold change computes only
the new threshold's tables that a page reads.

Pure: takes the tidy results frame (one row per pair x model, :mod:`compsem.data.schema`),
returns tables; nothing here reads or writes files.

Example:
    >>> a = analyze(results, [0.5, 0.8])  # doctest: +SKIP
    >>> a.rates.query("threshold == 0.5")  # doctest: +SKIP
"""

from __future__ import annotations

from compsem.analysis.catalog import (
    STUDY_THRESHOLDS,
    TABLES,
    TableSpec,
    export_names,
    export_thresholds,
    read_table,
    view_thresholds,
)
from compsem.analysis.compose import Analysis, analyze, compose
from compsem.analysis.parts import (
    COMPARISON_METHOD,
    THRESHOLD_GRID,
    AtThreshold,
    FamilyComparison,
    ThresholdFree,
    comparison_tables,
    family_comparisons,
    model_table,
)

__all__ = [
    "COMPARISON_METHOD",
    "STUDY_THRESHOLDS",
    "TABLES",
    "THRESHOLD_GRID",
    "Analysis",
    "AtThreshold",
    "FamilyComparison",
    "TableSpec",
    "ThresholdFree",
    "analyze",
    "comparison_tables",
    "compose",
    "export_names",
    "export_thresholds",
    "family_comparisons",
    "model_table",
    "read_table",
    "view_thresholds",
]
