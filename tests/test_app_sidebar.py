"""compsem.app.sidebar: the once-per-process warm-up after the first page; the Device setting, and the device it
names reaching every lookup and every score (a CUDA GPU is faked: nothing here loads a model on one)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from compsem.models import devices
from compsem.models.devices import CPU, DeviceChoice, DeviceError, choose_device

ROOT = Path(__file__).resolve().parent.parent


def test_warm_up_imports_scipy_stats_and_freezes_the_collected_heap():
    # in a fresh process: freezing this test process's heap would outlive the test
    code = (
        "import gc, sys; from compsem.app import sidebar; "
        "before = ('scipy.stats' in sys.modules, gc.get_freeze_count()); "
        "sidebar._warm_up(0); "
        "print(before, 'scipy.stats' in sys.modules, gc.get_freeze_count() > 10000, sidebar.WARM_UP_DONE.is_set())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["(False,", "0)", "True", "True", "True"], done.stdout


# -- the Device setting: which device scores, threaded into every lookup and every score --------------------------
APP = str(ROOT / "app.py")
PAIRS = ROOT / "tests" / "data" / "app_pairs.csv"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
GPU = DeviceChoice("cuda", "fp32", "Test GPU", "cuda")


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """An empty private score cache, the test pairs, and only the CPU listed (whatever this machine has)."""
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COMPSEM_PAIRS_FILE", str(PAIRS))
    monkeypatch.setenv("COMPSEM_MIN_PAIRS", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(devices, "available_devices", lambda: [CPU])
    st.cache_data.clear()  # the device list and the lookups of other tests' caches
    yield tmp_path
    st.cache_data.clear()


@pytest.fixture
def fake_gpu(app_env, monkeypatch):
    """torch is said to see a CUDA GPU (no GPU is needed: nothing here loads a model on it)."""
    monkeypatch.setattr(devices, "available_devices", lambda: [GPU, CPU])
    return GPU


@pytest.fixture
def score_calls(monkeypatch) -> list[dict]:
    """The Score button's calls of score_pairs (arguments recorded, nothing scored)."""
    from compsem.app import scores
    from compsem.data.schema import RESULT_COLUMNS
    from compsem.scoring import ScoreRun

    calls: list[dict] = []

    def record(pairs, models, **kwargs):
        calls.append({"models": list(models), **kwargs})
        return ScoreRun(pd.DataFrame(columns=list(RESULT_COLUMNS)))

    monkeypatch.setattr(scores, "score_pairs", record)
    return calls


