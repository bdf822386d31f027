"""The dashboard's reranking lab: one query over given documents, typed input checks, reranker choices, and
the side-by-side tables of first-stage and reranked lists.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from compsem.models.registry import list_models
from compsem.rerank.first_stage import FIRST_STAGES, BM25Retriever, DenseRetriever, HybridRetriever, check_inputs
from compsem.rerank.reranker import Reranker
from compsem.scoring import MAX_TEXT_CHARS, validate_text

#: Pasted documents: a CPU reranks K of them per query, but the bi-encoder first stage embeds them all,
#: so the count is capped where that still takes seconds, not minutes.
MAX_PASTED_DOCS = 500
#: One document or query; the same cap as free text elsewhere (models read only the first few hundred tokens).
MAX_DOC_CHARS = MAX_TEXT_CHARS


def rank_documents(
    query: str,
    documents: Sequence[str],
    *,
    first_stage: str = "bm25",
    k: int = 10,
    reranker: Reranker | None = None,
    dense: DenseRetriever | None = None,
    bm25: BM25Retriever | None = None,
) -> pd.DataFrame:
    """First-stage and reranked lists side by side for one query over given documents.

    ``dense`` and ``bm25`` are reused when they index exactly ``documents`` (blank ones
    dropped), so a caller holding a corpus index does not rebuild it per query.

    Returns:
        One row per candidate: doc, text, first_rank, first_score, rerank_rank, rerank_score, rank_change
        (positive = moved up).
    """
    docs = [d for d in documents if d and d.strip()]
    check_inputs([query], docs, k)
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
        first = (
            dr.search([query], k)[0]
            if first_stage == "dense"
            else HybridRetriever(sparse or BM25Retriever(docs), dr, depth=min(len(docs), max(k, 100))).search(
                [query], k
            )[0]
        )
    table = pd.DataFrame(
        {
            "doc": [d for d, _ in first],
            "text": [docs[d] for d, _ in first],
            "first_rank": range(1, len(first) + 1),
            "first_score": [s for _, s in first],
        }
    )
    if reranker is not None and len(first):
        reranked = reranker.rerank(query, first, docs, use_cache=False)
        pos = {d: (i + 1, s) for i, (d, s) in enumerate(reranked)}
        table["rerank_rank"] = [pos[d][0] for d in table["doc"]]
        table["rerank_score"] = [pos[d][1] for d in table["doc"]]
        table["rank_change"] = table["first_rank"] - table["rerank_rank"]
        table = table.sort_values("rerank_rank").reset_index(drop=True)
    return table


def check_query(query: str) -> str:
    """The query stripped, or a ValueError saying what is wrong (empty, too long)."""

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
            raise ValueError(
                f"line {number} has {len(line):,} characters; a document may have at most "
                f"{max_chars:,} (models read only the first few hundred tokens)"
            )
        docs.append(line)
    if not docs:
        raise ValueError("no documents: paste at least one non-empty line (one document per line)")
    if len(docs) > max_docs:
        raise ValueError(
            f"{len(docs):,} documents; at most {max_docs:,} can be pasted here (the bi-encoder "
            "embeds every one on the CPU). Keep the ones you care about."
        )
    return docs


def reranker_options(resolutions: Sequence | None = None) -> tuple[list[str], dict[str, str]]:
    """Cross-encoders that can rerank new text here, and every other one with why it cannot.

    Only local weights count (packaged, shipped adapters, ``cache/models``, the Hugging Face
    cache): a reranker on a page must not start a download.

    Args:
        resolutions: :func:`compsem.models.registry.list_models` output (default: computed here).
    """
    available, unavailable = [], {}
    for res in resolutions if resolutions is not None else list_models():
        if res.spec.kind != "cross-encoder":
            continue
        key = res.spec.key
        objective = (res.spec.card or {}).get("objective", "")  # set for models that `compsem train` makes
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
    left = pd.DataFrame(
        {
            "rank": first["first_rank"].to_numpy(),
            "score": first["first_score"].to_numpy(),
            "document": first["text"].to_numpy(),
        }
    )
    if "rerank_rank" not in table.columns:
        return left, None
    again = table.sort_values("rerank_rank")
    right = pd.DataFrame(
        {
            "rank": again["rerank_rank"].to_numpy(),
            "score": again["rerank_score"].to_numpy(),
            "change": [rank_change_label(f, r, top) for f, r in zip(again["first_rank"], again["rerank_rank"])],
            "was": again["first_rank"].to_numpy(),
            "document": again["text"].to_numpy(),
        }
    )
    return left, right
