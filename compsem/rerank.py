"""Reranking lab: a first stage (BM25, bi-encoder, or both fused), a cross-encoder over the
top K, IR metrics from ranx, and per-stage latency.

The evaluation set is built at run time from SICK (never copied into the repository):

* queries: sentence A of the TEST-split pairs labelled ENTAILMENT (no trained cross-encoder
  of compsem saw the TEST split), one query per distinct sentence A;
* relevant documents: the sentence B of those pairs (graded 1);
* corpus: every distinct SICK sentence of every split, so the near-duplicates that SICK
  builds by negating or swapping a sentence are natural hard negatives;
* the query's own text is removed from its result list (a sentence trivially retrieves
  itself, which says nothing about the retriever).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compsem.cache import CachedScore, ScoreCache
from compsem.csv_safety import read_safe_csv, safe_csv
from compsem.registry import default_cache_dir, get_spec, list_models, resolve
from compsem.scoring import MAX_TEXT_CHARS, CrossEncoderScorer, Scorer, load_scorer

log = logging.getLogger(__name__)

#: A bi-encoder embeds every document on the CPU; above this many it would take minutes,
#: so dense retrieval over pasted documents refuses with a clear message instead.
MAX_DENSE_DOCS = 20_000
#: BM25 (sparse matrices) is fine with far more.
MAX_BM25_DOCS = 200_000
RRF_K = 60
FIRST_STAGES = ("bm25", "dense", "hybrid")
DENSE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class RetrievalSet:
    """Queries, corpus and relevance judgements.

    Attributes:
        queries: query id -> text.
        corpus: document texts; a document's id is its index as a string.
        qrels: query id -> {document id: relevance}.
        description: how the set was built and its size, for reports.
    """

    queries: dict[str, str]
    corpus: list[str]
    qrels: dict[str, dict[str, int]]
    description: str


def sick_retrieval_set(data_dir: str | Path | None = None, max_queries: int | None = None,
                       seed: int = 0) -> RetrievalSet:
    """Build the SICK entailment retrieval set described in the module docstring.

    Args:
        data_dir: datasets folder (default: :func:`compsem.datasets.default_data_dir`).
        max_queries: keep a seeded random sample of this many queries (all if None).
        seed: sampling seed.
    """
    from compsem.datasets import load_sick

    sick = load_sick(data_dir)
    corpus = sorted(set(sick["sentence_a"]) | set(sick["sentence_b"]))
    index = {t: i for i, t in enumerate(corpus)}
    test = sick[(sick["split"] == "test") & (sick["label"] == "entailment") & (sick["sentence_a"] != sick["sentence_b"])]
    grouped = test.groupby("sentence_a", sort=True)["sentence_b"].apply(lambda s: sorted(set(s)))
    queries, qrels = {}, {}
    for n, (text, relevant) in enumerate(grouped.items()):
        qid = f"q{n:05d}"
        queries[qid] = text
        qrels[qid] = {str(index[b]): 1 for b in relevant}
    if max_queries is not None and max_queries < len(queries):
        rng = np.random.default_rng(seed)
        keep = sorted(rng.choice(sorted(queries), size=max_queries, replace=False))
        queries = {q: queries[q] for q in keep}
        qrels = {q: qrels[q] for q in keep}
    n_rel = sum(len(v) for v in qrels.values())
    desc = (f"SICK TEST entailment pairs as queries: {len(queries)} queries (distinct sentence A), {n_rel} relevant "
            f"documents (their sentence B), corpus of {len(corpus)} distinct SICK sentences from all splits; the "
            "query's own text is excluded from its results")
    return RetrievalSet(queries, corpus, qrels, desc)


def _check_inputs(queries: Sequence[str], corpus: Sequence[str], k: int) -> None:
    if not corpus:
        raise ValueError("the corpus is empty: add at least one document")
    if any(not q or not q.strip() for q in queries):
        raise ValueError("the query is empty: type a query")
    if k < 1:
        raise ValueError(f"K must be at least 1, not {k}")


class BM25Retriever:
    """BM25 from bm25s (Lucene variant, English stopwords removed)."""

    def __init__(self, corpus: Sequence[str]):
        import bm25s

        if not corpus:
            raise ValueError("the corpus is empty: add at least one document")
        if len(corpus) > MAX_BM25_DOCS:
            raise ValueError(f"{len(corpus):,} documents; BM25 here is limited to {MAX_BM25_DOCS:,}")
        self.n_docs = len(corpus)
        self.corpus = list(corpus)  # kept so a caller can check an index matches its documents before reusing it
        self._bm25s = bm25s
        self.model = bm25s.BM25()
        self.model.index(bm25s.tokenize(list(corpus), stopwords="en", show_progress=False), show_progress=False)

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """Top ``k`` (document index, score) per query, best first; fewer if the corpus is smaller."""
        _check_inputs(queries, [""] * self.n_docs, k)
        k = min(k, self.n_docs)
        tokens = self._bm25s.tokenize(list(queries), stopwords="en", show_progress=False)
        docs, scores = self.model.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [[(int(d), float(s)) for d, s in zip(drow, srow)] for drow, srow in zip(docs, scores)]


class DenseRetriever:
    """Exact cosine search over normalized bi-encoder embeddings; corpus embeddings cached on disk."""

    def __init__(self, corpus: Sequence[str], scorer: Scorer | None = None, cache_dir: Path | None = None,
                 backend: str = "torch"):
        if not corpus:
            raise ValueError("the corpus is empty: add at least one document")
        if len(corpus) > MAX_DENSE_DOCS:
            raise ValueError(f"{len(corpus):,} documents is too many for dense retrieval on a CPU here "
                             f"(limit {MAX_DENSE_DOCS:,}); use BM25 as the first stage")
        self.scorer = scorer or load_scorer(DENSE_MODEL, backend=backend)
        self.corpus = list(corpus)
        self.embeddings = self._corpus_embeddings(cache_dir or default_cache_dir() / "embeddings")

    def _corpus_embeddings(self, folder: Path) -> np.ndarray:
        digest = hashlib.sha256(json.dumps(self.corpus).encode()).hexdigest()[:16]
        fp = self.scorer.fingerprint.replace(":", "-") or "nofp"
        path = folder / f"{fp}-{digest}.npy"
        if path.is_file():
            try:
                emb = np.load(path)
                if emb.shape[0] == len(self.corpus):
                    return emb
            except (OSError, ValueError):
                log.warning("damaged embedding cache %s; recomputing", path)
        emb = self.scorer.embed(self.corpus).astype(np.float32)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npy.tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, emb)
        os.replace(tmp, path)
        return emb

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        _check_inputs(queries, self.corpus, k)
        k = min(k, len(self.corpus))
        q = self.scorer.embed(list(queries))
        sims = q @ self.embeddings.T
        out = []
        for row in sims:
            top = np.argpartition(-row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            top = top[np.argsort(-row[top], kind="stable")]
            out.append([(int(i), float(row[i])) for i in top])
        return out


def reciprocal_rank_fusion(rankings: Sequence[Sequence[tuple[int, float]]], k: int, rrf_k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse ranked lists: score(d) = Σ_lists 1 / (rrf_k + rank(d)), rank starting at 1.

    Example:
        >>> reciprocal_rank_fusion([[(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.1)]], k=3)[0][0]
        2
    """
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (doc, _) in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (rrf_k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:k]


