"""The seed study's reported figures, as data, and their comparison with a compsem run.

Every number here is transcribed from the study ("Do Cross-Encoders Fix What Cosine
Similarity Breaks?", sections 4.1-4.4) and is marked ``source="reported"``: it is what the
paper says, not something compsem measured. Model names are compsem registry keys and
category names are compsem's (``entity_swap``, ``positive_control``...). Families are
written ``family:bi-encoder`` (the study's five bi-encoders) and ``family:cross-encoder``
(its three non-retrieval cross-encoders: STS-B, BGE reranker, Quora).

Scales: ``"score"`` is the 0-1 score thresholds apply to. For the STS-B cross-encoder
the study reports two columns; the one it calls "raw 0-5" is in fact the model's own
sigmoid output (already 0-1), and its "normalized" column divides that by 5 a second
time. Those rows carry ``scale="score / 5"``, and the comparison divides compsem's score
by 5 for them, so both sides use the same (mistaken) normalization and the difference
measures reproduction, not the normalization choice.

Example:
    >>> table = reported_table()
    >>> float(table.query("section == '4.4' and category == 'hedging' and threshold == 0.5 "
    ...                   "and model == 'family:cross-encoder'")["value"].iloc[0])
    0.48
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from compsem import stats

BI_FAMILY = "family:bi-encoder"
CROSS_FAMILY = "family:cross-encoder"
#: How the study's families map to compsem kinds, and which objectives the study left out of them.
FAMILY_KIND = {BI_FAMILY: ("bi-encoder", ()), CROSS_FAMILY: ("cross-encoder", ("retrieval",))}
#: The models the study actually pooled. Its "non-retrieval" cross-encoders kept the BGE reranker
#: (a retrieval-trained model by compsem's labels) and left out only MS MARCO, so when the results
#: hold the study's own models, the families are exactly those; otherwise they fall back to
#: FAMILY_KIND (models of that kind, retrieval-trained cross-encoders left out).
STUDY_FAMILY_MEMBERS = {
    BI_FAMILY: (
        "sentence-transformers/all-MiniLM-L6-v2",
        "BAAI/bge-large-en-v1.5",
        "nomic-ai/nomic-embed-text-v1.5",
        "mixedbread-ai/mxbai-embed-large-v1",
        "thenlper/gte-large",
    ),
    CROSS_FAMILY: ("cross-encoder/stsb-roberta-large", "BAAI/bge-reranker-large", "cross-encoder/quora-roberta-large"),
}

NORMALIZATION_NOTE = (
    "The study divided the STS-B cross-encoder's output by 5, assuming a 0-5 scale. sentence-transformers' "
    "STS-B cross-encoders were trained on labels already divided by 5, with a sigmoid head, so the output is "
    "0-1 already; the second division squeezed every score below 0.2 (its paraphrases average 0.178) and made "
    "its 0% failure rates an artefact. compsem applies the model's own activation once. Rows marked "
    "'score / 5' below divide compsem's score by 5 too, to check the reproduction on the study's own terms."
)

_ADV = ("negation", "numerical", "entity_swap", "temporal", "quantifier", "hedging")
_CE8 = (
    "negation",
    "numerical",
    "entity_swap",
    "temporal",
    "quantifier",
    "hedging",
    "positive_control",
    "negative_control",
)

# section 4.1: share of adversarial pairs with cosine >= 0.8, per bi-encoder (percent)
_BI_RATES_08 = {
    "sentence-transformers/all-MiniLM-L6-v2": (98, 77, 100, 100, 80, 32),
    "BAAI/bge-large-en-v1.5": (96, 95, 100, 100, 49, 56),
    "nomic-ai/nomic-embed-text-v1.5": (100, 99, 100, 100, 94, 76),
    "mixedbread-ai/mxbai-embed-large-v1": (84, 86, 100, 100, 46, 56),
    "thenlper/gte-large": (100, 100, 100, 100, 100, 100),
}
# section 4.1: bi-encoder average score (mean, sd) per category, the five models pooled
_BI_MEANS = {
    "negation": (0.896, 0.054),
    "numerical": (0.896, 0.060),
    "entity_swap": (0.987, 0.011),
    "temporal": (0.953, 0.030),
    "quantifier": (0.855, 0.080),
    "hedging": (0.831, 0.089),
    "positive_control": (0.879, 0.089),
}
# section 4.2: per cross-encoder (mean, sd, min, max, rate >= 0.5 in percent), categories in _CE8 order
_QUORA = (
    (0.020, 0.029, 0.007, 0.169, 0),
    (0.018, 0.043, 0.006, 0.276, 0),
    (0.037, 0.053, 0.007, 0.190, 0),
    (0.038, 0.048, 0.011, 0.212, 0),
    (0.168, 0.213, 0.009, 0.961, 6),
    (0.514, 0.429, 0.007, 0.961, 52),
    (0.894, 0.188, 0.010, 0.962, 83),
    (0.005, 0.000, 0.005, 0.005, 0),
)
_BGE_RERANKER = (
    (0.073, 0.082, 0.001, 0.326, 0),
    (0.114, 0.222, 0.001, 0.999, 5),
    (0.398, 0.298, 0.014, 0.999, 33),
    (0.073, 0.142, 0.009, 0.808, 3),
    (0.281, 0.415, 0.001, 0.999, 29),
    (0.883, 0.225, 0.173, 1.000, 92),
    (0.996, 0.010, 0.945, 1.000, 100),
    (0.000, 0.000, 0.000, 0.000, 0),
)
# STS-B: (model output mean, sd, output / 5 mean, sd, rate of output / 5 >= 0.5 in percent)
_STSB = (
    (0.491, 0.041, 0.098, 0.008, 0),
    (0.454, 0.068, 0.091, 0.014, 0),
    (0.837, 0.189, 0.167, 0.038, 0),
    (0.668, 0.104, 0.134, 0.021, 0),
    (0.563, 0.130, 0.113, 0.026, 0),
    (0.652, 0.175, 0.131, 0.035, 0),
    (0.889, 0.100, 0.178, 0.020, 0),
    (0.010, 0.001, 0.002, 0.000, 0),
)
# MS MARCO: (sigmoid mean, sd, rate >= 0.5 in percent)
_MSMARCO = (
    (1.000, 0.000, 100),
    (0.979, 0.083, 98),
    (1.000, 0.000, 100),
    (1.000, 0.000, 100),
    (0.996, 0.008, 100),
    (0.673, 0.425, 72),
    (0.871, 0.246, 77),
    (0.000, 0.000, 0),
)
# section 4.3: bi-encoder mean, non-retrieval cross-encoder mean, Cohen's d, reported p-value bound
_AGGREGATE = {
    "negation": (0.896, 0.064, -14.8, "< 1e-69"),
    "numerical": (0.896, 0.074, -8.6, "< 1e-67"),
    "entity_swap": (0.987, 0.201, -5.6, "< 1e-55"),
    "temporal": (0.953, 0.081, -13.8, "< 1e-45"),
    "quantifier": (0.855, 0.187, -3.7, "< 1e-31"),
    "hedging": (0.831, 0.509, -1.2, "0.005"),
    "positive_control": (0.879, 0.689, math.nan, ""),
    "negative_control": (0.377, 0.002, math.nan, ""),
}
# section 4.4: family failure rates (percent), non-retrieval cross-encoders averaged over models
_FAMILY_RATES = {
    (BI_FAMILY, 0.5): (100, 100, 100, 100, 100, 100),
    (CROSS_FAMILY, 0.5): (0, 2, 11, 1, 12, 48),
    (BI_FAMILY, 0.8): (95, 91, 100, 100, 74, 64),
    (CROSS_FAMILY, 0.8): (0, 2, 4, 1, 9, 43),
}

COLUMNS = ["section", "model", "category", "statistic", "threshold", "scale", "value", "p_value", "source"]


def _row(section, model, category, statistic, value, threshold=math.nan, scale="score", p_value=""):
    return {
        "section": section,
        "model": model,
        "category": category,
        "statistic": statistic,
        "threshold": threshold,
        "scale": scale,
        "value": float(value),
        "p_value": p_value,
        "source": "reported",
    }


def reported_table() -> pd.DataFrame:
    """Every figure of the study's sections 4.1-4.4 as one long table (rates as fractions).

    Returns:
        ``section, model, category, statistic, threshold, scale, value, p_value, source``;
        ``statistic`` is one of ``mean, sd, min, max, rate, cohens_d``; ``rate`` is the share
        of pairs scoring >= ``threshold``; ``source`` is always ``"reported"``.
    """
    rows = []
    for model, rates in _BI_RATES_08.items():
        rows += [_row("4.1", model, c, "rate", r / 100, 0.8) for c, r in zip(_ADV, rates)]
    for cat, (mean, sd) in _BI_MEANS.items():
        rows += [_row("4.1", BI_FAMILY, cat, "mean", mean), _row("4.1", BI_FAMILY, cat, "sd", sd)]
    for model, table in (("cross-encoder/quora-roberta-large", _QUORA), ("BAAI/bge-reranker-large", _BGE_RERANKER)):
        for cat, (mean, sd, lo, hi, rate) in zip(_CE8, table):
            rows += [
                _row("4.2", model, cat, "mean", mean),
                _row("4.2", model, cat, "sd", sd),
                _row("4.2", model, cat, "min", lo),
                _row("4.2", model, cat, "max", hi),
                _row("4.2", model, cat, "rate", rate / 100, 0.5),
            ]
    stsb = "cross-encoder/stsb-roberta-large"
    for cat, (mean, sd, nmean, nsd, rate) in zip(_CE8, _STSB):
        rows += [
            _row("4.2", stsb, cat, "mean", mean),
            _row("4.2", stsb, cat, "sd", sd),
            _row("4.2", stsb, cat, "mean", nmean, scale="score / 5"),
            _row("4.2", stsb, cat, "sd", nsd, scale="score / 5"),
            _row("4.2", stsb, cat, "rate", rate / 100, 0.5, scale="score / 5"),
        ]
    msmarco = "cross-encoder/ms-marco-MiniLM-L-12-v2"
    for cat, (mean, sd, rate) in zip(_CE8, _MSMARCO):
        rows += [
            _row("4.2", msmarco, cat, "mean", mean),
            _row("4.2", msmarco, cat, "sd", sd),
            _row("4.2", msmarco, cat, "rate", rate / 100, 0.5),
        ]
    for cat, (bi, ce, d, p) in _AGGREGATE.items():
        rows += [_row("4.3", BI_FAMILY, cat, "mean", bi), _row("4.3", CROSS_FAMILY, cat, "mean", ce)]
        if not math.isnan(d):
            rows.append(_row("4.3", CROSS_FAMILY, cat, "cohens_d", d, p_value=p))
    for (family, t), rates in _FAMILY_RATES.items():
        rows += [_row("4.4", family, c, "rate", r / 100, t) for c, r in zip(_ADV, rates)]
    return pd.DataFrame(rows, columns=COLUMNS)


class _Measurer:
    """compsem's value for each reported figure, with the results grouped once (not per figure)."""

    def __init__(self, results: pd.DataFrame, thresholds: list[float]):
        self.by_model = {
            k: g["score"].to_numpy(dtype=float) for k, g in results.groupby(["model", "category"], sort=False)
        }
        self.family: dict[tuple[str, str], np.ndarray] = {}
        self.members: dict[str, list[str]] = {}
        self.rates: dict[tuple[str, str, float], float] = {}
        for fam, (kind, exclude) in FAMILY_KIND.items():
            sub = results[results["model"].isin(STUDY_FAMILY_MEMBERS[fam])]
            if sub.empty:
                sub = results[(results["kind"] == kind) & ~results["objective"].isin(exclude)]
            self.members[fam] = list(dict.fromkeys(sub["model"]))
            if sub.empty:
                continue
            for cat, grp in sub.groupby("category", sort=False):
                self.family[(fam, cat)] = grp["score"].to_numpy(dtype=float)
            table = stats.family_failure_rates(sub, thresholds)
            for cat, t, r in zip(table["category"], table["threshold"], table["mean_rate"]):
                self.rates[(fam, cat, float(t))] = float(r)
        self.bi_models = list(dict.fromkeys(results.loc[results["kind"] == "bi-encoder", "model"]))
        self.bi = {
            cat: grp["score"].to_numpy(dtype=float)
            for cat, grp in results[results["kind"] == "bi-encoder"].groupby("category", sort=False)
        }

    def __call__(self, row: pd.Series) -> tuple[float, str]:
        cat, stat, model = row["category"], row["statistic"], row["model"]
        if model.startswith("family:"):
            values = self.family.get((model, cat))
            if values is None:
                return math.nan, ""
            who = ", ".join(self.members[model])
            if stat == "rate":
                return self.rates.get((model, cat, float(row["threshold"])), math.nan), who
            if stat == "cohens_d":
                refs = self.bi.get(cat)
                if refs is None:
                    return math.nan, ""
                return stats.cohens_d(values, refs).d, who + " vs " + ", ".join(self.bi_models)
            return _statistic(values, stat, row["threshold"]), who
        values = self.by_model.get((model, cat))
        if values is None:
            return math.nan, ""
        if row["scale"] == "score / 5":
            values = values / 5
        return _statistic(values, stat, row["threshold"]), model


