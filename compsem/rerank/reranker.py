"""The second stage: a cross-encoder re-orders a first stage's candidates by its relevance score.

The relevance number is the scorer's own (:meth:`compsem.scorers.CrossEncoderScorer.relevance`),
and it is looked up and stored through the score store (:mod:`compsem.store.score_store`, measure
``relevance``) like every other score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from compsem.models.devices import DeviceChoice
from compsem.models.registry import list_models, resolve
from compsem.scorers import CrossEncoderScorer, Scorer, load_scorer
from compsem.store.score_store import ScoreStore
from compsem.store.sqlite import ScoreCache


class Reranker:
    """A cross-encoder over (query, document) pairs; its relevance scores go through the score store.

    The score is :meth:`~compsem.scorers.CrossEncoderScorer.relevance`: NLI models rank by
    P(entailment | query, document), one direction (ranking needs no symmetric similarity and
    this halves the cost); one-output models by their logit.

    Args:
        model: registry key or alias of a cross-encoder that can score new text here.
        cache: where relevance scores are kept (a store, or a cache under one); None keeps none.
        scorer: the loaded model, when the caller holds one (the dashboard does).
        backend: ``torch`` or ``onnx-int8`` (:mod:`compsem.models.backends`), when ``scorer`` is not given.
        device: ``auto``, ``cpu``, ``cuda``, ``mps`` or a resolved choice (:mod:`compsem.models.devices`).

    Raises:
        ValueError: not a cross-encoder, or one that cannot score new text here.
    """

    def __init__(
        self,
        model: str,
        cache: ScoreStore | ScoreCache | None = None,
        scorer: Scorer | None = None,
        backend: str = "torch",
        device: str | DeviceChoice = "cpu",
    ):
        res = resolve(model)
        if res.spec.kind != "cross-encoder":
            raise ValueError(f"{res.spec.key} is a {res.spec.kind}; a reranker must be a cross-encoder")
        if not res.usable:
            raise ValueError(f"{res.spec.key} cannot score new text here: {res.reason}")
        scorer = scorer or load_scorer(res, backend=backend, device=device)
        if not isinstance(scorer, CrossEncoderScorer):
            raise ValueError(f"{res.spec.key} is not a loaded cross-encoder")
        self._use(scorer, cache)

    def _use(self, scorer: Scorer, cache: ScoreStore | ScoreCache | None) -> None:
        self.scorer = scorer
        self.key = scorer.resolution.spec.key
        self.store = (
            cache if isinstance(cache, ScoreStore) else ScoreStore(cache) if cache is not None else ScoreStore.off()
        )

    def score(self, query: str, docs: Sequence[str], use_cache: bool = True) -> np.ndarray:
        """Relevance of each document to ``query``, in order (``use_cache=False``: computed, not kept)."""
        store = self.store if use_cache else ScoreStore.off()
        pairs = [(query, d) for d in docs]
        found = store.lookup(self.scorer.resolution, pairs, "relevance")
        scores = store.compute_missing(found, lambda: self.scorer).scores
        return np.array([scores[p].score for p in pairs], dtype=float)

    def rerank(
        self, query: str, candidates: Sequence[tuple[int, float]], corpus: Sequence[str], use_cache: bool = True
    ) -> list[tuple[int, float]]:
        """Candidates re-ordered by cross-encoder score (ties keep the first-stage order)."""
        if not query.strip():
            raise ValueError("the query is empty: type a query")
        if not candidates:
            return []
        scores = self.score(query, [corpus[d] for d, _ in candidates], use_cache)
        order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
        return [(candidates[i][0], float(scores[i])) for i in order]


def default_rerankers() -> list[str]:
    """Cross-encoders that can score new text offline (trained ones with weights, cached hub ones)."""
    return [
        r.spec.key
        for r in list_models()
        if r.spec.kind == "cross-encoder" and r.status in ("packaged", "local", "cached")
    ]