class HybridRetriever:
    """BM25 and dense retrieval fused by reciprocal rank fusion."""

    def __init__(self, bm25: BM25Retriever, dense: DenseRetriever, depth: int = 100):
        self.bm25, self.dense, self.depth = bm25, dense, depth

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        depth = max(k, self.depth)
        sparse, dense = self.bm25.search(queries, depth), self.dense.search(queries, depth)
        return [reciprocal_rank_fusion([s, d], k) for s, d in zip(sparse, dense)]


class Reranker:
    """A cross-encoder over (query, document) pairs, scores cached.

    NLI models rank by P(entailment | query, document), one direction: ranking needs no
    symmetric similarity and this halves the cost.
    """

    def __init__(self, model: str, cache: ScoreCache | None = None, scorer: Scorer | None = None,
                 backend: str = "torch"):
        res = resolve(model)
        if res.spec.kind != "cross-encoder":
            raise ValueError(f"{res.spec.key} is a {res.spec.kind}; a reranker must be a cross-encoder")
        if not res.usable:
            raise ValueError(f"{res.spec.key} cannot score new text here: {res.reason}")
        self.scorer = scorer or load_scorer(res, backend=backend)
        if not isinstance(self.scorer, CrossEncoderScorer):
            raise ValueError(f"{res.spec.key} is not a loaded cross-encoder")
        self.key = res.spec.key
        self.cache = cache
        self._cache_key = f"{self.key}#rerank"

    def score(self, query: str, docs: Sequence[str], use_cache: bool = True) -> np.ndarray:
        pairs = [(query, d) for d in docs]
        found = self.cache.get_many(self._cache_key, self.scorer.fingerprint, pairs) if (self.cache and use_cache) else {}
        todo = [p for p in pairs if p not in found]
        if todo:
            new = self._predict(todo)
            if self.cache is not None and use_cache:
                self.cache.put_many(self._cache_key, self.scorer.fingerprint, todo,
                                    [CachedScore(float(s), float(s), "{}") for s in new])
            found.update({p: CachedScore(float(s), float(s), "{}") for p, s in zip(todo, new)})
        return np.array([found[p].score for p in pairs], dtype=float)

    def _predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        sc = self.scorer
        if sc.num_labels == 1:
            return sc.logits(pairs)  # monotone in the activated score; ranking needs no activation
        logits = sc.logits(pairs)
        labels = sc.labels
        col = labels.index("entailment") if "entailment" in labels else logits.shape[1] - 1
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return p[:, col]

    def rerank(self, query: str, candidates: Sequence[tuple[int, float]], corpus: Sequence[str],
               use_cache: bool = True) -> list[tuple[int, float]]:
        """Candidates re-ordered by cross-encoder score (ties keep the first-stage order)."""
        if not query.strip():
            raise ValueError("the query is empty: type a query")
        if not candidates:
            return []
        scores = self.score(query, [corpus[d] for d, _ in candidates], use_cache)
        order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
        return [(candidates[i][0], float(scores[i])) for i in order]


