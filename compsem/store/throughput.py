"""How fast each model scores on this machine: measured while scoring, kept beside the score cache, and
turned into the time estimate the dashboard shows before and during a run.

Where a number comes from is part of the number: :class:`Estimate` says whether it rests on
timings measured on this machine (:data:`MEASURED`), on a rough guess from the model's size
(:data:`GUESSED`) or on both (:data:`PARTLY_MEASURED`), and the dashboard prints that beside it.

- :class:`RateTracker` watches a run's ``progress(model, done, total)`` calls and measures, per model,
  the start-up (load + first chunk) and the seconds per pair after it.
- :class:`ThroughputLog` keeps the latest :class:`Rate` per model in ``throughput.json`` in the cache
  folder (atomic writes; an unreadable file is treated as empty, never an error).
- :func:`estimate` adds up the models still to score: measured rates where known, else
  :func:`guess_seconds` scaled by how much slower than the guess this machine ran the models it
  has measured (the machine is shared: a busy machine is slow for every model).

Example:
    >>> est = estimate({"baseline/token-jaccard": 100}, {})
    >>> est.source
    'guessed'
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from compsem.models.registry import UnknownModelError, get_spec
from compsem.models.specs import ModelSpec

MEASURED = "measured"
GUESSED = "guessed"
PARTLY_MEASURED = "partly measured"

#: The guess before anything is timed: (seconds to load, seconds per pair) for a MiniLM-L6-sized model
#: (6 layers x 384) on 2 cores.
COST = {"bi-encoder": (3.0, 0.004), "cross-encoder": (3.0, 0.008), "baseline": (1.0, 0.001)}
#: Cost of a larger backbone relative to MiniLM-L6, by a pattern of its name. Base size (12 layers x 768):
#: the MPNet-base cross-encoders took ~18 s per 336 pairs against MiniLM's ~5 s (bench/bench_file_watcher.py);
#: nomic-embed-text-v1.5 is BERT-base sized without saying so; MiniLM-L12: twice L6's layers; large (24 x 1024):
#: about three times base, by its layers x width (not measured here).
SIZE_FACTORS = ((r"large", 14.0), (r"base|nomic-embed-text", 4.5), (r"minilm-l-?12", 2.0))
#: Added to the guess for a model whose weights must first be downloaded.
DOWNLOAD_SECONDS = 60.0
#: The file in the cache folder that keeps the measured rates.
FILE_NAME = "throughput.json"


@dataclass(frozen=True)
class Rate:
    """How fast one model scored on this machine, measured once.

    Attributes:
        model: registry key.
        startup_s: seconds from the request to the first scored chunk (loading the model + one chunk).
        per_pair_s: seconds per pair after the first chunk.
        pairs: how many pairs the measurement covered.
        measured_at: when (seconds since the epoch).
    """

    model: str
    startup_s: float
    per_pair_s: float
    pairs: int
    measured_at: float

    def seconds(self, n: int) -> float:
        """Predicted seconds to score ``n`` pairs: start-up + ``n`` × per-pair time."""
        return self.startup_s + self.per_pair_s * max(n, 0) if n > 0 else 0.0


@dataclass(frozen=True)
class Estimate:
    """A time estimate and where it came from.

    Attributes:
        seconds: the estimate.
        source: :data:`MEASURED`, :data:`GUESSED` or :data:`PARTLY_MEASURED`.
        measured: models whose part rests on a rate measured on this machine.
        guessed: models whose part is a guess from the model's size.
    """

    seconds: float
    source: str
    measured: tuple[str, ...] = ()
    guessed: tuple[str, ...] = ()

    def describe(self) -> str:
        """``about 40 s, measured on this machine`` (or ``…, a rough guess: …``), for a button or a caption."""
        when = format_seconds(self.seconds)
        if self.source == MEASURED:
            return f"about {when}, from this machine's measured speed"
        if self.source == GUESSED:
            return f"roughly {when} (a guess: no model timed on this machine yet)"
        n, of = len(self.measured), len(self.measured) + len(self.guessed)
        return f"about {when} ({n} of {of} models timed on this machine, the rest guessed)"


def format_seconds(seconds: float) -> str:
    """``45 s``, ``3.2 min`` or ``1.4 h``: seconds up to 90, then minutes, then hours."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite number of seconds ≥ 0, not {seconds!r}")
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def size_factor(spec: ModelSpec) -> float:
    """How many times MiniLM-L6's cost scoring with ``spec`` takes (its backbone's, for a trained adapter)."""
    names = " ".join([spec.key, spec.assembled or "", spec.card.base_key if spec.card is not None else ""]).lower()
    return next(
        (factor for pattern, factor in SIZE_FACTORS if re.search(rf"(?<![a-z])(?:{pattern})(?![a-z0-9])", names)), 1.0
    )


