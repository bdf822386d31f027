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
from compsem.models.quantization import check_backend
from compsem.models.registry import UnknownModelError, get_spec, resolve
from compsem.models.specs import ModelSpec, Resolution
from compsem.scorers import (
    ModelUnavailableError,
    Scorer,
    load_scorer,
)
from compsem.store.score_store import ProgressCallback, ScoreStore
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
    def failed(self) -> list[ModelRun]:
        return [m for m in self.models if m.error]

    def summary(self) -> str:
        """``scored 0, cached 336`` plus failures."""
        text = f"scored {self.scored}, cached {self.cached}"
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

    Raises:
        ValueError: an unknown backend.

    Returns:
        A :class:`ScoreRun`; models that fail are listed with a one-line reason, never raised.

    Example:
        >>> run = score_pairs(load_pairs(), ["token-jaccard"])  # doctest: +SKIP
        >>> run.summary()  # doctest: +SKIP
        'scored 336, cached 0'
    """

    check_backend(backend)
    store = cache if isinstance(cache, ScoreStore) else ScoreStore(cache)
    if not use_cache:
        store = store.refreshing()
    text_pairs = list(dict.fromkeys(zip(pairs["sentence_a"], pairs["sentence_b"])))
    messages: list[str] = []
    frames: list[pd.DataFrame] = []
    runs: list[ModelRun] = []
    seen: set[str] = set()
    for name in models:
        t0 = time.perf_counter()
        try:
            res = resolve(get_spec(name), backend=backend)
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
        try:
            filled = store.compute_missing(found, partial(loader, res), batch_size=batch_size, progress=progress)
        except ModelUnavailableError as exc:
            run.error = str(exc)
            run.seconds = time.perf_counter() - t0
            runs.append(run)
            continue
        messages += filled.messages
        run.scored, run.normalization = filled.computed, filled.normalization
        run.seconds = time.perf_counter() - t0
        runs.append(run)
        frames.append(_tidy(pairs, res.spec, filled.scores))
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(RESULT_COLUMNS))
    return ScoreRun(results, runs, [*store.recovered, *messages])


def _tidy(pairs: pd.DataFrame, spec: ModelSpec, found: Mapping[tuple[str, str], CachedScore]) -> pd.DataFrame:
    got = [found[(a, b)] for a, b in zip(pairs["sentence_a"], pairs["sentence_b"])]
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
    run = score_pairs(frame, models, cache=cache, loader=loader, backend=backend)
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
            )
        )
    return out, problems


__all__ = [
    "MAX_TEXT_CHARS",
    "ModelRun",
    "ScoreRun",
    "TextPairScore",
    "score_pairs",
    "score_text_pair",
    "validate_text",
]
