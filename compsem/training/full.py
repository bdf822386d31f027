"""Full fine-tuning (``compsem train --method full``): every weight, with sentence-transformers' trainer.

Kept for comparison with the adapters; the result is 90 MB, so it stays in ``cache/models/``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from compsem.models.adapters import NLI_ID2LABEL
from compsem.training.objectives import Objective

__all__ = ["train_full"]


def train_full(
    obj: Objective,
    train: pd.DataFrame,
    folder: Path,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    progress: bool,
    base: Path,
    max_length: int = 128,
    warmup: float = 0.1,
    device: str = "cpu",
):
    """Fine-tune every weight with sentence-transformers' CrossEncoder trainer; returns (model, losses, seconds)."""
    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss, CrossEntropyLoss
    from transformers import set_seed

    set_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    loss: CrossEntropyLoss | BinaryCrossEntropyLoss
    if obj.num_labels == 3:
        model = CrossEncoder(
            str(base),
            num_labels=3,
            max_length=max_length,
            activation_fn=torch.nn.Identity(),
            config_kwargs={"id2label": NLI_ID2LABEL, "label2id": {v: k for k, v in NLI_ID2LABEL.items()}},
        )
        loss = CrossEntropyLoss(model)
    else:
        model = CrossEncoder(str(base), num_labels=1, max_length=max_length)
        loss = BinaryCrossEntropyLoss(model)
    steps = max(1, -(-len(train) // batch_size) * epochs)
    args = CrossEncoderTrainingArguments(
        output_dir=str(folder / "_checkpoints"),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=lr,
        warmup_steps=int(warmup * steps),
        seed=seed,
        data_seed=seed,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        logging_steps=max(1, min(50, steps // 10)),
        disable_tqdm=not progress,
        use_cpu=device == "cpu",
    )
    trainer = CrossEncoderTrainer(
        model=model, args=args, train_dataset=Dataset.from_pandas(train, preserve_index=False), loss=loss
    )
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    losses = tuple(float(h["loss"]) for h in trainer.state.log_history if "loss" in h)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(str(folder))
    return model, losses, seconds