def evaluate_rankings(qrels: dict[str, dict[str, int]], rankings: dict[str, list[tuple[int, float]]],
                      metrics: Sequence[str]) -> dict[str, float]:
    """Mean metrics over queries with ranx (e.g. ``ndcg@10``, ``mrr@10``, ``recall@100``).

    Scores are replaced by descending rank-derived values so ranx sees exactly our order.
    """
    from ranx import Qrels, Run, evaluate

    run_dict = {}
    for qid, ranked in rankings.items():
        n = len(ranked)
        run_dict[qid] = {str(doc): float(n - i) for i, (doc, _) in enumerate(ranked)} or {"-1": 0.0}
    result = evaluate(Qrels(qrels), Run(run_dict), list(metrics), make_comparable=True)
    if isinstance(result, float):
        result = {metrics[0]: result}
    return {m: float(v) for m, v in result.items()}


def _drop_self(ranked: list[tuple[int, float]], corpus: Sequence[str], query: str, k: int) -> list[tuple[int, float]]:
    return [(d, s) for d, s in ranked if corpus[d] != query][:k]


def percentile_ms(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000.0, q))


def default_rerankers() -> list[str]:
    """Cross-encoders that can score new text offline (trained ones with weights, cached hub ones)."""
    return [r.spec.key for r in list_models()
            if r.spec.kind == "cross-encoder" and r.status in ("packaged", "local", "cached")]


