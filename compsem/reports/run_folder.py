"""A ``compsem run`` folder read back through one validated schema.

``compsem report RUN --html OUT`` (and the dashboard's share button) renders what a run wrote:
``all_pair_results.csv``, ``summary.json`` and ``comparison.json``. Those files may be hand-edited
or damaged, so every value the renderer uses is checked here once, and the renderer reads typed
fields instead of ``dict.get`` chains. A problem is one :class:`RunFolderError` whose message names
the file, the field (``meta.thresholds[0]``) and what was expected; never a ``KeyError``, a
``TypeError`` or "Findings at threshold nan".

Every file is read through :mod:`compsem.data.guarded` (a regular file only, a size limit, a
nesting limit for JSON).

Example:
    >>> run = load_run(Path("runs/latest"))  # doctest: +SKIP
    >>> run.info.thresholds, [m.label for m in run.info.models]  # doctest: +SKIP
    ((0.5, 0.8), ['all-MiniLM-L6-v2', ...])
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from compsem.data.csv_safety import read_safe_csv
from compsem.data.guarded import FileRefusedError, parse_json_guarded, read_guarded, read_text_guarded
from compsem.data.schema import KEY_COLUMNS, NUMERIC_COLUMNS, TEXT_COLUMNS

RUN_FILES = ("all_pair_results.csv", "summary.json", "comparison.json")
#: The most bytes of ``all_pair_results.csv`` read (20,000 pairs x a dozen models is far below).
MAX_RESULTS_BYTES = 512 * 2**20
#: The most bytes of ``summary.json`` or ``comparison.json`` read.
MAX_JSON_BYTES = 64 * 2**20
#: The family comparisons ``comparison.json`` may hold, and their titles in a report.
COMPARISONS = {
    "bi_encoder_vs_cross_encoder": "cross-encoders vs bi-encoders",
    "bi_encoder_vs_cross_encoder_without_retrieval": "cross-encoders (no retrieval) vs bi-encoders",
    "bi_encoder_vs_baselines": "baselines vs bi-encoders",
}
#: Numbers a comparison row must hold (``None`` allowed: a statistic that was undefined).
COMPARISON_NUMBERS = ("cohens_d", "other_mean", "reference_mean")
COMPARISON_OPTIONAL = ("holm_pvalue_mw", "holm_pvalue_wilcoxon")


class RunFolderError(ValueError):
    """A run folder that cannot be reported on: the message names the file and the problem."""


@dataclass(frozen=True)
class RunModel:
    """One model of the run: its key and display name."""

    key: str
    label: str


@dataclass(frozen=True)
class RateCell:
    """One model x category line of ``per_model_category``: rate and 95% CI per threshold (``"0.5"`` -> ...)."""

    model: str
    category: str
    rates: Mapping[str, float | None]
    cis: Mapping[str, tuple[float | None, float | None]]
    n: int | None = None  # pairs in the cell (None in a summary that does not say)


@dataclass(frozen=True)
class CalibratedRow:
    """One model's calibrated threshold (numbers are None where undefined)."""

    model: str
    threshold: float | None
    youden_j: float | None
    tpr: float | None
    fpr: float | None


@dataclass(frozen=True)
class RunInfo:
    """What a report reads from ``summary.json`` and ``comparison.json``, checked and typed.

    Attributes:
        pairs_source, n_pairs, created: run metadata as text (``"?"`` / ``""`` when absent).
        thresholds: finite numbers within 0-1, at least one (``(0.5,)`` when the run named none).
        versions: (package, version) in the file's order.
        models: the run's models.
        cells: rates per model x category.
        calibrated: calibrated thresholds (empty when the run had none).
        comparisons: comparison name -> its rows (each with ``category`` and the numbers of
            :data:`COMPARISON_NUMBERS`, float or None).
    """

    pairs_source: str = "?"
    n_pairs: str = "?"
    created: str = ""
    thresholds: tuple[float, ...] = (0.5,)
    versions: tuple[tuple[str, str], ...] = ()
    models: tuple[RunModel, ...] = ()
    cells: tuple[RateCell, ...] = ()
    calibrated: tuple[CalibratedRow, ...] = ()
    comparisons: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)

    @property
    def labels(self) -> dict[str, str]:
        """Model key -> display name."""
        return {m.key: m.label for m in self.models}


