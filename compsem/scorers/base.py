"""What every scorer shares: the :class:`Scorer` interface, its result :class:`PairScores`, and how models load.

A scorer scores ordered text pairs with one loaded model; it never touches the score
store (:mod:`compsem.store` decides what needs scoring and keeps the results).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from compsem.registry import ModelSpec, Resolution


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


def quiet_libraries() -> None:
    """Silence per-load chatter (weight-loading bars, load reports) that buries compsem's own output."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except (ImportError, AttributeError):  # pragma: no cover - older transformers
        pass


def configure_threads() -> int:
    """Set torch's CPU threads explicitly (``COMPSEM_THREADS``, else every core) and return the count."""
    import torch

    quiet_libraries()
    n = int(os.environ.get("COMPSEM_THREADS", 0)) or (os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


class Scorer(ABC):
    """Scores ordered text pairs with one model. Creating a scorer loads the model."""

    def __init__(self, resolution: Resolution):
        self.resolution = resolution
        self.spec: ModelSpec = resolution.spec

    @property
    def fingerprint(self) -> str:
        return self.resolution.fingerprint

    @abstractmethod
    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32,
                progress: Callable[[int], None] | None = None) -> PairScores:
        """Score ``pairs`` in order; ``progress(n)`` is called with how many are done."""


def load_kwargs(res: Resolution) -> tuple[str, dict]:
    """What sentence-transformers is given to load ``res``: a folder or hub id, and keyword arguments."""
    spec = res.spec
    kwargs: dict = {"device": "cpu", "trust_remote_code": spec.trust_remote_code}
    if res.status == "needs download":
        if spec.revision:
            kwargs["revision"] = spec.revision
        return spec.key, kwargs
    kwargs["local_files_only"] = True
    if spec.assembled and res.status == "packaged":
        from compsem.assembly import ensure_assembled

        return str(ensure_assembled(spec.assembled)), kwargs  # assembled and hash-checked once
    return res.location, kwargs


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices that sort ``texts`` longest first (characters stand in for tokens).

    Sorting once over all chunks, not within each chunk as ``encode`` does, keeps short
    texts from being padded to long ones.
    """
    return np.argsort([-len(t) for t in texts], kind="stable")
