"""Scorers: one loaded model that turns ordered text pairs into raw outputs and 0-1 scores.

* :mod:`~compsem.scorers.base`: the :class:`Scorer` interface, :class:`PairScores`, loading helpers;
* :mod:`~compsem.scorers.bi_encoder`: cosine of embeddings (torch or int8 ONNX);
* :mod:`~compsem.scorers.cross_encoder`: logits, the model's own activation, NLI probabilities,
  and :meth:`CrossEncoderScorer.relevance` for reranking;
* :mod:`~compsem.scorers.baseline`: the lexical baselines;
* :mod:`~compsem.scorers.load`: :func:`load_scorer`.

Scorers never touch the score store; :mod:`compsem.store.score_store` does, and :mod:`compsem.scoring`
runs both over a pair table.
"""

from __future__ import annotations

from compsem.scorers.base import (
    ModelUnavailableError,
    PairScores,
    Scorer,
    length_order,
)
from compsem.scorers.baseline import BaselineScorer
from compsem.scorers.bi_encoder import BiEncoderScorer, OnnxBiEncoderScorer
from compsem.scorers.cross_encoder import CrossEncoderScorer, OnnxCrossEncoderScorer, softmax
from compsem.scorers.load import load_scorer

__all__ = [
    "BaselineScorer",
    "BiEncoderScorer",
    "CrossEncoderScorer",
    "ModelUnavailableError",
    "OnnxBiEncoderScorer",
    "OnnxCrossEncoderScorer",
    "PairScores",
    "Scorer",
    "length_order",
    "load_scorer",
    "softmax",
]
