"""Statistics and run files at scale: analytic intervals above a size, Parquet per-pair files, bounded time."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from compsem.reports.files import LARGE_RUN_ROWS, pair_file_format, write_run
from compsem.stats.inference import BOOTSTRAP_MAX_N, interval_method, mean_and_rate_ci, mean_and_rate_cis


def test_small_samples_keep_the_bootstrap_large_ones_get_the_normal_approximation():
    assert interval_method(BOOTSTRAP_MAX_N) == "percentile bootstrap"
    assert interval_method(BOOTSTRAP_MAX_N + 1).startswith("normal approximation")
    rng = np.random.default_rng(1)
    big = rng.uniform(size=BOOTSTRAP_MAX_N + 1)
    mean, rate = mean_and_rate_ci(big, 0.5)
    z = 1.959963984540054
    half = z * big.std(ddof=1) / np.sqrt(big.size)
    assert mean.low == pytest.approx(big.mean() - half) and mean.high == pytest.approx(big.mean() + half)
    assert rate.method.startswith("normal approximation") and rate.low < rate.estimate < rate.high
    # the bootstrap just below the switch and the approximation just above it agree to ~1e-3
    boot = mean_and_rate_ci(big[:BOOTSTRAP_MAX_N], 0.5, n_resamples=500)[0]
    assert boot.method == "percentile bootstrap"
    assert abs(boot.low - mean.low) < 2e-3 and abs(boot.high - mean.high) < 2e-3


def test_a_million_scores_in_bounded_time():
    rng = np.random.default_rng(0)
    samples = [rng.uniform(size=1_000_000 // 7) for _ in range(7)]
    t0 = time.perf_counter()
    out = mean_and_rate_cis(samples, 0.5)
    assert time.perf_counter() - t0 < 20  # ~0.1 s; the bootstrap took minutes
    assert all(m.low < m.estimate < m.high for m, _r in out)


def test_large_runs_write_parquet_small_runs_csv(tmp_path):
    assert pair_file_format(LARGE_RUN_ROWS) == "csv" and pair_file_format(LARGE_RUN_ROWS + 1) == "parquet"
    assert pair_file_format(10, "parquet") == "parquet" and pair_file_format(10**7, "csv") == "csv"
    with pytest.raises(ValueError, match="unknown pair-file format"):
        pair_file_format(10, "xlsx")
    results = pd.DataFrame(
        {
            "pair_id": ["1", "2"],
            "category": ["negation"] * 2,
            "sentence_a": ["=1+1", "b"],
            "sentence_b": ["c", "d"],
            "model": ["m"] * 2,
            "kind": ["baseline"] * 2,
            "objective": [""] * 2,
            "raw_score": [0.25, 0.5],
            "score": [0.25, 0.5],
            "raw_output": ["{}"] * 2,
        }
    )
    write_run(tmp_path, results, {}, {}, "r", "csv")
    assert (tmp_path / "all_pair_results.csv").is_file()
    paths = write_run(tmp_path, results, {}, {}, "r", "parquet")
    assert paths[0].name == "all_pair_results.parquet"
    assert not (tmp_path / "all_pair_results.csv").exists()  # no stale copy beside the new one
    back = pd.read_parquet(tmp_path / "all_pair_results.parquet")
    assert back["sentence_a"].tolist() == ["=1+1", "b"] and back["score"].tolist() == [0.25, 0.5]
