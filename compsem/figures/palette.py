"""One colour per model, the same on every chart, page and report, and no two models alike.

:func:`model_color` maps a model to a colour that does not depend on which other models are
drawn beside it: the models compsem knows have a fixed entry in :data:`FIXED_COLORS`; any other
key (a local folder, a model added later) gets a colour from :data:`FALLBACK_PALETTE` chosen by
a hash of the key, so it is the same in every process and on every machine. A model's display
label (``MiniLM-L6 STS-B (trained)``) finds the same colour as its key.

How the colours were chosen: hue tells the objective and lightness the backbone (MiniLM-L6
medium, MPNet-base dark), so "SICK-NLI" is blue on either backbone and the objectives page keeps
its meaning when the backbone switches; the lexical baselines are grey, olive and tan. The
remaining registry models and the fallback colours were then added one at a time, each the sRGB
colour (lightness 30-72, readable on white) farthest from every colour already taken. The
result: every two colours of the table, fallbacks included, differ by CIEDE2000 ≥ 15
(``tests/test_palette.py``; :mod:`compsem.figures.colour_distance`).

Categories are never drawn in model colours: they get marker symbols
(:data:`CATEGORY_SYMBOLS`) or hatching, so a colour always means a model.

Example:
    >>> model_color("sentence-transformers/all-MiniLM-L6-v2")
    '#d62728'
    >>> model_color("MiniLM-L6 (bi)")
    '#d62728'
    >>> model_color("/models/mine") == model_color("/models/mine")
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

from compsem.models.registry import all_specs

#: Fixed colours of the registry's models (13 offline models first, then the hub models).
FIXED_COLORS: dict[str, str] = {
    # bi-encoders that run offline: red, and a darker red for the larger backbone
    "sentence-transformers/all-MiniLM-L6-v2": "#d62728",
    "sentence-transformers/all-mpnet-base-v2": "#7a0f1f",
    # lexical baselines: "not a model"
    "baseline/token-jaccard": "#7f7f7f",
    "baseline/tfidf-cosine": "#b8a000",
    "baseline/bag-of-embeddings": "#c49a6c",
    # cross-encoders trained by compsem: hue = objective, MiniLM-L6 medium, MPNet-base dark
    "compsem/minilm-l6-sick-nli": "#1f77b4",
    "compsem/mpnet-base-sick-nli": "#0b3d91",
    "compsem/minilm-l6-sick-nli-minimal-edits": "#17becf",
    "compsem/mpnet-base-sick-nli-minimal-edits": "#00665e",
    "compsem/minilm-l6-mrpc": "#9467bd",
    "compsem/mpnet-base-mrpc": "#6a1b9a",
    "compsem/minilm-l6-stsb": "#ff7f0e",
    "compsem/minilm-l6-sick-relatedness": "#2ca02c",
    # hub models (need the network), each the farthest free colour from the ones above
    "BAAI/bge-large-en-v1.5": "#664400",
    "nomic-ai/nomic-embed-text-v1.5": "#ff88aa",
    "mixedbread-ai/mxbai-embed-large-v1": "#335500",
    "thenlper/gte-large": "#99aaff",
    "cross-encoder/stsb-roberta-large": "#cc0077",
    "cross-encoder/ms-marco-MiniLM-L-12-v2": "#ff66ff",
    "BAAI/bge-reranker-large": "#88bb99",
    "cross-encoder/quora-roberta-large": "#777744",
    "cross-encoder/nli-roberta-large": "#aa6611",
}

#: Colours for keys outside :data:`FIXED_COLORS`, continuing the same farthest-first choice.
FALLBACK_PALETTE: tuple[str, ...] = (
    "#00aaff",
    "#885544",
    "#ee7766",
    "#5544ff",
    "#664466",
    "#009988",
    "#bb99cc",
    "#ff2266",
    "#99bb44",
    "#aa6677",
    "#338899",
    "#227744",
)

#: The smallest CIEDE2000 difference the palette keeps between any two model colours.
MIN_DISTANCE = 15.0

#: Marker symbols for categories (in the order categories are drawn), never model colours.
CATEGORY_SYMBOLS: tuple[str, ...] = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "x",
    "cross",
    "triangle-down",
    "star",
    "hexagon",
    "pentagon",
    "circle-open",
    "square-open",
    "diamond-open",
    "triangle-up-open",
)

#: Colour of things drawn beside models that are not models (a first stage alone, a reference line).
NEUTRAL = "#4d4d4d"

#: The reranking lab's first stages alone, by display label (:data:`compsem.rerank.STAGE_LABELS`): BM25 and the
#: fused stage are not models (greys); the dense stage is the MiniLM bi-encoder, so it keeps that model's colour.
FIRST_STAGE_COLORS: dict[str, str] = {
    "BM25": NEUTRAL,
    "Bi-encoder (MiniLM)": FIXED_COLORS["sentence-transformers/all-MiniLM-L6-v2"],
    "Hybrid (BM25 + bi-encoder, RRF)": "#000000",
}


@lru_cache(maxsize=1)
def _label_keys() -> dict[str, str]:
    """Display label -> key for every registry model (trained ones included), read once per process."""
    return {spec.label: spec.key for spec in all_specs() if getattr(spec, "label", None)}


def model_color(key: str) -> str:
    """The colour of a model, stable whatever else is selected.

    Args:
        key: a registry key (``sentence-transformers/all-MiniLM-L6-v2``), its display label
            (``MiniLM-L6 (bi)``) or any other model name.

    Returns:
        A ``#rrggbb`` colour: the fixed one for a known key or label, else one picked from
        :data:`FALLBACK_PALETTE` by the first 8 bytes of SHA-256(key).
    """
    key = str(key)
    if key in FIXED_COLORS:
        return FIXED_COLORS[key]
    if key in FIRST_STAGE_COLORS:
        return FIRST_STAGE_COLORS[key]
    known = _label_keys().get(key)
    if known in FIXED_COLORS:
        return FIXED_COLORS[known]
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return FALLBACK_PALETTE[int.from_bytes(digest[:8], "big") % len(FALLBACK_PALETTE)]


def model_colors(keys: Iterable[str]) -> dict[str, str]:
    """``{key: model_color(key)}`` for each key, in order."""
    return {k: model_color(k) for k in dict.fromkeys(keys)}


def category_symbols(categories: Iterable[str]) -> dict[str, str]:
    """``{category: marker symbol}`` in the given order (the symbols repeat after 14 categories)."""
    return {c: CATEGORY_SYMBOLS[i % len(CATEGORY_SYMBOLS)] for i, c in enumerate(dict.fromkeys(categories))}


__all__ = [
    "CATEGORY_SYMBOLS",
    "FALLBACK_PALETTE",
    "FIRST_STAGE_COLORS",
    "FIXED_COLORS",
    "MIN_DISTANCE",
    "NEUTRAL",
    "category_symbols",
    "model_color",
    "model_colors",
]
