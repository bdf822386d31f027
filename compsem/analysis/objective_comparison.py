"""Does the training objective matter? The four ``compsem train`` models against their bi-encoder.

Every model trained by ``compsem train`` starts from the same backbone (the transformer of
``sentence-transformers/all-MiniLM-L6-v2``) and differs only in its objective (sick-nli,
sick-relatedness, stsb, mrpc), so comparing them category by category isolates the effect
of the objective. The reference is the bi-encoder they started from.

Functions here are pure over the tidy results and the model cards (no Streamlit, no
models); the statistics come from :mod:`compsem.stats`. One function touches files:
:func:`load_cards` (reads the cards).

Example:
    >>> trained_key("stsb")
    'compsem/minilm-l6-stsb'
    >>> train_command("mrpc")
    'compsem train --objective mrpc'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from compsem import stats
from compsem.data.categories import category_label, sort_categories
from compsem.data.formatting import format_pvalue
from compsem.data.labels import labels_of
from compsem.models import registry
from compsem.models.backbones import BACKBONES
from compsem.models.card import CARD_NAME, ModelCard
from compsem.training.objectives import OBJECTIVES
from compsem.training.train import BASE_KEY

#: The bi-encoder every objective started from: the reference of every comparison here.
REFERENCE = BASE_KEY
#: Objectives in the order tables and charts list them (the order of ``compsem train``).
OBJECTIVE_ORDER: tuple[str, ...] = tuple(n for n, o in OBJECTIVES.items() if o.in_objective_study)
REFERENCE_SCORE_DEFINITION = (
    "Cosine similarity of the two sentence embeddings (mean-pooled, normalized) of "
    "all-MiniLM-L6-v2, the bi-encoder whose transformer every objective started from."
)


def trained_key(objective: str) -> str:
    """Registry key of the model ``compsem train --objective <objective>`` creates."""
    return OBJECTIVES[objective].key


def objective_keys() -> list[str]:
    """Registry keys of the four trained models, in :data:`OBJECTIVE_ORDER`."""
    return [trained_key(o) for o in OBJECTIVE_ORDER]


def train_command(objective: str) -> str:
    """The command that trains the model of ``objective`` (weights go to ``cache/models/``)."""
    return f"compsem train --objective {objective}"


# -- cards -------------------------------------------------------------------------------------
def load_cards(folders: Sequence[str | Path] | None = None) -> dict[str, ModelCard]:
    """The cards of the trained models: key -> card, in :data:`OBJECTIVE_ORDER`, then others by key.

    Looks for ``*/compsem_card.json`` in each folder in turn; a later folder's card replaces an
    earlier one for the same key. The default is (shipped adapters, local models), so a model
    retrained here replaces the shipped one, as in :mod:`compsem.models.registry`. Unlike the registry
    (which skips a broken folder so the rest still load), a broken card is an error here: the
    held-out table would otherwise silently lose a model.

    Args:
        folders: folders to search (default: :func:`~compsem.models.registry.trained_model_folders`).

    Returns:
        key -> :class:`~compsem.models.card.ModelCard` (the table functions below also take cards as dicts).

    Raises:
        CardError: a card is broken (the message names the file).
    """
    if folders is None:
        folders = registry.trained_model_folders()
    found: dict[str, ModelCard] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*/{CARD_NAME}")):
            card = ModelCard.read(path)
            found[card.key] = card
    rank = {trained_key(o): i for i, o in enumerate(OBJECTIVE_ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def objective_labels(cards: Mapping[str, ModelCard | dict], reference: str = REFERENCE) -> dict[str, str]:
    """Short labels: the objective name for a trained model, ``MiniLM bi-encoder`` for the reference.

    Objectives without a card still get a label (their name), so a table can say what is missing.
    """

    labels = {reference: "MiniLM bi-encoder"}
    for name in OBJECTIVE_ORDER:
        labels[trained_key(name)] = name
    for key, card in cards.items():
        backbone = BACKBONES.get(str(card.get("backbone", "minilm-l6")))
        if backbone is not None and backbone.key != reference:
            labels.setdefault(backbone.key, f"{backbone.label} bi-encoder")
        augment = (card.get("augmentation") or {}).get("name")
        labels[key] = str(card.get("objective") or key.rsplit("/", 1)[-1]) + (f" + {augment}" if augment else "")
    return labels


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def held_out_table(cards: Mapping[str, ModelCard | dict]) -> pd.DataFrame:
    """One row per trained model and test metric: value, target, met or shortfall, split sizes, epochs.

    ``status`` is ``met`` when the card says the target was met, ``short by x`` with the
    card's shortfall otherwise, and ``no target`` for a metric without one. Dev metrics are
    left out: they were used to choose settings, so they are not held out.

    Returns:
        ``model, objective, metric, value, target, status, train, dev, test, epochs, backbone,
        augmentation`` (train counts the added rows of an augmented split).
    """
    rows = []
    for key, card in cards.items():
        sizes = card["data"].get("split_sizes", {})
        tests = {m: v for m, v in card["metrics"].items() if str(m).startswith("test_")}
        for metric, value in tests.items():
            target = card["targets"].get(metric)
            if target is None:
                status = "no target"
            elif card.get("met", {}).get(metric):
                status = "met"
            else:
                gap = card.get("shortfall", {}).get(metric)
                if gap is None and isinstance(value, (int, float)):
                    gap = float(target) - float(value)
                status = f"short by {_fmt(gap)}" if gap is not None else "not met"
            rows.append(
                {
                    "model": key,
                    "objective": card["objective"],
                    "metric": metric[len("test_") :],
                    "value": float(value) if isinstance(value, (int, float)) else math.nan,
                    "target": float(target) if isinstance(target, (int, float)) else math.nan,
                    "status": status,
                    "train": sizes.get("train"),
                    "dev": sizes.get("dev"),
                    "test": sizes.get("test"),
                    "epochs": card["epochs"],
                    "backbone": str(card.get("backbone", "minilm-l6")),
                    "augmentation": str((card.get("augmentation") or {}).get("name", "")),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "model",
            "objective",
            "metric",
            "value",
            "target",
            "status",
            "train",
            "dev",
            "test",
            "epochs",
            "backbone",
            "augmentation",
        ],
    )


def score_meanings(cards: Mapping[str, ModelCard | dict], reference: str = REFERENCE) -> pd.DataFrame:
    """What each model's 0-1 score means (the card's ``score_definition``), reference first.

    Returns:
        ``model, objective, score means``.
    """
    rows = [{"model": reference, "objective": "(reference)", "score means": REFERENCE_SCORE_DEFINITION}]
    rows += [
        {"model": key, "objective": card["objective"], "score means": card["score_definition"]}
        for key, card in cards.items()
    ]
    return pd.DataFrame(rows, columns=["model", "objective", "score means"])


def availability_table(statuses: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Per objective: where its model's scores come from and, when they are missing, how to get them.

    Args:
        statuses: trained model key -> (registry status, reason). An objective absent from the
            mapping has no card anywhere (never trained here).

    Returns:
        ``objective, model, status, source, to do`` (``to do`` is empty when nothing is needed).
    """
    rows = []
    for name in OBJECTIVE_ORDER:
        key = trained_key(name)
        status, reason = statuses.get(key, ("not trained", ""))
        cmd = train_command(name)
        if status in ("packaged", "local"):
            source, todo = reason, ""
        else:
            source = reason or "no adapter or weights here"
            todo = f"`{cmd}`"
        rows.append({"objective": name, "model": key, "status": status, "source": source, "to do": todo})
    minilm = {trained_key(n) for n in OBJECTIVE_ORDER}
    for key, (status, reason) in statuses.items():  # other backbones and augmented models, where they have a card
        if key not in minilm:
            usable = status in ("packaged", "local")
            rows.append(
                {
                    "objective": key.rsplit("/", 1)[-1],
                    "model": key,
                    "status": status,
                    "source": reason if usable else (reason or "no adapter here"),
                    "to do": "" if usable else "retrain with the command on its card",
                }
            )
    return pd.DataFrame(rows, columns=["objective", "model", "status", "source", "to do"])