def guess_seconds(key: str, n: int, *, download: bool = False) -> float:
    """The size-based guess for ``n`` pairs of ``key`` when nothing is measured: load + per-pair cost, by kind."""
    if n <= 0:
        return 0.0
    try:
        spec = get_spec(key)
    except UnknownModelError:
        return COST["cross-encoder"][0] + COST["cross-encoder"][1] * n
    load, per_pair = COST.get(spec.kind, (3.0, 0.01))
    size = size_factor(spec) if spec.kind != "baseline" else 1.0
    return load * min(size, 2.0) + per_pair * size * n + (DOWNLOAD_SECONDS if download else 0.0)


def estimate(
    missing: Mapping[str, int],
    rates: Mapping[str, Rate],
    *,
    downloads: frozenset[str] = frozenset(),
    slowdown: float | None = None,
) -> Estimate:
    """Seconds to score ``missing`` (model -> pairs): measured rates where known, else the guess.

    Args:
        missing: pairs still to score per model (models at 0 are skipped).
        rates: measured rates by model (:meth:`ThroughputLog.rates`).
        downloads: models that need a download first (added to their guess).
        slowdown: how many times slower than the guess this machine runs; default: the median of
            measured / guessed over the models in ``rates`` (1 when none is measured).
    """
    if slowdown is None:
        slowdown = machine_slowdown(rates)
    total, measured, guessed = 0.0, [], []
    for key, n in missing.items():
        if n <= 0:
            continue
        if key in rates:
            total += rates[key].seconds(n)
            measured.append(key)
        else:
            total += guess_seconds(key, n, download=key in downloads) * slowdown
            guessed.append(key)
    source = MEASURED if not guessed else GUESSED if not measured else PARTLY_MEASURED
    return Estimate(total, source, tuple(measured), tuple(guessed))


def machine_slowdown(rates: Mapping[str, Rate]) -> float:
    """Median over measured models of measured time / guessed time for the pairs they were measured on (1 if none)."""
    ratios = sorted(
        r.seconds(r.pairs) / g for r in rates.values() if r.pairs > 0 and (g := guess_seconds(r.model, r.pairs)) > 0
    )
    if not ratios:
        return 1.0
    mid = len(ratios) // 2
    return ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2


