"""compsem.app.data: the score-cache lookups are kept per model and give what one score_pairs run gives.

Called outside a running app (Streamlit's caches work without one); each test uses a pair-set key of its own.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest

from compsem.app import data
from compsem.data.pairs import load_pairs
from compsem.scoring import score_pairs
from compsem.store.sqlite import ScoreCache

PAIRS = Path(__file__).parent / "data" / "app_pairs.csv"
JACCARD, TFIDF = "baseline/token-jaccard", "baseline/tfidf-cosine"


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_per_model_parts_assemble_the_frame_one_score_pairs_run_gives(cache_dir):
    pairs = load_pairs(PAIRS)
    with ScoreCache(cache_dir) as cache:
        expected = score_pairs(pairs, [TFIDF, JACCARD], cache=cache).results
    sha = uuid.uuid4().hex
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert errors == {}
    pd.testing.assert_frame_equal(frame, expected)
    # an alias of a model already in the frame adds nothing (score_pairs skips it too)
    again, _ = data.cached_results(sha, (TFIDF, JACCARD, "token-jaccard"), str(cache_dir), pairs)
    pd.testing.assert_frame_equal(again, expected)
    alone, _ = data.cached_results(sha, (JACCARD,), str(cache_dir), pairs)
    pd.testing.assert_frame_equal(alone, expected[expected["model"] == JACCARD].reset_index(drop=True))


def test_scores_written_by_another_process_are_read_at_the_next_lookup(cache_dir):
    import subprocess
    import sys

    pairs = load_pairs(PAIRS)
    sha = uuid.uuid4().hex
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [TFIDF], cache=cache)
    assert data.missing_counts(sha, (TFIDF, JACCARD), str(cache_dir), pairs) == {TFIDF: 0, JACCARD: len(pairs)}
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert set(frame["model"]) == {TFIDF} and "not scored yet" in errors[JACCARD]
    version = data.store_version(str(cache_dir))
    assert data.store_version(str(cache_dir)) == version  # reading changes nothing
    code = (
        "import sys; from compsem.store.sqlite import ScoreCache; from compsem.data.pairs import load_pairs; "
        "from compsem.scoring import score_pairs; "
        f"c = ScoreCache({str(cache_dir)!r}); score_pairs(load_pairs({str(PAIRS)!r}), [{JACCARD!r}], cache=c); "
        "c.close()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert data.store_version(str(cache_dir)) != version
    # no forget_cached_scores(): the lookups are keyed by the store's version
    assert data.missing_counts(sha, (TFIDF, JACCARD), str(cache_dir), pairs) == {TFIDF: 0, JACCARD: 0}
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert list(dict.fromkeys(frame["model"])) == [TFIDF, JACCARD] and errors == {}


def test_failures_and_empty_pair_sets_are_what_score_pairs_gives(cache_dir):
    pairs = load_pairs(PAIRS)
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [TFIDF, JACCARD], cache=cache)
    sha = uuid.uuid4().hex
    models = ("no-such/model", JACCARD, "token-jaccard", TFIDF)
    with ScoreCache(cache_dir) as cache:
        expected = score_pairs(pairs, list(models), cache=cache)
    frame, errors = data.cached_results(sha, models, str(cache_dir), pairs)
    pd.testing.assert_frame_equal(frame, expected.results)
    assert errors == {m.model: m.error for m in expected.failed} and "no-such/model" in errors
    empty = pairs.iloc[:0]
    with ScoreCache(cache_dir) as cache:
        expected = score_pairs(empty, [JACCARD, TFIDF], cache=cache).results
    frame, _ = data.cached_results(uuid.uuid4().hex, (JACCARD, TFIDF), str(cache_dir), empty)
    pd.testing.assert_frame_equal(frame, expected)


def test_each_backend_keeps_its_own_lookups(cache_dir):
    pairs = load_pairs(PAIRS)
    sha = uuid.uuid4().hex
    minilm = "sentence-transformers/all-MiniLM-L6-v2"
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [JACCARD], cache=cache)
    assert data.missing_counts(sha, (minilm, JACCARD), str(cache_dir), pairs, "torch")[minilm] == len(pairs)
    assert data.missing_counts(sha, (minilm, JACCARD), str(cache_dir), pairs, "onnx-int8") == {
        minilm: len(pairs),
        JACCARD: 0,
    }  # a baseline has no transformer: one set of scores serves both


MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def test_the_lookups_are_keyed_by_the_device_and_dtype(cache_dir):
    from compsem.models.devices import DeviceChoice
    from compsem.models.registry import resolve
    from compsem.store.score_store import ScoreStore
    from compsem.store.sqlite import CachedScore

    pairs = load_pairs(PAIRS)
    text_pairs = list(zip(pairs["sentence_a"], pairs["sentence_b"]))
    gpu = DeviceChoice("cuda", "fp16", "cuda", "cuda")
    with ScoreStore() as store:  # made-up scores stand in for a GPU run: stored under the cuda fp16 fingerprint
        store.adopt(resolve(MINILM, device=gpu), {p: CachedScore(0.25, 0.25, "{}") for p in text_pairs})
    sha, n = uuid.uuid4().hex, len(pairs)
    count = lambda *runtime: data.missing_counts(sha, (MINILM, JACCARD), str(cache_dir), pairs, *runtime)  # noqa: E731
    assert count("torch", "cuda", "fp16") == {MINILM: 0, JACCARD: n}
    assert count("torch", "cpu", "fp32") == {MINILM: n, JACCARD: n}  # the GPU's scores are not the CPU's
    assert count("torch", "cuda", "fp32")[MINILM] == n and count("torch", "mps", "fp16")[MINILM] == n
    frame, errors = data.cached_results(sha, (MINILM,), str(cache_dir), pairs, "torch", "cuda", "fp16")
    assert len(frame) == n and (frame["score"] == 0.25).all() and errors == {}
    frame, errors = data.cached_results(sha, (MINILM,), str(cache_dir), pairs, "torch", "cpu", "fp32")
    assert frame.empty and "not scored yet" in errors[MINILM]
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [JACCARD], cache=cache, device="cpu")
    assert count("torch", "cuda", "fp16") == {MINILM: 0, JACCARD: 0}  # a baseline's scores serve every device
    with pytest.raises(ValueError, match="onnx-int8 runs on the CPU only"):
        count("onnx-int8", "cuda", "fp32")
    with pytest.raises(ValueError, match="for GPUs"):
        count("torch", "cpu", "fp16")


def test_the_seed_serves_the_cpu_at_fp32_only_and_a_gpu_falls_back_to_scoring(cache_dir, monkeypatch):
    from compsem.store.seed import SEED_FILE

    monkeypatch.setenv("COMPSEM_SEED", str(SEED_FILE))  # the shipped seed: CPU fp32 scores of the bundled pairs
    pairs = load_pairs()
    sha, n = uuid.uuid4().hex, len(pairs)
    on = lambda *runtime: (  # noqa: E731
        data.missing_counts(sha, (MINILM,), str(cache_dir), pairs, *runtime)[MINILM],
        data.seeded_counts(sha, (MINILM,), str(cache_dir), pairs, *runtime)[MINILM],
    )
    assert on("torch", "cpu", "fp32") == (0, n)
    assert on("torch", "cuda", "fp32") == (n, 0) and on("torch", "cuda", "bf16") == (n, 0)
    assert on("torch", "mps", "fp32") == (n, 0)
    frame, _ = data.cached_results(sha, (MINILM,), str(cache_dir), pairs, "torch", "cpu", "fp32")
    assert len(frame) == n
    frame, errors = data.cached_results(sha, (MINILM,), str(cache_dir), pairs, "torch", "cuda", "fp32")
    assert frame.empty and "not scored yet" in errors[MINILM]


def test_a_model_loads_on_the_device_and_dtype_its_resolution_names(monkeypatch):
    from compsem.models.devices import DeviceChoice

    loads: list[tuple] = []
    monkeypatch.setattr(data, "choose_device", lambda device, dtype: DeviceChoice(device, dtype, "Test GPU", device))
    monkeypatch.setattr(data, "load_scorer", lambda res, backend, device: loads.append((res.spec.key, backend, device)))
    res = data.resolution(MINILM, "torch", "cuda", "bf16")  # named without asking torch: no GPU is needed here
    assert res.fingerprint.endswith("+cuda-bf16")
    data.loader(res)  # what score_pairs calls for the Score button and free text
    assert loads == [(MINILM, "torch", DeviceChoice("cuda", "bf16", "Test GPU", "cuda"))]
