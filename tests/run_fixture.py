"""A synthetic `compsem run` folder (no model loaded): tidy results of a bi-encoder, a cross-encoder and a baseline.

Scores follow the study's pattern (the bi-encoder scores every edit high, the NLI cross-encoder rejects
negations and quantifiers but not swapped roles), drawn from a seeded generator, then written with the
same functions `compsem run` uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from compsem.analysis import analyze
from compsem.reports.files import write_run
from compsem.reports.markdown import comparison_dict, report_markdown, summary_dict

BI, CE, BAG, MRPC = (
    "sentence-transformers/all-MiniLM-L6-v2",
    "compsem/minilm-l6-sick-nli",
    "baseline/bag-of-embeddings",
    "compsem/minilm-l6-mrpc",
)
#: (kind, objective, mean score per category)
MODELS = {
    BI: (
        "bi-encoder",
        "general",
        {
            "negation": 0.86,
            "entity_swap": 0.99,
            "quantifier": 0.86,
            "positive_control": 0.84,
            "negative_control": 0.05,
            "near_miss_control": 0.8,
        },
    ),
    CE: (
        "cross-encoder",
        "nli",
        {
            "negation": 0.03,
            "entity_swap": 0.71,
            "quantifier": 0.17,
            "positive_control": 0.33,
            "negative_control": 0.05,
            "near_miss_control": 0.4,
        },
    ),
    MRPC: (
        "cross-encoder",
        "duplicate",
        {
            "negation": 0.91,
            "entity_swap": 0.93,
            "quantifier": 0.91,
            "positive_control": 0.79,
            "negative_control": 0.12,
            "near_miss_control": 0.9,
        },
    ),
    BAG: (
        "baseline",
        "lexical",
        {
            "negation": 0.96,
            "entity_swap": 1.0,
            "quantifier": 0.95,
            "positive_control": 0.83,
            "negative_control": 0.37,
            "near_miss_control": 0.96,
        },
    ),
}
XSS = "<script>alert('x')</script> & <b>bold</b>"


def synthetic_results(n: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for model, (kind, objective, means) in MODELS.items():
        for cat, mean in means.items():
            for i in range(n):
                score = float(np.clip(mean + rng.normal(0, 0.05), 0, 1))
                a = XSS if (cat, i) == ("negation", 0) else f"Sentence {i} of {cat}."
                rows.append(
                    {
                        "pair_id": f"{cat}-{i}",
                        "category": cat,
                        "sentence_a": a,
                        "sentence_b": f"Edited sentence {i} of {cat}.",
                        "model": model,
                        "kind": kind,
                        "objective": objective,
                        "raw_score": score,
                        "score": score,
                        "raw_output": "{}",
                    }
                )
    return pd.DataFrame(rows)


def write_synthetic_run(out: Path, thresholds=(0.5, 0.8)) -> pd.DataFrame:
    results = synthetic_results()
    meta = {
        "pairs_source": "synthetic <pairs>",
        "n_pairs": int(results["pair_id"].nunique()),
        "thresholds": list(thresholds),
        "created": "2026-11-30T12:00:00+0000",
    }
    analysis = analyze(results, thresholds)
    write_run(
        Path(out),
        results,
        summary_dict(analysis, meta),
        comparison_dict(analysis.comparisons),
        report_markdown(analysis, meta),
    )
    return results
