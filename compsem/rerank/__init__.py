"""Reranking lab: a first stage (BM25, bi-encoder, or both fused), a cross-encoder over the top K, IR metrics
from ranx, and per-stage latency. One module per concern:

* :mod:`~compsem.rerank.retrieval_set`: the SICK entailment retrieval set, built at run time;
* :mod:`~compsem.rerank.first_stage`: BM25, dense and hybrid (RRF) retrievers;
* :mod:`~compsem.rerank.reranker`: the cross-encoder second stage (scores through :mod:`compsem.store.score_store`);
* :mod:`~compsem.rerank.metrics`: ranx metrics of ranked lists; :mod:`~compsem.rerank.latency`: percentiles;
* :mod:`~compsem.rerank.fusion`: first-stage and reranker scores fused (weighted, weight chosen on TRIAL; RRF);
* :mod:`~compsem.rerank.evaluation`: ``compsem rerank-eval`` (quality and latency, written to files);
* :mod:`~compsem.rerank.lab`: one query over given documents, input checks, reranker choices, display tables;
* :mod:`~compsem.rerank.results`: the evaluation's files read back, tables and plot points.

Every public name is importable from ``compsem.rerank``.
"""

from __future__ import annotations

from compsem.rerank.evaluation import run_rerank_eval
from compsem.rerank.first_stage import (
    DENSE_MODEL,
    FIRST_STAGES,
    MAX_BM25_DOCS,
    MAX_DENSE_DOCS,
    RRF_K,
    BM25Retriever,
    DenseRetriever,
    HybridRetriever,
    reciprocal_rank_fusion,
)
from compsem.rerank.fusion import (
    NORMALISATION,
    WEIGHT_GRID,
    WeightChoice,
    choose_weight,
    minmax_per_query,
    rrf_fusion,
    weighted_fusion,
)
from compsem.rerank.lab import (
    MAX_DOC_CHARS,
    MAX_PASTED_DOCS,
    check_query,
    parse_documents,
    rank_change_label,
    rank_documents,
    reranker_options,
    side_by_side,
)
from compsem.rerank.latency import percentile_ms
from compsem.rerank.metrics import evaluate_rankings
from compsem.rerank.reranker import Reranker, default_rerankers
from compsem.rerank.results import (
    FUSION_LABELS,
    FUSION_METHODS,
    LATENCY_COLUMNS,
    RESULTS_COMMAND,
    RESULTS_ENV,
    STAGE_LABELS,
    RerankResults,
    RerankResultsError,
    RerankResultsMissing,
    default_results_dir,
    fusion_note,
    fusion_summary,
    load_rerank_results,
    metrics_table,
    points_for,
    quality_latency_points,
    skipped_rerankers,
)
from compsem.rerank.retrieval_set import QUERY_SPLITS, RetrievalSet, sample_queries, sick_retrieval_set
from compsem.scorers import CrossEncoderScorer, Scorer

__all__ = [
    "DENSE_MODEL",
    "FIRST_STAGES",
    "FUSION_LABELS",
    "FUSION_METHODS",
    "NORMALISATION",
    "QUERY_SPLITS",
    "WEIGHT_GRID",
    "WeightChoice",
    "choose_weight",
    "fusion_note",
    "fusion_summary",
    "minmax_per_query",
    "points_for",
    "rrf_fusion",
    "sample_queries",
    "weighted_fusion",
    "LATENCY_COLUMNS",
    "MAX_BM25_DOCS",
    "MAX_DENSE_DOCS",
    "MAX_DOC_CHARS",
    "MAX_PASTED_DOCS",
    "RESULTS_COMMAND",
    "RESULTS_ENV",
    "RRF_K",
    "STAGE_LABELS",
    "BM25Retriever",
    "CrossEncoderScorer",
    "DenseRetriever",
    "HybridRetriever",
    "RerankResults",
    "RerankResultsError",
    "RerankResultsMissing",
    "Reranker",
    "RetrievalSet",
    "Scorer",
    "check_query",
    "default_rerankers",
    "default_results_dir",
    "evaluate_rankings",
    "load_rerank_results",
    "metrics_table",
    "parse_documents",
    "percentile_ms",
    "quality_latency_points",
    "rank_change_label",
    "rank_documents",
    "reciprocal_rank_fusion",
    "reranker_options",
    "run_rerank_eval",
    "side_by_side",
    "sick_retrieval_set",
    "skipped_rerankers",
]
