"""Writing a run's files: atomic (temp file + rename), so a crash never leaves half a file.

CSV files are written through :func:`compsem.data.csv_safety.safe_csv`, so a sentence such as
``=HYPERLINK(...)`` is text, not a live formula, when a stakeholder opens the file in a
spreadsheet; ``all_pair_results.jsonl`` carries the same rows with the raw text, untouched.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from compsem.data.csv_safety import safe_csv
from compsem.data.schema import EXPORT_COLUMNS, export_columns

#: Column order of ``all_pair_results.csv`` (one row per pair x model); declared in :mod:`compsem.data.schema`.
PAIR_RESULT_COLUMNS = list(EXPORT_COLUMNS)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def pair_results_csv(results: pd.DataFrame) -> str:
    """The pair-level CSV text (also what the dashboard offers for download)."""
    return safe_csv(results[export_columns(results)], index=False)


def pair_results_jsonl(results: pd.DataFrame) -> str:
    """The same rows and columns as :func:`pair_results_csv`, one JSON object per line, text untouched.

    This is the lossless copy: the CSV neutralises formula-like text for spreadsheets, this does not.
    """
    return results[export_columns(results)].to_json(orient="records", lines=True, force_ascii=False)


def check_output_dir(path: str | Path, option: str = "--out") -> Path:
    """Make sure ``path`` is a folder compsem can write into (creating it), before any work starts.

    Raises:
        ValueError: with a sentence naming the folder and what is wrong with it.

    Example:
        >>> check_output_dir(tmp_path / "runs" / "mine")  # doctest: +SKIP
    """
    raw = str(path)
    if not raw.strip():
        raise ValueError(f"{option} is empty; give a folder such as runs/mine")
    if "\x00" in raw:
        raise ValueError(f"{option} contains a NUL character; give an ordinary folder name")
    out = Path(path).expanduser()
    too_long = [part for part in out.parts if len(os.fsencode(part)) > 255]
    if too_long or len(os.fsencode(raw)) > 4000:
        what = f"a name of {len(too_long[0])} characters" if too_long else f"{len(raw)} characters"
        raise ValueError(f"{option} {raw[:80]}... is too long ({what}); file systems allow 255 per name")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{option} {out} is a file, not a folder; give a folder name (it is created if needed)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ValueError(f"{option} {out}: a part of this path is a file, not a folder") from None
    except OSError as exc:
        reason = "a part of this path is a file, not a folder" if exc.errno == errno.ENOTDIR else exc.strerror
        raise ValueError(f"{option} {out} cannot be created ({reason}); give a folder you can write to") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".compsem-write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"{option} {out} is not writable ({exc.strerror}); give a folder you can write to") from None
    return out


#: Above this many result rows (pairs × models) a run writes its per-pair scores as Parquet, not CSV + JSON Lines:
#: a million-row CSV takes a minute to write and no spreadsheet opens it. ``pair_files="csv"`` asks for CSV anyway.
LARGE_RUN_ROWS = 100_000
PAIR_FILE_CHOICES = ("auto", "csv", "parquet")


def pair_file_format(n_rows: int, requested: str = "auto") -> str:
    """``csv`` (CSV + JSON Lines) or ``parquet`` for a run of ``n_rows`` result rows.

    Raises:
        ValueError: a choice other than auto, csv or parquet.

    Example:
        >>> pair_file_format(4368), pair_file_format(2_000_000), pair_file_format(2_000_000, "csv")
        ('csv', 'parquet', 'csv')
    """
    if requested not in PAIR_FILE_CHOICES:
        raise ValueError(f"unknown pair-file format {requested!r}: choose one of {', '.join(PAIR_FILE_CHOICES)}")
    if requested != "auto":
        return requested
    return "parquet" if n_rows > LARGE_RUN_ROWS else "csv"


def write_parquet(path: Path, results: pd.DataFrame) -> Path:
    """The per-pair results as Parquet (text untouched, numbers exact), written atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        results[export_columns(results)].to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_run(
    out_dir: Path, results: pd.DataFrame, summary: dict, comparison: dict, report_md: str, pair_files: str = "csv"
) -> list[Path]:
    """Write the per-pair results, ``summary.json``, ``comparison.json`` and ``report.md``.

    The per-pair results are ``all_pair_results.csv`` + ``.jsonl`` (``pair_files="csv"``) or
    ``all_pair_results.parquet``; the other format's files, left by an earlier run, are removed so a
    folder never holds two disagreeing copies.
    """
    out_dir = Path(out_dir)
    if pair_files == "parquet":
        for stale in ("all_pair_results.csv", "all_pair_results.jsonl"):
            (out_dir / stale).unlink(missing_ok=True)
        pair_paths = [write_parquet(out_dir / "all_pair_results.parquet", results)]
    else:
        (out_dir / "all_pair_results.parquet").unlink(missing_ok=True)
        pair_paths = [
            atomic_write_text(out_dir / "all_pair_results.csv", pair_results_csv(results)),
            atomic_write_text(out_dir / "all_pair_results.jsonl", pair_results_jsonl(results)),
        ]
    return [
        *pair_paths,
        atomic_write_text(out_dir / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)),
        atomic_write_text(
            out_dir / "comparison.json", json.dumps(comparison, indent=2, ensure_ascii=False, allow_nan=False)
        ),
        atomic_write_text(out_dir / "report.md", report_md),
    ]
