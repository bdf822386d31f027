"""Training a LoRA adapter over a packaged backbone: the plain PyTorch loop, checkpoints, saving.

The training loop is deliberately plain PyTorch (AdamW, linear warm-up then decay, seeded
shuffling per epoch), so a run is reproducible, checkpointed after each epoch and resumable.
Loading and checking a saved adapter is :mod:`compsem.models.adapters`.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compsem.models.adapters import ADAPTER_CONFIG, ADAPTER_WEIGHTS
from compsem.models.fingerprints import file_sha256

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoraRecipe:
    """The adapter configuration (peft ``LoraConfig``) and optimiser settings of one training run.

    Attributes:
        r: rank of the low-rank update.
        alpha: scaling numerator (the update is scaled by alpha / r).
        dropout: dropout on the adapter's input.
        target_modules: names of the linear layers that get an adapter.
        modules_to_save: layers trained in full and saved with the adapter (the new head).
        learning_rate: peak learning rate (AdamW, no weight decay).
        warmup_ratio: share of steps with a linear warm-up, then linear decay to 0.
        batch_size: pairs per step.
        max_length: tokens per pair (longer pairs are truncated).
    """

    r: int = 16
    alpha: int = 32
    dropout: float = 0.1
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    modules_to_save: tuple[str, ...] = ("classifier",)
    learning_rate: float = 5e-4
    warmup_ratio: float = 0.1
    batch_size: int = 16
    max_length: int = 128

    def as_dict(self) -> dict:
        out = asdict(self)
        out["target_modules"] = list(self.target_modules)
        out["modules_to_save"] = list(self.modules_to_save)
        return out


@dataclass(frozen=True)
class LoraTrainResult:
    """What :func:`train_adapter` produced: the merged-able peft model and its training log."""

    model: object
    tokenizer: object
    losses: tuple[float, ...]
    dev_by_epoch: tuple[dict, ...]
    train_seconds: float
    trainable_parameters: int
    total_parameters: int
    resumed_from_epoch: int


def _batches(frame: pd.DataFrame, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    # A fresh seeded order per epoch: the same seed gives the same batches, also after a resume.
    order = np.random.default_rng([seed, epoch]).permutation(len(frame))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def train_adapter(
    backbone: str | Path,
    train: pd.DataFrame,
    *,
    num_labels: int,
    epochs: int,
    seed: int,
    recipe: LoraRecipe,
    checkpoint_dir: str | Path,
    id2label: dict[int, str] | None = None,
    dev_metrics: Callable[[object, object], dict[str, float]] | None = None,
    progress: Callable[[str], None] | None = None,
    device: str = "cpu",
    init_adapter: str | Path | None = None,
) -> LoraTrainResult:
    """Train a LoRA adapter plus a new head over ``backbone`` on (sentence_a, sentence_b, label) rows.

    Loss: cross-entropy over ``num_labels`` classes when ``num_labels > 1`` (labels are class
    indices), else binary cross-entropy on the logit with soft 0-1 labels. After each epoch
    the adapter, optimiser, scheduler and random state are saved under ``checkpoint_dir``;
    calling again with the same arguments resumes after the last finished epoch.

    Args:
        dev_metrics: ``dev_metrics(model, tokenizer) -> {name: value}`` run after each epoch
            (dev split only; nothing here looks at a test split).
        progress: called with one line per logged step and per epoch.
        device: ``cpu``, ``cuda`` or ``mps`` (resolved by :func:`compsem.models.devices.choose_device`).
        init_adapter: a saved adapter folder (same backbone and number of labels) to continue
            training from instead of a fresh adapter and head.
    """
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
        set_seed,
    )

    if epochs < 1 or recipe.batch_size < 1:
        raise ValueError("epochs and batch size must be at least 1.")
    set_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(backbone))
    config_kwargs: dict = {"num_labels": num_labels}
    if id2label:
        config_kwargs.update(id2label=id2label, label2id={v: k for k, v in id2label.items()})
    base = AutoModelForSequenceClassification.from_pretrained(str(backbone), **config_kwargs)
    lora = LoraConfig(
        r=recipe.r,
        lora_alpha=recipe.alpha,
        lora_dropout=recipe.dropout,
        target_modules=list(recipe.target_modules),
        modules_to_save=list(recipe.modules_to_save),
        task_type="SEQ_CLS",
    )
    checkpoints = Path(checkpoint_dir)
    done = _last_checkpoint(checkpoints, epochs)
    if done:
        model = PeftModel.from_pretrained(base, str(checkpoints / f"epoch-{done}"), is_trainable=True)
    elif init_adapter is not None:
        model = PeftModel.from_pretrained(base, str(init_adapter), is_trainable=True)
        model.float()  # an adapter stored in fp16 trains in fp32
    else:
        model = get_peft_model(base, lora)
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=recipe.learning_rate, weight_decay=0.0)
    batches_per_epoch = -(-len(train) // recipe.batch_size)
    steps = max(1, batches_per_epoch * epochs)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(recipe.warmup_ratio * steps), steps)
    losses: list[float] = []
    dev_log: list[dict] = []
    if done:
        state = torch.load(checkpoints / f"epoch-{done}" / "trainer_state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        losses, dev_log = list(state["losses"]), list(state["dev_by_epoch"])
        if progress:
            progress(f"resumed after epoch {done} from {checkpoints / f'epoch-{done}'}")
    a_all, b_all = train["sentence_a"].tolist(), train["sentence_b"].tolist()
    labels_all = train["label"].to_numpy()
    loss_fn = torch.nn.CrossEntropyLoss() if num_labels > 1 else torch.nn.BCEWithLogitsLoss()
    start = time.perf_counter()
    for epoch in range(done + 1, epochs + 1):
        model.train()
        running, count = 0.0, 0
        for step, idx in enumerate(_batches(train, recipe.batch_size, seed, epoch), start=1):
            enc = tokenizer(
                [a_all[i] for i in idx],
                [b_all[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=recipe.max_length,
                return_tensors="pt",
            ).to(device)
            logits = model(**enc).logits
            if num_labels > 1:
                loss = loss_fn(logits, torch.as_tensor(labels_all[idx], dtype=torch.long, device=device))
            else:
                target = torch.as_tensor(labels_all[idx], dtype=torch.float32, device=device)
                loss = loss_fn(logits.squeeze(-1), target)
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            running, count = running + loss.item(), count + 1
            if step % 50 == 0 or step == batches_per_epoch:
                losses.append(running / count)
                if progress:
                    progress(
                        f"epoch {epoch}/{epochs} step {step}/{batches_per_epoch} loss {running / count:.4f} "
                        f"({time.perf_counter() - start:.0f} s)"
                    )
                running, count = 0.0, 0
        model.eval()
        dev = dict(dev_metrics(model, tokenizer)) if dev_metrics else {}
        dev_log.append({"epoch": epoch, **{k: round(float(v), 4) for k, v in dev.items()}})
        if progress and dev:
            progress(f"epoch {epoch} dev " + ", ".join(f"{k} {v:.4f}" for k, v in dev.items()))
        _save_checkpoint(model, checkpoints / f"epoch-{epoch}", optimizer, scheduler, losses, dev_log)
    model.eval()
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_total = sum(p.numel() for p in model.parameters())
    return LoraTrainResult(
        model, tokenizer, tuple(losses), tuple(dev_log), time.perf_counter() - start, int(n_train), int(n_total), done
    )


def _last_checkpoint(folder: Path, epochs: int) -> int:
    last = 0
    for epoch in range(1, epochs + 1):
        if (folder / f"epoch-{epoch}" / "trainer_state.pt").is_file():
            last = epoch
    return last


def _save_checkpoint(model, folder: Path, optimizer, scheduler, losses, dev_log) -> None:
    import torch

    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(tmp))
    torch.save(
        {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "losses": losses,
            "dev_by_epoch": dev_log,
        },
        tmp / "trainer_state.pt",
    )
    if folder.exists():
        shutil.rmtree(folder)
    tmp.replace(folder)  # a checkpoint is whole or absent, also after a kill


def predict_logits(
    model, tokenizer, pairs: Sequence[tuple[str, str]], max_length: int = 128, batch_size: int = 64
) -> np.ndarray:
    """Raw logits of a (peft or plain) sequence-classification model, shape (n,) or (n, labels)."""
    import torch

    out = []
    device = next(model.parameters()).device
    with torch.inference_mode():
        for i in range(0, len(pairs), batch_size):
            part = pairs[i : i + batch_size]
            enc = tokenizer(
                [a for a, _ in part],
                [b for _, b in part],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            ).to(device)
            out.append(model(**enc).logits.float().cpu().numpy())
    if not out:
        return np.zeros((0,))
    logits = np.concatenate(out, axis=0)
    return logits[:, 0] if logits.shape[1] == 1 else logits


def save_adapter(model, folder: str | Path, fp16: bool = False) -> dict:
    """Write the adapter (``save_pretrained``) into ``folder`` and return its file facts for the card.

    Args:
        fp16: store floating tensors as float16 (half the bytes). peft copies them into the fp32
            model when loading, so scoring still runs in fp32; the card's test figures are measured
            after this rounding, on the adapter as stored.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder))
    weights = folder / ADAPTER_WEIGHTS
    if fp16:
        from safetensors.torch import load_file, save_file

        tensors = load_file(str(weights))
        half = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in tensors.items()}
        tmp = weights.with_name(weights.name + ".tmp")
        save_file(half, str(tmp), metadata={"format": "pt"})
        tmp.chmod(0o644)
        tmp.replace(weights)
    config = json.loads((folder / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    # peft writes the absolute path of the base model into the config; a committed file must not
    # carry a path of the machine it was made on, and the card names the backbone anyway.
    if config.get("base_model_name_or_path"):
        config["base_model_name_or_path"] = None
        (folder / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {
        "file": ADAPTER_WEIGHTS,
        "sha256": file_sha256(weights),
        "config_sha256": file_sha256(folder / ADAPTER_CONFIG),
        "bytes": weights.stat().st_size,
        **({"dtype": "float16"} if fp16 else {}),
    }
