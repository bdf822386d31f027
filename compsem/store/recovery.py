"""How the score store tells trouble apart and recovers from damage: busy vs damaged, row checksums, salvage.

Two kinds of trouble look alike from Python and must never be confused, because one of
them is harmless and the other is not (see :mod:`compsem.store.sqlite`):

* **busy**: another process holds a lock; wait and retry, never move the file aside;
* **damaged**: the file is not a database or is malformed; move it aside (kept as
  evidence) and copy the rows that still pass their checksum into a fresh cache.

This module holds the row format too, since a row's checksum is what salvage trusts.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

COLUMNS = "key, model, fingerprint, raw_score, score, raw_output, checksum, created"
#: SQLite's primary result codes for "someone else holds a lock" (SQLITE_BUSY, SQLITE_LOCKED).
_BUSY_CODES = {5, 6}
#: SQLite's primary result codes for real damage (SQLITE_CORRUPT, SQLITE_NOTADB).
_CORRUPT_CODES = {11, 26}


class CacheError(RuntimeError):
    """The score cache cannot be used (a folder that cannot be written, a full disk...)."""


class CacheBusyError(CacheError):
    """Another process kept the score cache locked for longer than the timeout."""


class Damaged(Exception):
    """Internal: the database file is damaged (carries the reason)."""


#: How far past its model's range a stored score may lie and still count (rounding, not damage).
BOUNDS_TOLERANCE = 1e-9


def checksum(key: str, raw_score: float, score: float, raw_output: str) -> str:
    """A row's own checksum over its content, so a row damaged on disk is detected, not returned."""
    payload = f"{key}|{raw_score!r}|{score!r}|{raw_output}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def nan_to_none(x: float) -> float | None:
    """SQLite stores NaN as NULL; say so explicitly."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


#: No bounds known beyond finiteness (a raw logit, a cross-encoder that declares no activation).
UNBOUNDED = (-math.inf, math.inf)


def value_problem(raw_score: object, score: object, raw_output: object, bounds: tuple[float, float] = UNBOUNDED) -> str:
    """What makes a stored row's values not a score, in words; ``""`` when they are one.

    A row can pass its checksum and still hold no score (written by a foreign tool, a bug, or by
    hand): both numbers must be finite numbers (not NaN, ±inf, text or bytes), ``score`` must lie in
    ``bounds`` (the model's range, e.g. 0-1), and ``raw_output`` must be JSON text.
    """
    for name, value in (("raw_score", raw_score), ("score", score)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{name} is {type(value).__name__}, not a number"
        if not math.isfinite(value):
            return f"{name} is {value}"
    lo, hi = bounds
    # Floating-point rounding puts a cosine of identical texts at 1.0000000000000002: a tolerance far
    # below any threshold keeps such scores, while a value that is really out of range (5.0) is damage.
    if not lo - BOUNDS_TOLERANCE <= float(score) <= hi + BOUNDS_TOLERANCE:  # type: ignore[arg-type]  # a number
        return f"score {score} is outside the model's range {lo:g}..{hi:g}"
    if not isinstance(raw_output, str):
        return f"raw_output is {type(raw_output).__name__}, not JSON text"
    return "" if _is_json(raw_output) else "raw_output is not JSON"


#: ``json.loads``'s own parts: the C scanner of one JSON value, and the whitespace it allows around it.
_SCAN_VALUE = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in __init__, not declared
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _is_json(text: str) -> bool:
    """Whether ``json.loads(text)`` succeeds: the same test, without its two Python layers per call.

    ``loads`` skips leading whitespace, scans one value with the C scanner and refuses anything but
    whitespace after it; so does this (a read of a million cached rows checks a million outputs).
    """
    try:
        _value, end = _SCAN_VALUE(text, _WHITESPACE.match(text, 0).end())  # type: ignore[union-attr]
    except (StopIteration, ValueError):
        return False
    return _WHITESPACE.match(text, end).end() == len(text)  # type: ignore[union-attr]


def row_is_intact(row: tuple) -> bool:
    """True when a stored row (in :data:`COLUMNS` order) still matches its own checksum and holds a score.

    The model's range is not known here (salvage copies every model's rows): only finiteness and
    types are checked; :meth:`~compsem.store.sqlite.ScoreCache.get_many` checks the range on read.
    """
    key, _model, _fp, raw, score, raw_output, stored, _created = row
    if not isinstance(key, str) or not isinstance(raw_output, str):
        return False
    raw_f = float("nan") if raw is None else raw
    score_f = float("nan") if score is None else score
    return checksum(key, raw_f, score_f, raw_output) == stored and not value_problem(raw_f, score_f, raw_output)


def _sqlite_says(exc: BaseException, codes: set[int], words: tuple[str, ...]) -> bool:
    """True when SQLite's primary result code is one of ``codes``.

    Python before 3.11 carries no result code on the exception; the message's ``words`` decide there.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in codes
    text = str(exc).lower()
    return any(word in text for word in words)


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy" answers: wait and retry, never quarantine."""
    return isinstance(exc, sqlite3.OperationalError) and _sqlite_says(exc, _BUSY_CODES, ("locked", "busy"))


def is_damage_error(exc: BaseException) -> bool:
    """True for errors that mean the file itself is damaged ("file is not a database", "malformed")."""
    if not isinstance(exc, sqlite3.DatabaseError) or is_busy_error(exc):
        return False
    return _sqlite_says(exc, _CORRUPT_CODES, ("not a database", "malformed"))


def salvage(damaged: Path) -> list[tuple]:
    """Rows of a damaged database that still pass their checksum (best effort, never raises).

    The damaged file (and its ``-wal``) is copied to a temporary folder first, so the
    evidence stays exactly as it was found. Rows are read in rowid order from both ends,
    so damage in the middle of the table loses only the rows on the damaged pages.
    """
    found: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory(prefix="compsem-salvage-") as tmp:
        copy = Path(tmp) / "damaged.sqlite"
        try:
            shutil.copyfile(damaged, copy)
            if Path(str(damaged) + "-wal").exists():
                shutil.copyfile(Path(str(damaged) + "-wal"), Path(str(copy) + "-wal"))
        except OSError:
            return []
        try:
            conn = sqlite3.connect(copy, timeout=1.0, isolation_level=None)
        except sqlite3.Error:
            return []
        try:
            for order in ("ASC", "DESC"):
                try:
                    cursor = conn.execute(f"SELECT {COLUMNS} FROM scores ORDER BY rowid {order}")
                    while True:
                        batch = cursor.fetchmany(500)
                        if not batch:
                            break
                        for row in batch:
                            if row_is_intact(row):
                                found.setdefault(row[0], row)
                except sqlite3.Error:
                    continue  # stop at the damage; the other direction reads what lies beyond it
        finally:
            conn.close()
    return list(found.values())
