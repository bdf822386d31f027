"""The results table's columns, declared once: one row per pair x model.

Scoring builds the table with :data:`RESULT_COLUMNS` (plus the pair file's own columns, which
may not shadow :data:`RESERVED_COLUMNS`); ``all_pair_results.csv`` / ``.jsonl`` write
:func:`export_columns`; the HTML report reads a run folder back with :data:`KEY_COLUMNS`,
:data:`TEXT_COLUMNS` and :data:`NUMERIC_COLUMNS`.

Example:
    >>> export_columns(pd.DataFrame(columns=[*RESULT_COLUMNS, "domain"]))[-2:]
    ['raw_output', 'domain']
"""

from __future__ import annotations

import pandas as pd

#: Columns of the tidy frame scoring returns, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "pair_id",
    "category",
    "expected",
    "sentence_a",
    "sentence_b",
    "model",
    "kind",
    "objective",
    "raw_score",
    "score",
    "raw_output",
)
#: Columns kept in memory but not written to ``all_pair_results.*`` (``expected`` is implied by the category;
#: ``model_label`` is the display name a shown frame carries, see :mod:`compsem.data.labels`).
NOT_EXPORTED: tuple[str, ...] = ("expected", "normalization", "model_label")
#: Column order of ``all_pair_results.csv`` and ``.jsonl``; the pair file's own columns follow.
EXPORT_COLUMNS: tuple[str, ...] = tuple(c for c in RESULT_COLUMNS if c not in NOT_EXPORTED)
#: Names a pair file's own columns may not take: they would shadow a result column (``id`` becomes ``pair_id``).
RESERVED_COLUMNS: frozenset[str] = frozenset({*RESULT_COLUMNS, "id", "normalization"})
#: Column names a pair file may not use: each would be overwritten by (or hidden behind) a column compsem writes
#: into the results, or by the reader's own bookkeeping (``_line``). A pair file with one is refused, not renamed.
PAIR_FILE_RESERVED: frozenset[str] = frozenset(
    (RESERVED_COLUMNS | set(NOT_EXPORTED) | {"_line"}) - {"id", "category", "sentence_a", "sentence_b", "expected"}
)
#: Text columns statistics group by.
KEY_COLUMNS: tuple[str, ...] = ("pair_id", "category", "model", "kind", "objective")
#: The two sentences of a pair.
TEXT_COLUMNS: tuple[str, ...] = ("sentence_a", "sentence_b")
#: Columns that hold numbers.
NUMERIC_COLUMNS: tuple[str, ...] = ("raw_score", "score")


def export_columns(results: pd.DataFrame) -> list[str]:
    """The columns a results file holds, in order: the fixed ones present, then the pair file's own.

    The pair file's own columns (domain, note, ...) follow the fixed ones, so nothing a user wrote is lost.
    """
    fixed = [c for c in EXPORT_COLUMNS if c in results.columns]
    return fixed + [c for c in results.columns if c not in fixed and c not in NOT_EXPORTED]


__all__ = [
    "EXPORT_COLUMNS",
    "KEY_COLUMNS",
    "NOT_EXPORTED",
    "NUMERIC_COLUMNS",
    "PAIR_FILE_RESERVED",
    "RESERVED_COLUMNS",
    "RESULT_COLUMNS",
    "TEXT_COLUMNS",
    "export_columns",
]