def run_rerank_eval(ks: Sequence[int] = (10, 20, 50, 100), rerankers: Sequence[str] | None = None,
                    out_dir: Path = Path("runs/rerank"), data_dir: str | Path | None = None, repeats: int = 3,
                    max_queries: int | None = 300, latency_queries: int = 20, seed: int = 0,
                    progress: Callable[[str], None] | None = print, backend: str = "torch") -> list[Path]:
    """Quality (ranx) and latency of every first stage, alone and with each reranker, for each K.

    Writes ``metrics.json`` (NDCG@10, MRR@10 and Recall@K per first stage, and per first
    stage + reranker and K) and ``latency.csv``: p50/p95 ms per reranker, K and stage, where
    stage is ``first_stage_<s>``, ``rerank_<s>`` (the reranker over that first stage's pool) or
    ``total_<s>`` (both, timed per query), for s in bm25 / dense / hybrid; rows with an empty
    reranker time the first stages alone at the deepest K. ``backend`` serves both the bi-encoder
    first stage and the rerankers (``torch`` fp32 or ``onnx-int8``, :mod:`compsem.backends`).
    """
    from compsem.backends import check_backend
    from compsem.export import atomic_write_text

    check_backend(backend)
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ValueError("every K must be a positive integer")
    rerankers = list(rerankers) if rerankers else default_rerankers()
    for key in rerankers:
        get_spec(key)
    say = progress or (lambda _m: None)
    data = sick_retrieval_set(data_dir, max_queries=max_queries, seed=seed)
    say(data.description)
    qids = list(data.queries)
    qtexts = [data.queries[q] for q in qids]
    depth = max(ks)

    t0 = time.perf_counter()
    bm25 = BM25Retriever(data.corpus)
    dense = DenseRetriever(data.corpus, backend=backend)
    stages = {"bm25": bm25, "dense": dense, "hybrid": HybridRetriever(bm25, dense, depth=max(depth, 100))}
    say(f"indexed {len(data.corpus)} documents in {time.perf_counter() - t0:.1f}s")
    pools = {name: {q: _drop_self(r, data.corpus, t, depth)
                    for q, t, r in zip(qids, qtexts, st.search(qtexts, depth + 1))}
             for name, st in stages.items()}

    metrics: dict = {"dataset": data.description, "n_queries": len(qids), "corpus_size": len(data.corpus),
                     "ks": ks, "first_stage": {}, "reranked": {}}
    first_metric_names = ["ndcg@10", "mrr@10", *[f"recall@{k}" for k in ks]]
    for name, pool in pools.items():
        metrics["first_stage"][name] = evaluate_rankings(data.qrels, pool, first_metric_names)

    cache = ScoreCache()
    latency_rows = []
    lat_q = list(range(min(latency_queries, len(qids))))
    for key in rerankers:
        try:
            rr = Reranker(key, cache=cache, backend=backend)
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
                latency_rows.append({"reranker": key, "k": k, "stage": stage_name, "n": len(samples),
                                     "p50_ms": percentile_ms(samples, 50), "p95_ms": percentile_ms(samples, 95)})
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
        latency_rows.append({"reranker": "", "k": depth, "stage": f"first_stage_{name}", "n": len(alone),
                             "p50_ms": percentile_ms(alone, 50), "p95_ms": percentile_ms(alone, 95)})
    metrics["latency_setup"] = {"queries_timed": len(lat_q), "repeats": repeats, "backend": backend,
                                "threads": int(os.environ.get("COMPSEM_THREADS", 0)) or (os.cpu_count() or 1),
                                "note": "one query at a time, cross-encoder scores not cached"}
    out_dir = Path(out_dir)
    paths = [atomic_write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2)),
             atomic_write_text(out_dir / "latency.csv", safe_csv(pd.DataFrame(latency_rows), index=False))]
    return paths