# -- checking values -----------------------------------------------------------------------------------
class _Checker:
    """Reads one JSON document, naming the file and the field in every complaint."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, expected: str, value: object) -> RunFolderError:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return RunFolderError(f"{self.source}: {where} must be {expected}, not {shown}")

    def mapping(self, value: object, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "a JSON object", value)
        return value

    def listing(self, value: object, where: str) -> list:
        if not isinstance(value, (list, tuple)):  # a tuple: a summary built in memory (the dashboard's)
            raise self.fail(where, "a JSON list", value)
        return list(value)

    def text(self, value: object, where: str, *, required: bool = True) -> str:
        if isinstance(value, str) and (value.strip() or not required):
            return value
        raise self.fail(where, "a non-empty text" if required else "a text", value)

    def scalar_text(self, value: object, where: str, default: str) -> str:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(where, "a text or a number", value)
        return str(value)

    def number(self, value: object, where: str, *, lo: float = -math.inf, hi: float = math.inf) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(where, "a finite number or null", value)
        if not lo <= value <= hi:
            raise self.fail(where, f"within {lo:g}-{hi:g}", value)
        return float(value)


def parse_summary(doc: object, comparison: object = None, source: str = "summary.json") -> RunInfo:
    """Check ``summary.json`` (and ``comparison.json``) and return the typed :class:`RunInfo`.

    Raises:
        RunFolderError: a value of the wrong type, a model without its key, a threshold that is not a
            finite number within 0-1, and so on; the message names the file and the field.
    """
    c = _Checker(source)
    summary = c.mapping(doc, "the document")
    meta = c.mapping(summary.get("meta", {}), "meta")
    raw_thresholds = c.listing(meta.get("thresholds") or [0.5], "meta.thresholds")
    thresholds = tuple(c.number(t, f"meta.thresholds[{i}]", lo=0.0, hi=1.0) for i, t in enumerate(raw_thresholds))
    if any(t is None for t in thresholds):
        raise c.fail("meta.thresholds", "a list of numbers within 0-1", raw_thresholds)
    versions = c.mapping(meta.get("versions", {}), "meta.versions")
    models = []
    for i, m in enumerate(c.listing(summary.get("models", []), "models")):
        m = c.mapping(m, f"models[{i}]")
        key = c.text(m.get("model"), f"models[{i}].model")
        label = m.get("label")
        models.append(RunModel(key, key if label in (None, "") else c.text(label, f"models[{i}].label")))
    cells = []
    for i, r in enumerate(c.listing(summary.get("per_model_category", []), "per_model_category")):
        where = f"per_model_category[{i}]"
        r = c.mapping(r, where)
        rates = {
            str(k): c.number(v, f"{where}.rate_at_threshold[{k!r}]", lo=0.0, hi=1.0)
            for k, v in c.mapping(r.get("rate_at_threshold", {}), f"{where}.rate_at_threshold").items()
        }
        cis = {}
        for k, v in c.mapping(r.get("rate_ci95_at_threshold", {}), f"{where}.rate_ci95_at_threshold").items():
            pair = c.listing(v, f"{where}.rate_ci95_at_threshold[{k!r}]")
            if len(pair) != 2:
                raise c.fail(f"{where}.rate_ci95_at_threshold[{k!r}]", "a [low, high] pair", v)
            ci = [
                c.number(x, f"{where}.rate_ci95_at_threshold[{k!r}][{j}]", lo=0.0, hi=1.0) for j, x in enumerate(pair)
            ]
            cis[str(k)] = (ci[0], ci[1])
        n = c.number(r.get("n"), f"{where}.n", lo=0.0)
        cells.append(
            RateCell(
                c.text(r.get("model"), f"{where}.model"),
                c.text(r.get("category"), f"{where}.category"),
                rates,
                cis,
                None if n is None else int(n),
            )
        )
    calibrated = []
    for i, r in enumerate(c.listing(summary.get("calibrated_thresholds") or [], "calibrated_thresholds")):
        where = f"calibrated_thresholds[{i}]"
        r = c.mapping(r, where)
        calibrated.append(
            CalibratedRow(
                c.text(r.get("model"), f"{where}.model"),
                *(c.number(r.get(name), f"{where}.{name}") for name in ("threshold", "youden_j", "tpr", "fpr")),
            )
        )
    return RunInfo(
        pairs_source=c.scalar_text(meta.get("pairs_source"), "meta.pairs_source", "?"),
        n_pairs=c.scalar_text(meta.get("n_pairs"), "meta.n_pairs", "?"),
        created=c.scalar_text(meta.get("created"), "meta.created", ""),
        thresholds=tuple(t for t in thresholds if t is not None),
        versions=tuple((str(k), c.scalar_text(v, f"meta.versions[{k!r}]", "")) for k, v in versions.items()),
        models=tuple(models),
        cells=tuple(cells),
        calibrated=tuple(calibrated),
        comparisons=parse_comparison(comparison if comparison is not None else {}),
    )


def parse_comparison(doc: object, source: str = "comparison.json") -> dict[str, tuple[Mapping[str, Any], ...]]:
    """The family comparisons of ``comparison.json`` a report shows, checked (see :data:`COMPARISONS`).

    A comparison written as ``{"skipped": reason}`` (one family only) is left out.

    Raises:
        RunFolderError: naming the file and the field.
    """
    c = _Checker(source)
    comparison = c.mapping(doc, "the document")
    out: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for name in COMPARISONS:
        table = comparison.get(name)
        if table is None or isinstance(table, dict):
            continue  # absent, or {"skipped": ...}
        rows = []
        for i, row in enumerate(c.listing(table, name)):
            where = f"{name}[{i}]"
            row = c.mapping(row, where)
            checked: dict[str, Any] = {"category": c.text(row.get("category"), f"{where}.category")}
            for key in COMPARISON_NUMBERS:
                if key not in row:
                    raise RunFolderError(f"{source}: {where} has no {key}")
                checked[key] = c.number(row[key], f"{where}.{key}")
            for key in COMPARISON_OPTIONAL:
                checked[key] = c.number(row.get(key), f"{where}.{key}", lo=0.0, hi=1.0)
            rows.append(checked)
        if rows:
            out[name] = tuple(rows)
    return out


# -- reading the folder ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunData:
    """What a ``compsem run`` wrote: the tidy results and the two JSON documents, checked on construction.

    Attributes:
        results: the pair-level results (``all_pair_results.csv``).
        summary, comparison: the documents as read.
        info: the checked, typed view of both (:func:`parse_summary`); a renderer reads only this.

    Raises:
        RunFolderError: from :func:`parse_summary`.
    """

    results: pd.DataFrame
    summary: dict
    comparison: dict
    info: RunInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "info", parse_summary(self.summary, self.comparison))

    @property
    def labels(self) -> dict[str, str]:
        return self.info.labels

    @property
    def thresholds(self) -> list[float]:
        return list(self.info.thresholds)


def _read_results(path: Path) -> pd.DataFrame:
    parquet = path.suffix == ".parquet"
    try:
        raw = read_guarded(path, limit=MAX_RESULTS_BYTES, kind="Parquet file" if parquet else "CSV file")
        if parquet:  # a large run's pair file (compsem.reports.files writes Parquet above a size)
            results = pd.read_parquet(io.BytesIO(raw)).astype(str)
        else:
            # read back raw: compsem writes formula-like text with a leading quote (compsem.data.csv_safety)
            results = read_safe_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except FileRefusedError as exc:
        raise RunFolderError(exc.reason) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise RunFolderError(f"{path}: cannot be read as {'Parquet' if parquet else 'CSV'} ({exc})") from None
    need = [*KEY_COLUMNS, *TEXT_COLUMNS, *NUMERIC_COLUMNS]
    absent = [col for col in need if col not in results.columns]
    if absent:
        raise RunFolderError(f"{path}: column(s) {', '.join(absent)} missing")
    for col in NUMERIC_COLUMNS:
        values = pd.to_numeric(results[col], errors="coerce")
        bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))
        if col == "score" and len(bad):  # a raw score may be empty (undefined); a score never is
            raise RunFolderError(
                f"{path}, row {int(bad[0]) + 1}: score {results[col].iloc[bad[0]]!r} is not a finite number"
            )
        results[col] = values
    if results.empty:
        raise RunFolderError(f"{path}: no scores")
    return results


def load_run(run_dir: Path) -> RunData:
    """Read and check a run folder.

    Raises:
        RunFolderError: a missing folder or file, a file that is not a regular file or is too large,
            unreadable JSON or CSV, a CSV without the needed columns or with a score that is not a
            finite number, or a summary that does not fit the schema (:func:`parse_summary`).
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir}: no such folder; give the --out folder of `compsem run`")
    pair_file = run_dir / "all_pair_results.csv"
    if not pair_file.exists() and (run_dir / "all_pair_results.parquet").exists():
        pair_file = run_dir / "all_pair_results.parquet"  # a large run writes its pairs as Parquet only
    missing = [name for name in RUN_FILES if not (run_dir / name).exists() and not (run_dir / name) == pair_file]
    missing = [name for name in missing if not (name.endswith(".csv") and pair_file.suffix == ".parquet")]
    if missing:
        raise RunFolderError(f"{run_dir}: not a `compsem run` folder, {', '.join(missing)} missing")
    results = _read_results(pair_file)
    docs = []
    for name in ("summary.json", "comparison.json"):
        path = run_dir / name
        try:
            text = read_text_guarded(path, limit=MAX_JSON_BYTES, kind="JSON file")
            doc = parse_json_guarded(text, str(path))
        except FileRefusedError as exc:
            reason = exc.reason.replace("not valid JSON", "cannot be read as JSON")
            raise RunFolderError(reason) from None
        if not isinstance(doc, dict):
            raise RunFolderError(f"{path}: expected a JSON object")
        docs.append(doc)
    try:
        return RunData(results, docs[0], docs[1])
    except RunFolderError as exc:  # name the folder's files, not just their names
        raise RunFolderError(f"{run_dir}/{exc}") from None


__all__ = [
    "COMPARISONS",
    "MAX_JSON_BYTES",
    "MAX_RESULTS_BYTES",
    "RUN_FILES",
    "CalibratedRow",
    "RateCell",
    "RunData",
    "RunFolderError",
    "RunInfo",
    "RunModel",
    "load_run",
    "parse_comparison",
    "parse_summary",
]
