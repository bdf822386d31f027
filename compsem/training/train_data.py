"""What a training run trains on and is measured with.

The train, dev and test splits of an objective (:func:`splits`), the training split with hard
negatives added (:func:`augmented_split`), the seeded examples an augmented model's card lists,
regenerated from the dataset (:func:`card_examples`), and the objective's metrics on one split
(:func:`metrics_for`, :func:`metrics_from_outputs`). :mod:`compsem.training.train` runs the training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from compsem.data import datasets as ds
from compsem.data.variants.minimal_edits import normalize
from compsem.models.card import CARD_NAME, read_card
from compsem.training import augment as aug
from compsem.training import metrics as ev
from compsem.training.dataset_splits import dataset_splits
from compsem.training.equivalence import equivalence_metrics, equivalence_splits
from compsem.training.objectives import Objective, get_objective
from compsem.training.role_swap_augment import for_objective

__all__ = ["augmented_split", "card_examples", "metrics_for", "metrics_from_outputs", "splits"]


def splits(objective: str | Objective, data_dir: str | Path | None = None, seed: int = 42) -> dict[str, pd.DataFrame]:
    """Train, dev and test pairs for an objective, with a ``label`` column in training form.

    Labels: class index 0-2 for NLI (see :data:`compsem.models.adapters.NLI_ID2LABEL`), else a float in 0-1.
    The equivalence objective mixes two datasets (:func:`~compsem.training.equivalence.equivalence_splits`); every
    other objective reads one (:func:`~compsem.training.dataset_splits.dataset_splits`).
    """
    obj = get_objective(objective) if isinstance(objective, str) else objective
    if obj.dataset == "sick+mrpc":
        parts = equivalence_splits(data_dir, seed)
        keep = ["sentence_a", "sentence_b", "label"]
        return {
            k: v[keep + (["source"] if "source" in v.columns else [])].reset_index(drop=True) for k, v in parts.items()
        }
    return dataset_splits(obj, data_dir, seed)


def _predict(model, frame: pd.DataFrame) -> np.ndarray:
    """A CrossEncoder's outputs: logits for classes, the model's own activation for one output."""
    pairs = list(zip(frame["sentence_a"].tolist(), frame["sentence_b"].tolist()))
    return np.asarray(
        model.predict(pairs, batch_size=64, show_progress_bar=False, convert_to_numpy=True, apply_softmax=False)
    )


def metrics_from_outputs(obj: Objective, frame: pd.DataFrame, out: np.ndarray, prefix: str) -> dict[str, float]:
    """The objective's metrics from outputs (class logits, or 0-1 scores for one output)."""
    if obj.num_labels == 3:
        pred = np.asarray(out).argmax(axis=1)
        return {f"{prefix}_accuracy": ev.accuracy(frame["label"].to_numpy(), pred)}
    if obj.dataset == "sick+mrpc":
        return equivalence_metrics(frame, np.asarray(out), prefix)
    if obj.dataset == "mrpc":
        pred = (np.asarray(out) >= 0.5).astype(int)
        truth = frame["label"].astype(int).to_numpy()
        return {f"{prefix}_accuracy": ev.accuracy(truth, pred), f"{prefix}_f1": ev.f1(truth, pred)}
    return {
        f"{prefix}_pearson": ev.pearson(frame["label"], out),
        f"{prefix}_spearman": ev.spearman(frame["label"], out),
    }


def metrics_for(model, obj: Objective, frame: pd.DataFrame, prefix: str) -> dict[str, float]:
    """The objective's metrics of a CrossEncoder on one split (``prefix`` is ``dev`` or ``test``)."""
    return metrics_from_outputs(obj, frame, _predict(model, frame), prefix)


def augmented_split(
    obj: Objective,
    train: pd.DataFrame,
    data: dict[str, pd.DataFrame],
    data_dir: str | Path | None,
    seed: int,
    augment: str = "minimal-edits",
):
    """The training split with hard negatives added.

    ``minimal-edits``: rule-made minimal-edit negatives (:mod:`compsem.training.augment`); ``role-swaps``:
    parse-based role swaps and high-overlap positives (:mod:`compsem.training.role_swap_augment`).
    """

    if augment == "role-swaps":
        return for_objective(obj.num_labels, train, data, data_dir, seed)

    mutual = ds.sick_mutual_entailment(data_dir) if (obj.dataset == "sick" and obj.num_labels == 3) else ()
    train_pairs = {(normalize(a), normalize(b)) for a, b in zip(train["sentence_a"], train["sentence_b"])}
    mutual = [(a, b) for a, b in mutual if (normalize(a), normalize(b)) in train_pairs]
    return aug.augment_training_split(
        obj, train, seed=seed, protected=aug.protected_sentences(data, data_dir), mutual_pairs=mutual
    )


def card_examples(folder: str | Path, data_dir: str | Path | None = None) -> list[dict]:
    """The seeded examples an augmented model's card lists, regenerated from the dataset (and checked)."""

    card = read_card(Path(folder) / CARD_NAME)
    facts = card.get("augmentation")
    if not facts:
        raise ValueError(f"{folder}: this model was trained without augmentation")
    obj = get_objective(card["objective"])
    seed = int(card["seed"])
    data = splits(obj, data_dir, seed)
    train = data["train"].sample(frac=1.0, random_state=seed).reset_index(drop=True)
    train = train.iloc[: int(facts.get("original_rows", len(train)))]
    made = augmented_split(obj, train, data, data_dir, seed, str(facts.get("name", "minimal-edits")))
    if aug.examples_digest(made.examples) != facts.get("examples_sha256"):
        raise ValueError(f"{folder}: the regenerated examples differ from the card's (other data or compsem version)")
    return list(made.examples)