def new_app(models: str = "all-MiniLM-L6-v2", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["models"] = models
    for key, value in params.items():
        at.query_params[key] = value
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def score_button(at: AppTest):
    return next(b for b in at.button if b.key == "w.score")


def test_the_device_setting_shows_the_cpu_and_why_there_is_no_choice(app_env):
    at = ok(new_app().run())
    device = at.sidebar.selectbox(key="w.device")
    assert device.value == "cpu" and device.options == ["CPU"] and device.disabled
    assert any("torch sees no CUDA or MPS GPU" in c.value for c in at.sidebar.caption)
    assert not [s for s in at.sidebar.selectbox if s.key == "w.dtype"]  # the CPU runs at fp32 only
    assert "on the CPU" in score_button(at).label
    ok(new_app(device="cuda").run())  # a link made on a GPU machine falls back to the CPU here


def test_a_gpu_choice_reaches_the_score_button_and_its_lookups(fake_gpu, score_calls, monkeypatch):
    from compsem.app import data

    looked_up: list[tuple] = []
    real_missing = data.missing_counts

    def missing_counts(*args):
        looked_up.append(args[4:])
        return real_missing(*args)

    monkeypatch.setattr(data, "missing_counts", missing_counts)
    at = ok(new_app().run())
    device = at.sidebar.selectbox(key="w.device")
    assert device.value == "cuda" and device.options == ["CUDA GPU · Test GPU", "CPU"]  # best first, the default
    assert not device.disabled
    at.sidebar.selectbox(key="w.dtype").set_value("fp16")
    ok(at.run())
    assert at.query_params["dtype"] in ("fp16", ["fp16"])
    assert "on the GPU (Test GPU, fp16)" in score_button(at).label
    assert looked_up[-1] == ("torch", "cuda", "fp16")
    score_button(at).click()
    ok(at.run())
    assert score_calls[-1]["models"] == [MINILM]
    assert (score_calls[-1]["backend"], score_calls[-1]["device"], score_calls[-1]["dtype"]) == (
        "torch",
        "cuda",
        "fp16",
    )
    at.sidebar.selectbox(key="w.device").set_value("cpu")
    ok(at.run())
    assert not [s for s in at.sidebar.selectbox if s.key == "w.dtype"] and "dtype" not in at.query_params
    assert looked_up[-1] == ("torch", "cpu", "fp32")
    score_button(at).click()
    ok(at.run())
    assert (score_calls[-1]["device"], score_calls[-1]["dtype"]) == ("cpu", "fp32")


def test_int8_with_a_gpu_runs_on_the_cpu_and_says_so(fake_gpu, score_calls):
    at = ok(new_app(backend="onnx-int8", device="cuda").run())
    shown = at.sidebar.selectbox(key="w.device_cpu_only")
    assert shown.value == "cpu" and shown.disabled
    assert any("ONNX Runtime int8 runs on the CPU only" in c.value for c in at.sidebar.caption)
    assert "on the CPU" in score_button(at).label
    score_button(at).click()
    ok(at.run())
    assert (score_calls[-1]["backend"], score_calls[-1]["device"]) == ("onnx-int8", "cpu")
    at.sidebar.selectbox(key="w.backend").set_value("torch")
    ok(at.run())
    assert at.sidebar.selectbox(key="w.device").value == "cuda"  # the GPU choice was kept for PyTorch


def _scores_page_with_int8_on_a_gpu() -> None:
    from compsem.app import data, scores
    from compsem.app.sidebar import View

    check, _ = data.load_default_pairs()
    models = ("sentence-transformers/all-MiniLM-L6-v2",)
    scores.scores(
        View(check.pairs, "test", check.sha256, models, ("negation",), 0.5, backend="onnx-int8", device="cuda")
    )


def test_int8_with_cuda_reaching_the_scores_is_the_librarys_sentence_not_a_traceback(app_env):
    at = ok(AppTest.from_function(_scores_page_with_int8_on_a_gpu, default_timeout=180).run())
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # md_escape's backslashes removed
    assert errors == [
        "Cannot use the sidebar's backend and device: --backend onnx-int8 runs on the CPU only, not on cuda; "
        "use --backend torch with --device cuda (fp16/bf16 via --dtype), or --device cpu with onnx-int8"
    ]


def test_a_gpu_listed_but_gone_is_a_sentence_on_the_score_button(fake_gpu):
    try:
        choose_device("cuda")
    except DeviceError:
        pass
    else:  # pragma: no cover - a machine with a GPU
        pytest.skip("torch sees a CUDA GPU here")
    at = ok(new_app().run())
    score_button(at).click()
    ok(at.run())
    assert any(
        "Cannot score on the GPU (Test GPU, fp32)" in e.value and "no CUDA GPU is visible" in e.value for e in at.error
    )


def test_try_your_own_scores_on_the_chosen_device(fake_gpu, monkeypatch):
    from compsem.app import data

    calls: list[dict] = []

    def record(a, b, models, **kwargs):
        calls.append(kwargs)
        return [], {}

    monkeypatch.setattr(data, "score_text_pair", record)
    at = new_app(models="token-jaccard", dtype="bf16", sweep="1")
    at.switch_page("pages/4_Try_your_own.py")
    ok(at.run())
    assert calls and {(c["backend"], c["device"], c["dtype"]) for c in calls} == {("torch", "cuda", "bf16")}


def test_the_reranking_lab_loads_its_models_on_the_chosen_device(fake_gpu, monkeypatch):
    from compsem.app import data
    from compsem.scorers.base import ModelUnavailableError

    calls: list[tuple] = []

    def record(key, fingerprint, backend="torch", device="cpu", dtype="fp32"):
        calls.append((key, fingerprint, backend, device, dtype))
        raise ModelUnavailableError(f"{key}: recorded, not loaded")

    monkeypatch.setattr(data, "scorer", record)
    at = new_app(models="token-jaccard", rr_mode="paste", rr_stage="dense", rr_model="none", dtype="fp16")
    at.switch_page("pages/8_Reranking.py")
    ok(at.run())
    assert calls and calls[-1][2:] == ("torch", "cuda", "fp16")
    assert calls[-1][1].endswith("+cuda-fp16")  # the index is kept per device: its fingerprint names it
    assert any("recorded, not loaded" in e.value for e in at.error)


def test_the_shipped_seed_fills_the_page_on_the_cpu_only_and_a_gpu_is_told_so(fake_gpu, monkeypatch):
    from compsem.store.seed import SEED_FILE

    monkeypatch.delenv("COMPSEM_PAIRS_FILE")  # the bundled pairs, which the seed holds (CPU fp32 scores)
    monkeypatch.setenv("COMPSEM_SEED", str(SEED_FILE))
    at = ok(new_app().run())
    assert at.sidebar.selectbox(key="w.device").value == "cuda"
    assert "on the GPU (Test GPU, fp32)" in score_button(at).label  # the seed's CPU scores are not the GPU's
    assert any("choose CPU under Device in the sidebar to see them without scoring" in c.value for c in at.caption)
    at.sidebar.selectbox(key="w.device").set_value("cpu")
    ok(at.run())
    assert not [b for b in at.button if b.key == "w.score"] and at.get("plotly_chart")
    assert any("From the seed shipped with compsem" in c.value for c in at.caption)
