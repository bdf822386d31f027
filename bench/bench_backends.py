"""Benchmark: the int8 ONNX Runtime backend against fp32 — quality on the bundled pairs, speed as ratios.

Quality (every offline transformer model, 336 bundled pairs, int8 vs fp32 torch):
  Pearson of the scores (target >= 0.99), max |Δscore|, per-category failure-rate
  differences at 0.5 and 0.8 (target: within 2 points), and each trained model's held-out
  test metric under both backends (SICK-NLI accuracy: within 0.5 points; --heldout KEY... for some).
Speed (ratios within one run, rounds alternating between the things compared):
  int8 vs plain sentence-transformers fp32: the SICK-NLI cross-encoder on the 336 pairs and
  MiniLM on the 672 sentences (target >= 2.5x); compsem's fp32 scorers vs plain
  sentence-transformers on the same work (target <= 1.05x); reranking the BM25 top 100 with
  the MiniLM SICK-NLI cross-encoder, p95 per query (target <= 400 ms); a warm `compsem run`
  (nothing to score) vs a cold one (target <= 1/3).

    HF_HUB_OFFLINE=1 python bench/bench_backends.py                  # everything (about 25 min on 2 cores)
    HF_HUB_OFFLINE=1 python bench/bench_backends.py --only quality   # or speed, rerank, warm

Writes results/backends/{quality.md, quality.csv, heldout.csv, speed.json, speed.md}; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "backends"
NLI = "compsem/minilm-l6-sick-nli"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
THRESHOLDS = (0.5, 0.8)
TARGETS = {
    "pearson": 0.99,
    "rate_pp": 2.0,
    "nli_accuracy_points": 0.5,
    "speedup": 2.5,
    "fp32_overhead": 1.05,
    "rerank_p95_ms": 400.0,
    "warm_over_cold": 1 / 3,
}


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


# -- quality ---------------------------------------------------------------------------------------------------
def transformer_models() -> list[str]:
    from compsem.models.registry import list_models

    return [r.spec.key for r in list_models() if r.usable and r.spec.kind in ("bi-encoder", "cross-encoder")]


def quality(models: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per model, one row per model x category x threshold) comparing int8 with fp32 scores."""
    from compsem import stats
    from compsem.data.pairs import load_pairs
    from compsem.scoring import score_pairs
    from compsem.store.sqlite import ScoreCache

    pairs = load_pairs()
    rows, cells = [], []
    with tempfile.TemporaryDirectory() as tmp, ScoreCache(tmp) as cache:
        for key in models:
            got = {}
            for backend in ("torch", "onnx-int8"):
                t0 = time.perf_counter()
                run = score_pairs(pairs, [key], cache=cache, backend=backend)
                if run.failed:
                    raise SystemExit(f"{key} ({backend}): {run.failed[0].error}")
                got[backend] = run.results
                print(f"  {key} {backend}: {time.perf_counter() - t0:.1f} s (load + score 336 pairs)", flush=True)
            fp, q = got["torch"]["score"].to_numpy(), got["onnx-int8"]["score"].to_numpy()
            rates = {
                b: stats.failure_rates(f, list(THRESHOLDS)).set_index(["category", "threshold"])["rate"]
                for b, f in got.items()
            }
            diff = ((rates["onnx-int8"] - rates["torch"]) * 100).rename("delta_pp").reset_index()
            for rec in diff.itertuples(index=False):
                cells.append(
                    {
                        "model": key,
                        "category": rec.category,
                        "threshold": rec.threshold,
                        "fp32_rate": float(rates["torch"][(rec.category, rec.threshold)]),
                        "int8_rate": float(rates["onnx-int8"][(rec.category, rec.threshold)]),
                        "delta_pp": float(rec.delta_pp),
                    }
                )
            row = {
                "model": key,
                "pearson": float(np.corrcoef(fp, q)[0, 1]),
                "max_abs_delta": float(np.max(np.abs(fp - q))),
                "mean_abs_delta": float(np.mean(np.abs(fp - q))),
            }
            for t in THRESHOLDS:
                row[f"pairs_crossing_{t:g}"] = int(((fp >= t) != (q >= t)).sum())
                sub = diff[np.isclose(diff["threshold"], t)]
                worst = sub.iloc[int(np.argmax(np.abs(sub["delta_pp"].to_numpy())))]
                row[f"max_rate_delta_pp_{t:g}"] = float(abs(worst["delta_pp"]))
                row[f"worst_category_{t:g}"] = str(worst["category"])
            row["met"] = bool(
                row["pearson"] >= TARGETS["pearson"]
                and all(row[f"max_rate_delta_pp_{t:g}"] <= TARGETS["rate_pp"] for t in THRESHOLDS)
            )
            rows.append(row)
    return pd.DataFrame(rows), pd.DataFrame(cells)


