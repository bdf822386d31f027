"""The seed: the shipped models' scores of the bundled pairs, so a fresh clone's dashboard opens full.

A fresh checkout has an empty score cache, and scoring the bundled 336 pairs with the 13 offline
models takes minutes on two cores. compsem therefore ships those scores in one small file
(:data:`SEED_FILE`, gzip-compressed JSON, in the wheel too), made by ``compsem cache seed --write``
with the shipped models themselves (torch on the CPU).

The score store reads the seed *through*: a pair the cache does not hold is taken from the seed only
when the seed holds it under the **same** (row model, fingerprint, normalization version) the store
is asked about. The fingerprint names the weights (backbone + adapter hash), the backend and whatever
else the registry puts into it (a device class); a seed row is never compared by parts, so any change
there (a retrained adapter, ``onnx-int8``, a GPU) misses the seed and the model scores, as without one.
Seed rows are never written into the cache: a score's origin stays visible (:attr:`Lookup.seeded`).

The file::

    {"format": "compsem-seed/1", "normalization_version": "1", "made_with": "...", "created": "...",
     "pairs_sha256": "<the pair file's SHA-256>", "pair_keys": ["<pair key>", ...],
     "models": [{"model": "<row model>", "fingerprint": "...", "raw_score": [...], "score": [...],
                 "raw_output": [...]}, ...]}

``pair_keys`` holds :func:`pair_key` of each ordered pair (no sentence is copied); each model's lists
run parallel to it (``null`` for a pair the model has no score for).

Set ``COMPSEM_SEED=off`` to ignore the seed (timing a cold start), or to a file to read another seed.

Example:
    >>> seed = load_seed()  # doctest: +SKIP
    >>> seed.get_many("baseline/token-jaccard", "jaccard-v1", [("A dog runs.", "A dog ran.")])  # doctest: +SKIP
    {}
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring as _quote
from pathlib import Path

from compsem.config import SEED
from compsem.store.sqlite import NORMALIZATION_VERSION, CachedScore

log = logging.getLogger(__name__)

#: The seed that travels with compsem.
SEED_FILE = Path(__file__).resolve().parent / "seed_scores.json.gz"
#: ``off`` (or ``0``, ``no``, ``false``) ignores the seed; a path reads that file instead.
SEED_ENV = SEED.env
FORMAT = "compsem-seed/1"
Pair = tuple[str, str]


def pair_key(a: str, b: str) -> str:
    """The seed's name of an ordered pair: 20 hex digits of the SHA-256 of both sentences (order matters).

    That is of ``json.dumps([a, b], ensure_ascii=False)`` in UTF-8, written here with the encoder
    ``json.dumps`` uses for each string (a look-up of a million pairs hashes a million of these).
    """
    return hashlib.sha256(f"[{_quote(a)}, {_quote(b)}]".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class SeedModel:
    """One model's rows in a seed.

    Attributes:
        model: the row model (the registry key; ``<key>#rerank`` for a relevance).
        fingerprint: the fingerprint the rows were made under; only an equal one adopts them.
        scores: pair key -> stored score.
    """

    model: str
    fingerprint: str
    scores: Mapping[str, CachedScore]


@dataclass(frozen=True)
class Seed:
    """A seed read from its file (empty when there is none or it cannot be read).

    Attributes:
        models: (row model, fingerprint) -> that model's rows; rows of another normalization version are dropped.
        source: the file it was read from ("" for an empty seed).
        made_with: how the scores were made (backend, device, command), for the page and the report.
        created: when (ISO date).
        pairs_sha256: the SHA-256 of the pair file scored.
    """

    models: Mapping[tuple[str, str], SeedModel] = field(default_factory=dict)
    source: str = ""
    made_with: str = ""
    created: str = ""
    pairs_sha256: str = ""

    def covers(self, model: str, fingerprint: str) -> bool:
        """True when the seed holds rows of ``model`` under exactly ``fingerprint``."""
        return bool(fingerprint) and (model, fingerprint) in self.models

    def get_many(self, model: str, fingerprint: str, pairs: Iterable[Pair]) -> dict[Pair, CachedScore]:
        """The seed's scores of ``pairs`` for ``model`` under ``fingerprint``: pair -> score, found pairs only."""
        entry = self.models.get((model, fingerprint)) if fingerprint else None
        if entry is None:
            return {}
        out: dict[Pair, CachedScore] = {}
        for a, b in pairs:
            got = entry.scores.get(pair_key(a, b))
            if got is not None:
                out[(a, b)] = got
        return out

    def __len__(self) -> int:
        return sum(len(m.scores) for m in self.models.values())


EMPTY = Seed()


def seed_path() -> Path | None:
    """The seed file the store reads: ``$COMPSEM_SEED`` (a path), None when it says ``off``, else :data:`SEED_FILE`."""
    env = (SEED.value or "").strip()
    if env.lower() in ("off", "0", "no", "false", "none"):
        return None
    return Path(env).expanduser() if env else SEED_FILE


def load_seed(path: str | Path | None = None) -> Seed:
    """The seed at ``path`` (default :func:`seed_path`), read once per file version; empty if absent or unreadable.

    A damaged or foreign file is logged and ignored (the store then scores, as without a seed): a seed
    is a head start, never a reason to fail.
    """
    target = Path(path) if path is not None else seed_path()
    if target is None:
        return EMPTY
    try:
        stat = target.stat()
    except OSError:
        return EMPTY
    return _read(str(target), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _read(path: str, _size: int, _mtime_ns: int) -> Seed:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
        return parse_seed(doc, source=path)
    except (OSError, ValueError, EOFError, TypeError, KeyError) as exc:
        log.warning("score seed %s ignored: %s", path, exc)
        return EMPTY


def parse_seed(doc: Mapping, source: str = "") -> Seed:
    """A :class:`Seed` from the file's JSON document.

    Raises:
        ValueError: not a seed of this format, or lists of unequal length.
    """
    if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
        raise ValueError(f"not a compsem seed (format {FORMAT!r} expected)")
    if str(doc.get("normalization_version")) != NORMALIZATION_VERSION:
        return Seed(source=source)  # scores of an older mapping raw -> score: as if there were none
    keys = [str(k) for k in doc["pair_keys"]]
    models: dict[tuple[str, str], SeedModel] = {}
    for m in doc["models"]:
        raw, score, out = m["raw_score"], m["score"], m["raw_output"]
        if not len(raw) == len(score) == len(out) == len(keys):
            raise ValueError(f"{m.get('model')}: {len(score)} scores for {len(keys)} pairs")
        rows = {
            k: CachedScore(_num(r), _num(s), str(o))
            for k, r, s, o in zip(keys, raw, score, out)
            if s is not None and o is not None
        }
        models[(str(m["model"]), str(m["fingerprint"]))] = SeedModel(str(m["model"]), str(m["fingerprint"]), rows)
    return Seed(
        models,
        source,
        str(doc.get("made_with", "")),
        str(doc.get("created", "")),
        str(doc.get("pairs_sha256", "")),
    )


def _num(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def _json_num(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def seed_document(
    pairs: Sequence[Pair],
    models: Sequence[tuple[str, str, Mapping[Pair, CachedScore]]],
    *,
    made_with: str,
    created: str,
    pairs_sha256: str,
) -> dict:
    """The JSON document of a seed: ``models`` is (row model, fingerprint, pair -> score) per model.

    Raises:
        ValueError: a model without a fingerprint (its rows could never be adopted safely), or no pairs.
    """
    unique = list(dict.fromkeys(pairs))
    if not unique:
        raise ValueError("a seed needs at least one pair")
    out = []
    for model, fingerprint, scores in models:
        if not fingerprint:
            raise ValueError(f"{model} has no fingerprint; its scores cannot go into a seed")
        got = [scores.get(p) for p in unique]
        out.append(
            {
                "model": model,
                "fingerprint": fingerprint,
                "raw_score": [None if g is None else _json_num(g.raw_score) for g in got],
                "score": [None if g is None else _json_num(g.score) for g in got],
                "raw_output": [None if g is None else g.raw_output for g in got],
            }
        )
    return {
        "format": FORMAT,
        "normalization_version": NORMALIZATION_VERSION,
        "made_with": made_with,
        "created": created,
        "pairs_sha256": pairs_sha256,
        "pair_keys": [pair_key(a, b) for a, b in unique],
        "models": out,
    }


def write_seed(doc: Mapping, path: str | Path = SEED_FILE) -> Path:
    """Write a seed document (gzip JSON, deterministic bytes for the same document) atomically; returns the path."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    payload = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as fh:
        fh.write(payload)
    os.replace(tmp, target)
    _read.cache_clear()
    return target


__all__ = [
    "EMPTY",
    "FORMAT",
    "SEED_ENV",
    "SEED_FILE",
    "Seed",
    "SeedModel",
    "load_seed",
    "pair_key",
    "parse_seed",
    "seed_document",
    "seed_path",
    "write_seed",
]
