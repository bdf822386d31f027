"""What a finding of the story is made of, and how its parts are chosen.

The value objects (:class:`Finding`, :class:`ExamplePair`), the models a story shows (the lead
bi-encoder, :func:`best_cross_encoder`), the example pair a stated rule picks from the results, and
the rows of a finding's chart. :mod:`compsem.analysis.story` composes them into the findings.

Pure: no Streamlit, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from compsem import stats
from compsem.data.categories import category_info, category_label

#: The bi-encoder the story leads with when it is in the results; else the first bi-encoder.
LEAD_BI_ENCODER = "sentence-transformers/all-MiniLM-L6-v2"
BAG_BASELINE = "baseline/bag-of-embeddings"
#: Columns of :attr:`Finding.chart`.
CHART_COLUMNS = ["model", "label", "category", "x", "value", "low", "high"]


@dataclass(frozen=True)
class ExamplePair:
    """One pair from the results that illustrates a finding.

    Attributes:
        pair_id, category, sentence_a, sentence_b: the pair as in the pair file.
        rule: how it was chosen, in words.
        scores: ``(model, label, score)`` per model shown, the bi-encoder first.
    """

    pair_id: str
    category: str
    sentence_a: str
    sentence_b: str
    rule: str
    scores: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True)
class Finding:
    """One step of the story.

    Attributes:
        key: stable name (``edit_vs_paraphrase``, ``bag_of_words``, ``objective``, ``hardest``,
            ``price``, ``threshold``).
        title: a short headline.
        sentence: the finding, every number computed.
        chart: one row per bar: ``model, label, category, x`` (bar label), ``value``, ``low``,
            ``high`` (95% bootstrap CI; NaN where none).
        value_kind: ``"mean"`` (a score), ``"rate"`` (a share), ``"threshold"`` or ``"ndcg"``.
        chart_title: what the chart shows.
        example: the example pair, or None when no pair fits the rule.
        reference_line: a value to draw as a dashed line (the threshold), or None.
    """

    key: str
    title: str
    sentence: str
    chart: pd.DataFrame
    value_kind: str
    chart_title: str
    example: ExamplePair | None = None
    reference_line: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


# -- helpers -------------------------------------------------------------------------------------
def _label(labels: Mapping[str, str], model: str) -> str:
    return labels.get(model, model)


def _lead_bi_encoder(kinds: Mapping[str, str]) -> str | None:
    if kinds.get(LEAD_BI_ENCODER) == "bi-encoder":
        return LEAD_BI_ENCODER
    return next((m for m, k in kinds.items() if k == "bi-encoder"), None)


def best_cross_encoder(results: pd.DataFrame, threshold: float) -> str | None:
    """The cross-encoder with the lowest mean failure rate over adversarial categories (ties: lower mean score).

    Returns None when the results hold no cross-encoder or no adversarial category.
    """
    ce = results[results["kind"] == "cross-encoder"]
    adv = [c for c in ce["category"].unique() if category_info(str(c)).role == "adversarial"]
    if ce.empty or not adv:
        return None
    sub = ce[ce["category"].isin(adv)]
    rates = stats.failure_rates(sub, threshold)
    mean_rate = rates.groupby("model", sort=False)["rate"].mean()
    mean_score = sub.groupby("model", sort=False)["score"].mean()
    return min(mean_rate.index, key=lambda m: (float(mean_rate[m]), float(mean_score[m])))


def _chart(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CHART_COLUMNS)


def _example(
    results: pd.DataFrame,
    category_filter: list[str],
    order_by: pd.Series,
    rule: str,
    shown: list[str],
    labels: Mapping[str, str],
) -> ExamplePair | None:
    """The pair maximising ``order_by`` (indexed by pair_id) among the categories given; ties: lowest pair id."""
    if order_by.empty:
        return None
    info = results.drop_duplicates("pair_id").set_index("pair_id")
    # vectorised: a per-pair .at/[] lookup loop was most of the Findings page's story time
    in_filter = info["category"].reindex(order_by.index).isin(category_filter).to_numpy()
    values = order_by[in_filter & order_by.notna().to_numpy()].astype(float)
    if values.empty:
        return None
    top = values.max()
    best = min(values.index[values.to_numpy() == top], key=str)  # ties: the lowest pair id
    row = info.loc[best]
    wide = results[results["pair_id"] == best].set_index("model")["score"]
    scores = tuple((m, _label(labels, m), float(wide[m])) for m in shown if m in wide.index)
    return ExamplePair(str(best), str(row["category"]), str(row["sentence_a"]), str(row["sentence_b"]), rule, scores)


def _scores_by_pair(results: pd.DataFrame, model: str) -> pd.Series:
    sub = results[results["model"] == model]
    return sub.groupby("pair_id", sort=False)["score"].first()


def _ci_rows(
    desc: pd.DataFrame, models: list[str], cats: list[str], labels: Mapping[str, str], value: str
) -> list[dict]:
    """Chart rows from :func:`compsem.stats.describe_with_ci` (``value`` = ``mean`` or ``rate``)."""
    idx = desc.set_index(["model", "category"])
    rows = []
    for cat in cats:
        for m in models:
            if (m, cat) not in idx.index:
                continue
            r = idx.loc[(m, cat)]
            rows.append(
                {
                    "model": m,
                    "label": _label(labels, m),
                    "category": cat,
                    "x": category_label(cat),
                    "value": float(r[value]),
                    "low": float(r[f"{value}_ci_low"]),
                    "high": float(r[f"{value}_ci_high"]),
                }
            )
    return rows


__all__ = [
    "BAG_BASELINE",
    "CHART_COLUMNS",
    "LEAD_BI_ENCODER",
    "ExamplePair",
    "Finding",
    "best_cross_encoder",
]
