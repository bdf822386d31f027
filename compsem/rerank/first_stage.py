"""First stages: BM25 (bm25s), exact dense search over bi-encoder embeddings, and both fused by RRF.

Each retriever answers ``search(queries, k)`` with the top ``k`` (document index, score)
per query, best first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np

from compsem.config import default_cache_dir
from compsem.models.devices import DeviceChoice
from compsem.scorers import BiEncoderScorer, load_scorer

log = logging.getLogger(__name__)

#: A bi-encoder embeds every document on the CPU; above this many it would take minutes,
#: so dense retrieval over pasted documents refuses with a clear message instead.
MAX_DENSE_DOCS = 20_000
#: BM25 (sparse matrices) is fine with far more.
MAX_BM25_DOCS = 200_000
RRF_K = 60
FIRST_STAGES = ("bm25", "dense", "hybrid")
DENSE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def check_inputs(queries: Sequence[str], corpus: Sequence[str], k: int) -> None:
    """Refuse an empty corpus, an empty query or K below 1, with a sentence saying which."""
    if not corpus:
        raise ValueError("the corpus is empty: add at least one document")
    if any(not q or not q.strip() for q in queries):
        raise ValueError("the query is empty: type a query")
    if k < 1:
        raise ValueError(f"K must be at least 1, not {k}")


class BM25Retriever:
    """BM25 from bm25s (Lucene variant, English stopwords removed)."""

    def __init__(self, corpus: Sequence[str]):
        import bm25s

        if not corpus:
            raise ValueError("the corpus is empty: add at least one document")
        if len(corpus) > MAX_BM25_DOCS:
            raise ValueError(f"{len(corpus):,} documents; BM25 here is limited to {MAX_BM25_DOCS:,}")
        self.n_docs = len(corpus)
        self.corpus = list(corpus)  # kept so a caller can check an index matches its documents before reusing it
        self._bm25s = bm25s
        self.model = bm25s.BM25()
        self.model.index(bm25s.tokenize(list(corpus), stopwords="en", show_progress=False), show_progress=False)

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Top ``k`` (document index, score) per query, best first; fewer if the corpus is smaller."""
        check_inputs(queries, [""] * self.n_docs, k)
        k = min(k, self.n_docs)
        tokens = self._bm25s.tokenize(list(queries), stopwords="en", show_progress=False)
        docs, scores = self.model.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [[(int(d), float(s)) for d, s in zip(drow, srow)] for drow, srow in zip(docs, scores)]


class DenseRetriever:
    """Exact cosine search over normalized bi-encoder embeddings; corpus embeddings cached on disk."""

    def __init__(
        self,
        corpus: Sequence[str],
        scorer: BiEncoderScorer | None = None,
        cache_dir: Path | None = None,
        backend: str = "torch",
        device: str | DeviceChoice = "cpu",
    ):
        if not corpus:
            raise ValueError("the corpus is empty: add at least one document")
        if len(corpus) > MAX_DENSE_DOCS:
            raise ValueError(
                f"{len(corpus):,} documents is too many for dense retrieval on a CPU here "
                f"(limit {MAX_DENSE_DOCS:,}); use BM25 as the first stage"
            )
        # load_scorer gives the base type; DENSE_MODEL is a bi-encoder, so its scorer embeds
        self.scorer = scorer or cast(BiEncoderScorer, load_scorer(DENSE_MODEL, backend=backend, device=device))
        self.corpus = list(corpus)
        self.embeddings = self._corpus_embeddings(cache_dir or default_cache_dir() / "embeddings")

    def _corpus_embeddings(self, folder: Path) -> np.ndarray:
        digest = hashlib.sha256(json.dumps(self.corpus).encode()).hexdigest()[:16]
        fp = self.scorer.fingerprint.replace(":", "-") or "nofp"
        path = folder / f"{fp}-{digest}.npy"
        if path.is_file():
            try:
                emb = np.load(path)
                if emb.shape[0] == len(self.corpus):
                    return emb
            except (OSError, ValueError):
                log.warning("damaged embedding cache %s; recomputing", path)
        emb = self.scorer.embed(self.corpus).astype(np.float32)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npy.tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, emb)
        os.replace(tmp, path)
        return emb

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        check_inputs(queries, self.corpus, k)
        k = min(k, len(self.corpus))
        q = self.scorer.embed(list(queries))
        sims = q @ self.embeddings.T
        out = []
        for row in sims:
            top = np.argpartition(-row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            top = top[np.argsort(-row[top], kind="stable")]
            out.append([(int(i), float(row[i])) for i in top])
        return out


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[tuple[int, float]]], k: int, rrf_k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fuse ranked lists: score(d) = Σ_lists 1 / (rrf_k + rank(d)), rank starting at 1.

    Example:
        >>> reciprocal_rank_fusion([[(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.1)]], k=3)[0][0]
        2
    """
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (doc, _) in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (rrf_k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:k]


class HybridRetriever:
    """BM25 and dense retrieval fused by reciprocal rank fusion."""

    def __init__(self, bm25: BM25Retriever, dense: DenseRetriever, depth: int = 100):
        self.bm25, self.dense, self.depth = bm25, dense, depth

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        depth = max(k, self.depth)
        sparse, dense = self.bm25.search(queries, depth), self.dense.search(queries, depth)
        return [reciprocal_rank_fusion([s, d], k) for s, d in zip(sparse, dense)]
