"""Score fusion for reranking: the first stage's and the reranker's evidence combined, one query at a time.

A reranker replaces the first stage's order by its own. When the first stage is strong (on SICK the
MiniLM bi-encoder ranks close paraphrases very well), throwing its evidence away can lose more than
the reranker adds. Fusion keeps both:

* :func:`weighted_fusion`: ``fused(d) = w · r̂(d) + (1 − w) · f̂(d)``, where ``f`` is the first-stage
  score, ``r`` the reranker score and ``x̂`` the min-max normalisation of ``x`` over the query's K
  candidates (:func:`minmax_per_query`). ``w`` is the reranker's share: 0 keeps the first stage's
  order, 1 is plain reranking.
* :func:`rrf_fusion`: reciprocal rank fusion of the two orders, ``fused(d) = 1 / (k + rank_f(d)) +
  1 / (k + rank_r(d))``, ranks from 1, ``k = RRF_K = 60`` (Cormack, Clarke and Büttcher, SIGIR 2009;
  the constant the hybrid first stage uses too). It has no parameter to tune.
* :func:`choose_weight`: the ``w`` of the grid with the best mean NDCG@10 on the queries it is given.
  The evaluation gives it SICK TRIAL queries only (:func:`compsem.rerank.run_rerank_eval`); the chosen
  weight is then applied once to the TEST queries.

Why min-max per query: the two scores live on unrelated scales (cosine in [-1, 1], BM25 unbounded and
growing with query length, an RRF score near 1/60, P(entailment) in [0, 1], a raw logit), and only the
order within one query's candidates matters. Min-max over the K candidates maps both onto [0, 1] with
the best candidate at 1 and the worst at 0, so ``w`` means the same share for every query and every
first stage. A z-score would need a spread estimated from K = 10 numbers and is unbounded, so one
outlier would dominate the sum. Equal scores (no evidence to order by) normalise to 0.

Ties (equal fused score) keep the first stage's order in both methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from compsem.rerank.metrics import evaluate_rankings

#: Reciprocal rank fusion's constant (the rank offset): 60, as in Cormack et al. (2009).
RRF_K = 60
#: The reranker weights tried on the selection queries: 0, 0.05, ..., 1.
WEIGHT_GRID: tuple[float, ...] = tuple(round(i / 20, 2) for i in range(21))
#: The metric the weight is chosen by (the reranking target's metric).
SELECTION_METRIC = "ndcg@10"
NORMALISATION = "min-max per query over the K candidates (best 1, worst 0; all equal: 0)"

Ranking = Sequence[tuple[int, float]]


@dataclass(frozen=True)
class WeightChoice:
    """The reranker weight chosen for weighted fusion, and the evidence it was chosen on.

    Attributes:
        weight: the chosen reranker share ``w`` (0 = first stage only, 1 = reranker only).
        grid: every weight tried, in order.
        scores: mean ``metric`` on the selection queries for each weight of ``grid``.
        metric: what was maximised (``ndcg@10``).
        n_queries: how many selection queries it was chosen on.
    """

    weight: float
    grid: tuple[float, ...]
    scores: tuple[float, ...]
    metric: str
    n_queries: int

    @property
    def best_score(self) -> float:
        """The metric at the chosen weight."""
        return self.scores[self.grid.index(self.weight)]


def minmax_per_query(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """Scores of one query's candidates mapped onto [0, 1]: ``(s − min) / (max − min)``; all equal → 0.

    Example:
        >>> minmax_per_query([2.0, 4.0, 3.0]).tolist()
        [0.0, 1.0, 0.5]
    """
    values = np.asarray(scores, dtype=float)
    if values.size == 0:
        return values
    if not np.isfinite(values).all():
        raise ValueError("a score is not a finite number; fusion needs finite scores")
    spread = values.max() - values.min()
    return (values - values.min()) / spread if spread > 0 else np.zeros_like(values)


def _aligned(first: Ranking, reranked: Ranking) -> dict[int, float]:
    """The reranker score of each first-stage candidate; both lists must hold the same documents."""
    docs = [d for d, _ in first]
    if len(set(docs)) != len(docs):
        raise ValueError("the first-stage list names a document twice")
    by_doc = {d: float(s) for d, s in reranked}
    if len(by_doc) != len(reranked) or set(by_doc) != set(docs):
        raise ValueError("the reranked list must hold exactly the first stage's candidates, each once")
    return by_doc


def _ordered(first: Ranking, fused: np.ndarray) -> list[tuple[int, float]]:
    order = sorted(range(len(first)), key=lambda i: (-fused[i], i))  # ties: first-stage order
    return [(first[i][0], float(fused[i])) for i in order]


def weighted_fusion(first: Ranking, reranked: Ranking, weight: float) -> list[tuple[int, float]]:
    """One query's candidates ordered by ``w · r̂ + (1 − w) · f̂`` (min-max normalised scores, module docstring).

    Args:
        first: the first stage's (document, score) list, best first.
        reranked: the reranker's (document, score) list over the same documents, any order.
        weight: the reranker's share ``w`` in [0, 1].

    Returns:
        (document, fused score) best first; equal fused scores keep the first-stage order.

    Example:
        >>> weighted_fusion([(7, 0.9), (8, 0.5), (9, 0.1)], [(9, 1.0), (8, 0.5), (7, 0.0)], 0.25)
        [(7, 0.75), (8, 0.5), (9, 0.25)]
    """
    if not 0.0 <= float(weight) <= 1.0:
        raise ValueError(f"the fusion weight must be between 0 and 1, not {weight}")
    if not first:
        return []
    by_doc = _aligned(first, reranked)
    f_hat = minmax_per_query([s for _, s in first])
    r_hat = minmax_per_query([by_doc[d] for d, _ in first])
    return _ordered(first, weight * r_hat + (1.0 - weight) * f_hat)


def rrf_fusion(first: Ranking, reranked: Ranking, rrf_k: int = RRF_K) -> list[tuple[int, float]]:
    """One query's candidates ordered by ``1 / (k + rank_first) + 1 / (k + rank_reranked)``, ranks from 1.

    ``reranked`` is ranked by its scores (best first; equal scores keep the first-stage order), so
    it may come in any order. Equal fused scores keep the first-stage order.

    Example:
        >>> [d for d, _ in rrf_fusion([(1, 0.9), (2, 0.8), (3, 0.7)], [(3, 5.0), (2, 4.0), (1, 3.0)], rrf_k=1)]
        [1, 3, 2]
    """
    if rrf_k < 0:
        raise ValueError(f"the RRF constant k must be 0 or more, not {rrf_k}")
    if not first:
        return []
    by_doc = _aligned(first, reranked)
    order = sorted(range(len(first)), key=lambda i: (-by_doc[first[i][0]], i))
    rerank_rank = np.empty(len(first))
    rerank_rank[order] = np.arange(1, len(first) + 1)
    first_rank = np.arange(1, len(first) + 1)
    return _ordered(first, 1.0 / (rrf_k + first_rank) + 1.0 / (rrf_k + rerank_rank))


def _pick(grid: Sequence[float], scores: Sequence[float]) -> float:
    """The best weight; ties go to the one nearest 0.5 (the trial set cannot tell the stages apart), then the lower."""
    best = max(scores)
    tied = [w for w, s in zip(grid, scores) if np.isclose(s, best, rtol=0.0, atol=1e-12)]
    return min(tied, key=lambda w: (abs(w - 0.5), w))


def choose_weight(
    queries: Mapping[str, str],
    pools: Mapping[str, Ranking],
    qrels: Mapping[str, Mapping[str, int]],
    rerank: Callable[[str, Ranking], Ranking],
    grid: Sequence[float] = WEIGHT_GRID,
    metric: str = SELECTION_METRIC,
) -> WeightChoice:
    """The reranker weight of ``grid`` that maximises mean ``metric`` of :func:`weighted_fusion` over ``queries``.

    Only the queries given here are reranked and judged; pass selection (TRIAL) queries, never the
    ones the result will be reported on. Ties go to the weight nearest 0.5, then the lower one.

    Args:
        queries: selection query id -> text.
        pools: query id -> the first stage's (document, score) candidates, best first.
        qrels: query id -> {document id (the index as a string): relevance}.
        rerank: ``(query text, candidates) -> reranked (document, score) list`` (a reranker's).
        grid: weights to try, each in [0, 1].
        metric: a ranx metric name.

    Example:
        >>> choose_weight(queries, pools, qrels, lambda q, c: reranker.rerank(q, c, corpus)).weight  # doctest: +SKIP
        0.35
    """
    grid = tuple(float(w) for w in grid)
    if not grid or any(not 0.0 <= w <= 1.0 for w in grid):
        raise ValueError("the weight grid must hold at least one weight, each between 0 and 1")
    if not queries:
        raise ValueError("no selection queries: the fusion weight needs at least one query to be chosen on")
    missing = [q for q in queries if q not in pools or q not in qrels]
    if missing:
        raise ValueError(f"selection query {missing[0]!r} has no candidates or no relevance judgements")
    reranked = {q: rerank(text, pools[q]) for q, text in queries.items()}
    judged = {q: dict(qrels[q]) for q in queries}
    scores = tuple(
        evaluate_rankings(judged, {q: weighted_fusion(pools[q], reranked[q], w) for q in queries}, [metric])[metric]
        for w in grid
    )
    return WeightChoice(_pick(grid, scores), grid, scores, metric, len(queries))
