"""The top of a shared report: one paragraph for a reader who was not in the room, and the headline table.

Both are read off ``summary.json``'s per model x category rates (nothing is computed again) and
the findings' titles, so they say what the rest of the report shows.

Example:
    >>> rows = headline_rows({"per_model_category": []}, {}, 0.5)
    >>> rows
    []
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compsem.data.categories import category_info

#: Plain words for each model kind in the summary sentence.
_KIND_WORDS = {"bi-encoder": "bi-encoder", "cross-encoder": "cross-encoder", "baseline": "lexical baseline"}


@dataclass(frozen=True)
class HeadlineRow:
    """One model in the headline table.

    Attributes:
        model: registry key (for its colour).
        label: display name.
        kind: bi-encoder, cross-encoder or baseline.
        edits_similar: mean over the adversarial categories of the share of edited pairs scored ≥ threshold
            (lower is better); None without adversarial categories.
        paraphrases_similar: share of positive controls scored ≥ threshold (higher is better); None without them.
    """

    model: str
    label: str
    kind: str
    edits_similar: float | None
    paraphrases_similar: float | None


def headline_rows(summary: Mapping, labels: Mapping[str, str], threshold: float) -> list[HeadlineRow]:
    """Per model: how often meaning-changing edits and paraphrases score as similar at ``threshold``, best first.

    Best first: fewest edits scored similar, then most paraphrases scored similar.
    """
    key = f"{threshold:g}"
    kinds = {m["model"]: m.get("kind", "") for m in summary.get("models", [])}
    edits: dict[str, list[float]] = {}
    paraphrases: dict[str, float] = {}
    for row in summary.get("per_model_category", []):
        rate = (row.get("rate_at_threshold") or {}).get(key)
        if rate is None:
            continue
        role = category_info(str(row["category"])).role
        if role == "adversarial":
            edits.setdefault(row["model"], []).append(float(rate))
        elif role == "positive_control":
            paraphrases[row["model"]] = float(rate)
    models = list(dict.fromkeys([*edits, *paraphrases]))
    rows = [
        HeadlineRow(
            m,
            labels.get(m, m),
            kinds.get(m, ""),
            sum(edits[m]) / len(edits[m]) if edits.get(m) else None,
            paraphrases.get(m),
        )
        for m in models
    ]
    return sorted(
        rows,
        key=lambda r: (
            1.0 if r.edits_similar is None else r.edits_similar,
            -(r.paraphrases_similar or 0.0),
        ),
    )


def summary_paragraph(
    rows: Sequence[HeadlineRow], n_pairs: object, n_categories: int, threshold: float, titles: Sequence[str]
) -> str:
    """One paragraph (plain text) that says what was tested, on what, and what came out."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.kind] = counts.get(r.kind, 0) + 1
    models = (
        ", ".join(f"{n} {_KIND_WORDS.get(k, k)}{'' if n == 1 else 's'}" for k, n in counts.items() if k)
        or f"{len(rows)} models"
    )
    text = (
        f"This report tests whether sentence-similarity models tell apart pairs that mean the same thing "
        f"(paraphrases) from pairs where a small edit changes the meaning (a negation, swapped roles, a changed "
        f"number, before and after, a quantifier, a hedge). {models} scored {n_pairs} sentence pairs in "
        f"{n_categories} categories; a pair counts as 'similar' when its 0-1 score is at least {threshold:g}."
    )
    scored = [r for r in rows if r.edits_similar is not None]
    if scored:
        best, worst = scored[0], scored[-1]
        text += (
            f" Best at this: {best.label}, which scores {best.edits_similar:.0%} of the edited pairs as similar; "
            f"worst: {worst.label}, {worst.edits_similar:.0%}."
        )
    if titles:
        text += " In short: " + "; ".join(t.rstrip(".") for t in titles[:3]) + "."
    return text


__all__ = ["HeadlineRow", "headline_rows", "summary_paragraph"]
