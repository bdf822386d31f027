"""compsem.models.backends, .quantization and .onnx: the int8 ONNX Runtime backend.

The exports (the packaged MiniLM and the shipped SICK-NLI adapter) are built once per session
into the session's private cache; the tolerances are the ones measured on the bundled 336
pairs by bench/bench_backends.py (docs/benchmarks.md), with a little room.
"""

from __future__ import annotations

import json
import logging
import sys

import numpy as np
import pytest

from compsem.config import models_dir
from compsem.data.pairs import load_pairs
from compsem.models import backends, onnx, quantization
from compsem.models.backends import export_dir, export_problem, load_onnx
from compsem.models.quantization import BackendError, check_backend, with_backend
from compsem.models.registry import resolve
from compsem.scorers.load import load_scorer
from compsem.scoring import score_pairs
from compsem.store.sqlite import ScoreCache, score_key

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
NLI = "compsem/minilm-l6-sick-nli"
#: Measured on the 336 bundled pairs (bench/bench_backends.py, results/backends/quality.md): max |Δscore| 0.032
#: (MiniLM cosine) and 0.149 (SICK-NLI mutual entailment, a min of two softmax probabilities); Pearson 0.9997
#: and 0.998. Scores also move by up to ~0.03 with the batch they share (dynamic activation scales), hence the room.
TOLERANCE = {MINILM: 0.05, NLI: 0.25}
MIN_PEARSON = 0.99


@pytest.fixture(scope="module")
def sample():
    """Eight pairs of every category of the bundled set (72 pairs): enough spread for a Pearson."""
    pairs = load_pairs()
    return pairs.groupby("category", sort=False).head(8).reset_index(drop=True)


@pytest.fixture(scope="module")
def both_backends(sample, tmp_path_factory):
    """Scores of MiniLM and the SICK-NLI adapter under torch and onnx-int8 (exports built here, once)."""
    out = {}
    with ScoreCache(tmp_path_factory.mktemp("backend-scores")) as cache:
        for backend in ("torch", "onnx-int8"):
            run = score_pairs(sample, [MINILM, NLI], cache=cache, backend=backend)
            assert not run.failed, run.failed
            out[backend] = run.results
    return out


def test_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown backend 'onnx'.*torch, onnx-int8"):
        check_backend("onnx")
    with pytest.raises(ValueError, match="unknown backend"):
        score_pairs(load_pairs().head(2), ["token-jaccard"], backend="int8")


def test_backend_is_part_of_the_fingerprint_and_of_every_cache_key():
    fp32 = resolve(MINILM)
    int8 = resolve(MINILM, backend="onnx-int8")
    assert int8 == with_backend(fp32, "onnx-int8")
    config = quantization.quantization_config().id
    assert int8.fingerprint == f"{fp32.fingerprint}+onnx-int8:{config}"
    assert int8.source_fingerprint == fp32.fingerprint and int8.backend == "onnx-int8"
    assert score_key(MINILM, fp32.fingerprint, "a", "b") != score_key(MINILM, int8.fingerprint, "a", "b")
    assert with_backend(fp32, "torch") is fp32
    # a baseline has no transformer: the backend changes nothing, so its cached scores stay valid
    jaccard = resolve("baseline/token-jaccard")
    assert with_backend(jaccard, "onnx-int8") == jaccard