def rank_documents(query: str, documents: Sequence[str], *, first_stage: str = "bm25", k: int = 10,
                   reranker: Reranker | None = None, dense: DenseRetriever | None = None,
                   bm25: BM25Retriever | None = None) -> pd.DataFrame:
    """First-stage and reranked lists side by side for one query over given documents.

    ``dense`` and ``bm25`` are reused when they index exactly ``documents`` (blank ones
    dropped), so a caller holding a corpus index does not rebuild it per query.

    Returns:
        One row per candidate: doc, text, first_rank, first_score, rerank_rank, rerank_score, rank_change
        (positive = moved up).
    """
    docs = [d for d in documents if d and d.strip()]
    _check_inputs([query], docs, k)
    if first_stage not in FIRST_STAGES:
        raise ValueError(f"first stage must be one of {', '.join(FIRST_STAGES)}")
    k = min(k, len(docs))
    sparse = bm25 if bm25 is not None and bm25.corpus == docs else None
    if first_stage == "bm25":
        first = (sparse or BM25Retriever(docs)).search([query], k)[0]
    else:
        dr = dense if dense is not None and dense.corpus == list(docs) else DenseRetriever(docs)
        # Fuse the top max(K, 100) of each list, as run_rerank_eval does: the interactive lists then match
        # the evaluated system, and a corpus of thousands is not ranked in full twice per query.
        first = dr.search([query], k)[0] if first_stage == "dense" else \
            HybridRetriever(sparse or BM25Retriever(docs), dr, depth=min(len(docs), max(k, 100))).search([query], k)[0]
    table = pd.DataFrame({"doc": [d for d, _ in first], "text": [docs[d] for d, _ in first],
                          "first_rank": range(1, len(first) + 1), "first_score": [s for _, s in first]})
    if reranker is not None and len(first):
        reranked = reranker.rerank(query, first, docs, use_cache=False)
        pos = {d: (i + 1, s) for i, (d, s) in enumerate(reranked)}
        table["rerank_rank"] = [pos[d][0] for d in table["doc"]]
        table["rerank_score"] = [pos[d][1] for d in table["doc"]]
        table["rank_change"] = table["first_rank"] - table["rerank_rank"]
        table = table.sort_values("rerank_rank").reset_index(drop=True)
    return table


# -- the dashboard's reranking lab: typed input, reranker choices, saved evaluation results ------------------
#: Pasted documents: a CPU reranks K of them per query, but the bi-encoder first stage embeds them all,
#: so the count is capped where that still takes seconds, not minutes.
MAX_PASTED_DOCS = 500
#: One document or query; the same cap as free text elsewhere (models read only the first few hundred tokens).
MAX_DOC_CHARS = MAX_TEXT_CHARS
STAGE_LABELS = {"bm25": "BM25", "dense": "Bi-encoder (MiniLM)", "hybrid": "Hybrid (BM25 + bi-encoder, RRF)"}
#: Where the dashboard reads ``compsem rerank-eval`` output: ``$COMPSEM_RERANK_DIR``, else the checkout's
#: results/rerank (committed by whoever ran the evaluation).
RESULTS_ENV = "COMPSEM_RERANK_DIR"
RESULTS_COMMAND = "compsem rerank-eval --out results/rerank"
LATENCY_COLUMNS = ("reranker", "k", "stage", "n", "p50_ms", "p95_ms")


def check_query(query: str) -> str:
    """The query stripped, or a ValueError saying what is wrong (empty, too long)."""
    from compsem.scoring import validate_text

    if not isinstance(query, str) or not query.strip():
        raise ValueError("the query is empty: type a query")
    return validate_text(query, "the query")


def parse_documents(text: str, max_docs: int = MAX_PASTED_DOCS, max_chars: int = MAX_DOC_CHARS) -> list[str]:
    """Pasted text -> documents, one per non-blank line (stripped; order kept, duplicates kept).

    Raises:
        ValueError: no documents, more than ``max_docs``, or a line longer than ``max_chars`` (named by
            its line number in the pasted text).

    Example:
        >>> parse_documents("A dog runs.\\n\\n  A cat sleeps. ")
        ['A dog runs.', 'A cat sleeps.']
    """
    docs: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if len(line) > max_chars:
            raise ValueError(f"line {number} has {len(line):,} characters; a document may have at most "
                             f"{max_chars:,} (models read only the first few hundred tokens)")
        docs.append(line)
    if not docs:
        raise ValueError("no documents: paste at least one non-empty line (one document per line)")
    if len(docs) > max_docs:
        raise ValueError(f"{len(docs):,} documents; at most {max_docs:,} can be pasted here (the bi-encoder "
                         "embeds every one on the CPU). Keep the ones you care about.")
    return docs


