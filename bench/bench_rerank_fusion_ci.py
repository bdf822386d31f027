"""Benchmark: is a fused run's NDCG@10 lead over the first stage alone more than query sampling noise?

Recomputes, for one reranker, first stage and K of a finished ``compsem rerank-eval`` run, the
per-query NDCG@10 of the first stage alone, the reranked list, weighted fusion (at the weight the
run chose on SICK TRIAL, read from its metrics.json) and RRF, over the same TEST queries. Reranker
scores come from the score cache the run filled, so this takes seconds after the run. Prints each
mean and the paired percentile-bootstrap 95 % CI of the mean per-query difference (2,000 resamples,
seed 0; :func:`compsem.stats.bootstrap_ci` over the differences).

    HF_HUB_OFFLINE=1 python bench/bench_rerank_fusion_ci.py --from results/rerank \\
        --reranker compsem/minilm-l6-sick-nli --stage dense --k 10

Not a test: it reads a finished run, and its figures go into the docs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from compsem.rerank import BM25Retriever, DenseRetriever, HybridRetriever, Reranker, rrf_fusion, weighted_fusion
from compsem.rerank.evaluation import first_stage_pools
from compsem.rerank.retrieval_set import sick_retrieval_set
from compsem.stats.inference import bootstrap_ci
from compsem.store.score_store import ScoreStore


def per_query_ndcg(qrels: dict, rankings: dict) -> np.ndarray:
    from ranx import Qrels, Run, evaluate

    run = {q: {str(d): float(len(r) - i) for i, (d, _) in enumerate(r)} for q, r in rankings.items()}
    return np.asarray(evaluate(Qrels(qrels), Run(run), "ndcg@10", return_mean=False, make_comparable=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", default="results/rerank")
    parser.add_argument("--reranker", default="compsem/minilm-l6-sick-nli")
    parser.add_argument("--stage", default="dense", choices=("bm25", "dense", "hybrid"))
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()

    metrics = json.loads((Path(args.source) / "metrics.json").read_text(encoding="utf-8"))
    entry = metrics["reranked"][args.reranker][args.stage][str(args.k)]
    weight = entry["weighted_fusion"]["weight"]
    data = sick_retrieval_set(max_queries=metrics["n_queries"])
    bm25, dense = BM25Retriever(data.corpus), DenseRetriever(data.corpus)
    stage = {"bm25": bm25, "dense": dense, "hybrid": HybridRetriever(bm25, dense, depth=max(args.k, 100))}[args.stage]
    pool = first_stage_pools({args.stage: stage}, data.queries, data.corpus, args.k)[args.stage]
    rr = Reranker(args.reranker, cache=ScoreStore())
    ranked = {q: rr.rerank(data.queries[q], pool[q], data.corpus) for q in pool}
    systems = {
        "first stage alone": pool,
        "reranked": ranked,
        f"weighted fusion (w = {weight:g})": {q: weighted_fusion(pool[q], ranked[q], weight) for q in pool},
        "RRF (k = 60)": {q: rrf_fusion(pool[q], ranked[q]) for q in pool},
    }
    scores = {name: per_query_ndcg(data.qrels, r) for name, r in systems.items()}
    base = scores["first stage alone"]
    print(f"{args.reranker} over {args.stage} top {args.k}, {len(base)} SICK TEST queries")
    for name, s in scores.items():
        line = f"  {name:28s} NDCG@10 {s.mean():.4f}"
        if name != "first stage alone":
            ci = bootstrap_ci(s - base)
            line += (
                f"   vs first stage {ci.estimate:+.4f} [{ci.low:+.4f}, {ci.high:+.4f}]"
                f"   better / worse on {(s > base + 1e-12).sum()} / {(s < base - 1e-12).sum()} queries"
            )
        print(line)


if __name__ == "__main__":
    main()
