"""What ``compsem run`` does, as one library call: pairs -> models -> scores -> analysis -> files.

:func:`run` loads the pairs, resolves the models, scores through the score cache, analyses the
tidy results once (:func:`compsem.analysis.analyze`) and writes the five files of a run folder.
Every argument is checked before any scoring starts, so a bad ``out`` never throws work away;
such a problem raises :class:`RunError` with one sentence. The command line only parses its
arguments, calls :func:`run` and prints.

Example:
    >>> outcome = run("my_pairs.csv", ["all-MiniLM-L6-v2", "token-jaccard"], out="runs/mine")  # doctest: +SKIP
    >>> print(outcome.summary())  # doctest: +SKIP
    scored 12, cached 0 in 3.1s (2 model(s) x 6 pairs)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from compsem.analysis import Analysis, analyze
from compsem.analysis.grid import grid_cells
from compsem.analysis.grid import grid_models as models_of
from compsem.data.pairs import PairFileError, load_pairs
from compsem.data.streaming import load_pair_file
from compsem.models.devices import DeviceChoice
from compsem.models.quantization import runtime_device
from compsem.models.registry import UnknownModelError, get_spec, offline_models
from compsem.ray_engine import RayEngineError, score_on_ray
from compsem.reports.files import PAIR_FILE_CHOICES, check_output_dir, pair_file_format, write_run
from compsem.reports.markdown import comparison_dict, report_markdown, summary_dict, versions
from compsem.scoring import score_pairs
from compsem.store.score_store import CHUNK_PAIRS, ScoreStore

if TYPE_CHECKING:  # scoring pulls in the model registry and backends; imported when a run starts
    from compsem.scoring import ScoreRun
    from compsem.store.score_store import ProgressCallback

#: The thresholds of a run unless told otherwise.
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.8)
#: ``pairs_source`` of a run over the bundled pairs.
BUNDLED_SOURCE = "bundled study pairs"


class RunError(ValueError):
    """A run that cannot start (or scored nothing); the message is one sentence saying what to fix."""


@dataclass(frozen=True)
class RunOutcome:
    """What :func:`run` did.

    Attributes:
        scoring: the scoring account (scored / cached counts, failed models, cache messages).
        analysis: every statistics table of the run.
        meta: the run's metadata, as written into ``summary.json``.
        paths: the files written, in order.
        seconds: time spent scoring (loading models included).
        n_pairs: pairs in the pair file.
    """

    scoring: ScoreRun
    analysis: Analysis
    meta: Mapping[str, object]
    paths: tuple[Path, ...]
    seconds: float
    n_pairs: int

    def summary(self) -> str:
        """``scored 12, cached 0 in 3.1s (2 model(s) x 6 pairs)``."""
        n_models = len(self.meta["models"])  # type: ignore[arg-type]
        return f"{self.scoring.summary()} in {self.seconds:.1f}s ({n_models} model(s) x {self.n_pairs} pairs)"


def grid_cells_of(models: Sequence[str]) -> list:
    """The trained adapters among ``models`` as backbone × objective grid cells (read from their cards)."""

    cards = {}
    for key in models:
        spec = get_spec(key)
        if spec.card is not None:
            cards[spec.key] = spec.card.to_dict()
    return grid_cells(cards)


def grid_models() -> list[str]:
    """``compsem run --grid``: every usable trained adapter and its backbone's bi-encoder."""

    usable = offline_models()
    return [m for m in models_of(grid_cells_of(usable)) if m in usable]


def threshold_problem(thresholds: Sequence[float]) -> str | None:
    """Why ``thresholds`` cannot be used (a sentence), or None when every one is a number within 0-1."""
    for t in thresholds:
        if math.isnan(t):
            return "threshold nan is not a number; give thresholds within 0-1 such as 0.5 0.8"
        if not 0.0 <= t <= 1.0:
            return f"threshold {t} is outside 0-1 (scores are on a 0-1 scale)"
    return None


