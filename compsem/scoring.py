"""Turning (models, pair table) into the tidy results table, through the score store.

* Bi-encoders: cosine of the two embeddings, as in the study (no rescaling).
* Cross-encoders: the raw logits are taken with the activation switched off, then the
  activation *the loaded model declares* is applied once (:mod:`compsem.scorers.cross_encoder`).
* NLI cross-encoders (three classes): similarity = min(P(entailment|A,B), P(entailment|B,A)).

The models themselves are :mod:`compsem.scorers`; what is stored and what must be computed
is :mod:`compsem.store.score_store`. The scorer names stay importable from here.

The tidy result has one row per pair x model: ``pair_id, category, sentence_a,
sentence_b, model, kind, objective, raw_score, score, raw_output`` (+ ``expected``).
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from compsem.data.schema import RESERVED_COLUMNS, RESULT_COLUMNS
from compsem.models.devices import DeviceChoice
from compsem.models.quantization import runtime_device
from compsem.models.registry import UnknownModelError, get_spec, resolve
from compsem.models.specs import ModelSpec, Resolution
from compsem.models.truncation import Truncation, count_truncated
from compsem.scorers import (
    ModelUnavailableError,
    Scorer,
    load_scorer,
)
from compsem.store.score_store import CHUNK_PAIRS, ProgressCallback, ScoreStore, ScoringInterrupted
from compsem.store.seed import seed_document
from compsem.store.sqlite import CachedScore, ScoreCache

log = logging.getLogger(__name__)

#: Free text longer than this is refused: models read at most a few hundred tokens, so a
#: longer text would be scored on its first part only, silently.
MAX_TEXT_CHARS = 2000


def validate_text(text: object, name: str = "text") -> str:
    """Check free text before scoring; return it NFC-normalized and stripped.

    Raises:
        ValueError: empty or whitespace-only, over :data:`MAX_TEXT_CHARS`, not a string, or
            holding undecodable bytes (lone surrogates).

    Example:
        >>> validate_text("  It rains.  ")
        'It rains.'
    """
    if not isinstance(text, str):
        raise ValueError(f"{name} must be text, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes from a terminal or a broken file
        raise ValueError(
            f"{name} holds bytes that are not text (invalid UTF-8); retype it or save it as UTF-8"
        ) from None
    clean = unicodedata.normalize("NFC", text).strip()
    if not clean:
        raise ValueError(f"{name} is empty: type a sentence")
    if len(clean) > MAX_TEXT_CHARS:
        raise ValueError(
            f"{name} has {len(clean):,} characters; the limit is {MAX_TEXT_CHARS:,} "
            "(models read only the first few hundred tokens, so longer text would be cut silently)"
        )
    return clean


@dataclass
class ModelRun:
    """What happened to one model in a scoring run."""

    model: str
    status: str
    scored: int = 0
    cached: int = 0
    seconds: float = 0.0
    error: str = ""
    normalization: str = ""
    #: pairs longer than the model reads (None: the model does not truncate, or it could not be counted)
    truncation: Truncation | None = None
    #: how many of ``cached`` came from the shipped seed (:mod:`compsem.store.seed`), not the cache
    seeded: int = 0


@dataclass
class ScoreRun:
    """Result of :func:`score_pairs`: the tidy table and an account of the work done."""

    results: pd.DataFrame
    models: list[ModelRun] = field(default_factory=list)
    cache_messages: list[str] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return sum(m.scored for m in self.models)

    @property
    def cached(self) -> int:
        return sum(m.cached for m in self.models)

    @property
    def seeded(self) -> int:
        return sum(m.seeded for m in self.models)

    @property
    def failed(self) -> list[ModelRun]:
        return [m for m in self.models if m.error]

    @property
    def truncated(self) -> dict[str, Truncation]:
        """Model -> its :class:`~compsem.models.truncation.Truncation`, for models that read some pairs only in part."""
        return {m.model: m.truncation for m in self.models if m.truncation is not None and m.truncation.truncated}

    def summary(self) -> str:
        """``scored 0, cached 336`` plus how many came from the seed, plus failures."""
        text = f"scored {self.scored}, cached {self.cached}"
        if self.seeded:
            text += f" ({self.seeded} from the shipped seed)"
        if self.failed:
            text += f"; {len(self.failed)} model(s) unavailable"
        return text


def score_pairs(
    pairs: pd.DataFrame,
    models: Sequence[str],
    *,
    cache: ScoreStore | ScoreCache | None = None,
    use_cache: bool = True,
    batch_size: int = 32,
    progress: ProgressCallback | None = None,
    loader: Callable[[Resolution], Scorer] = load_scorer,
    backend: str = "torch",
    device: str | DeviceChoice = "auto",
    dtype: str | None = None,
    chunk_size: int = CHUNK_PAIRS,
) -> ScoreRun:
    """Score every pair with every model, reusing stored scores; load a model only if needed.

    Args:
        pairs: a pair DataFrame from :func:`compsem.data.pairs.load_pairs`.
        models: registry keys or aliases.
        cache: the score store, or the cache under one (default: the default cache folder).
        use_cache: ``False`` scores everything again (and refreshes the cache).
        progress: ``progress(model, done, total)`` after each chunk.
        loader: how to get a scorer (the dashboard passes one backed by ``st.cache_resource``).
        backend: ``torch`` (fp32, the study's numbers) or ``onnx-int8`` for the transformer models
            (:mod:`compsem.models.quantization`); it is part of each model's fingerprint, so of every cache key.
        device: ``auto`` (CUDA, then MPS, then the CPU), ``cpu``, ``cuda``, ``mps``, or a resolved
            :class:`~compsem.models.devices.DeviceChoice`; a GPU adds ``+<device>-<dtype>`` to the fingerprint.
        dtype: ``fp32`` (default), ``fp16`` or ``bf16`` (GPUs only).
        chunk_size: pairs scored and stored together; an interruption loses at most one chunk.

    Raises:
        ValueError: an unknown backend, device or dtype; a GPU asked for where there is none; the int8
            backend on a GPU (``BackendError``/``DeviceError``, both ValueErrors with one sentence).

    Returns:
        A :class:`ScoreRun`; models that fail are listed with a one-line reason, never raised.

    Example:
        >>> run = score_pairs(load_pairs(), ["token-jaccard"])  # doctest: +SKIP
        >>> run.summary()  # doctest: +SKIP
        'scored 336, cached 0'
    """

    transformers = any(_is_transformer(m) for m in models)
    where = runtime_device(backend, device, dtype, transformers=transformers)
    store = cache if isinstance(cache, ScoreStore) else ScoreStore(cache)
    if not use_cache:
        store = store.refreshing()
    # tolist(): a column of pandas' text type hands out a million strings ~4x faster at once than one by one
    text_pairs = list(dict.fromkeys(zip(pairs["sentence_a"].tolist(), pairs["sentence_b"].tolist())))
    messages: list[str] = []
    frames: list[pd.DataFrame] = []
    runs: list[ModelRun] = []
    seen: set[str] = set()
    for name in models:
        t0 = time.perf_counter()
        try:
            res = resolve(get_spec(name), backend=backend, device=where)
        except UnknownModelError as exc:
            runs.append(ModelRun(name, "unknown", error=str(exc)))
            continue
        key = res.spec.key
        if key in seen:
            continue
        seen.add(key)
        if res.status == "unavailable":
            runs.append(ModelRun(key, res.status, error=res.reason))
            continue
        found = store.lookup(res, text_pairs)
        run = ModelRun(key, res.status, cached=len(text_pairs) - len(found.missing))
        run.truncation = count_truncated(res, text_pairs)  # cached or not, the model reads only so much
        try:
            filled = store.compute_missing(
                found, partial(loader, res), batch_size=batch_size, progress=progress, chunk_size=chunk_size
            )
        except ScoringInterrupted as exc:
            earlier = sum(r.scored for r in runs) if store.write else 0
            raise ScoringInterrupted(exc.model, exc.saved, exc.left, exc.total, earlier) from None
        except ModelUnavailableError as exc:
            run.error = str(exc)
            run.seconds = time.perf_counter() - t0
            runs.append(run)
            continue
        messages += filled.messages
        run.scored, run.normalization, run.seeded = filled.computed, filled.normalization, filled.seeded
        run.seconds = time.perf_counter() - t0
        runs.append(run)
        frames.append(_tidy(pairs, res.spec, filled.scores))
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(RESULT_COLUMNS))
    return ScoreRun(results, runs, [*store.recovered, *messages])


def _is_transformer(name: str) -> bool:
    try:
        return get_spec(name).kind in ("bi-encoder", "cross-encoder")
    except UnknownModelError:
        return False


def _tidy(pairs: pd.DataFrame, spec: ModelSpec, found: Mapping[tuple[str, str], CachedScore]) -> pd.DataFrame:
    got = [found[(a, b)] for a, b in zip(pairs["sentence_a"].tolist(), pairs["sentence_b"].tolist())]
    expected = pairs["expected"] if "expected" in pairs else pd.Series([""] * len(pairs))
    return pd.DataFrame(
        {
            "pair_id": pairs["id"].astype(str).to_numpy(),
            "category": pairs["category"].to_numpy(),
            "expected": expected.to_numpy(),
            "sentence_a": pairs["sentence_a"].to_numpy(),
            "sentence_b": pairs["sentence_b"].to_numpy(),
            "model": spec.key,
            "kind": spec.kind,
            "objective": spec.objective,
            "raw_score": [g.raw_score for g in got],
            "score": [g.score for g in got],
            "raw_output": [g.raw_output for g in got],
        }
    ).assign(**_extra_columns(pairs))


def _extra_columns(pairs: pd.DataFrame) -> dict[str, np.ndarray]:
    """The pair file's own columns (domain, note, anything a user added), carried into the results."""
    return {c: pairs[c].to_numpy() for c in pairs.columns if isinstance(c, str) and c not in RESERVED_COLUMNS}


@dataclass(frozen=True)
class TextPairScore:
    """One model's verdict on a free-text pair, in both orders for cross-encoders."""

    model: str
    kind: str
    raw_score: float
    score: float
    score_reversed: float
    normalization: str
    #: a sentence when the model reads only the beginning of the pair (empty when it reads all of it)
    warning: str = ""

    @property
    def asymmetry(self) -> float:
        """score(A,B) - score(B,A); 0 for symmetric models (cosine, baselines)."""
        return self.score - self.score_reversed


def score_text_pair(
    sentence_a: str,
    sentence_b: str,
    models: Sequence[str],
    *,
    cache: ScoreStore | ScoreCache | None = None,
    loader: Callable[[Resolution], Scorer] = load_scorer,
    backend: str = "torch",
    device: str | DeviceChoice = "auto",
    dtype: str | None = None,
) -> tuple[list[TextPairScore], dict[str, str]]:
    """Score one free-text pair with several models, cross-encoders in both orders.

    Returns:
        (scores, problems): a :class:`TextPairScore` per model that could score, and a
        one-line reason per model that could not.

    Raises:
        ValueError: the text is empty or too long (see :func:`validate_text`).
    """
    a = validate_text(sentence_a, "sentence A")
    b = validate_text(sentence_b, "sentence B")
    frame = pd.DataFrame(
        {
            "id": ["ab", "ba"],
            "category": ["custom", "custom"],
            "expected": ["", ""],
            "sentence_a": [a, b],
            "sentence_b": [b, a],
        }
    )
    run = score_pairs(frame, models, cache=cache, loader=loader, backend=backend, device=device, dtype=dtype)
    problems = {m.model: m.error for m in run.models if m.error}
    out = []
    for m in run.models:
        if m.error:
            continue
        rows = run.results[run.results["model"] == m.model]
        fwd, rev = rows.iloc[0], rows.iloc[1]
        out.append(
            TextPairScore(
                m.model,
                str(fwd["kind"]),
                float(fwd["raw_score"]),
                float(fwd["score"]),
                float(rev["score"]),
                m.normalization or get_spec(m.model).normalization,
                _truncation_warning(m),
            )
        )
    return out, problems


def _truncation_warning(run: ModelRun) -> str:
    t = run.truncation
    if t is None or not t.truncated:
        return ""
    return (
        f"the text is longer than {run.model} reads ({t.max_tokens} {t.unit}); it scored only the "
        "beginning, so a difference after that point is not seen"
    )


def build_seed(
    pairs: pd.DataFrame,
    models: Sequence[str],
    *,
    pairs_sha256: str,
    created: str,
    backend: str = "torch",
    batch_size: int = 32,
    progress: ProgressCallback | None = None,
) -> dict:
    """Score ``pairs`` afresh with ``models`` (no cache, no seed) and return the seed document of the scores.

    Each model's rows are recorded under the fingerprint :func:`score_pairs` looks them up by
    (``resolve(key, backend=backend, device=cpu).fingerprint``), so the store adopts them only for these weights
    on this backend; the seed is scored on the CPU at fp32, the device a fresh clone scores on.

    Raises:
        ModelUnavailableError: a model could not score (a seed is all the models or none).

    Example:
        >>> doc = build_seed(load_pairs(), ["token-jaccard"], pairs_sha256="…", created="2026-12-05")  # doctest: +SKIP
    """
    cpu = runtime_device(backend, "cpu")
    run = score_pairs(
        pairs, models, cache=ScoreStore.off(), backend=backend, device=cpu, batch_size=batch_size, progress=progress
    )
    if run.failed:
        raise ModelUnavailableError("; ".join(f"{m.model}: {m.error}" for m in run.failed))
    entries = []
    for m in run.models:
        res = resolve(get_spec(m.model), backend=backend, device=cpu)
        rows = run.results[run.results["model"] == m.model]
        scores = {
            (a, b): CachedScore(float(r), float(s), str(o))
            for a, b, r, s, o in zip(
                rows["sentence_a"], rows["sentence_b"], rows["raw_score"], rows["score"], rows["raw_output"]
            )
        }
        entries.append((m.model, res.fingerprint, scores))
    return seed_document(
        list(zip(pairs["sentence_a"], pairs["sentence_b"])),
        entries,
        made_with=f"compsem cache seed --write: backend {backend}, CPU, batch size {batch_size}",
        created=created,
        pairs_sha256=pairs_sha256,
    )


__all__ = [
    "MAX_TEXT_CHARS",
    "ModelRun",
    "ScoreRun",
    "TextPairScore",
    "build_seed",
    "score_pairs",
    "score_text_pair",
    "validate_text",
]
