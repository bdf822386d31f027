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
scores never mix with fp32 scores in the score cache.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from compsem.config import models_dir
from compsem.models.devices import CPU, DeviceChoice, choose_device, device_suffix
from compsem.models.fingerprints import file_sha256
from compsem.models.loading import adapter_cross_encoder, configure_threads, load_kwargs, quiet_libraries
from compsem.models.onnx import MARKER, MODEL_FILE, TOKENIZER_FILE, OnnxLoadError, OnnxModel, open_export

if TYPE_CHECKING:  # pragma: no cover
    from compsem.models.registry import Resolution

log = logging.getLogger(__name__)

Backend = Literal["torch", "onnx-int8"]
BACKENDS: tuple[str, ...] = ("torch", "onnx-int8")
DEFAULT_BACKEND: Backend = "torch"
BACKEND_LABELS = {"torch": "PyTorch fp32 (study numbers)", "onnx-int8": "ONNX Runtime int8 (fast)"}
#: Bumped when the export code changes in a way that changes the produced files.
EXPORT_VERSION = "1"
#: Module types a sentence-transformers bi-encoder may have for the export to reproduce it exactly.
_BI_MODULES = {"Transformer", "Pooling", "Normalize"}
_ACTIVATIONS = {"Identity", "Sigmoid", "Tanh", "Softmax"}


class BackendError(ValueError):
    """A backend cannot serve a model; the message is one sentence saying why."""


def check_backend(name: object) -> Backend:
    """The backend name, or a ValueError naming the choices.

    Example:
        >>> check_backend("onnx-int8")
        'onnx-int8'
    """
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")
    return name  # type: ignore[return-value]


# -- quantization config -----------------------------------------------------------------------
@dataclass(frozen=True)
class QuantConfig:
    """Dynamic int8 quantization settings for one CPU family.

    Attributes:
        target: the CPU family (``avx512_vnni``, ``avx512``, ``avx2``, ``arm64``).
        per_channel: one scale per output channel of each weight matrix (not one per matrix);
            measured here: max |Δcosine| 0.028 instead of 0.086 on the bundled pairs.
        reduce_range: 7-bit weights, which CPUs without VNNI need to avoid overflow in
            their 8-bit multiply-add instruction.
        op_types: the operators whose weights are quantized. Only MatMul: quantizing the
            embedding table (Gather) cost accuracy and bought no speed.
        fp32_ffn_output: keep each layer's feed-forward output projection in fp32. Its input
            is the GELU output, the widest-ranging activation in the layer, which one int8
            scale per tensor (dynamic quantization) represents worst. Measured on the bundled
            pairs: MPNet's Pearson with fp32 0.989 → 0.999 and pairs crossing 0.8 28 → 7;
            MiniLM 8 → 2, for about 25 % more time than quantizing it too.
    """

    target: str
    per_channel: bool = True
    reduce_range: bool = False
    op_types: tuple[str, ...] = ("MatMul",)
    fp32_ffn_output: bool = True

    @property
    def id(self) -> str:
        """Short, stable name that goes into fingerprints and the marker."""
        return (
            f"dyn-s8{'-pc' if self.per_channel else ''}{'-rr' if self.reduce_range else ''}"
            f"-{'+'.join(o.lower() for o in self.op_types)}{'-fp32ffnout' if self.fp32_ffn_output else ''}"
            f"-{self.target}-v{EXPORT_VERSION}"
        )

    def excluded_nodes(self, onnx_path: Path) -> list[str]:
        """Names of the MatMul nodes left in fp32 (the feed-forward output projections)."""
        if not self.fp32_ffn_output:
            return []
        import onnx

        graph = onnx.load(str(onnx_path), load_external_data=False).graph
        # transformers names it <layer>/output/dense (BERT, MPNet, RoBERTa); the attention block's own
        # output projection is <layer>/attention/output/dense and stays quantized.
        return [
            n.name
            for n in graph.node
            if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name
        ]


