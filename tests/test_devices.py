"""compsem.models.devices: the device choice, what it adds to cache keys, and the messages when none is there."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from compsem.models import devices
from compsem.models.devices import CPU, DeviceChoice, DeviceError, available_devices, choose_device, device_suffix
from compsem.models.quantization import BackendError, runtime_device, with_runtime
from compsem.models.registry import resolve

ROOT = Path(__file__).resolve().parents[1]


def _probe(cuda: bool = False, mps: bool = False):
    return lambda: (cuda, mps, "NVIDIA Fake 80GB" if cuda else "")


@pytest.mark.parametrize(
    ("cuda", "mps", "want"),
    [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_auto_picks_cuda_then_mps_then_cpu(cuda, mps, want):
    assert choose_device("auto", probe=_probe(cuda, mps)).device == want


def test_explicit_choices_and_names():
    gpu = choose_device("cuda", "fp16", probe=_probe(cuda=True))
    assert (gpu.device, gpu.dtype, gpu.name, gpu.requested) == ("cuda", "fp16", "NVIDIA Fake 80GB", "cuda")
    assert choose_device("cpu", probe=_probe(cuda=True)).device == "cpu"  # asked for the CPU: the CPU
    assert choose_device("mps", probe=_probe(mps=True)).device == "mps"


@pytest.mark.parametrize(
    ("device", "dtype", "words"),
    [
        ("cuda", None, "no CUDA GPU is visible"),
        ("mps", None, "MPS is not available"),
        ("tpu", None, "unknown device"),
        ("cpu", "fp16", "for GPUs"),
        ("auto", "fp8", "unknown dtype"),
    ],
)
def test_refusals_are_one_sentence(device, dtype, words):
    with pytest.raises(DeviceError, match=words) as info:
        choose_device(device, dtype, probe=_probe())
    assert "\n" not in str(info.value)


def test_suffix_keeps_cpu_fp32_keys_and_separates_the_rest():
    assert device_suffix("cpu", "fp32") == "" == CPU.suffix
    assert device_suffix("cuda", "fp32") == "+cuda-fp32"
    assert device_suffix("cuda", "fp16") != device_suffix("cuda", "bf16")
    assert device_suffix("mps", "fp32") == "+mps-fp32"


def test_available_devices_best_first():
    assert [d.device for d in available_devices(probe=_probe(True, True))] == ["cuda", "mps", "cpu"]
    assert [d.device for d in available_devices(probe=_probe())] == ["cpu"]


def test_cache_key_names_the_device_class_and_dtype():
    res = resolve("all-MiniLM-L6-v2")
    assert res.fingerprint
    cpu = with_runtime(res, "torch", CPU)
    assert cpu.fingerprint == res.fingerprint  # existing caches stay valid
    gpu16 = with_runtime(res, "torch", DeviceChoice("cuda", "fp16", "A", "cuda"))
    gpu16_other_card = with_runtime(res, "torch", DeviceChoice("cuda", "fp16", "B", "auto"))
    gpu32 = with_runtime(res, "torch", DeviceChoice("cuda", "fp32", "A", "cuda"))
    assert gpu16.fingerprint == res.fingerprint + "+cuda-fp16" == gpu16_other_card.fingerprint
    assert len({cpu.fingerprint, gpu16.fingerprint, gpu32.fingerprint}) == 3
    assert (gpu16.device, gpu16.dtype) == ("cuda", "fp16")
    # back to the CPU: the suffix goes again (computed from the source, never stacked)
    assert with_runtime(gpu16, "torch", CPU).fingerprint == res.fingerprint
    int8 = with_runtime(res, "onnx-int8", CPU)
    assert int8.fingerprint.startswith(res.fingerprint + "+onnx-int8:") and "cuda" not in int8.fingerprint


def test_baselines_have_no_device():
    res = resolve("token-jaccard")
    assert with_runtime(res, "torch", DeviceChoice("cuda", "fp16", "A", "cuda")) == res


def test_int8_onnx_is_a_cpu_backend():
    gpu = DeviceChoice("cuda", "fp32", "A", "cuda")
    with pytest.raises(BackendError, match="runs on the CPU only"):
        runtime_device("onnx-int8", gpu)
    with pytest.raises(BackendError, match="CPU only"):
        with_runtime(resolve("all-MiniLM-L6-v2"), "onnx-int8", gpu)
    assert runtime_device("onnx-int8", "auto") == CPU  # auto with int8 is the CPU, even on a GPU machine


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run(
        [sys.executable, "-m", "compsem.cli", *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT
    )


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_cli_device_cuda_without_cuda_is_one_line_and_exit_1(tmp_path):
    for argv in (
        ["run", "--models", "token-jaccard", "--device", "cuda", "--out", str(tmp_path / "r"), "-q"],
        ["score", "A cat sat.", "A dog sat.", "--models", "token-jaccard", "--device", "cuda"],
    ):
        proc = _cli(*argv, "--cache-dir", str(tmp_path / "c"))
        assert proc.returncode == 1, proc.stderr
        assert "no CUDA GPU is visible" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()  # refused before anything was written
    proc = _cli(
        "check", "token-jaccard", "--limit", "negation=0.5", "--device", "cuda", "--cache-dir", str(tmp_path / "c")
    )
    assert proc.returncode == 2 and "no CUDA GPU" in proc.stderr
    proc = _cli("run", "--models", "token-jaccard", "--backend", "onnx-int8", "--device", "cpu", "--dtype", "fp16")
    assert proc.returncode == 1 and "for GPUs" in proc.stderr


def test_scoring_on_cpu_explicitly_matches_auto(tmp_path):
    from compsem.data.pairs import load_pairs
    from compsem.scoring import score_pairs

    pairs = load_pairs().head(5)
    a = score_pairs(pairs, ["token-jaccard"], cache=tmp_path / "a", device="cpu")
    b = score_pairs(pairs, ["token-jaccard"], cache=tmp_path / "b", device="auto")
    assert a.results["score"].tolist() == b.results["score"].tolist()


def test_auto_on_a_linux_machine_without_a_gpu_driver_imports_no_torch():
    # the dashboard's landing page reads cached scores keyed by the device: finding "cpu" must not cost a torch import
    if platform.system() != "Linux" or any(os.path.exists(s) for s in devices._LINUX_GPU_SIGNS):
        pytest.skip("only a Linux machine without a GPU driver can show it")
    code = (
        "import sys; from compsem.models.devices import choose_device; "
        "print(choose_device('auto').device, 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["cpu", "False"], done.stderr[-2000:]


def test_a_gpu_driver_on_linux_means_torch_is_asked(monkeypatch):
    monkeypatch.setattr(devices.platform, "system", lambda: "Linux")
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(devices.os.path, "exists", lambda path: path == "/dev/nvidiactl")
    assert devices._accelerator_possible()
    monkeypatch.setattr(devices.os.path, "exists", lambda path: False)
    assert not devices._accelerator_possible()
