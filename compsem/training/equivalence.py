"""The ``equivalence`` objective's data: one binary "same meaning" label over SICK and MRPC.

The NLI adapters score similarity as min(P(entailment | A,B), P(entailment | B,A)): two
directional judgements glued together. This objective trains the question directly, with a
sigmoid head:

* SICK pairs: 1 when annotated as entailing in **both** directions (``entailment_AB`` =
  ``A_entails_B`` and ``entailment_BA`` = ``B_entails_A``), else 0 (one-way entailment,
  neutral, contradiction). Splits: TRAIN / TRIAL (dev) / TEST.
* MRPC pairs: the paraphrase label. Splits: train minus a seeded 10 % dev split / that dev
  split / test (as :func:`compsem.training.train_data.splits` carves them for the ``mrpc`` objective).

Every row carries ``source`` (``sick`` or ``mrpc``), so metrics are reported per dataset as
well as pooled (:func:`equivalence_metrics`).

Example:
    >>> parts = equivalence_splits(seed=42)                       # doctest: +SKIP
    >>> sorted(parts), sorted(parts["test"]["source"].unique())   # doctest: +SKIP
    (['dev', 'test', 'train'], ['mrpc', 'sick'])
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from compsem.data import datasets as ds
from compsem.training import metrics as ev
from compsem.training.dataset_splits import dataset_splits as splits
from compsem.training.objectives import get_objective

__all__ = ["DATASET", "equivalence_metrics", "equivalence_splits", "sick_mutual_labels"]

#: The ``dataset`` name of the objective (both corpora).
DATASET = "sick+mrpc"


def sick_mutual_labels(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every SICK pair with a 0/1 mutual-entailment label and its split (train / trial / test).

    Raises:
        compsem.data.datasets.DatasetError: the file is missing or lacks the direction columns.
    """

    path = ds.dataset_dir(data_dir) / "sick" / "SICK.txt"
    lines = ds._read_lines(path)
    header = [h.strip() for h in lines[0].split("\t")]
    need = ("sentence_A", "sentence_B", "entailment_AB", "entailment_BA", "SemEval_set")
    missing = [c for c in need if c not in header]
    if missing:
        raise ds.DatasetError(f"{path}, line 1: header lacks column(s) {', '.join(missing)}.")
    col = {c: header.index(c) for c in need}
    rows = []
    for line in lines[1:]:
        f = line.split("\t")
        if len(f) < len(header):
            continue
        mutual = f[col["entailment_AB"]].strip() == "A_entails_B" and f[col["entailment_BA"]].strip() == "B_entails_A"
        rows.append(
            {
                "sentence_a": f[col["sentence_A"]].strip(),
                "sentence_b": f[col["sentence_B"]].strip(),
                "label": float(mutual),
                "split": f[col["SemEval_set"]].strip().lower(),
            }
        )
    return pd.DataFrame(rows, columns=["sentence_a", "sentence_b", "label", "split"])


def equivalence_splits(data_dir: str | Path | None = None, seed: int = 42) -> dict[str, pd.DataFrame]:
    """Train, dev and test pairs (sentence_a, sentence_b, label 0/1, source) from SICK and MRPC."""

    sick = sick_mutual_labels(data_dir)
    mrpc = splits(get_objective("mrpc"), data_dir, seed)
    parts = {}
    for name, sick_split in (("train", "train"), ("dev", "trial"), ("test", "test")):
        s = sick[sick["split"] == sick_split].drop(columns="split").assign(source="sick")
        m = mrpc[name].assign(source="mrpc", label=mrpc[name]["label"].astype(float))
        parts[name] = pd.concat([s, m], ignore_index=True)
    return parts


def equivalence_metrics(frame: pd.DataFrame, probability: np.ndarray, prefix: str) -> dict[str, float]:
    """Accuracy at 0.5, pooled and per source, and F1 per source: ``<prefix>_accuracy``,
    ``<prefix>_sick_accuracy``, ``<prefix>_mrpc_accuracy``, ``<prefix>_sick_f1``, ``<prefix>_mrpc_f1``."""

    pred = (np.asarray(probability, dtype=float) >= 0.5).astype(int)
    truth = frame["label"].astype(int).to_numpy()
    out = {f"{prefix}_accuracy": ev.accuracy(truth, pred)}
    source = frame["source"].to_numpy() if "source" in frame.columns else np.full(len(frame), "")
    for name in ("sick", "mrpc"):
        mask = source == name
        if mask.any():
            out[f"{prefix}_{name}_accuracy"] = ev.accuracy(truth[mask], pred[mask])
    for name in ("sick", "mrpc"):  # F1 too: SICK is 12-17 % "same meaning", so accuracy alone flatters
        mask = source == name
        if mask.any():
            out[f"{prefix}_{name}_f1"] = ev.f1(truth[mask], pred[mask])
    return out