QUANT_CONFIGS = {
    "avx512_vnni": QuantConfig("avx512_vnni"),
    "avx512": QuantConfig("avx512", reduce_range=True),
    "avx2": QuantConfig("avx2", reduce_range=True),
    "arm64": QuantConfig("arm64"),
}


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def quantization_config() -> QuantConfig:
    """The config for this CPU (``COMPSEM_ONNX_QUANT`` overrides): VNNI, AVX-512, AVX2 or ARM64.

    Raises:
        BackendError: ``COMPSEM_ONNX_QUANT`` names no known config.
    """
    forced = os.environ.get("COMPSEM_ONNX_QUANT", "").strip()
    if forced:
        if forced not in QUANT_CONFIGS:
            raise BackendError(f"COMPSEM_ONNX_QUANT={forced!r} is not one of {', '.join(QUANT_CONFIGS)}")
        return QUANT_CONFIGS[forced]
    if platform.machine().lower() in ("arm64", "aarch64"):
        return QUANT_CONFIGS["arm64"]
    flags = _cpu_flags()
    if "avx512_vnni" in flags or "avx512vnni" in flags:
        return QUANT_CONFIGS["avx512_vnni"]
    if {"avx512f", "avx512bw"} <= flags:
        return QUANT_CONFIGS["avx512"]
    return QUANT_CONFIGS["avx2"]


# -- resolutions and fingerprints -----------------------------------------------------------------
def supports(res: Resolution) -> bool:
    """True when the backend choice matters for this model (transformer models; baselines have none)."""
    return res.spec.kind in ("bi-encoder", "cross-encoder")


def backend_fingerprint(source_fingerprint: str, backend: str) -> str:
    """``<source>`` for torch, ``<source>+onnx-int8:<config id>`` for the int8 export.

    Example:
        >>> backend_fingerprint("sha256:ab", "torch")
        'sha256:ab'
    """
    check_backend(backend)
    if backend == "torch" or not source_fingerprint:
        return source_fingerprint
    return f"{source_fingerprint}+{backend}:{quantization_config().id}"


def with_backend(res: Resolution, backend: str) -> Resolution:
    """The resolution served by ``backend``: its fingerprint (so every cache key) names the backend.

    Baselines and unavailable models come back unchanged (no transformer to export). The device
    the resolution already names is kept (:func:`with_runtime` sets both).
    """
    check_backend(backend)
    return with_runtime(res, backend, DeviceChoice(res.device, res.dtype, res.device, res.device))  # type: ignore[arg-type]


def runtime_device(
    backend: str, device: str | DeviceChoice = "auto", dtype: str | None = None, *, transformers: bool = True
) -> DeviceChoice:
    """The device models run on for ``backend``: ``auto`` with the int8 backend is the CPU (its only device).

    ``transformers=False`` (only baselines will run): ``auto`` is the CPU without asking torch, so a
    token-overlap run never imports it; a GPU named explicitly is still checked.

    Raises:
        BackendError: an unknown backend, or the int8 backend with a GPU named explicitly.
        DeviceError: an unknown device or dtype, or a GPU asked for where there is none.
    """
    check_backend(backend)
    if isinstance(device, DeviceChoice):
        choice = device
    elif (backend == "onnx-int8" or not transformers) and device == "auto" and (dtype or "fp32") == "fp32":
        choice = CPU
    else:
        choice = choose_device(device, dtype)
    if backend == "onnx-int8" and choice.device != "cpu":
        raise BackendError(
            f"--backend onnx-int8 runs on the CPU only, not on {choice.device}; use --backend torch with "
            f"--device {choice.device} (fp16/bf16 via --dtype), or --device cpu with onnx-int8"
        )
    return choice


def with_runtime(res: Resolution, backend: str, device: DeviceChoice = CPU) -> Resolution:
    """The resolution served by ``backend`` on ``device``; the fingerprint names both where they change scores.

    The fingerprint is ``<source>`` for torch on the CPU at fp32, plus ``+onnx-int8:<config>``
    for the int8 export and ``+<device>-<dtype>`` for a GPU or a format other than fp32.

    Raises:
        BackendError: the int8 ONNX backend asked for on a GPU (it is a CPU backend).
    """
    runtime_device(backend, device)
    if not supports(res) or not res.usable and res.status != "needs download":
        return res
    if res.backend == backend and res.device == device.device and res.dtype == device.dtype:
        return res
    source = res.source_fingerprint or res.fingerprint
    fingerprint = backend_fingerprint(source, backend) + device_suffix(device.device, device.dtype) if source else ""
    return replace(
        res,
        backend=backend,
        source_fingerprint=source,
        fingerprint=fingerprint,
        device=device.device,
        dtype=device.dtype,
    )


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


def read_marker(folder: Path) -> dict:
    return json.loads((folder / MARKER).read_text(encoding="utf-8"))


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
