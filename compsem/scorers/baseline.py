"""Baselines as scorers: token Jaccard, TF-IDF cosine, bag of MiniLM input embeddings.

The methods themselves are :mod:`compsem.scorers.order_blind`.
"""

from __future__ import annotations

import json
import math

import numpy as np

from compsem.data.pairs import load_pairs
from compsem.models.loading import quiet_libraries
from compsem.models.registry import resolve
from compsem.models.specs import Resolution
from compsem.scorers.base import PairScores, Scorer
from compsem.scorers.order_blind import BagOfEmbeddings, TfidfModel, jaccard


class BaselineScorer(Scorer):
    """Token Jaccard, TF-IDF cosine, or bag of MiniLM input embeddings."""

    def __init__(self, resolution: Resolution):
        super().__init__(resolution)
        key = self.spec.key
        if key == "baseline/tfidf-cosine":
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
        return PairScores(s, s.copy(), [_similarity_json(x) for x in s.tolist()], self.spec.notes)


def _similarity_json(x: float) -> str:
    """``json.dumps({"similarity": x})``: the same text, written directly for a finite float (a million pairs)."""
    return f'{{"similarity": {x!r}}}' if math.isfinite(x) else json.dumps({"similarity": x})