# -- the comparison --------------------------------------------------------------------------------
COMPARISON_COLUMNS = [
    "model",
    "category",
    "n",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "rate",
    "rate_ci_low",
    "rate_ci_high",
    "meaning",
    "reference_mean",
    "cohens_d",
    "holm_pvalue",
    "significant",
    "is_reference",
]


def comparison_table(
    df: pd.DataFrame,
    threshold: float,
    reference: str = REFERENCE,
    n_resamples: int = 1000,
    seed: int | None = 0,
    described: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per model and category: mean and rate at ``threshold`` with 95% CIs, and Cohen's d vs the reference.

    mean / rate and their intervals are :func:`compsem.stats.describe_with_ci` (rate = share
    of scores >= threshold: a failure rate, or a pass rate for positive controls, see
    ``meaning``). cohens_d, holm_pvalue and significant are :func:`compsem.stats.effect_size_table`
    against the reference: d of the model's scores against the reference's (negative when the
    model scores lower), Mann-Whitney p Holm-corrected over the categories of each model,
    significant = Holm p < 0.05. The reference's own rows have NaN there and ``is_reference``.

    Rows: categories in :func:`compsem.data.categories.sort_categories` order; within one, the
    reference first, then the other models in order of first appearance in ``df``.

    ``described``: :func:`compsem.stats.describe_with_ci` of these results at ``threshold``,
    already computed (a run computes it once); its rows of the models in ``df`` are used.
    Every cell of that table uses the same seed, so the rows do not depend on which other
    models were described with them.

    Raises:
        ValueError: the reference has no scores in ``df`` (or ``df`` is not valid results).
    """
    if "model" in df.columns and reference not in set(df["model"]):
        raise ValueError(f"the reference {reference} has no scores in these results")
    if described is None:
        desc = stats.describe_with_ci(df, threshold, n_resamples=n_resamples, seed=seed)
    else:
        desc = described[described["model"].isin(set(df["model"]))].reset_index(drop=True)
    others = [m for m in dict.fromkeys(df["model"]) if m != reference]
    cols = ["model", "category", "reference_mean", "cohens_d", "holm_pvalue", "significant"]
    effect = stats.effect_size_table(df, [reference])[cols] if others else pd.DataFrame(columns=cols)
    table = desc.merge(effect, on=["model", "category"], how="left")
    table["is_reference"] = table["model"] == reference
    table["significant"] = table["significant"].eq(True)  # the reference's own rows (NaN) are not significant
    order = {m: i for i, m in enumerate([reference, *others])}
    cats = {c: i for i, c in enumerate(sort_categories(table["category"].unique()))}
    table = table.assign(_c=table["category"].map(cats), _m=table["model"].map(order))
    table = table.sort_values(["_c", "_m"], kind="stable").drop(columns=["_c", "_m"]).reset_index(drop=True)
    return table[COMPARISON_COLUMNS]


def comparison_view(table: pd.DataFrame, labels: Mapping[str, str] | None, threshold: float) -> pd.DataFrame:
    """:func:`comparison_table` for display: labels, CIs as text, the reference's effect columns blank.

    ``labels`` (model key -> short name, e.g. :func:`objective_labels`) overrides the table's
    ``model_label`` column (:mod:`compsem.data.labels`); with neither, a model reads as its key.
    """
    labels = labels_of(table, labels)
    share = f"share ≥ {threshold:g}"

    def ci(lo: float, hi: float, pct: bool) -> str:
        return f"[{lo:.0%}–{hi:.0%}]" if pct else f"[{lo:.3f}–{hi:.3f}]"

    ref = table["is_reference"]
    return pd.DataFrame(
        {
            "category": [category_label(c) for c in table["category"]],
            "model": [labels.get(m, m) for m in table["model"]],
            "n": table["n"],
            "mean": table["mean"].round(3),
            "mean 95% CI": [ci(lo, hi, False) for lo, hi in zip(table["mean_ci_low"], table["mean_ci_high"])],
            share: table["rate"].round(3),
            f"{share} 95% CI": [ci(lo, hi, True) for lo, hi in zip(table["rate_ci_low"], table["rate_ci_high"])],
            "reads as": [m.replace("_", " ") for m in table["meaning"]],
            "Cohen's d vs reference": table["cohens_d"].round(2),
            "Holm p": [format_pvalue(p) for p in table["holm_pvalue"]],
            "p < 0.05 (Holm)": [
                "reference" if r else ("yes" if s else "no") if pd.notna(d) else "—"
                for r, s, d in zip(ref, table["significant"], table["cohens_d"])
            ],
        }
    )


__all__ = [
    "COMPARISON_COLUMNS",
    "OBJECTIVE_ORDER",
    "REFERENCE",
    "availability_table",
    "comparison_table",
    "comparison_view",
    "held_out_table",
    "load_cards",
    "objective_keys",
    "objective_labels",
    "score_meanings",
    "train_command",
    "trained_key",
]
