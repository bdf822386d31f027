"""One colour per model, the same on every chart, page and report.

:func:`model_color` maps a model key to a colour that does not depend on which other
models are drawn beside it: the models compsem knows have a fixed entry in
:data:`FIXED_COLORS`; any other key (a local folder, a model added later) gets a colour
from :data:`FALLBACK_PALETTE` chosen by a hash of the key, so it is the same in every
process and on every machine.

Example:
    >>> model_color("sentence-transformers/all-MiniLM-L6-v2")
    '#d62728'
    >>> model_color("/models/mine") == model_color("/models/mine")
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

#: Fixed colours of the registry's models. The MiniLM bi-encoder keeps the bi-encoder red that
#: the family charts use; the trained cross-encoders are blues, greens, orange and purple; the
#: lexical baselines are greys and browns, so the eye groups them as "not a model".
FIXED_COLORS: dict[str, str] = {
    # bi-encoders
    "sentence-transformers/all-MiniLM-L6-v2": "#d62728",
    "sentence-transformers/all-mpnet-base-v2": "#e377c2",
    "BAAI/bge-large-en-v1.5": "#ad494a",
    "nomic-ai/nomic-embed-text-v1.5": "#ff9896",
    "mixedbread-ai/mxbai-embed-large-v1": "#843c39",
    "thenlper/gte-large": "#d6616b",
    # cross-encoders trained by compsem
    "compsem/minilm-l6-sick-nli": "#1f77b4",
    "compsem/minilm-l6-sick-relatedness": "#2ca02c",
    "compsem/minilm-l6-stsb": "#ff7f0e",
    "compsem/minilm-l6-mrpc": "#9467bd",
    # hub cross-encoders
    "cross-encoder/stsb-roberta-large": "#17becf",
    "cross-encoder/ms-marco-MiniLM-L-12-v2": "#393b79",
    "BAAI/bge-reranker-large": "#637939",
    "cross-encoder/quora-roberta-large": "#e6550d",
    "cross-encoder/nli-roberta-large": "#3182bd",
    # lexical baselines
    "baseline/token-jaccard": "#7f7f7f",
    "baseline/tfidf-cosine": "#bcbd22",
    "baseline/bag-of-embeddings": "#8c564b",
}

#: Colours for keys outside :data:`FIXED_COLORS` (a qualitative palette; none of them repeats a fixed colour).
FALLBACK_PALETTE: tuple[str, ...] = (
    "#6b6ecf",
    "#b5cf6b",
    "#e7ba52",
    "#ce6dbd",
    "#9c9ede",
    "#8ca252",
    "#bd9e39",
    "#a55194",
    "#5254a3",
    "#cedb9c",
    "#e7969c",
    "#7b4173",
    "#31a354",
    "#756bb1",
    "#636363",
    "#fd8d3c",
)


def model_color(key: str) -> str:
    """The colour of a model, stable whatever else is selected.

    Args:
        key: a registry key (``sentence-transformers/all-MiniLM-L6-v2``) or any other model name.

    Returns:
        A ``#rrggbb`` colour: the fixed one for a known key, else one picked from
        :data:`FALLBACK_PALETTE` by the first 8 bytes of SHA-256(key).
    """
    key = str(key)
    if key in FIXED_COLORS:
        return FIXED_COLORS[key]
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return FALLBACK_PALETTE[int.from_bytes(digest[:8], "big") % len(FALLBACK_PALETTE)]


def model_colors(keys: Iterable[str]) -> dict[str, str]:
    """``{key: model_color(key)}`` for each key, in order."""
    return {k: model_color(k) for k in dict.fromkeys(keys)}


__all__ = ["FALLBACK_PALETTE", "FIXED_COLORS", "model_color", "model_colors"]
