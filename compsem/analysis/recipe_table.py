"""The fix-experiment table (issue 21): one row per trained recipe, measured against the round-2 targets.

For each model: every adversarial category's failure rate at 0.5 and 0.8 with 95 % bootstrap
intervals (a failure is an adversarial pair scored at or above the threshold, i.e. called
"same meaning"), the paraphrase pass rate (positive-control pairs at or above 0.5), the held-out
accuracy its card records (SICK test for NLI adapters, MRPC and SICK mutual-entailment test for
the equivalence head) and its training time. Pure functions over the tidy scores of
:func:`compsem.scoring.score_pairs` and the model cards; no I/O.

Targets (:data:`TARGETS`): every adversarial category fail@0.5 ≤ 20 %, swapped roles
(``entity_swap``) fail@0.5 ≤ 30 %, paraphrase pass@0.5 ≥ 80 %, SICK test accuracy ≥ 0.85.

Example:
    >>> table = recipe_table(scores, cards)          # doctest: +SKIP
    >>> print(recipe_markdown(table))                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from compsem.data.categories import ADVERSARIAL, category_label
from compsem.stats.inference import mean_and_rate_ci

__all__ = ["TARGETS", "RecipeTargets", "recipe_markdown", "recipe_table"]

THRESHOLDS = (0.5, 0.8)


@dataclass(frozen=True)
class RecipeTargets:
    """The round-2 targets (rates are fractions)."""

    adversarial_fail: float = 0.20
    swapped_roles_fail: float = 0.30
    paraphrase_pass: float = 0.80
    sick_test_accuracy: float = 0.85


TARGETS = RecipeTargets()


def _rate(scores: pd.Series, threshold: float, n_resamples: int, seed: int) -> tuple[float, float, float, int]:

    _, rate = mean_and_rate_ci(scores.to_numpy(dtype=float), threshold, n_resamples=n_resamples, seed=seed)
    return rate.estimate, rate.low, rate.high, rate.n


def _held_out(card: Mapping) -> tuple[str, float | None]:
    metrics = card.get("metrics", {})
    for key, name in (("test_sick_accuracy", "SICK test (mutual entailment) acc"), ("test_accuracy", "test acc")):
        if key in metrics:
            return name, float(metrics[key])
    return "", None


def recipe_table(
    scores: pd.DataFrame, cards: Mapping[str, Mapping], *, n_resamples: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """One long row per model × measure.

    Args:
        scores: tidy scores (columns model, category, score) of the bundled pairs.
        cards: model key -> its ``compsem_card.json`` as a dict (models without a card get no card figures).
        n_resamples, seed: the bootstrap of the rate intervals.

    Returns:
        Columns model, measure, category, threshold, value, ci_low, ci_high, n, target, met. ``measure`` is
        ``fail`` (adversarial categories), ``pass`` (positive control), ``sick_test_accuracy``,
        ``mrpc_test_accuracy``, ``mrpc_test_f1``, ``sick_test_f1`` or ``train_minutes``.
    """
    rows = []
    for model, frame in scores.groupby("model", sort=False):
        for category in [c for c in ADVERSARIAL if c in set(frame["category"])]:
            values = frame.loc[frame["category"] == category, "score"]
            for t in THRESHOLDS:
                rate, low, high, n = _rate(values, t, n_resamples, seed)
                target = TARGETS.swapped_roles_fail if category == "entity_swap" else TARGETS.adversarial_fail
                rows.append(
                    {
                        "model": model,
                        "measure": "fail",
                        "category": category,
                        "threshold": t,
                        "value": rate,
                        "ci_low": low,
                        "ci_high": high,
                        "n": n,
                        "target": target if t == 0.5 else None,
                        "met": bool(rate <= target) if t == 0.5 else None,
                    }
                )
        positives = frame.loc[frame["category"] == "positive_control", "score"]
        if len(positives):
            for t in THRESHOLDS:
                rate, low, high, n = _rate(positives, t, n_resamples, seed)
                rows.append(
                    {
                        "model": model,
                        "measure": "pass",
                        "category": "positive_control",
                        "threshold": t,
                        "value": rate,
                        "ci_low": low,
                        "ci_high": high,
                        "n": n,
                        "target": TARGETS.paraphrase_pass if t == 0.5 else None,
                        "met": bool(rate >= TARGETS.paraphrase_pass) if t == 0.5 else None,
                    }
                )
        card = cards.get(str(model), {})
        metrics = card.get("metrics", {})
        sick = metrics.get(
            "test_sick_accuracy", metrics.get("test_accuracy") if card.get("objective_family") == "nli" else None
        )
        figures: list[tuple[str, float | None, float | None]] = [
            ("sick_test_accuracy", sick, TARGETS.sick_test_accuracy),
            (
                "mrpc_test_accuracy",
                metrics.get(
                    "test_mrpc_accuracy", metrics.get("test_accuracy") if card.get("objective") == "mrpc" else None
                ),
                None,
            ),
            ("mrpc_test_f1", metrics.get("test_mrpc_f1", metrics.get("test_f1")), None),
            ("sick_test_f1", metrics.get("test_sick_f1"), None),
        ]
        for measure, value, goal in figures:
            if value is not None:
                rows.append(
                    {
                        "model": model,
                        "measure": measure,
                        "category": "",
                        "threshold": None,
                        "value": float(value),
                        "ci_low": None,
                        "ci_high": None,
                        "n": None,
                        "target": goal,
                        "met": bool(float(value) >= goal) if goal is not None else None,
                    }
                )
        if card.get("train_seconds") is not None:
            rows.append(
                {
                    "model": model,
                    "measure": "train_minutes",
                    "category": "",
                    "threshold": None,
                    "value": float(card["train_seconds"]) / 60.0,
                    "ci_low": None,
                    "ci_high": None,
                    "n": None,
                    "target": None,
                    "met": None,
                }
            )
    return pd.DataFrame(
        rows, columns=["model", "measure", "category", "threshold", "value", "ci_low", "ci_high", "n", "target", "met"]
    )


def _pct(row: pd.Series) -> str:
    mark = "" if row["met"] is None or pd.isna(row["met"]) else (" ✓" if row["met"] else " ✗")
    return f"{100 * row['value']:.0f} % [{100 * row['ci_low']:.0f}, {100 * row['ci_high']:.0f}]{mark}"


def recipe_markdown(
    table: pd.DataFrame, labels: Mapping[str, str] | None = None, models: Sequence[str] | None = None
) -> str:
    """The table as Markdown: a row per measure, a column per model (✓ / ✗ where a target applies)."""
    labels = dict(labels or {})
    order = list(models) if models is not None else list(dict.fromkeys(table["model"]))
    header = "| measure | " + " | ".join(labels.get(m, m) for m in order) + " |"
    lines = [header, "|---|" + "---|" * len(order)]
    keyed = {
        (r.model, r.measure, r.category, None if pd.isna(r.threshold) else float(r.threshold)): r
        for r in table.itertuples(index=False)
    }
    measures: list[tuple[str, str, float | None, str]] = []  # (measure, category, threshold, row name)
    for category in ADVERSARIAL:
        for t in THRESHOLDS:
            measures.append(("fail", category, t, f"{category_label(category)} fail@{t}"))
    measures += [("pass", "positive_control", t, f"Paraphrase pass@{t}") for t in THRESHOLDS]
    measures += [
        ("sick_test_accuracy", "", None, "SICK test accuracy (NLI: 3 classes; equivalence head: same meaning yes/no)"),
        ("mrpc_test_accuracy", "", None, "MRPC test accuracy"),
        ("mrpc_test_f1", "", None, "MRPC test F1"),
        ("sick_test_f1", "", None, "SICK test F1 (mutual entailment = same meaning)"),
        ("train_minutes", "", None, "Training time (min, 2 shared CPU cores)"),
    ]
    for measure, category, threshold, name in measures:
        cells = []
        for m in order:
            r = keyed.get((m, measure, category, threshold))
            if r is None:
                cells.append("—")
            elif measure in ("fail", "pass"):
                cells.append(_pct(pd.Series(r._asdict())))
            elif measure == "train_minutes":
                cells.append(f"{r.value:.1f}")
            else:
                mark = "" if r.met is None or pd.isna(r.met) else (" ✓" if r.met else " ✗")
                cells.append(f"{r.value:.4f}{mark}")
        if any(c != "—" for c in cells):
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