def reranker_options(resolutions: Sequence | None = None) -> tuple[list[str], dict[str, str]]:
    """Cross-encoders that can rerank new text here, and every other one with why it cannot.

    Only local weights count (packaged, shipped adapters, ``cache/models``, the Hugging Face
    cache): a reranker on a page must not start a download.

    Args:
        resolutions: :func:`compsem.registry.list_models` output (default: computed here).
    """
    available, unavailable = [], {}
    for res in resolutions if resolutions is not None else list_models():
        if res.spec.kind != "cross-encoder":
            continue
        key = res.spec.key
        objective = res.spec.card.get("objective", "")  # set for models that `compsem train` makes
        if res.status in ("packaged", "local", "cached"):
            available.append(key)
        elif objective:
            unavailable[key] = f"{res.reason}; `compsem train --objective {objective}` trains it here"
        elif res.status == "needs download":
            unavailable[key] = "weights not on this machine (the reranking lab does not download models)"
        else:
            unavailable[key] = res.reason
    return available, unavailable


def rank_change_label(first_rank: int, rerank_rank: int, top: int = 10) -> str:
    """``▲3`` (moved up 3), ``▼2``, ``=``; ``new`` added when it entered the top ``top`` from below.

    Example:
        >>> rank_change_label(14, 2), rank_change_label(1, 3), rank_change_label(4, 4)
        ('▲12 new', '▼2', '=')
    """
    change = int(first_rank) - int(rerank_rank)
    label = f"▲{change}" if change > 0 else f"▼{-change}" if change < 0 else "="
    return f"{label} new" if first_rank > top >= rerank_rank else label


