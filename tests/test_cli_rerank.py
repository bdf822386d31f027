"""compsem.cli.rerank: ``compsem rerank-eval`` prints NDCG@10 and MRR@10 with and without fusion after writing."""

from __future__ import annotations

import json

from test_rerank_evaluation import RERANKER_KEY, fake_models, sick_with_a_shared_query  # noqa: F401 (fixture)

from compsem.cli import main


def test_rerank_eval_prints_each_reranker_with_and_without_fusion(tmp_path, fake_models, capsys):  # noqa: F811
    data, _ = sick_with_a_shared_query(tmp_path)
    out = tmp_path / "out"
    args = ["rerank-eval", "--out", str(out), "--data", str(data), "--k", "2", "5", "--reranker", RERANKER_KEY]
    assert main([*args, "--max-queries", "0", "--latency-queries", "1", "--repeats", "1"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out / 'metrics.json'}" in printed and f"wrote {out / 'latency.csv'}" in printed
    assert "weighted fusion (w chosen on SICK TRIAL), RRF (k = 60)" in printed
    rows = printed.splitlines()
    at = next(i for i, line in enumerate(rows) if line.lstrip().startswith("reranker"))
    header = rows[at]
    for column in ("NDCG@10 first", "NDCG@10 reranked", "NDCG@10 weighted", "NDCG@10 rrf", "MRR@10 weighted", "w"):
        assert column in header

    # one line per first stage and K, holding what metrics.json says
    metrics = json.loads((out / "metrics.json").read_text())
    lines = [line.split() for line in rows[at + 1 :] if line.strip()]
    assert len(lines) == 3 * 2
    for cells in lines:
        stage, k = cells[1], cells[2]
        entry = metrics["reranked"][RERANKER_KEY][stage][k]
        want = [
            metrics["first_stage"][stage]["ndcg@10"],
            entry["ndcg@10"],
            entry["weighted_fusion"]["ndcg@10"],
            entry["rrf_fusion"]["ndcg@10"],
            metrics["first_stage"][stage]["mrr@10"],
            entry["mrr@10"],
            entry["weighted_fusion"]["mrr@10"],
            entry["rrf_fusion"]["mrr@10"],
            entry["weighted_fusion"]["weight"],
        ]
        assert cells[3:] == [f"{v:.3f}" for v in want]
