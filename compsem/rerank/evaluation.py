"""``compsem rerank-eval``: quality (ranx) and latency of every first stage, alone and with each reranker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from compsem.config import THREADS
from compsem.data.csv_safety import safe_csv
from compsem.models.devices import DeviceChoice
from compsem.models.quantization import runtime_device
from compsem.models.registry import UnknownModelError, get_spec
from compsem.reports.files import atomic_write_text
from compsem.rerank.first_stage import BM25Retriever, DenseRetriever, HybridRetriever
from compsem.rerank.latency import percentile_ms
from compsem.rerank.metrics import evaluate_rankings
from compsem.rerank.reranker import Reranker, default_rerankers
from compsem.rerank.retrieval_set import sick_retrieval_set
from compsem.store.score_store import ScoreStore


def _drop_self(ranked: list[tuple[int, float]], corpus: Sequence[str], query: str, k: int) -> list[tuple[int, float]]:
    return [(d, s) for d, s in ranked if corpus[d] != query][:k]


def check_counts(max_queries: int | None, latency_queries: int, repeats: int) -> None:
    """Refuse counts that would silently mean something else (``-1`` read as "all").

    Raises:
        ValueError: ``max_queries`` below 0 (0 or None = every query), ``latency_queries`` or ``repeats`` below 1.
    """
    if max_queries is not None and (isinstance(max_queries, bool) or int(max_queries) < 0):
        raise ValueError(f"--max-queries must be at least 1 (or 0 for every query), not {max_queries}")
    if int(latency_queries) < 1 or int(repeats) < 1:
        raise ValueError("--latency-queries and --repeats must be at least 1")


def check_rerankers(keys: Sequence[str]) -> list[str]:
    """The registry keys of ``keys``, each checked to be a cross-encoder, before any index is built.

    Raises:
        ValueError: an unknown, path-like or over-long key (the registry's own sentence), or a model
            that is not a cross-encoder (a bi-encoder or a lexical baseline cannot rerank).
    """
    out = []
    for key in keys:
        try:
            spec = get_spec(key)
        except UnknownModelError as exc:
            raise ValueError(f"--reranker: {exc}") from None
        if spec.kind != "cross-encoder":
            raise ValueError(
                f"--reranker {spec.key} is a {spec.kind}, and only a cross-encoder can rerank; "
                "run `compsem models` for the cross-encoders"
            )
        out.append(spec.key)
    return list(dict.fromkeys(out))


def run_rerank_eval(
    ks: Sequence[int] = (10, 20, 50, 100),
    rerankers: Sequence[str] | None = None,
    out_dir: Path = Path("runs/rerank"),
    data_dir: str | Path | None = None,
    repeats: int = 3,
    max_queries: int | None = 300,
    latency_queries: int = 20,
    seed: int = 0,
    progress: Callable[[str], None] | None = print,
    backend: str = "torch",
    device: str | DeviceChoice = "auto",
    dtype: str | None = None,
) -> list[Path]:
    """Quality (ranx) and latency of every first stage, alone and with each reranker, for each K.

    Writes ``metrics.json`` (NDCG@10, MRR@10 and Recall@K per first stage, and per first
    stage + reranker and K) and ``latency.csv``: p50/p95 ms per reranker, K and stage, where
    stage is ``first_stage_<s>``, ``rerank_<s>`` (the reranker over that first stage's pool) or
    ``total_<s>`` (both, timed per query), for s in bm25 / dense / hybrid; rows with an empty
    reranker time the first stages alone at the deepest K. ``backend`` serves both the bi-encoder
    first stage and the rerankers (``torch`` fp32 or ``onnx-int8``, :mod:`compsem.models.backends`).

    Raises:
        ValueError: a bad K or count, or a reranker that is unknown or not a cross-encoder (all checked
            before the retrieval set is built or indexed; see :func:`check_rerankers`).
    """

    where = runtime_device(backend, device, dtype)
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ValueError("every K must be a positive integer")
    check_counts(max_queries, latency_queries, repeats)
    rerankers = check_rerankers(rerankers) if rerankers else default_rerankers()
    say = progress or (lambda _m: None)
    data = sick_retrieval_set(data_dir, max_queries=max_queries, seed=seed)
    say(data.description)
    qids = list(data.queries)
    qtexts = [data.queries[q] for q in qids]
    depth = max(ks)

    t0 = time.perf_counter()
    bm25 = BM25Retriever(data.corpus)
    dense = DenseRetriever(data.corpus, backend=backend, device=where)
    stages: dict[str, BM25Retriever | DenseRetriever | HybridRetriever] = {
        "bm25": bm25,
        "dense": dense,
        "hybrid": HybridRetriever(bm25, dense, depth=max(depth, 100)),
    }
    say(f"indexed {len(data.corpus)} documents in {time.perf_counter() - t0:.1f}s")
    pools = {
        name: {q: _drop_self(r, data.corpus, t, depth) for q, t, r in zip(qids, qtexts, st.search(qtexts, depth + 1))}
        for name, st in stages.items()
    }

    metrics: dict = {
        "dataset": data.description,
        "n_queries": len(qids),
        "corpus_size": len(data.corpus),
        "ks": ks,
        "first_stage": {},
        "reranked": {},
    }
    first_metric_names = ["ndcg@10", "mrr@10", *[f"recall@{k}" for k in ks]]
    for name, pool in pools.items():
        metrics["first_stage"][name] = evaluate_rankings(data.qrels, pool, first_metric_names)

    store = ScoreStore()
    latency_rows = []
    lat_q = list(range(min(latency_queries, len(qids))))
    for key in rerankers:
        try:
            rr = Reranker(key, cache=store, backend=backend, device=where)
        except (ValueError, RuntimeError) as exc:
            metrics["reranked"][key] = {"skipped": str(exc)}
            say(f"skipped {key}: {exc}")
            continue
        metrics["reranked"][key] = {}
        for name, pool in pools.items():
            say(f"reranking {name} top-{depth} with {key} ({len(qids)} queries)")
            per_k = {}
            for k in ks:
                ranked = {q: rr.rerank(t, pool[q][:k], data.corpus) for q, t in zip(qids, qtexts)}
                per_k[str(k)] = evaluate_rankings(data.qrels, ranked, ["ndcg@10", "mrr@10"])
            metrics["reranked"][key][name] = per_k
        # Latency: one query at a time, nothing cached, as a service would see it. Every first
        # stage is timed end to end with the reranker over its own pool (total = the two stages of
        # the same query, so p95 of the total is measured, not added up from two p95s).
        for k in ks:
            times: dict[str, list[float]] = {}
            for _ in range(repeats):
                for i in lat_q:
                    for name, stage in stages.items():
                        t1 = time.perf_counter()
                        cands = _drop_self(stage.search([qtexts[i]], k + 1)[0], data.corpus, qtexts[i], k)
                        t2 = time.perf_counter()
                        rr.rerank(qtexts[i], cands, data.corpus, use_cache=False)
                        t3 = time.perf_counter()
                        times.setdefault(f"first_stage_{name}", []).append(t2 - t1)
                        times.setdefault(f"rerank_{name}", []).append(t3 - t2)
                        times.setdefault(f"total_{name}", []).append(t3 - t1)
            for stage_name, samples in times.items():
                latency_rows.append(
                    {
                        "reranker": key,
                        "k": k,
                        "stage": stage_name,
                        "n": len(samples),
                        "p50_ms": percentile_ms(samples, 50),
                        "p95_ms": percentile_ms(samples, 95),
                    }
                )
            rr_ms = times["rerank_bm25"]
            say(f"{key} K={k}: rerank p50 {percentile_ms(rr_ms, 50):.0f} ms, p95 {percentile_ms(rr_ms, 95):.0f} ms")
    # First stages alone at the deepest K (query encoding + exact search for the dense one).
    for name, stage in stages.items():
        alone = []
        for _ in range(repeats):
            for i in lat_q:
                t1 = time.perf_counter()
                stage.search([qtexts[i]], depth)
                alone.append(time.perf_counter() - t1)
        latency_rows.append(
            {
                "reranker": "",
                "k": depth,
                "stage": f"first_stage_{name}",
                "n": len(alone),
                "p50_ms": percentile_ms(alone, 50),
                "p95_ms": percentile_ms(alone, 95),
            }
        )
    metrics["latency_setup"] = {
        "queries_timed": len(lat_q),
        "repeats": repeats,
        "backend": backend,
        "device": where.label,
        "threads": THREADS.value,
        "note": "one query at a time, cross-encoder scores not cached",
    }
    out_dir = Path(out_dir)
    paths = [
        atomic_write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2)),
        atomic_write_text(out_dir / "latency.csv", safe_csv(pd.DataFrame(latency_rows), index=False)),
    ]
    return paths