def side_by_side(table: pd.DataFrame, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """:func:`rank_documents` output as two display tables: the first-stage list and the reranked list.

    Returns:
        (first stage: ``rank, score, document``; reranked: ``rank, score, change, was, document``, or None
        when nothing was reranked).
    """
    first = table.sort_values("first_rank")
    left = pd.DataFrame({"rank": first["first_rank"].to_numpy(), "score": first["first_score"].to_numpy(),
                         "document": first["text"].to_numpy()})
    if "rerank_rank" not in table.columns:
        return left, None
    again = table.sort_values("rerank_rank")
    right = pd.DataFrame({
        "rank": again["rerank_rank"].to_numpy(), "score": again["rerank_score"].to_numpy(),
        "change": [rank_change_label(f, r, top) for f, r in zip(again["first_rank"], again["rerank_rank"])],
        "was": again["first_rank"].to_numpy(), "document": again["text"].to_numpy()})
    return left, right


class RerankResultsError(ValueError):
    """A ``compsem rerank-eval`` output folder is broken; the message names the file and what is wrong."""


class RerankResultsMissing(RerankResultsError):
    """The folder or its metrics.json does not exist (the evaluation has not been run)."""


@dataclass(frozen=True)
class RerankResults:
    """What ``compsem rerank-eval`` wrote.

    Attributes:
        folder: where it was read from.
        metrics: metrics.json as written by :func:`run_rerank_eval`.
        latency: latency.csv (``reranker, k, stage, n, p50_ms, p95_ms``; reranker "" for first-stage rows).
    """

    folder: Path
    metrics: dict
    latency: pd.DataFrame


def default_results_dir() -> Path:
    """``$COMPSEM_RERANK_DIR`` if set, else ``results/rerank`` in the checkout."""
    env = os.environ.get(RESULTS_ENV)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent.parent / "results" / "rerank"


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_metrics(metrics: object, path: Path) -> dict:
    def bad(what: str) -> RerankResultsError:
        return RerankResultsError(f"{path}: {what}. Re-run `{RESULTS_COMMAND}` to rewrite it.")

    if not isinstance(metrics, dict):
        raise bad("not a JSON object")
    for key in ("ks", "first_stage", "reranked"):
        if key not in metrics:
            raise bad(f"missing {key!r}")
    ks = metrics["ks"]
    if not isinstance(ks, list) or not ks or not all(isinstance(k, int) and k >= 1 for k in ks):
        raise bad("'ks' must be a non-empty list of positive integers")
    if not isinstance(metrics["first_stage"], dict) or not metrics["first_stage"]:
        raise bad("'first_stage' must map each first stage to its metrics")
    for stage, values in metrics["first_stage"].items():
        if not isinstance(values, dict) or not _is_number(values.get("ndcg@10")) or \
                not _is_number(values.get("mrr@10")):
            raise bad(f"first stage {stage!r} lacks numeric ndcg@10 and mrr@10")
    if not isinstance(metrics["reranked"], dict):
        raise bad("'reranked' must map each reranker to its results")
    for key, per_stage in metrics["reranked"].items():
        if not isinstance(per_stage, dict):
            raise bad(f"reranker {key!r}: expected an object")
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            if not isinstance(per_k, dict):
                raise bad(f"reranker {key!r}, first stage {stage!r}: expected an object of K -> metrics")
            for k, values in per_k.items():
                if not str(k).isdigit() or not isinstance(values, dict) or not _is_number(values.get("ndcg@10")):
                    raise bad(f"reranker {key!r}, first stage {stage!r}, K {k!r}: lacks a numeric ndcg@10")
    return metrics


def _read_latency(path: Path) -> pd.DataFrame:
    try:
        # keep_default_na=False: the first-stage rows have an empty reranker, which must stay "" (not NaN)
        table = read_safe_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise RerankResultsError(f"{path}: not a readable CSV ({exc}). Re-run `{RESULTS_COMMAND}`.") from None
    missing = [c for c in LATENCY_COLUMNS if c not in table.columns]
    if missing:
        raise RerankResultsError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                                 f"{', '.join(LATENCY_COLUMNS)}. Re-run `{RESULTS_COMMAND}`.")
    table = table[list(LATENCY_COLUMNS)].copy()
    for col in ("k", "n", "p50_ms", "p95_ms"):
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # +1 for the header, +1 for 1-based lines
            raise RerankResultsError(f"{path}, line {line}: {col} is {table[col].iloc[line - 2]!r}, not a number. "
                                     f"Re-run `{RESULTS_COMMAND}`.")
        table[col] = values.astype(int) if col in ("k", "n") else values.astype(float)
    return table


def load_rerank_results(folder: str | Path | None = None) -> RerankResults:
    """Read and check metrics.json and latency.csv written by :func:`run_rerank_eval`.

    Raises:
        RerankResultsMissing: the folder or metrics.json does not exist.
        RerankResultsError: a file is missing, not JSON/CSV, or lacks what the dashboard draws.
    """
    folder = Path(folder) if folder is not None else default_results_dir()
    metrics_path, latency_path = folder / "metrics.json", folder / "latency.csv"
    if not metrics_path.is_file():
        raise RerankResultsMissing(f"no reranking results in {folder}: run `{RESULTS_COMMAND}` to create them")
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise RerankResultsError(f"{metrics_path}: not UTF-8 text. Re-run `{RESULTS_COMMAND}`.") from None
    except json.JSONDecodeError as exc:
        raise RerankResultsError(f"{metrics_path}, line {exc.lineno}: not valid JSON ({exc.msg}). "
                                 f"Re-run `{RESULTS_COMMAND}`.") from None
    metrics = _check_metrics(metrics, metrics_path)
    if not latency_path.is_file():
        raise RerankResultsError(f"{latency_path}: not found (metrics.json is there, so the run was cut short or "
                                 f"the file was not committed). Re-run `{RESULTS_COMMAND}`.")
    return RerankResults(folder, metrics, _read_latency(latency_path))


def _reranker_label(key: str) -> str:
    try:
        return get_spec(key).display
    except KeyError:  # a reranker that is no longer registered still has its results shown, by key
        return key


