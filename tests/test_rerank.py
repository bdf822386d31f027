"""compsem.rerank: metric plumbing on a hand-made corpus, recall, reranked order, bad input, size limits."""

from __future__ import annotations

import time

import numpy as np
import pytest

from compsem.rerank import (
    MAX_DENSE_DOCS,
    BM25Retriever,
    DenseRetriever,
    Reranker,
    evaluate_rankings,
    rank_documents,
    reciprocal_rank_fusion,
)

CORPUS = [
    "The chef cooks pasta in the kitchen.",          # 0
    "A man is playing a guitar on stage.",           # 1
    "Children are playing football in the park.",    # 2
    "The stock market fell sharply on Monday.",      # 3
    "A woman is slicing an onion with a knife.",     # 4
    "Two dogs run across a snowy field.",            # 5
]


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


def test_bm25_first_stage_recall():
    bm25 = BM25Retriever(CORPUS)
    hits = bm25.search(["who is playing guitar", "onion knife"], k=2)
    assert hits[0][0][0] == 1 and hits[1][0][0] == 4
    assert all(len(h) == 2 for h in hits)


def test_k_larger_than_corpus_returns_the_whole_corpus():
    assert len(BM25Retriever(CORPUS).search(["playing"], k=50)[0]) == len(CORPUS)


def test_rrf_hand_example():
    fused = reciprocal_rank_fusion([[(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.1)]], k=3, rrf_k=60)
    assert [d for d, _ in fused] == [2, 1, 3]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_refused(query):
    with pytest.raises(ValueError, match="query is empty"):
        BM25Retriever(CORPUS).search([query], k=3)
    with pytest.raises(ValueError, match="query is empty"):
        rank_documents(query, CORPUS)


def test_empty_corpus_is_refused():
    with pytest.raises(ValueError, match="corpus is empty"):
        BM25Retriever([])
    with pytest.raises(ValueError, match="corpus is empty"):
        rank_documents("dogs", ["", "  "])


def test_bm25_handles_100k_short_documents_and_dense_refuses_clearly():
    docs = [f"document number {i} about topic {i % 97} and item {i % 1013}" for i in range(100_000)]
    t0 = time.perf_counter()
    hits = BM25Retriever(docs).search(["topic 42 item 42"], k=10)[0]
    assert time.perf_counter() - t0 < 60
    assert len(hits) == 10 and "topic 42 " in docs[hits[0][0]]
    with pytest.raises(ValueError, match=f"limit {MAX_DENSE_DOCS:,}"):
        DenseRetriever(docs)


@pytest.mark.slow
def test_dense_first_stage_finds_paraphrase(tmp_path):
    dense = DenseRetriever(CORPUS, cache_dir=tmp_path)
    top = dense.search(["A person cuts vegetables."], k=1)[0][0][0]
    assert top == 4
    again = DenseRetriever(CORPUS, scorer=dense.scorer, cache_dir=tmp_path)  # from the embedding cache
    np.testing.assert_allclose(again.embeddings, dense.embeddings)


class _FakeScorer:
    """Stands in for a loaded cross-encoder where the test is about ordering, not the model."""

    num_labels = 1
    labels = ["label_0"]
    fingerprint = "fake"

    def __init__(self, prefer: str):
        self.prefer = prefer

    def logits(self, pairs):
        return np.array([float(d.count(self.prefer)) for _, d in pairs])


def test_reranked_order_follows_the_scores(monkeypatch):
    import compsem.rerank as rr

    monkeypatch.setattr(rr, "CrossEncoderScorer", _FakeScorer)
    reranker = Reranker.__new__(Reranker)
    reranker.scorer, reranker.key, reranker.cache, reranker._cache_key = _FakeScorer("dog"), "fake", None, "fake"
    candidates = [(0, 3.0), (5, 2.0), (1, 1.0)]
    out = reranker.rerank("dogs", candidates, CORPUS)
    assert [d for d, _ in out] == [5, 0, 1]  # doc 5 mentions dogs; ties keep first-stage order
    table = rank_documents("dogs in snow", CORPUS, k=3, reranker=reranker)
    assert list(table["rerank_rank"]) == sorted(table["rerank_rank"])
    assert table.loc[table["doc"] == 5, "rerank_rank"].item() == 1


def test_reranker_must_be_a_cross_encoder():
    with pytest.raises(ValueError, match="must be a cross-encoder"):
        Reranker("all-MiniLM-L6-v2")
