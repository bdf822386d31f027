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
        from compsem.registry import ModelSpec, Resolution

        self.prefer = prefer
        self.resolution = Resolution(ModelSpec("fake", "cross-encoder", "general", "model-activation"), "local",
                                     fingerprint="fake")

    def relevance(self, pairs, batch_size=32, progress=None):
        return np.array([float(d.count(self.prefer)) for _, d in pairs])


def test_reranked_order_follows_the_scores(monkeypatch):
    import compsem.rerank as rr

    monkeypatch.setattr(rr, "CrossEncoderScorer", _FakeScorer)
    reranker = Reranker.from_scorer(_FakeScorer("dog"))
    candidates = [(0, 3.0), (5, 2.0), (1, 1.0)]
    out = reranker.rerank("dogs", candidates, CORPUS)
    assert [d for d, _ in out] == [5, 0, 1]  # doc 5 mentions dogs; ties keep first-stage order
    table = rank_documents("dogs in snow", CORPUS, k=3, reranker=reranker)
    assert list(table["rerank_rank"]) == sorted(table["rerank_rank"])
    assert table.loc[table["doc"] == 5, "rerank_rank"].item() == 1


def test_reranker_must_be_a_cross_encoder():
    with pytest.raises(ValueError, match="must be a cross-encoder"):
        Reranker("all-MiniLM-L6-v2")


# -- the dashboard's reranking lab: input checks, side-by-side tables, saved evaluation results ------------
RERANKER = "compsem/minilm-l6-stsb"


def write_rerank_results(folder, ks=(10, 20)) -> None:
    """A small metrics.json + latency.csv laid out exactly as run_rerank_eval writes them (numbers made up)."""
    import json

    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    first = {"bm25": (0.40, 0.35), "dense": (0.60, 0.55), "hybrid": (0.62, 0.57)}
    metrics = {
        "dataset": "tiny hand-made evaluation", "n_queries": 3, "corpus_size": 96, "ks": list(ks),
        "first_stage": {s: {"ndcg@10": n, "mrr@10": m, **{f"recall@{k}": min(1.0, 0.5 + k / 100) for k in ks}}
                        for s, (n, m) in first.items()},
        "reranked": {
            RERANKER: {s: {str(k): {"ndcg@10": n + 0.1 + k / 1000, "mrr@10": m + 0.1} for k in ks}
                       for s, (n, m) in first.items()},
            "cross-encoder/quora-roberta-large": {"skipped": "cross-encoder/quora-roberta-large cannot score new "
                                                             "text here: offline"},
        },
        "latency_setup": {"queries_timed": 2, "repeats": 1, "threads": 2, "note": "one query at a time"},
    }
    rows = []
    for k in ks:
        for i, stage in enumerate(("bm25", "dense", "hybrid")):
            rows += [{"reranker": RERANKER, "k": k, "stage": f"first_stage_{stage}", "n": 2,
                      "p50_ms": 2.0 + i, "p95_ms": 3.0 + i},
                     {"reranker": RERANKER, "k": k, "stage": f"rerank_{stage}", "n": 2,
                      "p50_ms": 10.0 * k, "p95_ms": 12.0 * k},
                     {"reranker": RERANKER, "k": k, "stage": f"total_{stage}", "n": 2,
                      "p50_ms": 10.0 * k + 2.5 + i, "p95_ms": 12.0 * k + 3.5 + i}]
    for i, stage in enumerate(("bm25", "dense", "hybrid")):  # each first stage alone, at the deepest K
        rows.append({"reranker": "", "k": max(ks), "stage": f"first_stage_{stage}", "n": 2,
                     "p50_ms": 30.0 + i, "p95_ms": 40.0 + i})
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (folder / "latency.csv").write_text(pd.DataFrame(rows).to_csv(index=False))


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

    monkeypatch.setattr(rr, "CrossEncoderScorer", _FakeScorer)
    reranker = Reranker.from_scorer(_FakeScorer("dog"))
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
    from compsem.registry import ModelSpec, Resolution
    from compsem.rerank import reranker_options

    local = Resolution(ModelSpec("compsem/minilm-l6-sick-nli", "cross-encoder", "nli", "mutual-entailment",
                                 card={"objective": "sick-nli"}), "local", "/x", "sha256:1")
    broken = Resolution(ModelSpec(RERANKER, "cross-encoder", "sts", "model-activation", card={"objective": "stsb"}),
                        "unavailable", reason="adapter minilm-l6-stsb: adapter_model.safetensors is missing")
    hub = Resolution(ModelSpec("cross-encoder/quora-roberta-large", "cross-encoder", "duplicate",
                               "model-activation"), "unavailable", reason="offline")
    bi = Resolution(ModelSpec("sentence-transformers/all-MiniLM-L6-v2", "bi-encoder", "general", "cosine"),
                    "packaged", "/z", "sha256:3")
    available, why = reranker_options([local, broken, hub, bi])
    assert available == ["compsem/minilm-l6-sick-nli"]
    assert "compsem train --objective stsb" in why[RERANKER] and "is missing" in why[RERANKER]
    assert why["cross-encoder/quora-roberta-large"] == "offline"
    assert "sentence-transformers/all-MiniLM-L6-v2" not in why


