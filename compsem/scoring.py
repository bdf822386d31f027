"""Turning (model, pairs) into raw outputs and 0-1 scores, with the on-disk cache.

* Bi-encoders: cosine of the two embeddings, as in the study (no rescaling).
* Cross-encoders: the raw logits are taken with the activation switched off, then the
  activation *the loaded model declares* is applied once. sentence-transformers stores
  that activation in the model's config; the STS-B cross-encoders were trained on
  labels divided by 5 with a sigmoid head, so their activated output is already 0-1 and
  is never divided by 5 again (the study's normalization trap).
* NLI cross-encoders (three classes): similarity = min(P(entailment|A,B), P(entailment|B,A)).

The tidy result has one row per pair x model: ``pair_id, category, sentence_a,
sentence_b, model, kind, objective, raw_score, score, raw_output`` (+ ``expected``).
"""

from __future__ import annotations

import json
import logging
import os
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from compsem.baselines import BagOfEmbeddings, TfidfModel, jaccard
from compsem.cache import CachedScore, ScoreCache
from compsem.registry import ModelSpec, Resolution, UnknownModelError, get_spec, resolve

log = logging.getLogger(__name__)

RESULT_COLUMNS = ["pair_id", "category", "expected", "sentence_a", "sentence_b", "model", "kind",
                  "objective", "raw_score", "score", "raw_output"]
#: Free text longer than this is refused: models read at most a few hundred tokens, so a
#: longer text would be scored on its first part only, silently.
MAX_TEXT_CHARS = 2000

#: progress(model_key, done, total)
ProgressCallback = Callable[[str, int, int], None]


class ModelUnavailableError(RuntimeError):
    """A model cannot be loaded here; the message is one line saying why."""


@dataclass(frozen=True)
class PairScores:
    """Scores for a list of pairs, in input order.

    Attributes:
        raw_score: the model's own number (cosine, logit, entailment logit).
        score: the 0-1 score thresholds apply to.
        raw_output: JSON per pair with everything the model returned.
        normalization: how ``score`` was derived from the raw output, in words.
    """

    raw_score: np.ndarray
    score: np.ndarray
    raw_output: list[str]
    normalization: str


def quiet_libraries() -> None:
    """Silence per-load chatter (weight-loading bars, load reports) that buries compsem's own output."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except (ImportError, AttributeError):  # pragma: no cover - older transformers
        pass


def configure_threads() -> int:
    """Set torch's CPU threads explicitly (``COMPSEM_THREADS``, else every core) and return the count."""
    import torch

    quiet_libraries()
    n = int(os.environ.get("COMPSEM_THREADS", 0)) or (os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


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
        raise ValueError(f"{name} holds bytes that are not text (invalid UTF-8); retype it or save it as UTF-8") \
            from None
    clean = unicodedata.normalize("NFC", text).strip()
    if not clean:
        raise ValueError(f"{name} is empty: type a sentence")
    if len(clean) > MAX_TEXT_CHARS:
        raise ValueError(
            f"{name} has {len(clean):,} characters; the limit is {MAX_TEXT_CHARS:,} "
            "(models read only the first few hundred tokens, so longer text would be cut silently)"
        )
    return clean


class Scorer(ABC):
    """Scores ordered text pairs with one model. Creating a scorer loads the model."""

    def __init__(self, resolution: Resolution):
        self.resolution = resolution
        self.spec: ModelSpec = resolution.spec

    @property
    def fingerprint(self) -> str:
        return self.resolution.fingerprint

    @abstractmethod
    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32,
                progress: Callable[[int], None] | None = None) -> PairScores:
        """Score ``pairs`` in order; ``progress(n)`` is called with how many are done."""


def _load_kwargs(res: Resolution) -> tuple[str, dict]:
    spec = res.spec
    kwargs: dict = {"device": "cpu", "trust_remote_code": spec.trust_remote_code}
    if res.status == "needs download":
        if spec.revision:
            kwargs["revision"] = spec.revision
        return spec.key, kwargs
    kwargs["local_files_only"] = True
    if spec.assembled and res.status == "packaged":
        from compsem.assembly import ensure_assembled

        return str(ensure_assembled(spec.assembled)), kwargs  # assembled and hash-checked once
    return res.location, kwargs


