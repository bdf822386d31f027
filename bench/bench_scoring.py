"""Benchmark: the default run over the bundled pairs, cold vs warm cache, and compsem's scorer
against plain sentence-transformers on the same model in the same process.

Figures are ratios measured in one run (these machines are noisy); absolute seconds are
printed for context only. Not a test: run it by hand and copy the table into docs/benchmarks.md.

    HF_HUB_OFFLINE=1 python bench/bench_scoring.py [--repeats 3] [--json bench/out/scoring.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    from compsem.data.pairs import load_pairs
    from compsem.models.loading import configure_threads, quiet_libraries
    from compsem.models.registry import offline_models, resolve
    from compsem.scorers.bi_encoder import BiEncoderScorer
    from compsem.scoring import score_pairs
    from compsem.store.sqlite import ScoreCache

    quiet_libraries()
    threads = configure_threads()
    pairs = load_pairs()
    models = offline_models()
    results: dict = {"pairs": len(pairs), "models": models, "threads": threads}

    # 1. default run: cold cache (models loaded and scored) vs warm cache (nothing loaded).
    colds, warms = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            cache = ScoreCache(tmp)
            t0 = time.perf_counter()
            cold = score_pairs(pairs, models, cache=cache)
            colds.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            warm = score_pairs(pairs, models, cache=cache)
            warms.append(time.perf_counter() - t0)
            assert warm.scored == 0, warm.summary()
    results["cold_s"] = statistics.median(colds)
    results["warm_s"] = statistics.median(warms)
    results["cold_over_warm"] = results["cold_s"] / results["warm_s"]
    results["cold_summary"], results["warm_summary"] = cold.summary(), warm.summary()

    # 2. compsem's bi-encoder scorer vs a plain encode + cosine, same loaded model, same process.
    res = resolve("sentence-transformers/all-MiniLM-L6-v2")
    scorer = BiEncoderScorer(res)
    text_pairs = list(zip(pairs["sentence_a"], pairs["sentence_b"]))

    def plain():
        a = scorer.model.encode([p[0] for p in text_pairs], normalize_embeddings=True, convert_to_numpy=True)
        b = scorer.model.encode([p[1] for p in text_pairs], normalize_embeddings=True, convert_to_numpy=True)
        return np.einsum("ij,ij->i", a, b)

    def ours():
        return scorer.predict(text_pairs).score

    plain()  # warm-up both paths once
    ours()
    t_plain, s_plain = timed(plain, args.repeats)
    t_ours, s_ours = timed(ours, args.repeats)
    results["plain_encode_s"], results["compsem_scorer_s"] = t_plain, t_ours
    results["compsem_over_plain"] = t_ours / t_plain
    results["max_abs_diff"] = float(np.max(np.abs(np.asarray(s_plain) - np.asarray(s_ours))))

    print(f"{len(pairs)} pairs, {len(models)} offline models, {threads} threads, median of {args.repeats}")
    print("| measurement | seconds | ratio |\n|---|---|---|")
    print(f"| default run, cold cache | {results['cold_s']:.2f} | |")
    print(f"| default run, warm cache | {results['warm_s']:.2f} | cold/warm = {results['cold_over_warm']:.0f}x |")
    print(f"| plain sentence-transformers encode + cosine (MiniLM) | {t_plain:.2f} | |")
    print(f"| compsem BiEncoderScorer (MiniLM) | {t_ours:.2f} | compsem/plain = {results['compsem_over_plain']:.2f} |")
    print(f"scores identical to plain encode within {results['max_abs_diff']:.1e}; warm run: {results['warm_summary']}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