def heldout(models: list[str]) -> pd.DataFrame:
    """Each trained cross-encoder's test-split metric, fp32 torch and int8, in the same run."""
    from compsem.models.registry import get_spec, resolve
    from compsem.scorers.load import load_scorer
    from compsem.training.objectives import get_objective
    from compsem.training.train_data import metrics_from_outputs, splits

    rows = []
    for key in models:
        spec = get_spec(key)
        objective = spec.card.objective if spec.card is not None else ""
        if spec.kind != "cross-encoder" or not objective:
            continue
        obj = get_objective(objective)
        test = splits(obj, seed=int(spec.card.seed or 42))["test"]
        pairs = list(zip(test["sentence_a"], test["sentence_b"]))
        row = {"model": key, "test_pairs": len(test)}
        for backend in ("torch", "onnx-int8"):
            scorer = load_scorer(resolve(key), backend=backend)
            t0 = time.perf_counter()
            raw = scorer.logits(pairs, batch_size=64)
            seconds = time.perf_counter() - t0
            out = raw if obj.num_labels > 1 else scorer._activate(raw)[0]
            for name, value in metrics_from_outputs(obj, test, out, "test").items():
                row[f"{name}_{backend}"] = round(float(value), 4)
            row[f"seconds_{backend}"] = round(seconds, 1)
        metric = next(k[: -len("_torch")] for k in row if k.endswith("_torch") and k.startswith("test_"))
        row["metric"] = metric
        row["delta_points"] = round(100 * (row[f"{metric}_onnx-int8"] - row[f"{metric}_torch"]), 2)
        rows.append(row)
        print(f"  {key}: {metric} fp32 {row[f'{metric}_torch']:.4f}, int8 {row[f'{metric}_onnx-int8']:.4f}", flush=True)
    return pd.DataFrame(rows)


