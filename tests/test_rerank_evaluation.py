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