class BiEncoderScorer(Scorer):
    """Cosine similarity of sentence-transformers embeddings."""

    def __init__(self, resolution: Resolution):
        super().__init__(resolution)
        from sentence_transformers import SentenceTransformer

        configure_threads()
        name, kwargs = _load_kwargs(resolution)
        self.model = SentenceTransformer(name, **kwargs)

    def embed(self, sentences: Sequence[str], batch_size: int = 32,
              progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit-length embeddings in input order, computed in chunks so progress can be reported.

        The sentences are sorted by length once, over all chunks, before chunking: sorting only
        within each chunk (what ``encode`` does) would pad short sentences to long ones.
        """
        if not len(sentences):
            return np.zeros((0, 1), dtype=np.float32)
        order = _length_order(sentences)
        chunks = []
        step = max(batch_size * 8, 256)
        for start in range(0, len(order), step):
            part = [sentences[i] for i in order[start:start + step]]
            chunks.append(self.model.encode(part, prompt=self.spec.prompt or None, batch_size=batch_size,
                                            convert_to_numpy=True, normalize_embeddings=True,
                                            show_progress_bar=False))
            if progress:
                progress(min(start + step, len(sentences)))
        out = np.empty((len(sentences), chunks[0].shape[1]), dtype=chunks[0].dtype)
        out[order] = np.vstack(chunks)
        return out

    def predict(self, pairs, batch_size=32, progress=None):
        unique = list(dict.fromkeys([s for p in pairs for s in p]))
        index = {s: i for i, s in enumerate(unique)}
        total = len(unique)
        emb = self.embed(unique, batch_size,
                         (lambda n: progress(int(n / total * len(pairs)))) if progress and total else None)
        a = emb[[index[p[0]] for p in pairs]]
        b = emb[[index[p[1]] for p in pairs]]
        cos = np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0).astype(float)
        return PairScores(cos, cos.copy(), [json.dumps({"cosine": float(c)}) for c in cos],
                          "cosine similarity (no rescaling)")


class CrossEncoderScorer(Scorer):
    """A sentence-transformers CrossEncoder; raw logits kept, the model's own activation applied once."""

    def __init__(self, resolution: Resolution):
        super().__init__(resolution)
        from sentence_transformers import CrossEncoder

        configure_threads()
        if self.spec.adapter:
            self.model = _adapter_cross_encoder(self.spec)
        else:
            name, kwargs = _load_kwargs(resolution)
            self.model = CrossEncoder(name, **kwargs)
        self.num_labels = int(self.model.num_labels)
        self.activation_name = type(self.model.activation_fn).__name__
        self.labels = self._labels()

    def _labels(self) -> list[str]:
        config = self.model.model.config if self.model.model is not None else None
        id2label = getattr(config, "id2label", None) or {}
        return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))).lower() for i in range(self.num_labels)]

    def _raw_logits(self, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        """One chunk's raw outputs from the loaded model (activation switched off)."""
        import torch

        return np.asarray(self.model.predict([list(p) for p in pairs], batch_size=batch_size,
                                             activation_fn=torch.nn.Identity(), convert_to_numpy=True,
                                             show_progress_bar=False), dtype=float)

    def _apply_activation(self, raw: np.ndarray) -> np.ndarray:
        """The activation the loaded model declares, applied to raw logits."""
        import torch

        with torch.no_grad():
            return self.model.activation_fn(torch.as_tensor(raw, dtype=torch.float32)).numpy().astype(float)

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Raw outputs in input order, shape (n,) or (n, num_labels), activation switched off.

        Pairs are sorted by length once over all chunks (see :meth:`BiEncoderScorer.embed`).
        """
        if not len(pairs):
            return np.zeros((0,) if self.num_labels == 1 else (0, self.num_labels))
        order = _length_order([a + b for a, b in pairs])
        out = []
        step = max(batch_size * 8, 256)
        for start in range(0, len(order), step):
            out.append(self._raw_logits([pairs[i] for i in order[start:start + step]], batch_size))
            if progress:
                progress(min(start + step, len(pairs)))
        result = np.empty((len(pairs), *out[0].shape[1:]), dtype=float)
        result[order] = np.concatenate(out, axis=0)
        return result

    def _activate(self, raw: np.ndarray) -> tuple[np.ndarray, str]:
        if self.spec.normalization == "logit-sigmoid" and self.activation_name == "Identity":
            # The model ships no activation but was trained with a logistic loss on logits.
            return 1.0 / (1.0 + np.exp(-raw)), "sigmoid of the logit (logistic training; the model declares none)"
        return self._apply_activation(raw), f"the model's own activation ({self.activation_name})"

    def predict(self, pairs, batch_size=32, progress=None):
        if self.num_labels == 1:
            raw = self.logits(pairs, batch_size, progress)
            score, how = self._activate(raw)
            if self.activation_name == "Identity" and self.spec.normalization != "logit-sigmoid":
                how += "; unbounded, so thresholds on a 0-1 scale do not apply"
            return PairScores(raw, score, [json.dumps({"logit": float(r)}) for r in raw], how)
        return self._predict_classes(pairs, batch_size, progress)

    def _predict_classes(self, pairs, batch_size, progress):
        both = self.spec.normalization == "mutual-entailment" and "entailment" in self.labels
        n = len(pairs)
        if both:  # both orders in one call: one length sort, one set of batches
            together = self.logits([*pairs, *[(b, a) for a, b in pairs]], batch_size,
                                   (lambda k: progress(k // 2)) if progress else None)
            ab, ba = together[:n], together[n:]
        else:
            ab, ba = self.logits(pairs, batch_size, progress), None
        p_ab = _softmax(ab)
        if "entailment" in self.labels:
            ent = self.labels.index("entailment")
            contra = self.labels.index("contradiction") if "contradiction" in self.labels else None
            if both:
                p_ba = _softmax(ba)
                score = np.minimum(p_ab[:, ent], p_ba[:, ent])
                how = "min(P(entailment|A,B), P(entailment|B,A)) from a softmax over the NLI logits"
            else:
                score, how = p_ab[:, ent], "P(entailment|A,B) from a softmax over the NLI logits"
            raw = ab[:, ent]
        else:
            ent, contra = self.num_labels - 1, None
            score, raw = p_ab[:, ent], ab[:, ent]
            how = f"softmax probability of {self.labels[ent]!r}"
        outputs = []
        for i in range(n):
            rec = {"labels": self.labels, "logits_ab": [float(x) for x in ab[i]]}
            if ba is not None:
                rec["logits_ba"] = [float(x) for x in ba[i]]
            if contra is not None:
                rec["p_contradiction"] = float(p_ab[i, contra])
            outputs.append(json.dumps(rec))
        return PairScores(raw.astype(float), score.astype(float), outputs, how)


def _adapter_cross_encoder(spec: ModelSpec):
    """The backbone with a ``compsem train`` LoRA adapter merged in (the registry checked both hashes)."""
    from compsem.lora import load_from_card

    base = resolve(get_spec(spec.card["base_model"]["key"]))
    location = base.location
    if base.spec.assembled:  # a split-zip backbone (MPNet) is assembled on first use
        from compsem import assembly

        location = str(assembly.ensure_assembled(base.spec.assembled))
    return load_from_card(location, spec.adapter, spec.card)


class OnnxBiEncoderScorer(BiEncoderScorer):
    """Cosine of embeddings from the int8 ONNX export (:mod:`compsem.backends`); no torch at scoring time."""

    def __init__(self, resolution: Resolution):
        Scorer.__init__(self, resolution)
        from compsem.backends import load_onnx

        self.messages: list[str] = []
        self.model = load_onnx(resolution, self.messages)


class OnnxCrossEncoderScorer(CrossEncoderScorer):
    """A cross-encoder served from its int8 ONNX export; the activation is the one the model declared at export."""

    def __init__(self, resolution: Resolution):
        Scorer.__init__(self, resolution)
        from compsem.backends import load_onnx

        self.messages: list[str] = []
        self.model = load_onnx(resolution, self.messages)
        self.num_labels = self.model.num_labels
        self.activation_name = self.model.activation_name
        self.labels = [label.lower() for label in self.model.labels]

    def _raw_logits(self, pairs, batch_size):
        return self.model.logits(pairs, batch_size)

    def _apply_activation(self, raw):
        return self.model.activate(raw)


def _length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices that sort ``texts`` longest first (characters stand in for tokens)."""
    return np.argsort([-len(t) for t in texts], kind="stable")


def _softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class BaselineScorer(Scorer):
    """Token Jaccard, TF-IDF cosine, or bag of MiniLM input embeddings."""

    def __init__(self, resolution: Resolution):
        super().__init__(resolution)
        key = self.spec.key
        if key == "baseline/tfidf-cosine":
            from compsem.pairs import load_pairs

            ref = load_pairs()
            self._tfidf = TfidfModel([*ref["sentence_a"], *ref["sentence_b"]])
        elif key == "baseline/bag-of-embeddings":
            quiet_libraries()
            minilm = resolve("sentence-transformers/all-MiniLM-L6-v2")
            self._boe = BagOfEmbeddings(minilm.location)

    def predict(self, pairs, batch_size=32, progress=None):
        key = self.spec.key
        if key == "baseline/token-jaccard":
            s = np.array([jaccard(a, b) for a, b in pairs], dtype=float)
        elif key == "baseline/tfidf-cosine":
            s = np.array([self._tfidf.cosine(a, b) for a, b in pairs], dtype=float)
        else:
            texts = list(dict.fromkeys([t for p in pairs for t in p]))
            emb = self._boe.embed(texts)
            idx = {t: i for i, t in enumerate(texts)}
            # float32 rounding can push the cosine of near-identical bags a hair past 1.
            s = np.clip(np.array([float(emb[idx[a]] @ emb[idx[b]]) for a, b in pairs], dtype=float), -1.0, 1.0)
        if progress:
            progress(len(pairs))
        return PairScores(s, s.copy(), [json.dumps({"similarity": float(x)}) for x in s], self.spec.notes)


def load_scorer(model: str | ModelSpec | Resolution, backend: str | None = None) -> Scorer:
    """Load a model and return its scorer.

    Args:
        backend: ``torch`` (fp32, the default) or ``onnx-int8`` (:mod:`compsem.backends`); None keeps the
            backend of a given :class:`Resolution`.

    Raises:
        ModelUnavailableError: one line saying why (offline and not cached, load failure...).
        UnknownModelError: the name matches no registry entry or folder.
        ValueError: an unknown backend.
    """
    from compsem.backends import with_backend

    res = model if isinstance(model, Resolution) else resolve(model)
    if backend is not None:
        res = with_backend(res, backend)
    if res.status == "unavailable":
        raise ModelUnavailableError(f"{res.spec.key}: {res.reason}")
    kind = res.spec.kind
    if res.backend == "onnx-int8" and kind != "baseline":
        cls = {"bi-encoder": OnnxBiEncoderScorer, "cross-encoder": OnnxCrossEncoderScorer}[kind]
    else:
        cls = {"bi-encoder": BiEncoderScorer, "cross-encoder": CrossEncoderScorer, "baseline": BaselineScorer}[kind]
    try:
        return cls(res)
    except (OSError, ValueError, RuntimeError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = "download failed (no network?)" if res.status == "needs download" else "could not be loaded"
        raise ModelUnavailableError(f"{res.spec.key}: {where}: {first[:300]}") from exc


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
    cache: ScoreCache | None = None,
    use_cache: bool = True,
    batch_size: int = 32,
    progress: ProgressCallback | None = None,
    loader: Callable[[Resolution], Scorer] = load_scorer,
    backend: str = "torch",
) -> ScoreRun:
    """Score every pair with every model, reusing cached scores; load a model only if needed.

    Args:
        pairs: a pair DataFrame from :func:`compsem.pairs.load_pairs`.
        models: registry keys or aliases.
        cache: the score store (default: :class:`ScoreCache` in the default folder).
        use_cache: ``False`` scores everything again (and refreshes the cache).
        progress: ``progress(model, done, total)`` after each chunk.
        loader: how to get a scorer (the dashboard passes one backed by ``st.cache_resource``).
        backend: ``torch`` (fp32, the study's numbers) or ``onnx-int8`` for the transformer models
            (:mod:`compsem.backends`); it is part of each model's fingerprint, so of every cache key.

    Raises:
        ValueError: an unknown backend.

    Returns:
        A :class:`ScoreRun`; models that fail are listed with a one-line reason, never raised.

    Example:
        >>> run = score_pairs(load_pairs(), ["token-jaccard"])  # doctest: +SKIP
        >>> run.summary()  # doctest: +SKIP
        'scored 336, cached 0'
    """
    from compsem.backends import check_backend, with_backend

    check_backend(backend)
    cache = cache if cache is not None else ScoreCache()
    text_pairs = list(dict.fromkeys(zip(pairs["sentence_a"], pairs["sentence_b"])))
    messages: list[str] = []
    frames: list[pd.DataFrame] = []
    runs: list[ModelRun] = []
    seen: set[str] = set()
    for name in models:
        t0 = time.perf_counter()
        try:
            res = with_backend(resolve(get_spec(name)), backend)
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
        found = cache.get_many(key, res.fingerprint, text_pairs) if use_cache and res.fingerprint else {}
        todo = [p for p in text_pairs if p not in found]
        run = ModelRun(key, res.status, cached=len(text_pairs) - len(todo))
        if progress:
            progress(key, run.cached, len(text_pairs))
        if todo:
            try:
                scorer = loader(res)
                done_before = run.cached
                out = scorer.predict(todo, batch_size=batch_size,
                                     progress=(lambda n: progress(key, done_before + n, len(text_pairs)))
                                     if progress else None)
            except ModelUnavailableError as exc:
                run.error = str(exc)
                run.seconds = time.perf_counter() - t0
                runs.append(run)
                continue
            messages += getattr(scorer, "messages", [])
            fresh = [CachedScore(float(r), float(s), o) for r, s, o in zip(out.raw_score, out.score, out.raw_output)]
            fingerprint = scorer.fingerprint or res.fingerprint
            if fingerprint:
                cache.put_many(key, fingerprint, todo, fresh)
            found.update(zip(todo, fresh))
            run.scored = len(todo)
            run.normalization = out.normalization
        run.seconds = time.perf_counter() - t0
        runs.append(run)
        frames.append(_tidy(pairs, res.spec, found))
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS)
    return ScoreRun(results, runs, [*cache.recovered, *messages])


