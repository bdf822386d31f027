"""Which backend serves a model, and the int8 quantization config: names, checks, fingerprints.

Pure (it reads the CPU's flags and nothing else), so the registry can hand out a resolution
served by a backend (:func:`compsem.models.registry.resolve` ``backend=``) without importing
the export and loading code of :mod:`compsem.models.backends`.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from compsem.config import ONNX_QUANT
from compsem.models.devices import CPU, DeviceChoice, choose_device, device_suffix
from compsem.models.specs import Resolution

Backend = Literal["torch", "onnx-int8"]
BACKENDS: tuple[str, ...] = ("torch", "onnx-int8")
DEFAULT_BACKEND: Backend = "torch"
BACKEND_LABELS = {"torch": "PyTorch (study numbers)", "onnx-int8": "ONNX Runtime int8 (fast, CPU only)"}
#: Bumped when the export code changes in a way that changes the produced files.
EXPORT_VERSION = "1"


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
    forced = ONNX_QUANT.value or ""
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