def test_quantization_config_follows_the_cpu(monkeypatch):
    monkeypatch.delenv("COMPSEM_ONNX_QUANT", raising=False)
    monkeypatch.setattr(quantization.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(quantization, "_cpu_flags", lambda: {"avx2", "avx512f", "avx512bw", "avx512_vnni"})
    assert quantization.quantization_config().target == "avx512_vnni"
    monkeypatch.setattr(quantization, "_cpu_flags", lambda: {"avx2"})
    avx2 = quantization.quantization_config()
    assert avx2.target == "avx2" and avx2.reduce_range  # 7-bit weights where the CPU has no VNNI
    monkeypatch.setattr(quantization.platform, "machine", lambda: "aarch64")
    assert quantization.quantization_config().target == "arm64"
    monkeypatch.setenv("COMPSEM_ONNX_QUANT", "avx2")
    assert quantization.quantization_config().target == "avx2"
    monkeypatch.setenv("COMPSEM_ONNX_QUANT", "sse2")
    with pytest.raises(ValueError, match="COMPSEM_ONNX_QUANT"):
        quantization.quantization_config()


def test_activations_match_torch():
    import torch

    from compsem.models.onnx import OnnxCrossEncoder

    raw = np.array([[-3.0, 0.2, 4.0], [0.0, 1.0, -1.0]])
    model = OnnxCrossEncoder.__new__(OnnxCrossEncoder)
    for name, module in (
        ("Sigmoid", torch.nn.Sigmoid()),
        ("Tanh", torch.nn.Tanh()),
        ("Softmax", torch.nn.Softmax(dim=-1)),
        ("Identity", torch.nn.Identity()),
    ):
        model.meta = {"activation": name}
        want = module(torch.as_tensor(raw, dtype=torch.float32)).numpy()
        np.testing.assert_allclose(model.activate(raw), want, atol=1e-6, err_msg=name)


@pytest.mark.slow
@pytest.mark.parametrize("model", [MINILM, NLI])
def test_int8_scores_are_close_to_fp32(both_backends, model):
    fp32 = both_backends["torch"].query("model == @model")["score"].to_numpy()
    int8 = both_backends["onnx-int8"].query("model == @model")["score"].to_numpy()
    assert len(fp32) == len(int8) == 72
    assert np.corrcoef(fp32, int8)[0, 1] >= MIN_PEARSON
    assert np.max(np.abs(fp32 - int8)) <= TOLERANCE[model]
    assert not np.allclose(fp32, int8, atol=1e-7)  # really another backend, not the torch scores again


@pytest.mark.slow
def test_int8_export_is_cached_with_a_marker_and_keeps_raw_outputs(both_backends):
    res = resolve(NLI, backend="onnx-int8")
    folder = export_dir(res)
    assert export_problem(folder, res) is None
    marker = json.loads((folder / onnx.MARKER).read_text())
    assert marker["source_fingerprint"] == resolve(NLI).fingerprint
    assert marker["quantization"] == quantization.quantization_config().id
    assert set(marker["files"]) == {onnx.MODEL_FILE, onnx.TOKENIZER_FILE}  # no fp32 model left behind
    assert marker["activation"] == "Identity" and marker["num_labels"] == 3  # what the merged CrossEncoder declares
    kept = marker["quantization_config"]["kept_fp32"]  # each of the 6 layers' feed-forward output projection
    assert len(kept) == 6 and all("/output/dense/" in k and "attention" not in k for k in kept)
    assert folder.is_relative_to(models_dir() / "_onnx")
    row = both_backends["onnx-int8"].query("model == @NLI").iloc[0]
    raw = json.loads(row["raw_output"])
    assert set(raw) >= {"labels", "logits_ab", "logits_ba", "p_contradiction"}
    assert raw["labels"] == ["contradiction", "entailment", "neutral"]
    assert row["raw_score"] == pytest.approx(raw["logits_ab"][1])


@pytest.mark.slow
def test_backends_keep_separate_cache_rows(both_backends, sample, tmp_path):
    with ScoreCache(tmp_path) as cache:
        first = score_pairs(sample, [MINILM], cache=cache, backend="torch")
        other = score_pairs(sample, [MINILM], cache=cache, backend="onnx-int8")
        again = score_pairs(sample, [MINILM], cache=cache, backend="onnx-int8")
    assert first.scored == 72 and other.scored == 72  # int8 is never served the fp32 rows
    assert again.scored == 0 and again.cached == 72


def _damage_marker(folder):
    (folder / onnx.MARKER).unlink()


def _damage_model_bytes(folder):
    with open(folder / onnx.MODEL_FILE, "ab") as fh:
        fh.write(b"\0")


def _unloadable_model(folder):
    # hashes that match, contents onnxruntime cannot read: only loading the model finds the problem
    from compsem.models.fingerprints import file_sha256

    (folder / onnx.MODEL_FILE).write_bytes(b"not an onnx model")
    marker = json.loads((folder / onnx.MARKER).read_text())
    marker["files"][onnx.MODEL_FILE] = file_sha256(folder / onnx.MODEL_FILE)
    (folder / onnx.MARKER).write_text(json.dumps(marker))


def _stale_source(folder):
    marker = json.loads((folder / onnx.MARKER).read_text())
    marker["source_fingerprint"] = "sha256:0000000000000000"
    (folder / onnx.MARKER).write_text(json.dumps(marker))


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage, says",
    [
        (_damage_marker, "no marker"),
        (_damage_model_bytes, "SHA-256"),
        (_unloadable_model, "onnxruntime could not load"),
        (_stale_source, "stale"),
    ],
)
def test_a_broken_export_is_rebuilt_with_a_message_never_served(both_backends, sample, damage, says, caplog):
    res = resolve(MINILM, backend="onnx-int8")
    folder = export_dir(res)
    assert export_problem(folder, res) is None
    damage(folder)
    messages: list[str] = []
    with caplog.at_level(logging.WARNING, logger="compsem.models.backends"):
        model = load_onnx(res, messages)
    assert len(messages) == 1 and says in messages[0] and "rebuilding" in messages[0], messages
    assert any(says in r.getMessage() for r in caplog.records)
    assert export_problem(folder, res) is None
    emb = model.encode(["The nurse called the doctor.", "The doctor called the nurse."])
    assert emb.shape == (2, 384) and float(emb[0] @ emb[1]) > 0.9


