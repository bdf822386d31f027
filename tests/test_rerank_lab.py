"""compsem.rerank.lab: the dashboard's reranking lab: input checks, side-by-side tables, reranker choices."""

from __future__ import annotations

import pytest
from test_rerank import RERANKER
from test_rerank_first_stage import CORPUS
from test_rerank_reranker import FakeScorer

from compsem.rerank import BM25Retriever, Reranker, rank_documents


def reranker_over(scorer) -> Reranker:
    """A reranker over an already loaded (fake) scorer, without the registry."""
    reranker = Reranker.__new__(Reranker)
    reranker._use(scorer, None)
    return reranker


def test_parse_documents_one_per_line_and_limits():
    from compsem.rerank import parse_documents

    assert parse_documents("A.\n\n  B. \r\nA.\n") == ["A.", "B.", "A."]  # blank lines dropped, duplicates kept
    with pytest.raises(ValueError, match="no documents"):
        parse_documents(" \n\n ")
    with pytest.raises(ValueError, match="3 documents; at most 2"):
        parse_documents("a\nb\nc", max_docs=2)
    with pytest.raises(ValueError, match="line 3 has 11 characters; a document may have at most 10"):
        parse_documents("short\n\n" + "x" * 11, max_chars=10)


def test_check_query():
    from compsem.rerank import check_query

    assert check_query("  dogs  ") == "dogs"
    with pytest.raises(ValueError, match="query is empty"):
        check_query(" \n ")
    with pytest.raises(ValueError, match="2,001 characters"):
        check_query("q" * 2001)


def test_rank_change_labels_and_side_by_side(monkeypatch):
    from compsem.rerank import rank_change_label, side_by_side

    assert [rank_change_label(5, 2), rank_change_label(2, 5), rank_change_label(3, 3)] == ["▲3", "▼3", "="]
    assert rank_change_label(12, 10) == "▲2 new" and rank_change_label(12, 11) == "▲1"
    import compsem.rerank as rr

    monkeypatch.setattr(rr, "CrossEncoderScorer", FakeScorer)
    reranker = reranker_over(FakeScorer("dog"))
    table = rank_documents("snowy field run", CORPUS, k=6, reranker=reranker)
    first, again = side_by_side(table, top=1)
    assert list(first["rank"]) == [1, 2, 3, 4, 5, 6] and list(again["rank"]) == [1, 2, 3, 4, 5, 6]
    assert sorted(first["document"]) == sorted(again["document"]) == sorted(CORPUS)
    top = again.iloc[0]
    assert top["document"] == CORPUS[5]  # the only document mentioning dogs
    assert top["change"] == ("=" if top["was"] == 1 else f"▲{top['was'] - 1} new")
    only_first, none = side_by_side(rank_documents("dogs", CORPUS, k=3))
    assert none is None and len(only_first) == 3


def test_rank_documents_reuses_a_matching_bm25_index_only():
    bm25 = BM25Retriever(CORPUS)
    assert rank_documents("guitar", CORPUS, k=2, bm25=bm25)["doc"].iloc[0] == 1
    other = BM25Retriever(["guitar guitar guitar", "nothing here"])
    # an index of other documents must not be used: the result is still over CORPUS
    assert rank_documents("guitar", CORPUS, k=2, bm25=other)["text"].iloc[0] == CORPUS[1]


def test_reranker_options_disable_unusable_and_bi_encoders():
    from compsem.models.specs import ModelSpec, Resolution
    from compsem.rerank import reranker_options

    local = Resolution(
        ModelSpec(
            "compsem/minilm-l6-sick-nli", "cross-encoder", "nli", "mutual-entailment", card={"objective": "sick-nli"}
        ),
        "local",
        "/x",
        "sha256:1",
    )
    broken = Resolution(
        ModelSpec(RERANKER, "cross-encoder", "sts", "model-activation", card={"objective": "stsb"}),
        "unavailable",
        reason="adapter minilm-l6-stsb: adapter_model.safetensors is missing",
    )
    hub = Resolution(
        ModelSpec("cross-encoder/quora-roberta-large", "cross-encoder", "duplicate", "model-activation"),
        "unavailable",
        reason="offline",
    )
    bi = Resolution(
        ModelSpec("sentence-transformers/all-MiniLM-L6-v2", "bi-encoder", "general", "cosine"),
        "packaged",
        "/z",
        "sha256:3",
    )
    available, why = reranker_options([local, broken, hub, bi])
    assert available == ["compsem/minilm-l6-sick-nli"]
    assert "compsem train --objective stsb" in why[RERANKER] and "is missing" in why[RERANKER]
    assert why["cross-encoder/quora-roberta-large"] == "offline"
    assert "sentence-transformers/all-MiniLM-L6-v2" not in why
