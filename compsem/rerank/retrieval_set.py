"""The SICK entailment retrieval set, built at run time from SICK (never copied into the repository).

* queries: sentence A of the TEST-split pairs labelled ENTAILMENT (no trained cross-encoder
  of compsem saw the TEST split), one query per distinct sentence A; the same from the TRIAL
  split (``split="trial"``) gives the selection set that score fusion tunes its weight on;
* relevant documents: the sentence B of those pairs (graded 1);
* corpus: every distinct SICK sentence of every split, so the near-duplicates that SICK
  builds by negating or swapping a sentence are natural hard negatives;
* the query's own text is removed from its result list (a sentence trivially retrieves
  itself, which says nothing about the retriever).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compsem.data.datasets import load_sick


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


def sample_queries(queries: dict[str, str], max_queries: int | None, seed: int = 0) -> dict[str, str]:
    """A seeded random sample of ``max_queries`` queries (all of them if None or no more than that), by id order.

    Example:
        >>> sample_queries({"a": "x", "b": "y", "c": "z"}, None)
        {'a': 'x', 'b': 'y', 'c': 'z'}
    """
    if max_queries is None or max_queries >= len(queries):
        return dict(queries)
    rng = np.random.default_rng(seed)
    keep = sorted(rng.choice(sorted(queries), size=max_queries, replace=False))
    return {q: queries[q] for q in keep}


#: SICK splits a retrieval set can draw its queries from (TRAIN is what the rerankers were trained on).
QUERY_SPLITS = ("test", "trial")


def sick_retrieval_set(
    data_dir: str | Path | None = None, max_queries: int | None = None, seed: int = 0, split: str = "test"
) -> RetrievalSet:
    """Build the SICK entailment retrieval set described in the module docstring.

    Args:
        data_dir: datasets folder (default: :func:`compsem.data.datasets.default_data_dir`).
        max_queries: keep a seeded random sample of this many queries (all if None).
        seed: sampling seed.
        split: where the queries come from: ``test`` (reported results) or ``trial`` (tuning).
            Query ids differ by split (``q00000`` for TEST, ``trial-00000`` for TRIAL).
    """

    if split not in QUERY_SPLITS:
        raise ValueError(f"queries come from the SICK {' or '.join(QUERY_SPLITS)} split, not {split!r}")
    sick = load_sick(data_dir)
    corpus = sorted(set(sick["sentence_a"]) | set(sick["sentence_b"]))
    index = {t: i for i, t in enumerate(corpus)}
    chosen = sick[
        (sick["split"] == split) & (sick["label"] == "entailment") & (sick["sentence_a"] != sick["sentence_b"])
    ]
    grouped = chosen.groupby("sentence_a", sort=True)["sentence_b"].apply(lambda s: sorted(set(s)))
    queries, qrels = {}, {}
    prefix = "q" if split == "test" else f"{split}-"
    for n, (text, relevant) in enumerate(grouped.items()):
        qid = f"{prefix}{n:05d}"
        queries[qid] = text
        qrels[qid] = {str(index[b]): 1 for b in relevant}
    queries = sample_queries(queries, max_queries, seed)
    qrels = {q: qrels[q] for q in queries}
    n_rel = sum(len(v) for v in qrels.values())
    desc = (
        f"SICK {split.upper()} entailment pairs as queries: {len(queries)} queries (distinct sentence A), "
        f"{n_rel} relevant documents (their sentence B), corpus of {len(corpus)} distinct SICK sentences from "
        "all splits; the query's own text is excluded from its results"
    )
    return RetrievalSet(queries, corpus, qrels, desc)
