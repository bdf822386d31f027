"""compsem.rerank.first_stage: BM25 recall, K beyond the corpus, RRF by hand, bad input, size limits, dense search."""

from __future__ import annotations

import time

import numpy as np
import pytest

from compsem.rerank import (
    MAX_DENSE_DOCS,
    BM25Retriever,
    DenseRetriever,
    rank_documents,
    reciprocal_rank_fusion,
)

CORPUS = [
    "The chef cooks pasta in the kitchen.",  # 0
    "A man is playing a guitar on stage.",  # 1
    "Children are playing football in the park.",  # 2
    "The stock market fell sharply on Monday.",  # 3
    "A woman is slicing an onion with a knife.",  # 4
    "Two dogs run across a snowy field.",  # 5
]


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