@pytest.mark.slow
def test_a_missing_export_is_built_and_scoring_reports_the_rebuild(both_backends, sample, tmp_path):
    import shutil

    res = resolve(MINILM, backend="onnx-int8")
    shutil.rmtree(export_dir(res))
    scorer = load_scorer(MINILM, backend="onnx-int8")  # absent: built quietly (first use), not a rebuild
    assert scorer.messages == [] and export_problem(export_dir(res), res) is None
    _damage_model_bytes(export_dir(res))
    with ScoreCache(tmp_path) as cache:
        run = score_pairs(sample.head(3), [MINILM], cache=cache, backend="onnx-int8")
    assert not run.failed and any("rebuilding" in m for m in run.cache_messages)


@pytest.mark.slow
def test_reranker_and_dense_first_stage_run_on_int8(both_backends):
    from compsem.rerank import DenseRetriever, Reranker

    docs = [
        "A man is playing a guitar.",
        "Nobody is playing a guitar.",
        "A woman is slicing an onion.",
        "A man is playing an instrument.",
    ]
    dense = DenseRetriever(docs, backend="onnx-int8")
    assert "+onnx-int8:" in dense.scorer.fingerprint
    first = dense.search(["A man plays the guitar."], k=4)[0]
    reranker = Reranker(NLI, backend="onnx-int8")
    assert "+onnx-int8:" in reranker.scorer.fingerprint
    ranked = reranker.rerank("A man plays the guitar.", first, docs, use_cache=False)
    assert {d for d, _ in ranked} == set(range(4))
    assert docs[ranked[-1][0]] in ("A woman is slicing an onion.", "Nobody is playing a guitar.")


def test_an_unexportable_model_is_a_one_line_message(monkeypatch):
    from compsem.scorers.base import ModelUnavailableError

    def refuse(res, folder):
        raise BackendError(f"{res.spec.key}: modules Transformer, Dense; the int8 backend covers ...")

    monkeypatch.setattr(backends, "_build", refuse)
    monkeypatch.setattr(backends, "export_problem", lambda folder, res: "absent")
    with pytest.raises(ModelUnavailableError, match="could not be loaded: .*modules Transformer, Dense"):
        load_scorer(MINILM, backend="onnx-int8")


def test_backends_module_imports_no_torch():
    import subprocess

    code = "import sys, compsem.models.backends, compsem.models.onnx; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