def metrics_table(results: RerankResults) -> pd.DataFrame:
    """NDCG@10, MRR@10 and Recall@K per first stage and per first stage + reranker, one row per K.

    Recall@K of a reranked row is its first stage's: reranking re-orders the K candidates and
    cannot add or drop one. ``Δ NDCG@10`` is the reranked NDCG@10 minus the first stage's.
    """
    m = results.metrics
    rows = []
    for stage, fs in m["first_stage"].items():
        for k in m["ks"]:
            rows.append({"first stage": STAGE_LABELS.get(stage, stage), "reranker": "— (first stage only)", "K": k,
                         "NDCG@10": fs["ndcg@10"], "MRR@10": fs["mrr@10"], "Recall@K": fs.get(f"recall@{k}", np.nan),
                         "Δ NDCG@10": 0.0})
    for key, per_stage in m["reranked"].items():
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            fs = m["first_stage"].get(stage, {})
            for k, values in sorted(per_k.items(), key=lambda kv: int(kv[0])):
                rows.append({"first stage": STAGE_LABELS.get(stage, stage), "reranker": _reranker_label(key),
                             "K": int(k), "NDCG@10": values["ndcg@10"], "MRR@10": values.get("mrr@10", np.nan),
                             "Recall@K": fs.get(f"recall@{k}", np.nan),
                             "Δ NDCG@10": values["ndcg@10"] - fs.get("ndcg@10", np.nan)})
    return pd.DataFrame(rows, columns=["first stage", "reranker", "K", "NDCG@10", "MRR@10", "Recall@K", "Δ NDCG@10"])


def skipped_rerankers(results: RerankResults) -> dict[str, str]:
    """Rerankers the evaluation could not load, with why."""
    return {key: str(v["skipped"]) for key, v in results.metrics["reranked"].items() if "skipped" in v}


def quality_latency_points(results: RerankResults) -> pd.DataFrame:
    """One point per system and K for the quality-vs-latency plot: NDCG@10 and p50/p95 ms per query.

    Every latency is measured, never added up: :func:`run_rerank_eval` times each first stage
    with each reranker end to end per query (stage ``total_<first stage>``), and each first stage
    alone at the deepest K (rows with an empty reranker). A point whose timing is missing from
    latency.csv is left off the plot (it stays in the metrics table).

    Returns:
        ``system, first_stage, reranker, k, ndcg@10, p50_ms, p95_ms, latency`` ; first-stage-only
        systems have reranker "" and k = the deepest K; ``latency`` is always ``measured``.
    """
    m, lat = results.metrics, results.latency

    def timing(stage: str, reranker: str, k: int) -> np.ndarray | None:
        hit = lat[(lat["stage"] == stage) & (lat["reranker"] == reranker) & (lat["k"] == k)]
        return hit[["p50_ms", "p95_ms"]].iloc[0].to_numpy(dtype=float) if len(hit) else None

    deepest = max(m["ks"])
    points = []
    for stage, fs in m["first_stage"].items():
        got = timing(f"first_stage_{stage}", "", deepest)
        if got is not None:
            points.append({"system": f"{STAGE_LABELS.get(stage, stage)} alone", "first_stage": stage, "reranker": "",
                           "k": deepest, "ndcg@10": fs["ndcg@10"], "p50_ms": float(got[0]),
                           "p95_ms": float(got[1]), "latency": "measured"})
    for key, per_stage in m["reranked"].items():
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            for k_text, values in sorted(per_k.items(), key=lambda kv: int(kv[0])):
                k = int(k_text)
                total = timing(f"total_{stage}", key, k)
                if total is None:
                    continue  # no timing for this point: left off the plot, still in the table
                points.append({"system": f"{STAGE_LABELS.get(stage, stage)} + {_reranker_label(key)}",
                               "first_stage": stage, "reranker": key, "k": k, "ndcg@10": values["ndcg@10"],
                               "p50_ms": float(total[0]), "p95_ms": float(total[1]), "latency": "measured"})
    return pd.DataFrame(points, columns=["system", "first_stage", "reranker", "k", "ndcg@10", "p50_ms", "p95_ms",
                                         "latency"])
