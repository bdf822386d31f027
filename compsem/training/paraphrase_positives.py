"""High-overlap positives from the training data's own paraphrase pairs.

A model shown many "same words, different meaning" pairs (role swaps, minimal edits) can learn
"any change = different" and start rejecting true paraphrases (the bundled paraphrase pass rate
fell from 37 % to 26 % with minimal edits alone). These rows keep "many shared words, same
meaning" on the positive side:

* SICK TRAIN pairs annotated as entailing in **both** directions, added in the reverse order
  (the original order is already in the training split);
* MRPC train paraphrases (label 1) whose word overlap is high (token Jaccard ≥
  :data:`MIN_OVERLAP`), in both orders — a seeded sample of at most :data:`MAX_MRPC` pairs.

Only training splits are read: SICK's ``SemEval_set == TRAIN`` rows and the part of MRPC train
left after the seeded 10 % dev split (:func:`compsem.training.train_data.splits`).

Example:
    >>> jaccard("A man is playing a guitar", "A guitar is being played by a man")
    0.5
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from compsem.data import datasets as ds
from compsem.data.variants.minimal_edits import normalize

__all__ = ["MAX_MRPC", "MIN_OVERLAP", "jaccard", "mrpc_positives", "sick_mutual_positives"]

#: Token Jaccard an MRPC paraphrase needs to count as "high overlap".
MIN_OVERLAP = 0.5
#: MRPC paraphrase pairs drawn at most (each is added in both orders).
MAX_MRPC = 600

_WORD = re.compile(r"[a-z0-9]+")


def jaccard(a: str, b: str) -> float:
    """Token Jaccard |A ∩ B| / |A ∪ B| over lower-cased alphanumeric words (0 when both are empty)."""
    sa, sb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def sick_mutual_positives(train_pairs: set[tuple[str, str]], data_dir: str | Path | None = None) -> pd.DataFrame:
    """SICK TRAIN mutual-entailment pairs in the reverse order (sentence_a, sentence_b, dataset).

    Args:
        train_pairs: normalized (a, b) pairs of the training split actually used; a mutual pair outside
            it (e.g. cut by ``--max-train-pairs``) is not reversed.
        data_dir: datasets folder.
    """

    rows = [
        {"sentence_a": b, "sentence_b": a, "dataset": "sick"}
        for a, b in ds.sick_mutual_entailment(data_dir)
        if (normalize(a), normalize(b)) in train_pairs
    ]
    return pd.DataFrame(rows, columns=["sentence_a", "sentence_b", "dataset"])


def mrpc_positives(mrpc_train: pd.DataFrame, seed: int) -> pd.DataFrame:
    """High-overlap MRPC training paraphrases, both orders (sentence_a, sentence_b, dataset).

    Args:
        mrpc_train: MRPC's training part (after the dev split), with a 0/1 ``label``.
        seed: seeds the sample when more than :data:`MAX_MRPC` pairs qualify.
    """
    positive = mrpc_train[mrpc_train["label"].astype(float) >= 0.5]
    overlap = [jaccard(a, b) for a, b in zip(positive["sentence_a"], positive["sentence_b"])]
    keep = positive[np.asarray(overlap, dtype=float) >= MIN_OVERLAP] if len(positive) else positive
    if len(keep) > MAX_MRPC:
        idx = np.sort(np.random.default_rng([seed, 11]).choice(len(keep), MAX_MRPC, replace=False))
        keep = keep.iloc[idx]
    forward = keep[["sentence_a", "sentence_b"]]
    backward = forward.rename(columns={"sentence_a": "sentence_b", "sentence_b": "sentence_a"})
    out = pd.concat([forward, backward[["sentence_a", "sentence_b"]]], ignore_index=True)
    return out.assign(dataset="mrpc")