def _tidy(pairs: pd.DataFrame, spec: ModelSpec, found: dict[tuple[str, str], CachedScore]) -> pd.DataFrame:
    got = [found[(a, b)] for a, b in zip(pairs["sentence_a"], pairs["sentence_b"])]
    expected = pairs["expected"] if "expected" in pairs else pd.Series([""] * len(pairs))
    return pd.DataFrame({
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
    }).assign(**_extra_columns(pairs))


#: Columns of a tidy result frame; a pair file's own columns may not shadow them.
_TIDY_COLUMNS = frozenset({"pair_id", "id", "category", "expected", "sentence_a", "sentence_b", "model", "kind",
                           "objective", "raw_score", "score", "raw_output", "normalization"})


def _extra_columns(pairs: pd.DataFrame) -> dict[str, np.ndarray]:
    """The pair file's own columns (domain, note, anything a user added), carried into the results."""
    return {c: pairs[c].to_numpy() for c in pairs.columns if isinstance(c, str) and c not in _TIDY_COLUMNS}


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


def score_text_pair(sentence_a: str, sentence_b: str, models: Sequence[str], *,
                    cache: ScoreCache | None = None,
                    loader: Callable[[Resolution], Scorer] = load_scorer,
                    backend: str = "torch") -> tuple[list[TextPairScore], dict[str, str]]:
    """Score one free-text pair with several models, cross-encoders in both orders.

    Returns:
        (scores, problems): a :class:`TextPairScore` per model that could score, and a
        one-line reason per model that could not.

    Raises:
        ValueError: the text is empty or too long (see :func:`validate_text`).
    """
    a = validate_text(sentence_a, "sentence A")
    b = validate_text(sentence_b, "sentence B")
    frame = pd.DataFrame({"id": ["ab", "ba"], "category": ["custom", "custom"], "expected": ["", ""],
                          "sentence_a": [a, b], "sentence_b": [b, a]})
    run = score_pairs(frame, models, cache=cache, loader=loader, backend=backend)
    problems = {m.model: m.error for m in run.models if m.error}
    out = []
    for m in run.models:
        if m.error:
            continue
        rows = run.results[run.results["model"] == m.model]
        fwd, rev = rows.iloc[0], rows.iloc[1]
        out.append(TextPairScore(m.model, str(fwd["kind"]), float(fwd["raw_score"]), float(fwd["score"]),
                                 float(rev["score"]), m.normalization or get_spec(m.model).normalization))
    return out, problems
