"""Loading a model as a scorer: the scorer class for its kind and backend, load failures as one line."""

from __future__ import annotations

import pickle
from collections.abc import Callable

from compsem.models.devices import DeviceChoice
from compsem.models.quantization import runtime_device, with_backend, with_runtime
from compsem.models.registry import resolve
from compsem.models.specs import ModelSpec, Resolution
from compsem.scorers.base import ModelUnavailableError, Scorer
from compsem.scorers.baseline import BaselineScorer
from compsem.scorers.bi_encoder import BiEncoderScorer, OnnxBiEncoderScorer
from compsem.scorers.cross_encoder import CrossEncoderScorer, OnnxCrossEncoderScorer


def load_scorer(
    model: str | ModelSpec | Resolution, backend: str | None = None, device: str | DeviceChoice | None = None
) -> Scorer:
    """Load a model and return its scorer.

    Args:
        backend: ``torch`` (fp32, the default) or ``onnx-int8`` (:mod:`compsem.models.backends`); None keeps the
            backend of a given :class:`Resolution`.
        device: ``auto``, ``cpu``, ``cuda``, ``mps`` or a :class:`DeviceChoice`; None keeps the device of a
            given :class:`Resolution` (the CPU for a name).

    Raises:
        ModelUnavailableError: one line saying why (offline and not cached, load failure...).
        UnknownModelError: the name matches no registry entry or folder.
        ValueError: an unknown backend.
    """

    res = model if isinstance(model, Resolution) else resolve(model)
    if device is not None:
        res = with_runtime(res, backend or res.backend, runtime_device(backend or res.backend, device))
    elif backend is not None:
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
    except Exception as exc:  # noqa: BLE001 - sorted below: a damaged or refused file is one line, a bug is raised
        if not _is_load_error(exc):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = "download failed (no network?)" if res.status == "needs download" else "could not be loaded"
        raise ModelUnavailableError(f"{res.spec.key}: {where}: {first[:300]}") from exc


#: What loading a model raises when its files are damaged, refused or missing (not a bug in compsem).
_LOAD_ERRORS = (OSError, ValueError, RuntimeError, ImportError, EOFError, pickle.UnpicklingError)
#: The same, by class name, for libraries whose error classes are not importable on their own
#: (safetensors' ``SafetensorError`` lives in its compiled extension).
_LOAD_ERROR_NAMES = frozenset({"SafetensorError", "HeaderTooLarge", "InvalidHeader"})


def _is_load_error(exc: BaseException) -> bool:
    """True for a failure the user can act on (damaged, pickled or missing weights), said in one line."""
    return isinstance(exc, _LOAD_ERRORS) or type(exc).__name__ in _LOAD_ERROR_NAMES