def run(
    pairs: str | Path | None = None,
    models: Sequence[str] | None = None,
    *,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    out: str | Path = "runs/latest",
    batch_size: int = 32,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
    backend: str = "torch",
    device: str | DeviceChoice = "auto",
    dtype: str | None = None,
    chunk_size: int = CHUNK_PAIRS,
    pair_files: str = "auto",
    engine: str = "local",
    address: str | None = None,
    ray_actors: int = 2,
    progress: ProgressCallback | None = None,
    on_scored: Callable[[ScoreRun], None] | None = None,
) -> RunOutcome:
    """Score ``pairs`` with ``models``, analyse the scores once and write a run folder.

    Args:
        pairs: pair CSV (default: the bundled 336 study pairs).
        models: registry keys or aliases (default: every model usable offline).
        thresholds: numbers within 0-1; the first is also the findings' threshold.
        out: the run folder (created); it receives ``all_pair_results.csv`` / ``.jsonl``,
            ``summary.json``, ``comparison.json`` and ``report.md``.
        batch_size: pairs per model call, at least 1.
        use_cache: False scores everything again (and refreshes the cache).
        cache_dir: score cache folder (default: ``$COMPSEM_CACHE_DIR`` or ``./cache``).
        backend: ``torch`` or ``onnx-int8`` for the transformer models.
        device: ``auto`` (CUDA, then MPS, then the CPU), ``cpu``, ``cuda`` or ``mps`` (:mod:`compsem.models.devices`).
        dtype: ``fp32`` (default), ``fp16`` or ``bf16`` on a GPU.
        chunk_size: pairs scored and stored together: an interrupted run keeps every finished chunk and
            the same call again scores only the rest.
        pair_files: ``auto`` (CSV + JSON Lines up to 100,000 result rows, Parquet above), ``csv`` or ``parquet``.
        engine: ``local`` (this process) or ``ray`` (the missing scores are computed by an actor pool on a
            Ray cluster and stored; :mod:`compsem.ray_engine`); the tables are the same either way.
        address: the Ray cluster (``host:port``, ``ray://host:port``, ``auto``); None starts a local one.
        ray_actors: scorer actors per model on Ray (each loads the model once).
        progress: ``progress(model, done, total)`` while scoring.
        on_scored: called with the scoring account as soon as scoring ends, before anything
            else can fail (the command line prints cache warnings and skipped models there).

    Returns:
        A :class:`RunOutcome`.

    Raises:
        RunError: a pair file with errors, an unknown model, a bad threshold or batch size, an
            unusable ``out`` (all before any scoring), or no model could score the pairs.
        compsem.store.sqlite.CacheError: the score cache is busy for too long or unusable.
        OSError: the file system refused a write.
    """

    try:
        # a file is streamed in chunks (CSV, Parquet, JSON Lines; no row limit); the upload limits are the dashboard's
        table = load_pair_file(pairs) if pairs is not None else load_pairs()
    except (PairFileError, FileNotFoundError) as exc:
        raise RunError(str(exc)) from None
    keys = list(models) if models else offline_models()
    try:
        for name in keys:
            get_spec(name)
    except UnknownModelError as exc:
        raise RunError(str(exc)) from None
    problem = threshold_problem(thresholds)
    if problem:
        raise RunError(problem)
    if batch_size < 1:
        raise RunError(f"--batch-size must be at least 1, not {batch_size}")
    if pair_files not in PAIR_FILE_CHOICES:
        raise RunError(f"--pair-files must be one of {', '.join(PAIR_FILE_CHOICES)}, not {pair_files!r}")
    if engine not in ("local", "ray"):
        raise RunError(f"--engine must be local or ray, not {engine!r}")
    if engine == "ray" and not use_cache:
        raise RunError("--engine ray stores its scores in the score cache; drop --no-cache")
    if chunk_size < 1:
        raise RunError(f"--chunk-size must be at least 1, not {chunk_size}")
    try:
        transformers = any(get_spec(k).kind in ("bi-encoder", "cross-encoder") for k in keys)
        where = runtime_device(backend, device, dtype, transformers=transformers)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    try:
        out_dir = check_output_dir(out)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    cache = ScoreStore(cache_dir or None)
    t0 = time.perf_counter()
    on_ray: dict[str, int] = {}
    if engine == "ray":
        try:
            on_ray = score_on_ray(
                table,
                keys,
                store=cache,
                backend=backend,
                device=where,
                batch_size=batch_size,
                chunk_size=chunk_size,
                address=address,
                actors=ray_actors,
                progress=progress,
            ).scored
        except RayEngineError as exc:
            raise RunError(str(exc)) from None
    scoring = score_pairs(
        table,
        keys,
        cache=cache,
        use_cache=use_cache,
        batch_size=batch_size,
        progress=progress,
        backend=backend,
        device=where,
        chunk_size=chunk_size,
    )
    seconds = time.perf_counter() - t0
    for m in scoring.models:  # what the cluster scored was read back from the store: count it as scored
        if m.model in on_ray:
            m.scored, m.cached = m.scored + on_ray[m.model], max(0, m.cached - on_ray[m.model])
    if on_scored is not None:
        on_scored(scoring)
    if scoring.results.empty:
        raise RunError("no model could score the pairs (see the reasons above)")
    meta = {
        "pairs_source": str(pairs) if pairs is not None else BUNDLED_SOURCE,
        "n_pairs": len(table),
        "models": (models := [m.model for m in scoring.models if not m.error]),
        "skipped": {m.model: m.error for m in scoring.failed},
        "thresholds": list(thresholds),
        "backend": backend,
        **({"device": where.label, "device_name": where.name} if where.suffix else {}),
        **({"engine": "ray"} if engine == "ray" else {}),
        **({"pair_files": fmt} if (fmt := pair_file_format(len(scoring.results), pair_files)) != "csv" else {}),
        "scored": scoring.scored,
        "cached": scoring.cached,
        "seconds": round(seconds, 2),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
    }
    if scoring.truncated:  # only when a model read some pairs in part: the key is a warning
        meta["truncated"] = {
            m: {"truncated": t.truncated, "pairs": t.pairs, "max_tokens": t.max_tokens, "unit": t.unit}
            for m, t in scoring.truncated.items()
        }
    analysis = analyze(scoring.results, thresholds, grid_cells_of(models))
    paths = write_run(
        out_dir,
        scoring.results,
        summary_dict(analysis, meta),
        comparison_dict(analysis.comparisons),
        report_markdown(analysis, meta),
        fmt,
    )
    return RunOutcome(scoring, analysis, MappingProxyType(meta), tuple(paths), seconds, len(table))


__all__ = [
    "BUNDLED_SOURCE",
    "DEFAULT_THRESHOLDS",
    "RunError",
    "RunOutcome",
    "grid_cells_of",
    "grid_models",
    "run",
    "threshold_problem",
]
