"""Loading a model as a scorer: the scorer class for its kind and backend, load failures as one line."""

from __future__ import annotations

from collections.abc import Callable

from compsem.models.quantization import with_backend
from compsem.models.registry import resolve
from compsem.models.specs import ModelSpec, Resolution
from compsem.scorers.base import ModelUnavailableError, Scorer
from compsem.scorers.baseline import BaselineScorer
from compsem.scorers.bi_encoder import BiEncoderScorer, OnnxBiEncoderScorer
from compsem.scorers.cross_encoder import CrossEncoderScorer, OnnxCrossEncoderScorer


def load_scorer(model: str | ModelSpec | Resolution, backend: str | None = None) -> Scorer:
    """Load a model and return its scorer.

    Args:
        backend: ``torch`` (fp32, the default) or ``onnx-int8`` (:mod:`compsem.models.backends`); None keeps the
            backend of a given :class:`Resolution`.

    Raises:
        ModelUnavailableError: one line saying why (offline and not cached, load failure...).
        UnknownModelError: the name matches no registry entry or folder.
        ValueError: an unknown backend.
    """

    res = model if isinstance(model, Resolution) else resolve(model)
    if backend is not None:
        res = with_backend(res, backend)
    if res.status == "unavailable":
        raise ModelUnavailableError(f"{res.spec.key}: {res.reason}")
    kind = res.spec.kind
    cls: Callable[[Resolution], Scorer]  # the concrete scorer classes, called with the resolution
    if res.backend == "onnx-int8" and kind != "baseline":
        cls = {"bi-encoder": OnnxBiEncoderScorer, "cross-encoder": OnnxCrossEncoderScorer}[kind]
    else:
        cls = {"bi-encoder": BiEncoderScorer, "cross-encoder": CrossEncoderScorer, "baseline": BaselineScorer}[kind]
    try:
        return cls(res)
    except (OSError, ValueError, RuntimeError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = "download failed (no network?)" if res.status == "needs download" else "could not be loaded"
        raise ModelUnavailableError(f"{res.spec.key}: {where}: {first[:300]}") from exc