def quality_markdown(table: pd.DataFrame, cells: pd.DataFrame, held: pd.DataFrame, note: str) -> str:
    from compsem.data.categories import category_label
    from compsem.models.quantization import quantization_config
    from compsem.models.registry import get_spec

    lines = [
        "# int8 ONNX Runtime vs fp32 PyTorch on the bundled 336 pairs",
        "",
        f"Quantization `{quantization_config().id}`; {note}. Written by `bench/bench_backends.py`.",
        "",
        "| model | Pearson (≥ 0.99) | max \\|Δscore\\| | mean \\|Δscore\\| | pairs crossing 0.5 / 0.8 "
        "(of 336) | max \\|Δ failure rate\\| at 0.5 (≤ 2 pts) | at 0.8 (≤ 2 pts) | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in table.to_dict(orient="records"):
        lines.append(
            f"| {get_spec(d['model']).display} | {d['pearson']:.4f} | {d['max_abs_delta']:.3f} | "
            f"{d['mean_abs_delta']:.4f} | {d['pairs_crossing_0.5']} / {d['pairs_crossing_0.8']} "
            f"| {d['max_rate_delta_pp_0.5']:.1f} ({category_label(d['worst_category_0.5'])}) "
            f"| {d['max_rate_delta_pp_0.8']:.1f} ({category_label(d['worst_category_0.8'])}) "
            f"| {'yes' if d['met'] else '**no**'} |"
        )
    if len(held):
        lines += [
            "",
            "Held-out test metric of each trained cross-encoder under both backends "
            "(SICK-NLI target: accuracy within 0.5 points):",
            "",
            "| model | metric | test pairs | fp32 | int8 | Δ points | fp32 s | int8 s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in held.to_dict(orient="records"):
            m = r["metric"]
            lines.append(
                f"| {get_spec(r['model']).display} | {m} | {r['test_pairs']:,} | {r[f'{m}_torch']:.4f} | "
                f"{r[f'{m}_onnx-int8']:.4f} | {r['delta_points']:+.2f} | {r['seconds_torch']} | "
                f"{r['seconds_onnx-int8']} |"
            )
    lines += [
        "",
        "Per category (failure or pass rate, fp32 → int8, points):",
        "",
        "| model | category | at 0.5 | at 0.8 |",
        "|---|---|---|---|",
    ]
    for (model, cat), grp in cells.groupby(["model", "category"], sort=False):
        cell = {
            round(t, 2): f"{100 * a:.0f}% → {100 * b:.0f}% ({d:+.1f})"
            for t, a, b, d in zip(grp["threshold"], grp["fp32_rate"], grp["int8_rate"], grp["delta_pp"])
        }
        lines.append(
            f"| {get_spec(model).display} | {category_label(cat)} | {cell.get(0.5, '—')} | {cell.get(0.8, '—')} |"
        )
    return "\n".join(lines) + "\n"


# -- speed -----------------------------------------------------------------------------------------------------
def alternate(fns: dict, rounds: int) -> dict[str, list[float]]:
    """Each function once per round, in turn, after one untimed warm-up call each."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def ratio(times: dict[str, list[float]], num: str, den: str) -> float:
    """Median over rounds of num/den measured in the same round."""
    return statistics.median(a / b for a, b in zip(times[num], times[den]))


def speed(rounds: int) -> dict:
    from compsem.data.pairs import load_pairs
    from compsem.models.backends import load_onnx
    from compsem.models.loading import configure_threads
    from compsem.models.registry import resolve
    from compsem.scorers.bi_encoder import BiEncoderScorer
    from compsem.scorers.cross_encoder import CrossEncoderScorer

    threads = configure_threads()
    pairs = load_pairs()
    ab = list(zip(pairs["sentence_a"], pairs["sentence_b"]))
    both = [*ab, *[(b, a) for a, b in ab]]
    sentences = [*pairs["sentence_a"], *pairs["sentence_b"]]
    ce = CrossEncoderScorer(resolve(NLI))
    ce8 = load_onnx(resolve(NLI, backend="onnx-int8"))
    bi = BiEncoderScorer(resolve(MINILM))
    bi8 = load_onnx(resolve(MINILM, backend="onnx-int8"))
    ce_times = alternate(
        {
            "plain_fp32_336": lambda: ce.model.predict([list(p) for p in ab], batch_size=32, show_progress_bar=False),
            "int8_336": lambda: ce8.logits(ab, 32),
            "plain_fp32_672": lambda: ce.model.predict([list(p) for p in both], batch_size=32, show_progress_bar=False),
            "compsem_fp32_672": lambda: ce.predict(ab, batch_size=32),
        },
        rounds,
    )
    bi_times = alternate(
        {
            "plain_fp32_672": lambda: bi.model.encode(
                sentences, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            ),
            "int8_672": lambda: bi8.encode(sentences, batch_size=32),
            "compsem_fp32_336_pairs": lambda: bi.predict(ab, batch_size=32),
        },
        rounds,
    )
    med = {f"ce_{k}_s": statistics.median(v) for k, v in ce_times.items()}
    med.update({f"bi_{k}_s": statistics.median(v) for k, v in bi_times.items()})
    return {
        "threads": threads,
        "rounds": rounds,
        **med,
        "ce_int8_speedup": ratio(ce_times, "plain_fp32_336", "int8_336"),
        "ce_compsem_fp32_over_plain": ratio(ce_times, "compsem_fp32_672", "plain_fp32_672"),
        "bi_int8_speedup": ratio(bi_times, "plain_fp32_672", "int8_672"),
        "bi_compsem_fp32_over_plain": ratio(bi_times, "compsem_fp32_336_pairs", "plain_fp32_672"),
    }


def rerank_latency(queries: int, repeats: int) -> dict:
    """p50/p95 ms of reranking the BM25 top 100 per query, fp32 and int8 alternating, nothing cached."""
    from compsem.models.loading import configure_threads
    from compsem.rerank import BM25Retriever, Reranker, sick_retrieval_set

    configure_threads()
    data = sick_retrieval_set(max_queries=queries, seed=0)
    bm25 = BM25Retriever(data.corpus)
    texts = list(data.queries.values())
    pools = [[(d, s) for d, s in bm25.search([t], 101)[0] if data.corpus[d] != t][:100] for t in texts]
    rerankers = {b: Reranker(NLI, backend=b) for b in ("torch", "onnx-int8")}
    for rr in rerankers.values():
        rr.rerank(texts[0], pools[0], data.corpus, use_cache=False)
    samples: dict[str, list[float]] = {b: [] for b in rerankers}
    for _ in range(repeats):
        for text, pool in zip(texts, pools):
            for b, rr in rerankers.items():
                t0 = time.perf_counter()
                rr.rerank(text, pool, data.corpus, use_cache=False)
                samples[b].append(time.perf_counter() - t0)
    out = {"queries": len(texts), "repeats": repeats, "k": 100}
    for b, s in samples.items():
        out[f"{b}_p50_ms"] = float(np.percentile(np.array(s) * 1000, 50))
        out[f"{b}_p95_ms"] = float(np.percentile(np.array(s) * 1000, 95))
    return out


def warm_cold(rounds: int, backend: str = "torch") -> dict:
    """Wall-clock seconds of the default `compsem run` in a fresh process: cold cache, then warm."""
    from compsem.config import models_dir

    colds, warms = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "cache"
            cache.mkdir()
            if models_dir().is_dir():  # assembled MPNet and int8 exports are reused; scores are not
                (cache / "models").symlink_to(models_dir().resolve())
            env = {
                **os.environ,
                "COMPSEM_CACHE_DIR": str(cache),
                "HF_HUB_OFFLINE": "1",
                "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            }
            cmd = [
                sys.executable,
                "-m",
                "compsem.cli",
                "run",
                "-q",
                "--backend",
                backend,
                "--out",
                str(Path(tmp) / "o"),
            ]
            for bucket in (colds, warms):
                t0 = time.perf_counter()
                done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
                bucket.append(time.perf_counter() - t0)
                if done.returncode:
                    raise SystemExit(f"compsem run failed: {done.stderr[-2000:]}")
                print(
                    f"  {backend} {'cold' if bucket is colds else 'warm'}: {bucket[-1]:.1f} s — "
                    f"{done.stdout.splitlines()[0]}",
                    flush=True,
                )
    return {
        f"{backend}_cold_s": statistics.median(colds),
        f"{backend}_warm_s": statistics.median(warms),
        f"{backend}_warm_over_cold": statistics.median(w / c for w, c in zip(warms, colds)),
        "rounds": rounds,
    }


def speed_markdown(res: dict, note: str) -> str:
    t = TARGETS
    rows = []
    if "ce_int8_speedup" in res:
        rows += [
            (
                "SICK-NLI cross-encoder, 336 pairs: plain sentence-transformers fp32 / int8",
                f"{res['ce_plain_fp32_336_s']:.2f} s / {res['ce_int8_336_s']:.2f} s",
                f"{res['ce_int8_speedup']:.2f}×",
                f"≥ {t['speedup']}×",
                res["ce_int8_speedup"] >= t["speedup"],
            ),
            (
                "MiniLM bi-encoder, 672 sentences: plain sentence-transformers fp32 / int8",
                f"{res['bi_plain_fp32_672_s']:.2f} s / {res['bi_int8_672_s']:.2f} s",
                f"{res['bi_int8_speedup']:.2f}×",
                f"≥ {t['speedup']}×",
                res["bi_int8_speedup"] >= t["speedup"],
            ),
            (
                "compsem fp32 cross-encoder scorer / plain `predict`, 672 ordered pairs",
                f"{res['ce_compsem_fp32_672_s']:.2f} s / {res['ce_plain_fp32_672_s']:.2f} s",
                f"{res['ce_compsem_fp32_over_plain']:.3f}",
                f"≤ {t['fp32_overhead']}",
                res["ce_compsem_fp32_over_plain"] <= t["fp32_overhead"],
            ),
            (
                "compsem fp32 bi-encoder scorer (336 pairs) / plain `encode` (672 sentences)",
                f"{res['bi_compsem_fp32_336_pairs_s']:.2f} s / {res['bi_plain_fp32_672_s']:.2f} s",
                f"{res['bi_compsem_fp32_over_plain']:.3f}",
                f"≤ {t['fp32_overhead']}",
                res["bi_compsem_fp32_over_plain"] <= t["fp32_overhead"],
            ),
        ]
    if "onnx-int8_p95_ms" in res:
        rows.append(
            (
                f"rerank BM25 top 100 with the SICK-NLI cross-encoder, p50 / p95 per query "
                f"({res['queries']} queries × {res['repeats']}), int8",
                f"{res['onnx-int8_p50_ms']:.0f} / {res['onnx-int8_p95_ms']:.0f} ms "
                f"(fp32: {res['torch_p50_ms']:.0f} / {res['torch_p95_ms']:.0f} ms)",
                f"{res['torch_p95_ms'] / res['onnx-int8_p95_ms']:.2f}× faster at p95",
                f"p95 ≤ {t['rerank_p95_ms']:.0f} ms",
                res["onnx-int8_p95_ms"] <= t["rerank_p95_ms"],
            )
        )
    if "torch_warm_over_cold" in res:
        rows.append(
            (
                "default `compsem run`, warm / cold (fresh processes)",
                f"{res['torch_warm_s']:.1f} s / {res['torch_cold_s']:.1f} s",
                f"{res['torch_warm_over_cold']:.3f}",
                "≤ 0.333",
                res["torch_warm_over_cold"] <= t["warm_over_cold"],
            )
        )
    if "onnx-int8_cold_s" in res:
        rows.append(
            (
                "default `compsem run --backend onnx-int8`, warm / cold (exports already built)",
                f"{res['onnx-int8_warm_s']:.1f} s / {res['onnx-int8_cold_s']:.1f} s",
                f"{res['onnx-int8_warm_over_cold']:.3f}",
                "—",
                None,
            )
        )
    lines = [
        f"# Speed of the backends ({note})",
        "",
        "Written by `bench/bench_backends.py`; each ratio is the median "
        "over rounds of the ratio measured within one round.",
        "",
        "| measurement | seconds | ratio | target | met |",
        "|---|---|---|---|---|",
    ]
    for name, secs, value, target, met in rows:
        lines.append(f"| {name} | {secs} | {value} | {target} | {'—' if met is None else 'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["quality", "speed", "rerank", "warm"],
        default=["quality", "speed", "rerank", "warm"],
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds for the speed ratios")
    parser.add_argument("--warm-rounds", type=int, default=3)
    parser.add_argument("--rerank-queries", type=int, default=20)
    parser.add_argument("--rerank-repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="CPU threads for torch and onnxruntime (default: every core)")
    parser.add_argument(
        "--heldout",
        nargs="*",
        metavar="KEY",
        help="only these trained cross-encoders get their test split scored under both backends "
        "(default: every one, about 13 minutes on 2 cores, 2.5 of them per MPNet-base adapter; "
        "no KEY: none)",
    )
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument(
        "--remake-md", action="store_true", help="only rewrite quality.md from the CSVs of the last quality run"
    )
    args = parser.parse_args()
    if args.remake_md:
        out = Path(args.out)
        note = (
            (out / "quality.md").read_text(encoding="utf-8").split("; ", 1)[1].split(". Written")[0]
            if (out / "quality.md").is_file()
            else "load not recorded"
        )
        (out / "quality.md").write_text(
            quality_markdown(
                pd.read_csv(out / "quality.csv"),
                pd.read_csv(out / "quality_by_category.csv"),
                pd.read_csv(out / "heldout.csv"),
                note,
            ),
            encoding="utf-8",
        )
        return
    if args.threads:
        os.environ["COMPSEM_THREADS"] = str(args.threads)  # read by configure_threads and the onnxruntime sessions
    from compsem.models.loading import quiet_libraries

    quiet_libraries()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start_note = load_note()
    print(f"start: {start_note}", flush=True)
    if "quality" in args.only:
        models = transformer_models()
        print(f"quality: {', '.join(models)}", flush=True)
        table, cells = quality(models)
        held = heldout(models if args.heldout is None else [m for m in models if m in args.heldout])
        table.to_csv(out / "quality.csv", index=False)
        cells.to_csv(out / "quality_by_category.csv", index=False)
        held.to_csv(out / "heldout.csv", index=False)
        (out / "quality.md").write_text(quality_markdown(table, cells, held, start_note), encoding="utf-8")
        print((out / "quality.md").read_text(encoding="utf-8").split("\n\nPer category")[0], flush=True)
    res: dict = {}
    speed_file = out / "speed.json"
    if speed_file.is_file():  # a partial rerun (--only rerank) keeps the other figures of the last run
        res = json.loads(speed_file.read_text(encoding="utf-8"))
    if "speed" in args.only:
        print("speed: cross-encoder and bi-encoder, alternating rounds", flush=True)
        res.update(speed(args.rounds))
    if "rerank" in args.only:
        print("rerank: K = 100, one query at a time", flush=True)
        res.update(rerank_latency(args.rerank_queries, args.rerank_repeats))
    if "warm" in args.only:
        print("warm vs cold compsem run (fresh processes)", flush=True)
        res.update(warm_cold(args.warm_rounds, "torch"))
        res.update({k: v for k, v in warm_cold(1, "onnx-int8").items() if k != "rounds"})
    if set(args.only) - {"quality"}:
        note = (
            f"{os.environ.get('COMPSEM_THREADS') or os.cpu_count()} thread(s); {start_note} at start, "
            f"{load_note()} at end"
        )
        res["load"] = note
        speed_file.write_text(json.dumps(res, indent=2), encoding="utf-8")
        (out / "speed.md").write_text(speed_markdown(res, note), encoding="utf-8")
        print((out / "speed.md").read_text(encoding="utf-8"), flush=True)


if __name__ == "__main__":
    main()