@dataclass
class RateTracker:
    """Measures each model's rate from a run's ``progress(model, done, total)`` calls.

    Call :meth:`progress` from the run's progress callback (the score store calls it once before
    loading a model with what the cache held, then after each chunk). :meth:`rates` gives a
    :class:`Rate` for each model that scored at least two chunks; :meth:`seconds_left` estimates
    the rest of the run from what it has seen.

    Args:
        missing: pairs to score per model, in the order the run scores them.
        known: rates measured before (used for models this run has not reached).
        clock: the time source (seconds); tests pass a fake one.
    """

    missing: Mapping[str, int]
    known: Mapping[str, Rate] = field(default_factory=dict)
    clock: Callable[[], float] = time.perf_counter
    _start: dict[str, tuple[float, int]] = field(default_factory=dict)  # model -> (time, done) of its first call
    _first: dict[str, tuple[float, int]] = field(default_factory=dict)  # model -> (time, done) after its first chunk
    _last: dict[str, tuple[float, int]] = field(default_factory=dict)  # model -> (time, done) of its latest call
    _previous_end: float | None = None

    def progress(self, model: str, done: int, total: int) -> None:
        """Record one progress call."""
        now = self.clock()
        if model not in self._start:
            # a model's clock starts when the previous one finished (loading happens before its first chunk)
            begin = self._previous_end if self._previous_end is not None and self._start else now
            self._start[model] = (min(begin, now), done)
        elif model not in self._first:
            self._first[model] = (now, done)
        self._last[model] = (now, done)
        self._previous_end = now

    def rates(self) -> dict[str, Rate]:
        """A rate for every model measured over at least two chunks (start-up, then per pair)."""
        out = {}
        for model, (t0, _d0) in self._start.items():
            if model not in self._first or model not in self._last:
                continue
            t1, d1 = self._first[model]
            t2, d2 = self._last[model]
            if d2 <= d1:
                continue
            out[model] = Rate(model, t1 - t0, (t2 - t1) / (d2 - d1), d2 - self._start[model][1], time.time())
        return out

    def done(self) -> int:
        """Pairs scored so far in this run."""
        return sum(d - self._start[m][1] for m, (_t, d) in self._last.items())

    def seconds_left(self) -> Estimate:
        """The rest of the run: the current model at its observed per-pair rate, the others as :func:`estimate`."""
        seen = self.rates()
        left: dict[str, int] = {}
        for model, n in self.missing.items():
            done = self._last[model][1] - self._start[model][1] if model in self._last else 0
            left[model] = max(n - done, 0)
        known = {**self.known, **seen}
        current = next((m for m in reversed(list(self._last)) if left.get(m, 0) > 0), None)
        rates = dict(known)
        if current is not None and current in seen:  # its start-up is behind it: only the per-pair time is left
            rates[current] = Rate(current, 0.0, seen[current].per_pair_s, seen[current].pairs, time.time())
        return estimate(left, rates)


class ThroughputLog:
    """The measured rates of this machine, in ``throughput.json`` in the cache folder.

    A device other than the CPU at fp32 keeps its own file, ``throughput+<device>-<dtype>.json``
    (``device`` is :func:`compsem.models.devices.device_suffix`): a GPU's rates would make every CPU
    estimate far too short, and the CPU's every GPU estimate far too long.

    Example:
        >>> import tempfile
        >>> log = ThroughputLog(Path(tempfile.mkdtemp()))
        >>> log.rates()
        {}
        >>> ThroughputLog(Path("cache"), "+cuda-fp16").path.name
        'throughput+cuda-fp16.json'
    """

    def __init__(self, folder: Path, device: str = "") -> None:
        self.path = Path(folder) / (f"{Path(FILE_NAME).stem}{device}{Path(FILE_NAME).suffix}" if device else FILE_NAME)

    def rates(self) -> dict[str, Rate]:
        """The latest rate per model; empty when the file is missing or unreadable (it is only a hint)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {k: Rate(**v) for k, v in raw.get("rates", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def record(self, rates: Mapping[str, Rate]) -> None:
        """Keep ``rates`` (replacing older ones of the same models); a folder that cannot be written is skipped."""
        if not rates:
            return
        merged = {**self.rates(), **rates}
        text = json.dumps({"rates": {k: asdict(v) for k, v in sorted(merged.items())}}, indent=1)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".throughput-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, self.path)
        except OSError:
            return


__all__ = [
    "COST",
    "DOWNLOAD_SECONDS",
    "GUESSED",
    "MEASURED",
    "PARTLY_MEASURED",
    "SIZE_FACTORS",
    "Estimate",
    "Rate",
    "RateTracker",
    "ThroughputLog",
    "estimate",
    "format_seconds",
    "guess_seconds",
    "machine_slowdown",
    "size_factor",
]
