"""compsem.rerank.evaluation: what run_rerank_eval writes is what the results reader reads."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_loader_reads_what_run_rerank_eval_writes(tmp_path, monkeypatch):
    """The reader is checked against the writer, not only against hand-made files."""
    from test_datasets import make_data_dir

    import compsem.rerank as rr

    # No reranker (none is needed to check the layout, and loading one would take minutes here).
    monkeypatch.setattr(rr.evaluation, "default_rerankers", lambda: [])
    rr.run_rerank_eval(
        ks=(2, 5),
        out_dir=tmp_path / "out",
        data_dir=make_data_dir(tmp_path / "ds"),
        repeats=1,
        max_queries=None,
        latency_queries=1,
        progress=None,
    )
    res = rr.load_rerank_results(tmp_path / "out")
    table = rr.metrics_table(res)
    assert set(table["first stage"]) == {rr.STAGE_LABELS[s] for s in rr.FIRST_STAGES}
    assert table["Recall@K"].notna().all()
    points = rr.quality_latency_points(res)
    assert "Bi-encoder (MiniLM) alone" in set(points["system"])


# -- issue 22, item 14: reranker keys and counts are checked before any index is built ------------------------------
from compsem.cli import main  # noqa: E402
from compsem.rerank import evaluation  # noqa: E402


@pytest.fixture
def no_indexing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the retrieval set was built before the arguments were checked")

    monkeypatch.setattr(evaluation, "sick_retrieval_set", refuse)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--reranker", "../../etc"], "--reranker: unknown model '../../etc'"),
        (["--reranker", "a" * 5000], "the model key is 5,000 characters long"),
        (["--reranker", "x\x1b[2J"], "control characters"),
        (["--reranker", "token-jaccard"], "is a baseline, and only a cross-encoder can rerank"),
        (["--reranker", "all-MiniLM-L6-v2"], "is a bi-encoder, and only a cross-encoder can rerank"),
        (["--max-queries", "-1"], "--max-queries must be at least 1 (or 0 for every query), not -1"),
        (["--repeats", "0"], "--latency-queries and --repeats must be at least 1"),
    ],
    ids=["path-like", "5000-chars", "escape", "baseline", "bi-encoder", "max-queries-negative", "repeats-0"],
)
def test_bad_rerank_arguments_are_one_line_before_indexing(args, message, tmp_path, capsys, no_indexing):
    assert main(["rerank-eval", *args, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # refused before the output folder was made


def test_the_library_call_refuses_the_same(no_indexing):
    with pytest.raises(ValueError, match="only a cross-encoder can rerank"):
        evaluation.run_rerank_eval(rerankers=["token-jaccard"], progress=None)
    with pytest.raises(ValueError, match="--max-queries must be at least 1"):
        evaluation.run_rerank_eval(rerankers=["token-jaccard"], max_queries=-1, progress=None)


# -- score fusion: the weight is chosen on TRIAL queries only ------------------------------------------------

RERANKER_KEY = "compsem/minilm-l6-sick-nli"  # a registered key; the fake below stands in for the model


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, len(wa | wb))


class FakeDense:
    """A first stage with no model: documents ranked by word overlap with the query."""

    def __init__(self, corpus, backend="torch", **_runtime):
        self.corpus = list(corpus)

    def search(self, queries, k):
        out = []
        for q in queries:
            scores = [(i, _overlap(q, d)) for i, d in enumerate(self.corpus)]
            out.append(sorted(scores, key=lambda x: (-x[1], x[0]))[:k])
        return out


class FakeReranker:
    """Scores by document length (a deliberately different order), and writes down every query it reranks."""

    seen: list[tuple[str, bool]] = []  # (query, reranked while the weight was being chosen?)
    selecting = False

    def __init__(self, key, cache=None, backend="torch", **_runtime):
        self.key = key

    def rerank(self, query, candidates, corpus, use_cache=True):
        FakeReranker.seen.append((query, FakeReranker.selecting))
        scored = [(d, -abs(len(corpus[d]) - len(query)) / 10.0) for d, _ in candidates]
        return sorted(scored, key=lambda x: -x[1])


@pytest.fixture
def fake_models(monkeypatch):
    """run_rerank_eval with fake first-stage and reranker models; returns the weight choices it made."""
    import compsem.rerank.evaluation as ev

    FakeReranker.seen, FakeReranker.selecting = [], False
    choices = []
    real_choose = ev.choose_weight

    def recording_choose(*args, **kwargs):
        FakeReranker.selecting = True
        try:
            choice = real_choose(*args, **kwargs)
        finally:
            FakeReranker.selecting = False
        choices.append(choice)
        return choice

    monkeypatch.setattr(ev, "DenseRetriever", FakeDense)
    monkeypatch.setattr(ev, "Reranker", FakeReranker)
    monkeypatch.setattr(ev, "choose_weight", recording_choose)
    return choices


def sick_with_a_shared_query(tmp_path):
    """The tiny datasets, plus a TRIAL entailment pair whose sentence A is a TEST query (so it must be left out)."""
    from test_datasets import make_data_dir

    from compsem.rerank import sick_retrieval_set

    data = make_data_dir(tmp_path / "ds")
    shared = sorted(sick_retrieval_set(data).queries.values())[0]
    with (data / "sick" / "SICK.txt").open("a", encoding="utf-8") as fh:
        fh.write(f"999\t{shared}\tA quiet sentence about nothing\tENTAILMENT\t4.6\tx\tx\tx\tx\tHAND\tHAND\tTRIAL\n")
    return data, shared


def test_fusion_weight_is_chosen_on_trial_queries_only(tmp_path, fake_models):
    import json

    import compsem.rerank as rr

    data, shared = sick_with_a_shared_query(tmp_path)
    test_texts = set(rr.sick_retrieval_set(data).queries.values())
    trial_texts = set(rr.sick_retrieval_set(data, split="trial").queries.values())
    assert shared in trial_texts and shared in test_texts

    rr.run_rerank_eval(
        ks=(2, 5),
        rerankers=[RERANKER_KEY],
        out_dir=tmp_path / "out",
        data_dir=data,
        repeats=1,
        max_queries=None,
        latency_queries=1,
        progress=None,
    )
    during = {q for q, selecting in FakeReranker.seen if selecting}
    after = {q for q, selecting in FakeReranker.seen if not selecting}
    assert during, "the weight choice reranked nothing"
    assert during <= trial_texts - {shared}  # TRIAL queries, and not the one a TEST query shares
    assert not during & test_texts  # no TEST query reached the weight choice
    assert test_texts <= after  # the TEST queries were reranked, outside the choice

    # one choice per first stage and K, each recorded with the TEST figures it was applied to
    assert len(fake_models) == 3 * 2
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    recorded = [
        metrics["reranked"][RERANKER_KEY][stage][k]["weighted_fusion"]["weight"]
        for stage in ("bm25", "dense", "hybrid")
        for k in ("2", "5")
    ]
    assert recorded == [c.weight for c in fake_models]
    assert metrics["fusion"]["selection_queries"] == len(trial_texts) - 1
    assert metrics["fusion"]["rrf_k"] == 60 and metrics["fusion"]["weight_grid"][:3] == [0.0, 0.05, 0.1]
    assert "min-max per query" in metrics["fusion"]["normalisation"]


def test_fused_results_are_what_the_fusion_functions_give_on_the_test_pools(tmp_path, fake_models):
    """The TEST figures are the chosen weight (and RRF) applied once to the TEST pools, scored by ranx."""
    import json

    import compsem.rerank as rr
    from compsem.rerank.evaluation import _drop_self

    data, _ = sick_with_a_shared_query(tmp_path)
    rr.run_rerank_eval(
        ks=(5,),
        rerankers=[RERANKER_KEY],
        out_dir=tmp_path / "out",
        data_dir=data,
        repeats=1,
        max_queries=None,
        latency_queries=1,
        progress=None,
    )
    entry = json.loads((tmp_path / "out" / "metrics.json").read_text())["reranked"][RERANKER_KEY]["dense"]["5"]
    test = rr.sick_retrieval_set(data)
    dense = FakeDense(test.corpus)
    pools = {q: _drop_self(dense.search([t], 6)[0], test.corpus, t, 5) for q, t in test.queries.items()}
    reranker = FakeReranker(RERANKER_KEY)
    ranked = {q: reranker.rerank(test.queries[q], pools[q], test.corpus) for q in pools}
    weight = entry["weighted_fusion"]["weight"]
    weighted = {q: rr.weighted_fusion(pools[q], ranked[q], weight) for q in pools}
    rrf = {q: rr.rrf_fusion(pools[q], ranked[q]) for q in pools}
    want = rr.evaluate_rankings(test.qrels, weighted, ["ndcg@10", "mrr@10"])
    assert entry["weighted_fusion"]["ndcg@10"] == pytest.approx(want["ndcg@10"])
    assert entry["weighted_fusion"]["mrr@10"] == pytest.approx(want["mrr@10"])
    assert entry["rrf_fusion"]["ndcg@10"] == pytest.approx(
        rr.evaluate_rankings(test.qrels, rrf, ["ndcg@10"])["ndcg@10"]
    )
    assert entry["ndcg@10"] == pytest.approx(rr.evaluate_rankings(test.qrels, ranked, ["ndcg@10"])["ndcg@10"])

    # the fused systems are timed like the others and read back into the table and the plot
    res = rr.load_rerank_results(tmp_path / "out")
    stages = set(res.latency["stage"])
    assert {"total_weighted_dense", "total_rrf_dense", "total_dense"} <= stages
    table = rr.metrics_table(res)
    assert set(table["fusion"]) == {"—", *rr.FUSION_LABELS.values()}
    points = rr.quality_latency_points(res)
    assert set(points["fusion"]) == {"", "none", "weighted", "rrf"}
