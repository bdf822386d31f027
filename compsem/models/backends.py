"""Inference backends: fp32 PyTorch (the default for study numbers) or an int8 ONNX Runtime export.

``onnx-int8`` exports a model's transformer to ONNX once, quantizes its weights to int8
(dynamic quantization: no calibration data, activations quantized per batch at run time)
and serves it with ONNX Runtime, which is several times faster than fp32 PyTorch on a CPU.

Why not sentence-transformers' ``backend="onnx"`` or optimum: both need ``optimum-onnx``,
whose only release (0.1.0) requires ``transformers<4.58``, while sentence-transformers 6.2
requires ``transformers>=5``; the two cannot be installed together. The export therefore
uses PyTorch's own ONNX exporter (``torch.onnx.export``) and ONNX Runtime's own quantizer
(``onnxruntime.quantization.quantize_dynamic``, the function optimum's ``ORTQuantizer``
calls): no hand-written graph code.

Where exports live, and when they are rebuilt::

    <cache>/models/_onnx/<model key slug>/<source fingerprint slug>/
        model_int8.onnx  tokenizer.json  compsem_onnx.json (the marker)

The marker records the source fingerprint, the quantization config and the SHA-256 of
every file. A folder whose marker is absent or names another source or config, whose files
fail their hash, or that ONNX Runtime cannot load is rebuilt, with a logged warning, and
never served. Exports are written to a temporary sibling folder and renamed into place,
under a file lock, so two processes never build the same export twice or read half of one.

The backend is part of a model's fingerprint (``<source>+onnx-int8:<config id>``), so int8
scores never mix with fp32 scores in the score cache. The backend names, the quantization
config and that fingerprint are :mod:`compsem.models.quantization`; this module exports and loads.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import warnings
from pathlib import Path

from compsem.config import models_dir
from compsem.models.fingerprints import file_sha256
from compsem.models.loading import adapter_cross_encoder, configure_threads, load_kwargs, quiet_libraries
from compsem.models.onnx import MARKER, MODEL_FILE, TOKENIZER_FILE, OnnxLoadError, OnnxModel, open_export
from compsem.models.quantization import EXPORT_VERSION, BackendError, quantization_config
from compsem.models.specs import Resolution

log = logging.getLogger(__name__)

#: Module types a sentence-transformers bi-encoder may have for the export to reproduce it exactly.
_BI_MODULES = {"Transformer", "Pooling", "Normalize"}
_ACTIVATIONS = {"Identity", "Sigmoid", "Tanh", "Softmax"}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:120] or "model"


def export_dir(res: Resolution) -> Path:
    """``<cache>/models/_onnx/<key slug>/<source fingerprint slug>``."""
    source = res.source_fingerprint or res.fingerprint or f"rev-{res.spec.revision or 'unpinned'}"
    return models_dir() / "_onnx" / _slug(res.spec.key.replace("/", "__")) / _slug(source)


# -- checking an export ---------------------------------------------------------------------------
def _expected(res: Resolution) -> dict:
    return {
        "key": res.spec.key,
        "source_fingerprint": res.source_fingerprint or res.fingerprint,
        "quantization": quantization_config().id,
        "export_version": EXPORT_VERSION,
    }


def export_problem(folder: Path, res: Resolution) -> str | None:
    """None when ``folder`` holds a whole export for this source and config, else what is wrong."""

    marker_path = folder / MARKER
    if not folder.is_dir():
        return "absent"
    try:
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "incomplete (no marker file)"
    except (OSError, ValueError) as exc:
        return f"unreadable (marker: {exc})"
    if not isinstance(marker, dict) or not isinstance(marker.get("files"), dict) or not marker["files"]:
        return "unreadable (the marker lists no files)"
    for field_name, want in _expected(res).items():
        if marker.get(field_name) != want:
            return f"stale ({field_name} is {marker.get(field_name)!r}, expected {want!r})"
    for name, sha in marker["files"].items():
        path = folder / name
        if not path.is_file():
            return f"damaged ({name} is missing)"
        if file_sha256(path) != sha:
            return f"damaged ({name} does not match its recorded SHA-256)"
    return None


# -- building an export ---------------------------------------------------------------------------
def ensure_export(res: Resolution, messages: list[str] | None = None) -> Path:
    """The folder of a whole int8 export of ``res``, built (or rebuilt) first when needed.

    Args:
        messages: receives a line for every rebuild (also logged as a warning).

    Raises:
        BackendError: the model cannot be exported (an architecture the export does not cover).
    """
    from filelock import FileLock

    folder = export_dir(res)
    if export_problem(folder, res) is None:
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock", timeout=1800):
        problem = export_problem(folder, res)  # another process may have built it while we waited
        if problem is None:
            return folder
        if problem != "absent":
            _say(messages, f"{res.spec.key}: the int8 ONNX export in {folder} is {problem}; rebuilding it")
        else:
            log.info("%s: exporting to int8 ONNX in %s (once)", res.spec.key, folder)
        _build(res, folder)
    return folder


def _say(messages: list[str] | None, text: str) -> None:
    log.warning(text)
    if messages is not None:
        messages.append(text)


def load_onnx(res: Resolution, messages: list[str] | None = None) -> OnnxModel:
    """The ONNX Runtime model of ``res``; an export ONNX Runtime cannot load is rebuilt once, never served."""

    folder = ensure_export(res, messages)
    try:
        return open_export(folder)
    except OnnxLoadError as exc:
        _say(messages, f"{res.spec.key}: onnxruntime could not load the export in {folder} ({exc}); rebuilding it")
        shutil.rmtree(folder, ignore_errors=True)
        return open_export(ensure_export(res, messages))


def _build(res: Resolution, folder: Path) -> None:
    """Export fp32 ONNX with torch, quantize it to int8, check it loads, then rename into place."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quant = quantization_config()
    tmp = folder.with_name(f".{folder.name}.building-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    t0 = time.perf_counter()
    try:
        fp32 = tmp / "fp32" / "model.onnx"
        fp32.parent.mkdir()
        meta = _export_fp32(res, fp32, tmp)
        root = logging.getLogger()
        level = root.level
        # The quantizer logs on the root logger: every tensor at INFO, and advice meant for its own examples.
        root.setLevel(max(level, logging.ERROR))
        kept = quant.excluded_nodes(fp32)
        try:
            quantize_dynamic(
                str(fp32),
                str(tmp / MODEL_FILE),
                weight_type=QuantType.QInt8,
                per_channel=quant.per_channel,
                reduce_range=quant.reduce_range,
                op_types_to_quantize=list(quant.op_types),
                nodes_to_exclude=kept,
            )
        finally:
            root.setLevel(level)
        shutil.rmtree(fp32.parent)  # only the int8 model is served
        files = sorted(p.name for p in tmp.iterdir() if p.is_file())
        marker = {
            **_expected(res),
            "kind": res.spec.kind,
            "quantization_config": {
                "weights": "int8 (QInt8)",
                "activations": "dynamic uint8",
                "per_channel": quant.per_channel,
                "reduce_range": quant.reduce_range,
                "op_types": list(quant.op_types),
                "cpu_target": quant.target,
                "kept_fp32": kept,
            },
            "files": {name: file_sha256(tmp / name) for name in files},
            **meta,
            "export_seconds": round(time.perf_counter() - t0, 1),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        try:
            open_export(tmp)
        except OnnxLoadError as exc:
            raise BackendError(f"{res.spec.key}: the fresh int8 export does not load in onnxruntime ({exc})") from None
        if folder.exists():
            shutil.rmtree(folder)
        tmp.replace(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("%s: int8 ONNX export ready in %.1f s", res.spec.key, time.perf_counter() - t0)


def _export_fp32(res: Resolution, onnx_path: Path, folder: Path) -> dict:
    """Load the fp32 torch model the torch backend would serve, export its transformer, save its tokenizer."""

    quiet_libraries()
    configure_threads()
    if res.spec.kind == "bi-encoder":
        model, tokenizer, meta = _bi_encoder_parts(res)
        output = "last_hidden_state"
    else:
        model, tokenizer, meta = _cross_encoder_parts(res)
        output = "logits"
    if not getattr(tokenizer, "is_fast", False):
        raise BackendError(f"{res.spec.key}: its tokenizer has no fast (Rust) version, which the int8 backend needs")
    tokenizer.save_pretrained(str(folder / "_tok"))
    shutil.move(str(folder / "_tok" / TOKENIZER_FILE), str(folder / TOKENIZER_FILE))
    shutil.rmtree(folder / "_tok")
    inputs = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names]
    _torch_export(model, inputs, output, onnx_path, tokenizer)
    return {"inputs": inputs, **meta}


def _bi_encoder_parts(res: Resolution):
    from sentence_transformers import SentenceTransformer

    name, kwargs = load_kwargs(res)
    st = SentenceTransformer(name, **kwargs)
    kinds = [type(m).__name__ for m in st]
    if set(kinds) - _BI_MODULES or kinds[:2] != ["Transformer", "Pooling"]:
        raise BackendError(
            f"{res.spec.key}: modules {', '.join(kinds)}; the int8 backend covers Transformer + "
            "Pooling (+ Normalize) bi-encoders only (use --backend torch)"
        )
    pooling = st[1]
    mode = pooling.pooling_mode
    if mode not in ("mean", "cls") or not getattr(pooling, "include_prompt", True):
        raise BackendError(f"{res.spec.key}: pooling {mode!r} is not covered by the int8 backend (use --backend torch)")
    import torch

    model = st[0].auto_model  # the Transformer module's (checked above)
    assert isinstance(model, torch.nn.Module)
    meta = {"pooling": mode, "max_length": int(st.max_seq_length or 512)}
    return model.eval(), st.tokenizer, meta


def _cross_encoder_parts(res: Resolution):
    from sentence_transformers import CrossEncoder

    if res.spec.adapter:
        ce = adapter_cross_encoder(res.spec)  # backbone + adapter, merged (merge_and_unload) before export
    else:
        name, kwargs = load_kwargs(res)
        ce = CrossEncoder(name, **kwargs)
    kinds = [type(m).__name__ for m in ce]
    if kinds != ["Transformer"]:
        raise BackendError(
            f"{res.spec.key}: modules {', '.join(kinds)}; the int8 backend covers plain "
            "sequence-classification cross-encoders only (use --backend torch)"
        )
    activation = type(ce.activation_fn).__name__
    if activation not in _ACTIVATIONS:
        raise BackendError(f"{res.spec.key}: its activation {activation} is not covered by the int8 backend")
    config = ce.model.config
    labels = [str((config.id2label or {}).get(i, f"LABEL_{i}")) for i in range(int(ce.num_labels))]
    meta = {
        "num_labels": int(ce.num_labels),
        "labels": labels,
        "activation": activation,
        "max_length": int(ce.max_seq_length or 512),
    }
    return ce.model.eval(), ce.tokenizer, meta


def _torch_export(model, inputs: list[str], output: str, path: Path, tokenizer) -> None:
    """``torch.onnx.export`` (TorchScript exporter) with dynamic batch and sequence axes."""
    import torch

    class _Wrapped(torch.nn.Module):
        # transformers 5 models take keyword arguments only in a stable way; the wrapper fixes the order.
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *tensors):
            return getattr(self.inner(**dict(zip(inputs, tensors))), output)

    sample = tokenizer(
        ["A short sentence.", "A second, somewhat longer sentence for the example."], padding=True, return_tensors="pt"
    )
    args = tuple(sample[n] for n in inputs)
    axes = {n: {0: "batch", 1: "sequence"} for n in inputs}
    axes[output] = {0: "batch", 1: "sequence"} if output == "last_hidden_state" else {0: "batch"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Wrapped(model.eval()),
            args,
            str(path),
            dynamo=False,
            input_names=inputs,
            output_names=[output],
            dynamic_axes=axes,
            opset_version=17,
            do_constant_folding=True,
        )
