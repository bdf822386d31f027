"""What every scorer shares: the :class:`Scorer` interface and its result :class:`PairScores`.

A scorer scores ordered text pairs with one loaded model; it never touches the score
store (:mod:`compsem.store.score_store` decides what needs scoring and keeps the results).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from compsem.models.specs import ModelSpec, Resolution


class ModelUnavailableError(RuntimeError):
    """A model cannot be loaded here; the message is one line saying why."""


@dataclass(frozen=True)
class PairScores:
    """Scores for a list of pairs, in input order.

    Attributes:
        raw_score: the model's own number (cosine, logit, entailment logit).
        score: the 0-1 score thresholds apply to.
        raw_output: JSON per pair with everything the model returned.
        normalization: how ``score`` was derived from the raw output, in words.
    """

    raw_score: np.ndarray
    score: np.ndarray
    raw_output: list[str]
    normalization: str


class Scorer(ABC):
    """Scores ordered text pairs with one model. Creating a scorer loads the model."""

    def __init__(self, resolution: Resolution):
        self.resolution = resolution
        self.spec: ModelSpec = resolution.spec

    @property
    def fingerprint(self) -> str:
        return self.resolution.fingerprint

    @abstractmethod
    def predict(
        self, pairs: Sequence[tuple[str, str]], batch_size: int = 32, progress: Callable[[int], None] | None = None
    ) -> PairScores:
        """Score ``pairs`` in order; ``progress(n)`` is called with how many are done."""


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices that sort ``texts`` longest first (characters stand in for tokens).

    Sorting once over all chunks, not within each chunk as ``encode`` does, keeps short
    texts from being padded to long ones.
    """
    return np.argsort([-len(t) for t in texts], kind="stable")
