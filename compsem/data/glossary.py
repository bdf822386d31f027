"""One glossary: every term the dashboard and the reports use, one name per concept, a one-sentence meaning.

The dashboard shows it as help tooltips (:func:`help_text`) and as the Glossary page
(:func:`glossary_table`); ``docs/_incoming/dashboard.md`` explains it. Where two words were used
for one thing, :attr:`Term.also` lists the other one, so a reader who meets it finds the term.

Example:
    >>> help_text("ROC-AUC")[:60]
    'ROC-AUC: The chance that a model scores a random pair that s'
    >>> TERMS["positive control"].also
    ('true paraphrases', 'paraphrase pass rate')
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Term:
    """One concept.

    Attributes:
        name: the one name the dashboard uses.
        meaning: one or two sentences a stakeholder understands.
        group: where it belongs (scores, categories, statistics, reranking, models).
        also: other words used for the same thing, which point here.
    """

    name: str
    meaning: str
    group: str
    also: tuple[str, ...] = ()


_TERMS = (
    # scores and thresholds
    Term(
        "score",
        "A model's similarity for a pair on a 0-1 scale (after normalization); higher means more similar.",
        "scores",
        ("normalized score",),
    ),
    Term(
        "raw output",
        "What the model itself returns before normalization: a cosine (-1 to 1) for bi-encoders, a logit or a "
        "0-5 rating for some cross-encoders.",
        "scores",
        ("raw score", "logit"),
    ),
    Term(
        "threshold",
        "The score at or above which a pair counts as 'similar' (default 0.5).",
        "scores",
    ),
    Term(
        "calibrated threshold",
        "Per model, the threshold that best separates its paraphrases from its unrelated and near-miss pairs "
        "(the one with the largest Youden J).",
        "scores",
    ),
    Term(
        "failure rate",
        "For a category a good model scores low (a meaning-changing edit, unrelated pairs): the share of its pairs "
        "scoring at or above the threshold. Lower is better.",
        "scores",
        ("share of pairs ≥ threshold",),
    ),
    Term(
        "pass rate",
        "For positive controls: the share of paraphrases scoring at or above the threshold. Higher is better.",
        "scores",
    ),
    Term(
        "asymmetry",
        "score(A, B) minus score(B, A). Bi-encoders and the lexical baselines are symmetric (0); a cross-encoder "
        "reads the pair in order and can differ.",
        "scores",
    ),
    Term(
        "disagreement",
        "For one pair, the highest minus the lowest score the selected models gave it.",
        "scores",
    ),
    # categories
    Term(
        "adversarial category",
        "A kind of small edit that changes the meaning (negation, a swapped entity, a changed number, before and "
        "after, a quantifier, a hedge). A good model scores these pairs low.",
        "categories",
        ("meaning-changing edit",),
    ),
    Term(
        "positive control",
        "Pairs that mean the same thing in different words. A good model scores them high.",
        "categories",
        ("true paraphrases", "paraphrase pass rate"),
    ),
    Term(
        "negative control",
        "Unrelated sentence pairs. Every model should score them low.",
        "categories",
        ("unrelated pairs",),
    ),
    Term(
        "near-miss control",
        "Pairs on the same topic that do not mean the same thing, without an adversarial edit.",
        "categories",
    ),
    # statistics
    Term(
        "95% CI",
        "A 95% percentile-bootstrap confidence interval: the pairs are resampled 1,000 times and the middle 95% "
        "of the recomputed values is shown. Not shown for a category with fewer than 10 pairs.",
        "statistics",
        ("confidence interval", "bootstrap CI"),
    ),
    Term(
        "too few pairs",
        "Below 10 pairs in a category, findings leave it out and its intervals are not shown: a handful of pairs "
        "is an anecdote, not evidence.",
        "statistics",
        ("thin sample",),
    ),
    Term(
        "Cohen's d",
        "How far apart two groups of scores are, in pooled standard deviations: about 0.2 is small, 0.5 medium, "
        "0.8 large. Negative: the model scores lower than the reference.",
        "statistics",
        ("effect size",),
    ),
    Term(
        "Holm correction",
        "Adjusts p-values for testing many categories at once, so that 'significant' (p < 0.05) keeps its meaning.",
        "statistics",
    ),
    Term(
        "Mann-Whitney test",
        "Tests whether one group's scores tend to be higher than another's, without assuming a distribution.",
        "statistics",
    ),
    Term(
        "ROC-AUC",
        "The chance that a model scores a random pair that should be high (a paraphrase) above a random pair that "
        "should be low (an edit): 1.0 separates them perfectly, 0.5 is a coin toss, below 0.5 is upside down.",
        "statistics",
    ),
    Term(
        "Youden J",
        "At a threshold, the share of paraphrases scored similar minus the share of low pairs scored similar "
        "(TPR − FPR): 1 is perfect separation, 0 none.",
        "statistics",
        ("TPR", "FPR"),
    ),
    # reranking
    Term(
        "first stage",
        "The fast search that finds K candidate documents for a query: BM25 (word overlap), the MiniLM bi-encoder, "
        "or both fused.",
        "reranking",
    ),
    Term(
        "reranker",
        "A cross-encoder that reads each (query, candidate) pair and re-orders the K candidates.",
        "reranking",
    ),
    Term("K", "How many candidates the first stage passes to the reranker.", "reranking"),
    Term(
        "NDCG@10",
        "Ranking quality of the top 10 results, from 0 to 1: relevant documents count more the higher they rank.",
        "reranking",
    ),
    Term("MRR@10", "1 / the rank of the first relevant document in the top 10 (0 if none), averaged.", "reranking"),
    Term(
        "Recall@K",
        "The share of relevant documents among the K candidates; reranking re-orders them and cannot add one.",
        "reranking",
    ),
    Term("p50 / p95 latency", "The median and the 95th-percentile time per query.", "reranking"),
    # models
    Term(
        "bi-encoder",
        "Encodes each sentence alone into a vector; the score is the cosine of the two vectors. Fast, and what "
        "embedding search uses.",
        "models",
        ("embedding model",),
    ),
    Term(
        "cross-encoder",
        "Reads both sentences together and outputs one score. Slower, and sees how the words relate.",
        "models",
    ),
    Term(
        "lexical baseline",
        "A score from word overlap alone (token Jaccard, TF-IDF cosine, a bag of word vectors): no model of meaning.",
        "models",
        ("baseline",),
    ),
    Term(
        "objective",
        "What a cross-encoder was trained to predict: entailment (SICK-NLI), relatedness (SICK), similarity "
        "(STS-B) or paraphrase (MRPC).",
        "models",
    ),
)

#: Every term by lower-case name; :func:`help_text` also finds a term by one of its ``also`` words.
TERMS: dict[str, Term] = {t.name.lower(): t for t in _TERMS}
_ALIASES: dict[str, Term] = {a.lower(): t for t in _TERMS for a in t.also}


def term(name: str) -> Term:
    """The term called ``name`` (or one of its other words), case-insensitive.

    Raises:
        ValueError: no such term.
    """
    key = str(name).strip().lower()
    found = TERMS.get(key) or _ALIASES.get(key)
    if found is None:
        raise ValueError(f"{name!r} is not in the glossary; the terms are: {', '.join(t.name for t in _TERMS)}")
    return found


def help_text(*names: str) -> str:
    """A widget's help tooltip: ``name: meaning`` for each term, one per paragraph."""
    return "\n\n".join(f"{term(n).name}: {term(n).meaning}" for n in names)


#: Jargon a sentence may use without explaining it: :func:`jargon_in` finds these.
JARGON = ("ROC-AUC", "Youden J", "Cohen's d", "NDCG@10", "MRR@10", "Recall@K", "Holm")


def jargon_in(text: str) -> list[Term]:
    """The glossary terms of :data:`JARGON` that ``text`` uses, in :data:`JARGON` order (for a caption under it).

    Example:
        >>> [t.name for t in jargon_in("Its ROC-AUC is 0.41 and NDCG@10 0.7.")]
        ['ROC-AUC', 'NDCG@10']
    """
    return [term("Holm correction" if j == "Holm" else j) for j in JARGON if j in str(text)]


def glossary_table() -> pd.DataFrame:
    """The glossary as ``term, meaning, also called, group``, grouped, for the Glossary page."""
    return pd.DataFrame(
        {
            "term": [t.name for t in _TERMS],
            "meaning": [t.meaning for t in _TERMS],
            "also called": [", ".join(t.also) for t in _TERMS],
            "group": [t.group for t in _TERMS],
        }
    )


__all__ = ["JARGON", "TERMS", "Term", "glossary_table", "help_text", "jargon_in", "term"]
