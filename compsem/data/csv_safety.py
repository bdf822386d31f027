"""CSV files that are safe to open in a spreadsheet, and reading them back losslessly.

Stakeholders open compsem's CSV files in Excel, LibreOffice or Google Sheets. A cell whose
text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before looking for those) is run as a formula there: a pair file holding
``=HYPERLINK("http://x","y")`` would put a live link, or worse, into every export. OWASP's
advice for CSV injection is to prefix such a cell with a single quote, which spreadsheets
show as text; the CSV quoting of embedded quotes and separators is done by the CSV writer.

Only text is touched, never a number: a score of -0.3 in a numeric column stays -0.3.

The prefix is reversible. A text that already starts with a quote followed by something
that would be neutralised gets one more quote, so :func:`restore_cell` can undo
:func:`neutralise_cell` exactly, for every string (used where compsem reads its own CSV
files back, such as a trained model's stored ``scores.csv``). The raw text of a run is also
in ``all_pair_results.jsonl``, which needs no undoing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, overload

import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _needs_prefix(text: str) -> bool:
    # A quote counts too when what follows it would need one: that keeps the prefix reversible.
    i = 0
    while i < len(text) and text[i] == "'":
        i += 1
    return i < len(text) and text[i] in FORMULA_TRIGGERS


def neutralise_cell(value: object) -> object:
    """Prefix a formula-like string with ``'``; anything that is not a string comes back as it was.

    Example:
        >>> neutralise_cell("=1+1"), neutralise_cell("It rains."), neutralise_cell(-0.3)
        ("'=1+1", 'It rains.', -0.3)
    """
    if isinstance(value, str) and _needs_prefix(value):
        return "'" + value
    return value


def restore_cell(value: object) -> object:
    """Undo :func:`neutralise_cell` exactly.

    Example:
        >>> restore_cell("'=1+1"), restore_cell("'quoted'")
        ('=1+1', "'quoted'")
    """
    if isinstance(value, str) and value.startswith("'") and _needs_prefix(value[1:]):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_object_dtype(frame[c])
        or pd.api.types.is_string_dtype(frame[c])
        or isinstance(frame[c].dtype, pd.CategoricalDtype)
    ]


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) are safe to open in a spreadsheet; numbers untouched."""
    out = frame.copy()
    for col in _text_columns(out):
        values = out[col].astype(object) if isinstance(out[col].dtype, pd.CategoricalDtype) else out[col]
        out[col] = values.map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    if out.index.name is not None or isinstance(out.index, pd.MultiIndex):
        out.index = out.index.map(
            lambda v: tuple(neutralise_cell(x) for x in v) if isinstance(v, tuple) else neutralise_cell(v)
        )
    return out


def restore_frame(frame: pd.DataFrame, columns: Iterable | None = None) -> pd.DataFrame:
    """Undo :func:`neutralise_frame` on text columns of a frame read back with ``pd.read_csv``."""
    out = frame.copy()
    out.columns = [restore_cell(c) for c in out.columns]
    wanted = set(columns) if columns is not None else None
    for col in _text_columns(out):
        if wanted is None or col in wanted:
            out[col] = _restore_column(out[col])
    return out


def _restore_column(values: pd.Series) -> pd.Series:
    """:func:`restore_cell` of every cell of a column; of a text column, only the cells that start with a quote.

    Only those can change (``read_csv`` gives text columns). A run of 100,000 pairs × two models has
    1.6 million text cells: one Python call each took seconds.
    """
    if not isinstance(values.dtype, pd.StringDtype):  # categories, objects: mapped whole (map infers their dtype)
        return values.map(restore_cell)
    quoted = values.str.startswith("'", na=False).to_numpy(dtype=bool)
    if not quoted.any():
        return values
    out = values.copy()
    out[quoted] = values[quoted].map(restore_cell)
    return out


@overload
def safe_csv(frame: pd.DataFrame, path: None = None, **kwargs) -> str: ...


@overload
def safe_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> None: ...


def safe_csv(frame: pd.DataFrame, path: str | Path | None = None, **kwargs) -> str | None:
    """``frame.to_csv(...)`` with every text cell neutralised: compsem's one way of writing CSV.

    Like ``to_csv``: the text when ``path`` is None, else written to ``path``.

    Example:
        >>> safe_csv(pd.DataFrame({"s": ["@SUM(A1)"], "x": [-1.5]}), index=False)
        "s,x\\n'@SUM(A1),-1.5\\n"
    """
    safe = neutralise_frame(frame)
    if "lineterminator" not in kwargs and any(
        safe[c].map(lambda v: isinstance(v, str) and "\r" in v).any() for c in _text_columns(safe)
    ):
        # Python's CSV writer quotes a cell holding "\r" only when "\r" is part of the line
        # terminator; without the quotes the file would not read back. RFC 4180 uses CRLF anyway.
        kwargs["lineterminator"] = "\r\n"
    return safe.to_csv(path, **kwargs)


def read_safe_csv(path: str | Path | IO[bytes], **kwargs) -> pd.DataFrame:
    """Read a CSV written by :func:`safe_csv` (a path, or bytes already read) and give back the raw text."""
    return restore_frame(pd.read_csv(path, **kwargs))
