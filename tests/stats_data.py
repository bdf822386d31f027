"""Shared test data of the compsem.stats tests: four models, seven pairs, scores chosen for hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

META = {
    "bi1": ("bi-encoder", "general"),
    "bi2": ("bi-encoder", "general"),
    "ce1": ("cross-encoder", "sts"),
    "ce_ret": ("cross-encoder", "retrieval"),
}

# Scores per model for each pair: pair -> category, and model -> {pair: score}.
PAIRS = {
    "n1": "negation",
    "n2": "negation",
    "n3": "negation",
    "h1": "hedging",
    "h2": "hedging",
    "p1": "positive_control",
    "p2": "positive_control",
}
SCORES = {
    "bi1": {"n1": 0.9, "n2": 0.8, "n3": 0.7, "h1": 0.7, "h2": 0.4, "p1": 0.9, "p2": 0.8},
    "bi2": {"n1": 0.95, "n2": 0.85, "n3": 0.6, "h1": 0.6, "h2": 0.3, "p1": 0.85, "p2": 0.95},
    "ce1": {"n1": 0.1, "n2": 0.2, "n3": 0.6, "h1": 0.6, "h2": 0.5, "p1": 0.9, "p2": 0.7},
    "ce_ret": {"n1": 0.99, "n2": 0.98, "n3": 0.97, "h1": 0.9, "h2": 0.9, "p1": 0.6, "p2": 0.5},
}


def frame(rows, meta=META) -> pd.DataFrame:
    """Tidy results from (pair_id, category, model, score) rows."""
    return pd.DataFrame(
        [
            {
                "pair_id": p,
                "category": c,
                "model": m,
                "kind": meta[m][0],
                "objective": meta[m][1],
                "raw_score": s,
                "score": s,
            }
            for p, c, m, s in rows
        ]
    )


@pytest.fixture
def results() -> pd.DataFrame:
    return frame([(p, PAIRS[p], m, s) for m, by_pair in SCORES.items() for p, s in by_pair.items()])


def row(df: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(df), dtype=bool)
    for k, v in where.items():
        mask &= (df[k] == v).to_numpy()
    assert mask.sum() == 1, f"{mask.sum()} rows match {where}"
    return df[mask].iloc[0]
