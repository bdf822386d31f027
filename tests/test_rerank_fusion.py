"""compsem.rerank.fusion: weighted fusion and RRF on hand-worked rankings; the weight choice sees only its queries."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from compsem.rerank.first_stage import reciprocal_rank_fusion
from compsem.rerank.fusion import (
    RRF_K,
    WEIGHT_GRID,
    WeightChoice,
    choose_weight,
    minmax_per_query,
    rrf_fusion,
    weighted_fusion,
)

FIRST = [(7, 0.9), (8, 0.5), (9, 0.1)]  # the first stage's list, best first
RERANKED = [(9, 1.0), (8, 0.5), (7, 0.0)]  # the reranker disagrees completely


def docs(ranking):
    return [d for d, _ in ranking]


def same(got, expected) -> bool:
    """Same documents in the same order, scores equal to rounding."""
    return docs(got) == docs(expected) and [s for _, s in got] == pytest.approx([s for _, s in expected])


def test_minmax_per_query_maps_best_to_one_and_worst_to_zero():
    np.testing.assert_allclose(minmax_per_query([2.0, 4.0, 3.0]), [0.0, 1.0, 0.5])
    np.testing.assert_allclose(minmax_per_query([-0.2, 0.6]), [0.0, 1.0])
    np.testing.assert_allclose(minmax_per_query([3.0, 3.0, 3.0]), [0.0, 0.0, 0.0])  # nothing to order by
    assert minmax_per_query([]).size == 0
    with pytest.raises(ValueError, match="finite"):
        minmax_per_query([1.0, float("nan")])


def test_weighted_fusion_hand_worked():
    # f̂ = (1, .5, 0) for docs 7, 8, 9; r̂ = (0, .5, 1). fused = w·r̂ + (1 − w)·f̂.
    assert same(weighted_fusion(FIRST, RERANKED, 0.25), [(7, 0.75), (8, 0.5), (9, 0.25)])
    assert same(weighted_fusion(FIRST, RERANKED, 0.75), [(9, 0.75), (8, 0.5), (7, 0.25)])
    # w = 0.5: every document scores 0.5, so the first stage's order stands
    assert docs(weighted_fusion(FIRST, RERANKED, 0.5)) == [7, 8, 9]
    # the two ends: the first stage alone, the reranker alone
    assert docs(weighted_fusion(FIRST, RERANKED, 0.0)) == docs(FIRST)
    assert docs(weighted_fusion(FIRST, RERANKED, 1.0)) == docs(RERANKED)
    # the reranked list may come in any order: it is matched by document
    assert weighted_fusion(FIRST, RERANKED[::-1], 0.25) == weighted_fusion(FIRST, RERANKED, 0.25)
    assert weighted_fusion([], [], 0.3) == []


def test_weighted_fusion_normalises_each_list_before_mixing():
    """BM25-sized first-stage scores would drown a probability if they were added raw."""
    first = [(1, 30.0), (2, 20.0), (3, 10.0)]  # f̂ = (1, .5, 0)
    reranked = [(1, 0.2), (2, 0.9), (3, 0.3)]  # r̂ = (0, 1, 1/7)
    fused = weighted_fusion(first, reranked, 0.5)
    assert same(fused, [(2, 0.75), (1, 0.5), (3, 0.5 / 7)])


@pytest.mark.parametrize(
    "first, reranked, weight, message",
    [
        (FIRST, RERANKED, 1.5, "between 0 and 1"),
        (FIRST, RERANKED, -0.1, "between 0 and 1"),
        (FIRST, RERANKED[:2], 0.5, "exactly the first stage's candidates"),
        (FIRST, [*RERANKED, (9, 0.3)], 0.5, "exactly the first stage's candidates"),
        (FIRST, [(1, 1.0), (8, 0.5), (7, 0.0)], 0.5, "exactly the first stage's candidates"),
        ([(7, 0.9), (7, 0.5)], [(7, 1.0)], 0.5, "twice"),
    ],
)
def test_weighted_fusion_refuses_lists_that_do_not_match(first, reranked, weight, message):
    with pytest.raises(ValueError, match=message):
        weighted_fusion(first, reranked, weight)


def test_rrf_fusion_hand_worked():
    first = [(1, 0.9), (2, 0.8), (3, 0.7)]
    reranked = [(3, 5.0), (1, 4.0), (2, 3.0)]  # reranker ranks: 3 → 1, 1 → 2, 2 → 3
    fused = rrf_fusion(first, reranked)
    assert RRF_K == 60
    assert same(fused, [(1, 1 / 61 + 1 / 62), (3, 1 / 63 + 1 / 61), (2, 1 / 62 + 1 / 63)])
    # the same numbers as the first stage's general RRF over the two ordered lists
    reference = dict(reciprocal_rank_fusion([first, reranked], k=3))
    assert {d: s for d, s in fused} == pytest.approx(reference)


def test_rrf_fusion_ties_keep_the_first_stage_order_and_k_matters():
    first = [(1, 0.9), (2, 0.8), (3, 0.7)]
    reversed_ = [(3, 5.0), (2, 4.0), (1, 3.0)]
    # k = 1: doc 1 = 1/2 + 1/4, doc 2 = 1/3 + 1/3, doc 3 = 1/4 + 1/2 → 1 and 3 tie, first stage decides
    assert docs(rrf_fusion(first, reversed_, rrf_k=1)) == [1, 3, 2]
    # k = 0: 1/1 + 1/3 = 4/3 for both ends, 1/2 + 1/2 = 1 in the middle
    assert same(rrf_fusion(first, reversed_, rrf_k=0), [(1, 4 / 3), (3, 4 / 3), (2, 1.0)])
    # equal reranker scores are ranked in first-stage order too
    flat = [(3, 1.0), (2, 1.0), (1, 1.0)]
    assert docs(rrf_fusion(first, flat)) == [1, 2, 3]
    with pytest.raises(ValueError, match="0 or more"):
        rrf_fusion(first, reversed_, rrf_k=-1)
    with pytest.raises(ValueError, match="exactly the first stage's candidates"):
        rrf_fusion(first, reversed_[:2])


# -- the weight choice ---------------------------------------------------------------------------------------

POOLS = {"qa": [(0, 1.0), (1, 0.5)], "qb": [(2, 0.8), (3, 0.4)]}
QRELS = {"qa": {"1": 1}, "qb": {"2": 1}}
QUERIES = {"qa": "query a", "qb": "query b"}


class RecordingReranker:
    """Scores 1.0 for documents in ``likes``, 0.0 otherwise, and writes down every query it was asked about."""

    def __init__(self, likes: set[int]):
        self.likes, self.seen = likes, []

    def __call__(self, query, candidates):
        self.seen.append(query)
        return sorted(((d, float(d in self.likes)) for d, _ in candidates), key=lambda x: -x[1])


def test_choose_weight_hand_worked_and_sees_only_its_queries():
    # The reranker likes only doc 3 (qb's irrelevant one) and cannot tell qa's two documents apart.
    rerank = RecordingReranker({3})
    choice = choose_weight(QUERIES, POOLS, QRELS, rerank, grid=(0.0, 0.25, 0.5, 0.75, 1.0))
    # qa: first-stage order at every w (relevant doc 2nd: NDCG 1/log2(3)); qb: w > 0.5 puts doc 3 first
    # (NDCG 1/log2(3)), w ≤ 0.5 keeps the relevant doc 2 first (NDCG 1; at 0.5 the two tie and the first stage wins).
    second = 1 / math.log2(3)
    assert choice.scores == pytest.approx([(second + 1) / 2, (second + 1) / 2, (second + 1) / 2, second, second])
    assert choice.weight == 0.5  # a three-way tie at the best score goes to the weight nearest 0.5
    assert choice.best_score == pytest.approx((second + 1) / 2)
    assert choice.n_queries == 2 and choice.metric == "ndcg@10"
    assert sorted(rerank.seen) == ["query a", "query b"]  # each selection query reranked once, nothing else


def test_choose_weight_follows_a_reranker_that_helps():
    rerank = RecordingReranker({1, 2})  # right on both queries
    choice = choose_weight(QUERIES, POOLS, QRELS, rerank)
    assert choice.grid == WEIGHT_GRID and len(WEIGHT_GRID) == 21 and WEIGHT_GRID[0] == 0.0 and WEIGHT_GRID[-1] == 1.0
    assert choice.weight > 0.5 and choice.best_score == pytest.approx(1.0)
    # everything above 0.5 ties at 1.0; the nearest to 0.5 wins
    assert choice.weight == 0.55
    with pytest.raises(dataclasses.FrozenInstanceError):
        choice.weight = 0.1  # type: ignore[misc]
    assert isinstance(choice, WeightChoice)


@pytest.mark.parametrize(
    "queries, grid, message",
    [
        ({}, WEIGHT_GRID, "no selection queries"),
        ({"qz": "query z"}, WEIGHT_GRID, "'qz' has no candidates"),
        (QUERIES, (), "at least one weight"),
        (QUERIES, (0.5, 2.0), "between 0 and 1"),
    ],
)
def test_choose_weight_refuses_bad_arguments(queries, grid, message):
    with pytest.raises(ValueError, match=message):
        choose_weight(queries, POOLS, QRELS, RecordingReranker(set()), grid=grid)
