"""``compsem rerank-eval``: quality (ranx) and latency of every first stage, alone and with each reranker,
and with the reranker's scores fused with the first stage's (weight chosen on SICK TRIAL)."""

from __future__ import annotations

import functools
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
from compsem.rerank.fusion import (
    NORMALISATION,
    RRF_K,
    SELECTION_METRIC,
    WEIGHT_GRID,
    choose_weight,
    rrf_fusion,
    weighted_fusion,
)
from compsem.rerank.latency import percentile_ms
from compsem.rerank.metrics import evaluate_rankings
from compsem.rerank.reranker import Reranker, default_rerankers
from compsem.rerank.retrieval_set import sample_queries, sick_retrieval_set
from compsem.store.score_store import ScoreStore

Stage = BM25Retriever | DenseRetriever | HybridRetriever


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


def _rerank_with(
    rr: Reranker, corpus: Sequence[str], query: str, candidates: Sequence[tuple[int, float]]
) -> list[tuple[int, float]]:
    return rr.rerank(query, candidates, corpus)


def first_stage_pools(
    stages: dict[str, Stage], queries: dict[str, str], corpus: Sequence[str], depth: int
) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """Each first stage's top ``depth`` per query, the query's own text left out."""
    qids, texts = list(queries), list(queries.values())
    if not qids:
        return {name: {} for name in stages}
    return {
        name: {q: _drop_self(r, corpus, t, depth) for q, t, r in zip(qids, texts, st.search(texts, depth + 1))}
        for name, st in stages.items()
    }


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
    Score fusion (:mod:`compsem.rerank.fusion`): each reranked entry also holds ``weighted_fusion``
    (NDCG@10 and MRR@10 of min-max-normalised scores mixed with the reranker weight ``weight``, and
    ``trial_ndcg@10``, what that weight reached on the selection queries) and ``rrf_fusion`` (reciprocal
    rank fusion of the two orders, k = 60). The weight is chosen per reranker, first stage and K on SICK
    TRIAL entailment queries only (a TRIAL query whose text is also a TEST query is left out first,
    then at most ``max_queries`` are kept, seeded), then applied once to the TEST queries. ``latency.csv`` adds
    ``total_weighted_<s>`` and ``total_rrf_<s>``: the same query's two stages plus the fusion step.
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
    # The selection set for the fusion weight: TRIAL queries only, none whose text is any TEST query's.
    trial = sick_retrieval_set(data_dir, split="trial")
    if trial.corpus != data.corpus:
        raise ValueError("the TRIAL and TEST retrieval sets were built over different corpora")
    test_texts = set(sick_retrieval_set(data_dir).queries.values())
    unseen = {q: t for q, t in trial.queries.items() if t not in test_texts}
    selection = sample_queries(unseen, max_queries, seed)
    say(
        f"fusion weight chosen on {len(selection)} SICK TRIAL queries ({len(trial.queries) - len(unseen)} "
        "left out: their text is also a TEST query)"
    )

    t0 = time.perf_counter()
    bm25 = BM25Retriever(data.corpus)
    dense = DenseRetriever(data.corpus, backend=backend, device=where)
    stages: dict[str, Stage] = {
        "bm25": bm25,
        "dense": dense,
        "hybrid": HybridRetriever(bm25, dense, depth=max(depth, 100)),
    }
    say(f"indexed {len(data.corpus)} documents in {time.perf_counter() - t0:.1f}s")
    pools = first_stage_pools(stages, data.queries, data.corpus, depth)
    selection_pools = first_stage_pools(stages, selection, data.corpus, depth)

    metrics: dict = {
        "dataset": data.description,
        "n_queries": len(qids),
        "corpus_size": len(data.corpus),
        "ks": ks,
        "first_stage": {},
        "reranked": {},
        "fusion": {
            "normalisation": NORMALISATION,
            "weighted": "fused = w * reranker + (1 - w) * first stage, both normalised; w = the reranker's share",
            "weight_grid": list(WEIGHT_GRID),
            "selection_metric": SELECTION_METRIC,
            "selection": f"SICK TRIAL entailment pairs as queries: {len(selection)} of the "
            f"{len(trial.queries)} distinct sentence A ({len(trial.queries) - len(unseen)} left out because their "
            "text is also a TEST query; seeded sample if more than max_queries); the weight is chosen per "
            "reranker, first stage and K, then applied once to the TEST queries",
            "selection_queries": len(selection),
            "rrf_k": RRF_K,
            "rrf": "fused = 1 / (k + first-stage rank) + 1 / (k + reranker rank); no parameter tuned",
        },
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
        weights: dict[tuple[str, int], float] = {}
        for name, pool in pools.items():
            say(f"reranking {name} top-{depth} with {key} ({len(qids)} queries, {len(selection)} to choose on)")
            per_k = {}
            for k in ks:
                ranked = {q: rr.rerank(t, pool[q][:k], data.corpus) for q, t in zip(qids, qtexts)}
                choice = choose_weight(
                    selection,
                    {q: selection_pools[name][q][:k] for q in selection},
                    trial.qrels,
                    functools.partial(_rerank_with, rr, data.corpus),
                )
                weights[(name, k)] = choice.weight
                weighted = {q: weighted_fusion(pool[q][:k], ranked[q], choice.weight) for q in qids}
                rrf = {q: rrf_fusion(pool[q][:k], ranked[q]) for q in qids}
                plain = evaluate_rankings(data.qrels, ranked, ["ndcg@10", "mrr@10"])
                mixed = evaluate_rankings(data.qrels, weighted, ["ndcg@10", "mrr@10"])
                by_rank = evaluate_rankings(data.qrels, rrf, ["ndcg@10", "mrr@10"])
                per_k[str(k)] = {
                    **plain,
                    "weighted_fusion": {
                        **mixed,
                        "weight": choice.weight,
                        "trial_ndcg@10": choice.best_score,
                        "trial_ndcg@10_by_weight": list(choice.scores),
                    },
                    "rrf_fusion": by_rank,
                }
                say(
                    f"  {name} K={k}: NDCG@10 reranked {plain['ndcg@10']:.3f}, weighted fusion (w = "
                    f"{choice.weight:g}) {mixed['ndcg@10']:.3f}, RRF {by_rank['ndcg@10']:.3f}"
                )
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
                        reranked = rr.rerank(qtexts[i], cands, data.corpus, use_cache=False)
                        t3 = time.perf_counter()
                        weighted_fusion(cands, reranked, weights[(name, k)])
                        t4 = time.perf_counter()
                        rrf_fusion(cands, reranked)
                        t5 = time.perf_counter()
                        times.setdefault(f"first_stage_{name}", []).append(t2 - t1)
                        times.setdefault(f"rerank_{name}", []).append(t3 - t2)
                        times.setdefault(f"total_{name}", []).append(t3 - t1)
                        # the same query's two stages plus its fusion step: measured, not added from percentiles
                        times.setdefault(f"total_weighted_{name}", []).append(t4 - t1)
                        times.setdefault(f"total_rrf_{name}", []).append((t3 - t1) + (t5 - t4))
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
