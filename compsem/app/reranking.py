"""The reranking lab's data: documents, indexes and models held once per process, rankings, the saved evaluation.

The ranking itself is :func:`compsem.rerank.rank_documents`; this module caches its inputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from compsem import rerank
from compsem.app import data
from compsem.data.datasets import DatasetError, dataset_dir
from compsem.rerank import (
    DENSE_MODEL,
    BM25Retriever,
    DenseRetriever,
    Reranker,
    check_query,
    default_results_dir,
    parse_documents,
    rank_documents,
    reranker_options,
    sick_retrieval_set,
)
from compsem.scorers import BiEncoderScorer
from compsem.scorers.base import ModelUnavailableError

RERANK_MODES = {"corpus": "Search the built-in corpus (SICK sentences)", "paste": "Paste your own documents"}
RERANK_KS = ("5", "10", "20", "50", "100")
RERANK_NONE = "none"
#: Which reranked systems the quality-vs-latency chart shows (first stages alone are always there).
RERANK_CHART_FUSION = {
    "all": "all",
    "none": "reranker order",
    "weighted": "weighted fusion",
    "rrf": "RRF fusion",
}
#: Example documents for the paste mode, written for this page: near-duplicates that differ by a
#: negation, a swapped role or a quantifier, the edits a bi-encoder first stage tends to miss.
RERANK_EXAMPLE_DOCS = "\n".join(
    [
        "The chef is cutting tomatoes in the kitchen.",
        "The chef is not cutting tomatoes in the kitchen.",
        "Tomatoes are being sliced by a cook.",
        "A cook is washing tomatoes in the sink.",
        "The tomatoes are cutting the chef.",
        "A child is eating a sandwich at the table.",
        "Two dogs are chasing a ball across the lawn.",
    ]
)
RERANK_EXAMPLE_QUERY = "A cook slices tomatoes."
RERANK_SCORE_HELP = {
    "bm25": "BM25 score (term overlap weighted by rarity; 0 = no shared word)",
    "dense": "cosine similarity of the MiniLM bi-encoder embeddings",
    "hybrid": "reciprocal rank fusion score: the sum of 1 / (60 + rank) over the BM25 and bi-encoder lists",
    "reranker": "the cross-encoder's relevance score: P(entailment | query, document) for an NLI model, the raw "
    "logit for a single-output model (only the order matters here)",
}


def _digest(docs: Sequence[str]) -> str:

    return hashlib.sha256(json.dumps(list(docs)).encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=2)
def _rerank_corpus(data_dir: str) -> tuple[str, ...]:

    return tuple(sick_retrieval_set(data_dir).corpus)


def rerank_documents(mode: str, pasted: str) -> tuple[list[str], str]:
    """The documents to search and a caption for them.

    Raises:
        ValueError: the datasets folder is missing or broken (corpus), or the pasted text breaks a limit.
    """

    if mode == "paste":
        docs = parse_documents(pasted)
        return docs, f"{len(docs)} pasted document(s)"
    try:
        corpus = _rerank_corpus(str(dataset_dir()))
    except DatasetError as exc:
        raise ValueError(
            f"The built-in corpus needs the SICK files, which could not be read: {exc} "
            f"Choose '{RERANK_MODES['paste']}' to search your own text instead."
        ) from None
    return list(corpus), f"{len(corpus):,} distinct SICK sentences (all splits)"


@st.cache_resource(show_spinner=False, max_entries=8)
def _bm25_index(digest: str, _docs: tuple[str, ...]):

    return BM25Retriever(_docs)


@st.cache_resource(show_spinner=False, max_entries=8)
def _dense_index(
    digest: str,
    fingerprint: str,
    _docs: tuple[str, ...],
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
):

    scorer = data.scorer(DENSE_MODEL, fingerprint, backend, device, dtype)
    if not isinstance(scorer, BiEncoderScorer):  # the dense first stage embeds documents: a bi-encoder's job
        raise TypeError(f"{DENSE_MODEL} loaded as {type(scorer).__name__}, not a bi-encoder")
    return DenseRetriever(_docs, scorer=scorer)


@st.cache_resource(show_spinner=False, max_entries=8)
def _reranker(key: str, fingerprint: str, backend: str = "torch", device: str = "cpu", dtype: str = "fp32"):

    # the scorer comes from the shared per-process cache, so a model loaded by another page is reused
    return Reranker(key, scorer=data.scorer(key, fingerprint, backend, device, dtype))


def reranker_choices() -> tuple[list[str], dict[str, str]]:
    """(cross-encoders that can rerank here, every other cross-encoder -> why not)."""

    return reranker_options(data.model_resolutions())


@st.cache_data(show_spinner=False, max_entries=64)
def _ranking(
    query: str,
    digest: str,
    first_stage: str,
    k: int,
    reranker_key: str,
    fingerprint: str,
    _docs: tuple[str, ...],
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
) -> pd.DataFrame:

    dense = (
        _dense_index(
            digest, data.resolution(DENSE_MODEL, backend, device, dtype).fingerprint, _docs, backend, device, dtype
        )
        if first_stage != "bm25"
        else None
    )
    reranker = _reranker(reranker_key, fingerprint, backend, device, dtype) if reranker_key != RERANK_NONE else None
    return rank_documents(
        query, _docs, first_stage=first_stage, k=k, reranker=reranker, dense=dense, bm25=_bm25_index(digest, _docs)
    )


def rank_query(
    query: str,
    docs: Sequence[str],
    first_stage: str,
    k: int,
    reranker_key: str,
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
) -> pd.DataFrame:
    """:func:`compsem.rerank.rank_documents` with the indexes and models held once per process, the models
    served by the sidebar's ``backend`` on its ``device`` at its ``dtype``.

    Raises:
        ValueError: an empty or too long query, too many documents for the bi-encoder, a model that could
            not be loaded, or a device or backend that cannot be used here (the message says which).
    """

    query = check_query(query)
    fingerprint = ""
    if reranker_key != RERANK_NONE:
        fingerprint = data.resolution(reranker_key, backend, device, dtype).fingerprint
    docs = tuple(docs)
    try:
        return _ranking(
            query, _digest(docs), first_stage, int(k), reranker_key, fingerprint, docs, backend, device, dtype
        )
    except (ModelUnavailableError, OSError) as exc:
        raise ValueError(f"a model could not be loaded: {exc}") from None


@st.cache_data(show_spinner=False, max_entries=8)
def _rerank_eval(folder: str, stamp: tuple) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:

    results = rerank.load_rerank_results(folder)
    return (
        rerank.metrics_table(results),
        rerank.quality_latency_points(results),
        rerank.skipped_rerankers(results),
        str(results.metrics.get("dataset", "")),
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _fusion_note(folder: str, stamp: tuple) -> str:

    return rerank.fusion_note(rerank.load_rerank_results(folder))


def _stamp(folder: Path) -> tuple:
    return tuple(
        (p.stat().st_size, p.stat().st_mtime) if p.is_file() else None
        for p in (folder / "metrics.json", folder / "latency.csv")
    )


def rerank_fusion_note(folder: Path | None = None) -> str:
    """How the saved evaluation fused scores (:func:`compsem.rerank.fusion_note`); "" when it did not.

    Raises:
        compsem.rerank.RerankResultsError: as :func:`rerank_eval`.
    """

    folder = Path(folder) if folder is not None else default_results_dir()
    return _fusion_note(str(folder), _stamp(folder))


def chart_points(points: pd.DataFrame, shown: str) -> pd.DataFrame:
    """The quality-vs-latency points for the chart's choice (a key of :data:`RERANK_CHART_FUSION`)."""

    return rerank.points_for(points, rerank.FUSION_METHODS if shown == "all" else [shown])


def rerank_eval(folder: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    """The saved evaluation as (metrics table, quality-latency points, skipped rerankers, dataset description).

    Re-read when metrics.json or latency.csv changes.

    Raises:
        compsem.rerank.RerankResultsMissing: nothing there yet.
        compsem.rerank.RerankResultsError: a broken file (the message names it).
    """

    folder = Path(folder) if folder is not None else default_results_dir()
    return _rerank_eval(str(folder), _stamp(folder))


__all__ = [
    "RERANK_CHART_FUSION",
    "RERANK_EXAMPLE_DOCS",
    "RERANK_EXAMPLE_QUERY",
    "RERANK_KS",
    "RERANK_MODES",
    "RERANK_NONE",
    "RERANK_SCORE_HELP",
    "chart_points",
    "rank_query",
    "rerank_documents",
    "rerank_eval",
    "rerank_fusion_note",
    "reranker_choices",
]