def test_load_rerank_results_tables_and_points(tmp_path):
    from compsem import rerank

    write_rerank_results(tmp_path)
    res = rerank.load_rerank_results(tmp_path)
    assert res.metrics["ks"] == [10, 20] and list(res.latency.columns) == list(rerank.LATENCY_COLUMNS)
    alone = res.latency[res.latency["reranker"] == ""]  # an empty reranker cell reads back as "", not NaN
    assert set(alone["stage"]) == {"first_stage_bm25", "first_stage_dense", "first_stage_hybrid"}
    assert rerank.skipped_rerankers(res) == {
        "cross-encoder/quora-roberta-large": "cross-encoder/quora-roberta-large cannot score new text here: offline"}

    table = rerank.metrics_table(res)
    assert len(table) == 3 * 2 + 3 * 2  # (first stage alone + with the reranker) x 2 K
    row = table[(table["first stage"] == "BM25") & (table["K"] == 20) & (table["reranker"] != "— (first stage only)")]
    assert row["NDCG@10"].item() == pytest.approx(0.52)
    assert row["Δ NDCG@10"].item() == pytest.approx(0.12)
    assert row["Recall@K"].item() == pytest.approx(0.7)  # the first stage's recall@20: reranking keeps the set

    points = rerank.quality_latency_points(res)
    # 3 first stages alone + 3 pipelines x 2 K
    assert points["system"].nunique() == 6 and len(points) == 3 + 3 * 2
    at = points.set_index(["first_stage", "reranker", "k"])
    assert at.loc[("bm25", RERANKER, 10), "p50_ms"] == pytest.approx(102.5)  # the measured total, not a sum
    assert at.loc[("dense", RERANKER, 10), "p50_ms"] == pytest.approx(103.5)
    assert at.loc[("hybrid", RERANKER, 20), "p95_ms"] == pytest.approx(240 + 3.5 + 2)
    assert (points["latency"] == "measured").all()
    assert at.loc[("dense", "", 20), "p50_ms"] == pytest.approx(31.0)

    # A point without its own timing is left off the plot, never pieced together from other rows.
    import dataclasses

    partial = dataclasses.replace(res, latency=res.latency[~((res.latency["stage"] == "total_dense")
                                                             & (res.latency["k"] == 20))])
    fewer = rerank.quality_latency_points(partial).set_index(["first_stage", "reranker", "k"])
    assert ("dense", RERANKER, 20) not in fewer.index and ("dense", RERANKER, 10) in fewer.index


def test_missing_rerank_results_say_how_to_make_them(tmp_path):
    from compsem import rerank

    with pytest.raises(rerank.RerankResultsMissing, match="compsem rerank-eval --out results/rerank"):
        rerank.load_rerank_results(tmp_path / "nowhere")


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "metrics.json").write_text('{"ks": [10],\n "first_stage": '),
     r"metrics.json, line 2: not valid JSON"),
    (lambda f: (f / "metrics.json").write_text('{"ks": [10], "reranked": {}}'), "missing 'first_stage'"),
    (lambda f: (f / "metrics.json").write_text('{"ks": [], "first_stage": {}, "reranked": {}}'), "'ks' must be"),
    (lambda f: (f / "metrics.json").write_bytes(b"\xff\xfe{"), "not UTF-8"),
    (lambda f: (f / "latency.csv").unlink(), "latency.csv: not found"),
    (lambda f: (f / "latency.csv").write_text("reranker,k,stage\nx,10,rerank\n"), "missing column.*p50_ms"),
    (lambda f: (f / "latency.csv").write_text(
        "reranker,k,stage,n,p50_ms,p95_ms\nx,10,rerank,2,1.0,2.0\nx,20,rerank,2,fast,2.0\n"),
     r"latency.csv, line 3: p50_ms is 'fast', not a number"),
])
def test_broken_rerank_results_give_a_clear_error(tmp_path, damage, message):
    from compsem import rerank

    write_rerank_results(tmp_path)
    damage(tmp_path)
    with pytest.raises(rerank.RerankResultsError, match=message) as info:
        rerank.load_rerank_results(tmp_path)
    assert not isinstance(info.value, rerank.RerankResultsMissing)


@pytest.mark.slow
def test_loader_reads_what_run_rerank_eval_writes(tmp_path, monkeypatch):
    """The reader is checked against the writer, not only against hand-made files."""
    import compsem.rerank as rr
    from test_datasets import make_data_dir

    # No reranker (none is needed to check the layout, and loading one would take minutes here).
    monkeypatch.setattr(rr.evaluation, "default_rerankers", lambda: [])
    rr.run_rerank_eval(ks=(2, 5), out_dir=tmp_path / "out", data_dir=make_data_dir(tmp_path / "ds"), repeats=1,
                       max_queries=None, latency_queries=1, progress=None)
    res = rr.load_rerank_results(tmp_path / "out")
    table = rr.metrics_table(res)
    assert set(table["first stage"]) == {rr.STAGE_LABELS[s] for s in rr.FIRST_STAGES}
    assert table["Recall@K"].notna().all()
    points = rr.quality_latency_points(res)
    assert "Bi-encoder (MiniLM) alone" in set(points["system"])