def _statistic(values: np.ndarray, stat: str, threshold: float) -> float:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return math.nan
    if stat == "mean":
        return float(values.mean())
    if stat == "sd":
        return float(values.std(ddof=1)) if values.size > 1 else math.nan
    if stat == "min":
        return float(values.min())
    if stat == "max":
        return float(values.max())
    if stat == "rate":
        return float((values >= threshold).mean())
    raise ValueError(f"unknown statistic {stat!r}")


def compare_with_study(results: pd.DataFrame, sections: tuple[str, ...] = ("4.1", "4.2", "4.3", "4.4")) -> pd.DataFrame:
    """The study's figures beside compsem's for the same models and categories.

    For each reported figure, ``measured`` is the same statistic over compsem's scores:
    mean, sample SD (ddof = 1), min, max, or rate = share of scores >= threshold. Family
    figures pool the study's own members where the results hold any of them
    (:data:`STUDY_FAMILY_MEMBERS`: five bi-encoders; STS-B, BGE reranker and Quora cross-encoders),
    otherwise the results' models of that kind (cross-encoders without retrieval-trained ones):
    means and SDs over all pair x model scores, rates as the mean over models of each model's rate
    (the study's 4.4), Cohen's d as :func:`compsem.stats.cohens_d` of the cross-encoder scores
    against the bi-encoder scores. ``difference`` = measured - reported. ``measured_models``
    names what was pooled: a family measured with other models than the study's is a
    different experiment, and the table says so.

    Args:
        results: tidy results (``model, kind, objective, category, score``).
        sections: which sections of the study to include.

    Returns:
        :func:`reported_table`'s columns plus ``reported, measured, difference, measured_models``
        (``value`` renamed ``reported``); rows follow the study's order.
    """
    table = reported_table()
    table = table[table["section"].isin(sections)].reset_index(drop=True)
    table = table.rename(columns={"value": "reported"})
    measured, members = [], []
    measure = _Measurer(results, sorted(set(table["threshold"].dropna()))) if not results.empty else None
    for _, row in table.iterrows():
        value, who = measure(row) if measure is not None else (math.nan, "")
        measured.append(value)
        members.append(who)
    table["measured"] = measured
    table["difference"] = table["measured"] - table["reported"]
    table["measured_models"] = members
    return table


__all__ = [
    "BI_FAMILY",
    "CROSS_FAMILY",
    "NORMALIZATION_NOTE",
    "STUDY_FAMILY_MEMBERS",
    "compare_with_study",
    "reported_table",
]
