"""Writing a run's files: atomic (temp file + rename), so a crash never leaves half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

#: Column order of ``all_pair_results.csv`` (one row per pair x model).
PAIR_RESULT_COLUMNS = ["pair_id", "category", "sentence_a", "sentence_b", "model", "kind", "objective",
                       "raw_score", "score", "raw_output"]


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
    cols = [c for c in PAIR_RESULT_COLUMNS if c in results.columns]
    # The pair file's own columns (domain, note, ...) follow the fixed ones, so nothing a user wrote is lost.
    extra = [c for c in results.columns if c not in cols and c not in ("expected", "normalization")]
    return results[cols + extra].to_csv(index=False)


def write_run(out_dir: Path, results: pd.DataFrame, summary: dict, comparison: dict, report_md: str) -> list[Path]:
    """Write ``all_pair_results.csv``, ``summary.json``, ``comparison.json`` and ``report.md``."""
    out_dir = Path(out_dir)
    return [
        atomic_write_text(out_dir / "all_pair_results.csv", pair_results_csv(results)),
        atomic_write_text(out_dir / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)),
        atomic_write_text(out_dir / "comparison.json", json.dumps(comparison, indent=2, ensure_ascii=False, allow_nan=False)),
        atomic_write_text(out_dir / "report.md", report_md),
    ]
