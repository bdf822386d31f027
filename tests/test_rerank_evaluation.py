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
