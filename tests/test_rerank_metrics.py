"""compsem.rerank.metrics: ranx metrics against hand-computed values, our order over raw scores."""

from __future__ import annotations

import pytest

from compsem.rerank import evaluate_rankings


def test_metrics_match_hand_computed_values():
    qrels = {"q1": {"2": 1}, "q2": {"4": 1}}
    # q1: relevant doc at rank 1 -> RR 1, nDCG 1. q2: relevant doc at rank 3 -> RR 1/3, nDCG 1/log2(4) = 0.5.
    rankings = {"q1": [(2, 9.0), (0, 1.0)], "q2": [(0, 3.0), (1, 2.0), (4, 1.0)]}
    m = evaluate_rankings(qrels, rankings, ["mrr@10", "ndcg@10", "recall@2", "recall@3"])
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["ndcg@10"] == pytest.approx((1 + 0.5) / 2)
    assert m["recall@2"] == pytest.approx(0.5) and m["recall@3"] == pytest.approx(1.0)


def test_metrics_use_our_order_not_raw_scores():
    # Scores deliberately disagree with the list order: the list order must win.
    m = evaluate_rankings({"q": {"1": 1}}, {"q": [(1, -5.0), (0, 10.0)]}, ["mrr@10"])
    assert m["mrr@10"] == pytest.approx(1.0)
