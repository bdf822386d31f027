"""Train, dev and test splits of one public dataset (SICK, STS-B, MRPC) in an objective's training form.

The equivalence objective, which mixes SICK and MRPC, builds on these (:mod:`compsem.training.equivalence`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from compsem.data import datasets as ds
from compsem.models.adapters import NLI_ID2LABEL
from compsem.training.objectives import Objective, get_objective

#: Share of MRPC train held out as its dev split (this copy of MRPC has no dev file), seeded.
MRPC_DEV_SHARE = 0.1


def dataset_splits(
    objective: str | Objective, data_dir: str | Path | None = None, seed: int = 42
) -> dict[str, pd.DataFrame]:
    """Train, dev and test pairs for an objective, with a ``label`` column in training form.

    Labels: class index 0-2 for NLI (see :data:`NLI_ID2LABEL`), else a float in 0-1.
    """
    obj = get_objective(objective) if isinstance(objective, str) else objective
    if obj.dataset == "sick":
        df = ds.load_sick(data_dir)
        if obj.num_labels == 3:
            to_id = {v: k for k, v in NLI_ID2LABEL.items()}
            df = df.assign(label=df["label"].map(to_id).astype(int))
        else:
            df = df.assign(label=((df["relatedness"] - 1.0) / 4.0).astype(float))
        parts = {"train": df[df.split == "train"], "dev": df[df.split == "trial"], "test": df[df.split == "test"]}
    elif obj.dataset == "stsb":
        df = ds.load_stsb(data_dir)
        df = df.assign(label=(df["score"] / 5.0).astype(float))
        parts = {s: df[df.split == s] for s in ("train", "dev", "test")}
    else:
        df = ds.load_mrpc(data_dir)
        df = df.assign(label=df["label"].astype(float))
        train = df[df.split == "train"].reset_index(drop=True)
        rng = np.random.default_rng(seed)
        dev_idx = np.sort(rng.permutation(len(train))[: int(round(MRPC_DEV_SHARE * len(train)))])
        is_dev = np.zeros(len(train), dtype=bool)
        is_dev[dev_idx] = True
        parts = {"train": train[~is_dev], "dev": train[is_dev], "test": df[df.split == "test"]}
    keep = ["sentence_a", "sentence_b", "label"]
    return {k: v[keep + (["source"] if "source" in v.columns else [])].reset_index(drop=True) for k, v in parts.items()}
