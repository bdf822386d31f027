"""compsem.app.scores: the time estimate shown on the Score button before a run."""

from __future__ import annotations

from compsem.app.scores import estimate_seconds, estimate_time
from compsem.config import default_cache_dir
from compsem.store.throughput import GUESSED, MEASURED, Rate, ThroughputLog


def one(key: str, pairs: int = 336) -> float:
    return estimate_seconds({key: pairs})


def test_the_guess_grows_with_the_backbone_size():
    minilm, mpnet = one("compsem/minilm-l6-sick-nli"), one("compsem/mpnet-base-sick-nli")
    assert 3 * minilm < mpnet < 6 * minilm  # the adapter is sized by its backbone (measured ~18 s vs ~5 s)
    assert one("sentence-transformers/all-mpnet-base-v2") > 2.5 * one("sentence-transformers/all-MiniLM-L6-v2")
    assert one("cross-encoder/nli-roberta-large") > 2 * mpnet  # a large hub model (not measured here)
    # "base" inside another word says nothing; baselines cost what they cost
    assert one("baseline/token-jaccard") < 2 and one("baseline/bag-of-embeddings") < 2


def test_nothing_missing_costs_nothing():
    assert estimate_seconds({"compsem/mpnet-base-sick-nli": 0, "baseline/token-jaccard": 0}) == 0


def test_the_button_estimate_reads_the_rates_this_machine_measured():
    key = "compsem/minilm-l6-stsb"
    assert estimate_time({key: 336}).source == GUESSED  # the tests' private cache folder has no measurements
    ThroughputLog(default_cache_dir()).record({key: Rate(key, 1.0, 0.5, 336, 0.0)})
    est = estimate_time({key: 336})
    assert est.source == MEASURED and est.seconds == 1.0 + 0.5 * 336


def test_each_device_keeps_its_own_measured_rates():
    key = "compsem/minilm-l6-mrpc"
    ThroughputLog(default_cache_dir()).record({key: Rate(key, 1.0, 0.5, 336, 0.0)})  # measured on the CPU
    assert estimate_time({key: 336}).source == MEASURED
    assert estimate_time({key: 336}, "cuda", "fp16").source == GUESSED  # a GPU estimate never uses the CPU's rates
    ThroughputLog(default_cache_dir(), "+cuda-fp16").record({key: Rate(key, 2.0, 0.001, 336, 0.0)})
    assert estimate_time({key: 336}, "cuda", "fp16").seconds == 2.0 + 0.001 * 336
    assert estimate_time({key: 336}).seconds == 1.0 + 0.5 * 336  # and the CPU's estimate keeps its own
