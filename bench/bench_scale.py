"""Benchmark: `compsem run` at 10k / 100k / 1M pairs: wall time, pairs/s, peak RSS, time per stage.

Each size runs in its own process (so peak RSS is that run's), on a generated pair file of
built-in categories, with a fresh score cache (a cold run: every pair is scored and stored).
Stages: read (stream and validate the pair file), score (the model, cache look-ups included),
store (writing scores to the cache, timed inside the score stage and subtracted from it),
statistics (:func:`compsem.analysis.analyze`), report (summary, comparison, report.md and the
per-pair file: Parquet above 100,000 result rows).

Not a test: run it by hand and copy the table into the docs.

    HF_HUB_OFFLINE=1 python bench/bench_scale.py --sizes 10000 100000 1000000 --models token-jaccard
    HF_HUB_OFFLINE=1 python bench/bench_scale.py --sizes 10000 --models all-MiniLM-L6-v2 --backend onnx-int8
    HF_HUB_OFFLINE=1 python bench/bench_scale.py --sizes 1000000 --models all-MiniLM-L6-v2 --backend onnx-int8 \
        --sentence-pool 1100     # peak memory of a 1M transformer run (see make_pool_pairs)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CATEGORIES = ("negation", "numerical", "entity_swap", "temporal", "quantifier", "hedging", "positive_control")
WORDS = "the a cat dog child teacher sat ran saw read red blue big small old new house car tree river book".split()


def _words(rng: random.Random) -> list[str]:
    """7-11 random words: the body of one generated sentence (its number and full stop are added after)."""
    return [rng.choice(WORDS) for _ in range(rng.randint(7, 11))]


def make_pairs(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` distinct short pairs (8-12 words) in built-in categories."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "category", "sentence_a", "sentence_b"])
        for i in range(n):
            words = _words(rng)
            a = " ".join(words) + f" {i}."
            b = " ".join(rng.sample(words, len(words))) + f" {i}."
            w.writerow([i, CATEGORIES[i % len(CATEGORIES)], a.capitalize(), b.capitalize()])
    return path


def make_pool_pairs(path: Path, n: int, pool: int, seed: int = 0) -> Path:
    """``n`` distinct ordered pairs of ``pool`` distinct sentences (needs pool * (pool - 1) >= n).

    For a transformer at 1,000,000 pairs on 2 cores: the bi-encoder embeds each distinct sentence of a
    scoring chunk once, so a chunk of 4,096 pairs embeds at most ``pool`` sentences instead of 8,192. The
    table, the scores, the statistics and the report are as large as with distinct sentences (every row
    holds its own text), so peak memory is the pipeline's; the time is not that of 2n distinct sentences.
    """
    if pool * (pool - 1) < n:
        raise SystemExit(f"--sentence-pool {pool} gives only {pool * (pool - 1):,} ordered pairs, fewer than {n:,}")
    rng = random.Random(seed)
    sentences = []
    for j in range(pool):
        words = _words(rng)
        sentences.append((" ".join(words) + f" {j}.").capitalize())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "category", "sentence_a", "sentence_b"])
        for i in range(n):
            a = i % pool
            b = (a + 1 + i // pool) % pool  # i // pool < pool - 1, so (a, b) never repeats and b != a
            w.writerow([i, CATEGORIES[i % len(CATEGORIES)], sentences[a], sentences[b]])
    return path


def one(pairs: Path, models: list[str], backend: str, out: Path, cache: Path) -> dict:
    """Run the stages in this process and return their timings (seconds) and peak RSS (MB)."""
    from compsem.analysis import analyze
    from compsem.data.streaming import load_pair_file
    from compsem.reports.files import pair_file_format, write_run
    from compsem.reports.markdown import comparison_dict, report_markdown, summary_dict
    from compsem.scoring import score_pairs
    from compsem.store.sqlite import ScoreCache

    store_seconds = [0.0]
    real_put = ScoreCache.put_many

    def timed_put(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real_put(self, *args, **kwargs)
        finally:
            store_seconds[0] += time.perf_counter() - t0

    ScoreCache.put_many = timed_put  # type: ignore[method-assign]
    t = {}
    t0 = time.perf_counter()
    table = load_pair_file(pairs)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scoring = score_pairs(table, models, cache=cache, backend=backend, device="cpu")
    t["score"] = time.perf_counter() - t0 - store_seconds[0]
    t["store"] = store_seconds[0]
    if scoring.failed:
        raise SystemExit(f"{scoring.failed[0].model}: {scoring.failed[0].error}")
    t0 = time.perf_counter()
    analysis = analyze(scoring.results, (0.5, 0.8))
    t["statistics"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    meta = {"pairs_source": str(pairs), "n_pairs": len(table), "models": models, "thresholds": [0.5, 0.8]}
    out.mkdir(parents=True, exist_ok=True)
    write_run(
        out,
        scoring.results,
        summary_dict(analysis, meta),
        comparison_dict(analysis.comparisons),
        report_markdown(analysis, meta),
        pair_file_format(len(scoring.results)),
    )
    t["report"] = time.perf_counter() - t0
    t["total"] = sum(t.values())
    return {"seconds": t, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "n": len(table)}


def build_exports(models: list[str]) -> None:
    """Build (or check) each transformer model's int8 export in the cache folder, here in the parent process.

    The export loads the model in torch once; done inside a timed run it would count torch's memory and the
    export's minutes as the run's (a first 10,000-pair run measured 1,133 MB this way, 297 MB at 2,000 pairs
    with the export already there).
    """
    from compsem.models.backends import ensure_export
    from compsem.models.quantization import runtime_device
    from compsem.models.registry import get_spec, resolve

    cpu = runtime_device("onnx-int8", "cpu")
    for key in models:
        res = resolve(get_spec(key), backend="onnx-int8", device=cpu)
        if res.backend == "onnx-int8":  # baselines have no export
            ensure_export(res)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--models", nargs="+", default=["token-jaccard"])
    ap.add_argument("--backend", default="torch", choices=["torch", "onnx-int8"])
    ap.add_argument("--json", help="also write the rows as JSON here")
    ap.add_argument(
        "--sentence-pool",
        type=int,
        help="draw the pairs from this many distinct sentences (memory of a 1M transformer run in minutes, not hours)",
    )
    ap.add_argument("--_one", nargs=3, metavar=("PAIRS", "OUT", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._one:
        pairs, out, cache = (Path(p) for p in args._one)
        print(json.dumps(one(pairs, args.models, args.backend, out, cache)))
        return
    rows = []
    if args.backend == "onnx-int8":
        build_exports(args.models)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            if args.sentence_pool:
                pairs = make_pool_pairs(Path(tmp) / f"p{n}.csv", n, args.sentence_pool)
            else:
                pairs = make_pairs(Path(tmp) / f"p{n}.csv", n)
            cmd = [sys.executable, __file__, "--models", *args.models, "--backend", args.backend, "--_one"]
            cmd += [str(pairs), str(Path(tmp) / f"out{n}"), str(Path(tmp) / f"cache{n}")]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                print(proc.stderr[-2000:], file=sys.stderr)
                raise SystemExit(f"size {n}: the run failed")
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            s = got["seconds"]
            rows.append(
                {
                    "pairs": n,
                    "models": " ".join(args.models),
                    "backend": args.backend,
                    "sentence_pool": args.sentence_pool,
                    "wall": wall,
                    **got,
                }
            )
            print(
                f"{n:>9,} pairs  wall {wall:7.1f} s  {n / s['total']:8.0f} pairs/s"
                f"  peak RSS {got['peak_rss_mb']:6.0f} MB"
                f"  | read {s['read']:.1f}  score {s['score']:.1f}  store {s['store']:.1f}"
                f"  statistics {s['statistics']:.1f}  report {s['report']:.1f}",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
