"""Where a model runs: the device (CPU, CUDA GPU, Apple MPS) and the number format (fp32, fp16, bf16).

``auto`` picks CUDA, then MPS, then the CPU, the order sentence-transformers uses. The choice is
made once per run (:func:`choose_device`) and travels in the model's :class:`Resolution`
(:func:`compsem.models.quantization.with_runtime`).

Cache keys: a GPU's kernels, and any format other than fp32, give scores that differ from the
CPU's in the last digits (fp16 by up to ~1e-3), so they are stored apart. The CPU at fp32 (the
study's numbers) adds nothing to a fingerprint, so caches written before devices existed stay
valid; every other choice adds ``+<device class>-<dtype>`` (e.g. ``+cuda-fp16``). The device
*class* goes in, not the card's name: two GPUs of one kind give the same scores to within
their float tolerance, and a key per card would make a cluster recompute everything.

Example:
    >>> choose_device("cpu").label
    'cpu (fp32)'
    >>> device_suffix("cpu", "fp32"), device_suffix("cuda", "fp16")
    ('', '+cuda-fp16')
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Device = Literal["cpu", "cuda", "mps"]
DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")
DTYPES: tuple[str, ...] = ("fp32", "fp16", "bf16")
#: torch's name of each dtype (looked up at load time, so importing this module never imports torch).
TORCH_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


class DeviceError(ValueError):
    """A device or dtype that cannot be used here; the message is one sentence saying what to do."""


@dataclass(frozen=True)
class DeviceChoice:
    """The device and number format models run with.

    Attributes:
        device: ``cpu``, ``cuda`` or ``mps`` (never ``auto``: that is resolved already).
        dtype: ``fp32``, ``fp16`` or ``bf16``.
        name: what the hardware calls itself (``NVIDIA H100 80GB HBM3``, ``Apple MPS``, ``cpu``).
        requested: what the user asked for (``auto`` ...), for messages and the run summary.
    """

    device: Device = "cpu"
    dtype: str = "fp32"
    name: str = "cpu"
    requested: str = "cpu"

    @property
    def label(self) -> str:
        """``cuda (fp16)``: the device class and format, as the summary prints it."""
        return f"{self.device} ({self.dtype})"

    @property
    def suffix(self) -> str:
        """What this choice adds to a model fingerprint (empty for the CPU at fp32)."""
        return device_suffix(self.device, self.dtype)


#: The CPU at fp32: the study's numbers and every default.
CPU = DeviceChoice()


def device_suffix(device: str, dtype: str) -> str:
    """``''`` for ``cpu``/``fp32``, else ``+<device>-<dtype>`` (what a fingerprint gains)."""
    if device == "cpu" and dtype == "fp32":
        return ""
    return f"+{device}-{dtype}"


#: Files a Linux machine with an NVIDIA (or ROCm) GPU driver has; without any of them torch sees no GPU either.
_LINUX_GPU_SIGNS = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd")


def _accelerator_possible() -> bool:
    """False only where no GPU can be visible (Linux without a GPU driver), so ``auto`` need not import torch.

    Importing torch takes seconds; the dashboard's landing page reads cached scores, whose key names the
    device, and must not pay that on a CPU machine.
    """
    if "torch" in sys.modules or platform.system() != "Linux":
        return True  # torch already loaded (asking is free), or macOS / Windows: ask torch
    return any(os.path.exists(sign) for sign in _LINUX_GPU_SIGNS)


def _torch_probe() -> tuple[bool, bool, str]:
    """(CUDA available, MPS available, CUDA device name) as torch sees them."""
    if not _accelerator_possible():
        return False, False, ""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False, False, ""
    cuda = bool(torch.cuda.is_available())
    mps_backend = getattr(torch.backends, "mps", None)
    mps = bool(mps_backend is not None and mps_backend.is_available())
    name = torch.cuda.get_device_name(0) if cuda else ""
    return cuda, mps, name


#: How availability is probed; tests replace it to fake a GPU machine.
Probe = Callable[[], tuple[bool, bool, str]]


def choose_device(device: str = "auto", dtype: str | None = None, *, probe: Probe = _torch_probe) -> DeviceChoice:
    """Resolve ``device`` (``auto``, ``cpu``, ``cuda``, ``mps``) and ``dtype`` to what runs here.

    Args:
        device: ``auto`` picks CUDA, then MPS, then the CPU.
        dtype: ``fp32`` (default), or ``fp16``/``bf16`` on a GPU.
        probe: returns (CUDA available, MPS available, CUDA device name); the default asks torch.

    Raises:
        DeviceError: an unknown device or dtype; ``cuda`` or ``mps`` asked for where there is none;
            fp16/bf16 on the CPU (slower there than fp32, and not what the study measured).
    """
    if device not in DEVICE_CHOICES:
        raise DeviceError(f"unknown device {device!r}: choose one of {', '.join(DEVICE_CHOICES)}")
    dtype = dtype or "fp32"
    if dtype not in DTYPES:
        raise DeviceError(f"unknown dtype {dtype!r}: choose one of {', '.join(DTYPES)}")
    if device == "cpu":
        chosen: Device = "cpu"
        name = "cpu"
    else:
        cuda, mps, cuda_name = probe()
        if device == "cuda" and not cuda:
            raise DeviceError(
                "--device cuda: no CUDA GPU is visible here (torch.cuda.is_available() is False; a CPU-only "
                "torch build or no driver); use --device cpu or --device auto"
            )
        if device == "mps" and not mps:
            raise DeviceError("--device mps: Apple's MPS is not available here; use --device cpu or --device auto")
        if device == "cuda" or (device == "auto" and cuda):
            chosen, name = "cuda", cuda_name or "cuda"
        elif device == "mps" or (device == "auto" and mps):
            chosen, name = "mps", "Apple MPS"
        else:
            chosen, name = "cpu", "cpu"
    if chosen == "cpu" and dtype != "fp32":
        raise DeviceError(
            f"--dtype {dtype} is for GPUs; on the CPU models run in fp32 (for speed on a CPU use --backend onnx-int8)"
        )
    return DeviceChoice(chosen, dtype, name, device)


def available_devices(*, probe: Probe = _torch_probe) -> list[DeviceChoice]:
    """The devices usable here, best first, each at fp32 (what a dashboard setting offers)."""
    cuda, mps, cuda_name = probe()
    found = [DeviceChoice("cuda", "fp32", cuda_name or "cuda", "cuda")] if cuda else []
    if mps:
        found.append(DeviceChoice("mps", "fp32", "Apple MPS", "mps"))
    return [*found, CPU]


def torch_dtype(dtype: str):
    """The ``torch.dtype`` for ``fp32``/``fp16``/``bf16``."""
    import torch

    return getattr(torch, TORCH_DTYPES[dtype])


__all__ = [
    "CPU",
    "DEVICE_CHOICES",
    "DTYPES",
    "DeviceChoice",
    "DeviceError",
    "available_devices",
    "choose_device",
    "device_suffix",
    "torch_dtype",
]
