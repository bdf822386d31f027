"""compsem: where embedding similarity breaks on compositional meaning changes, and whether cross-encoders fix it.

The package is read in data-path order, one folder per role::

    config                      where things live (cache, shipped models, datasets)
    data/      pair files       load + validate pairs; categories, labels, the result schema, datasets, edits
    models/    registry         what a model is, where its files are, how they are checked and loaded
    scorers/   + store/         a loaded model scores pairs; the score store keeps every score
    scoring                     (model, pairs) -> tidy DataFrame, one row per pair x model
    training/                   fine-tuning cross-encoders (LoRA), objectives, augmentation
    stats/     analysis/        pure statistics; every table of a run, computed once
    figures/   reports/         Plotly figures; Markdown / HTML / per-pair files
    rerank/                     first stages, reranking, IR metrics
    pipeline, check             `compsem run` and the CI gate as library calls
    app/       cli/             the Streamlit dashboard (only place that imports Streamlit) and the CLI

The common entry points are importable from here (``compsem.load_pairs``, ``compsem.score_pairs``,
``compsem.run``, ...); they load on first use, so ``import compsem.config`` stays light.

Example:
    >>> import compsem
    >>> pairs = compsem.load_pairs()  # doctest: +SKIP
    >>> tidy = compsem.score_pairs(pairs, ["token-jaccard"]).results  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_PUBLIC = {
    "load_pairs": "compsem.data.pairs",
    "resolve": "compsem.models.registry",
    "score_pairs": "compsem.scoring",
    "score_text_pair": "compsem.scoring",
    "analyze": "compsem.analysis",
    "run": "compsem.pipeline",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    # PEP 562: the public names are looked up on first use, so importing a low layer never loads the whole package.
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'compsem' has no attribute {name!r}")
