"""Dashboard on a large run: server time of each widget change with a 100,000-pair ``compsem run`` folder open.

Target (issue 20, item 6): every widget change within 1 s of server time.

    HF_HUB_OFFLINE=1 python bench/bench_dashboard_large.py                # 100,000 pairs, two models
    HF_HUB_OFFLINE=1 python bench/bench_dashboard_large.py --pairs 20000 --repeats 2

What is measured: a synthetic run folder (``all_pair_results.csv``, ``summary.json``, ``comparison.json``)
of N pairs over the bundled pair set's categories, scored by two baselines (token-jaccard and
tfidf-cosine: registry models, so the sidebar knows them; the scores are drawn per category, since
what is timed is the dashboard, not a model). The sentences are random words. The folder is opened
the way a user does (Pair set → A run folder), then on each page ``streamlit.testing.v1.AppTest`` runs
the script in this process: the times are the server's script run (widgets → compsem → figures →
protobuf), without the network or the browser drawing.

* open: the first run of the page with the folder chosen (reads the CSV, computes the page's tables);
* slider: the threshold moved to a value not seen before;
* search / sort / page: the pairs browser's three controls;
* selection: one model ticked off, then on again (a new results key: the tables recomputed over the rows).

Figures are printed and written to bench/out/bench_dashboard_large.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
MODELS = ("baseline/token-jaccard", "baseline/tfidf-cosine")
WORDS = np.array(
    "river stone lamp orange quiet seven table walks under before after never every some red small "
    "teacher doctor child city market window paper runs reads opens closes bright cold letter garden".split()
)


def make_run(folder: Path, n_pairs: int, seed: int = 0) -> dict:
    """Write a synthetic ``compsem run`` folder of ``n_pairs`` pairs × :data:`MODELS`; returns what it wrote."""
    sys.path.insert(0, str(ROOT))
    from compsem.data.categories import category_info
    from compsem.data.pairs import load_pairs
    from compsem.reports.files import pair_results_csv

    rng = np.random.default_rng(seed)
    bundled = load_pairs()
    cats = bundled["category"].to_numpy()
    category = rng.choice(cats, size=n_pairs)
    expected = bundled.drop_duplicates("category").set_index("category")["expected"].reindex(category).to_numpy()

    def sentences() -> np.ndarray:
        words = rng.choice(WORDS, size=(n_pairs, 7))
        return np.array([" ".join(row) + "." for row in words], dtype=object)

    a, b = sentences(), sentences()
    ids = np.array([f"p{i:06d}" for i in range(n_pairs)], dtype=object)
    frames = []
    for k, model in enumerate(MODELS):
        high = pd.Series(category).map(lambda c: category_info(c).expected == "high").to_numpy()
        centre = np.where(high, 0.75, 0.55)
        score = np.clip(rng.normal(centre - 0.05 * k, 0.15), 0, 1)
        frames.append(
            pd.DataFrame(
                {
                    "pair_id": ids,
                    "category": category,
                    "expected": expected,
                    "sentence_a": a,
                    "sentence_b": b,
                    "model": model,
                    "kind": "baseline",
                    "objective": "lexical",
                    "raw_score": score,
                    "score": score,
                    "raw_output": "{}",
                }
            )
        )
    results = pd.concat(frames, ignore_index=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "all_pair_results.csv").write_text(pair_results_csv(results), encoding="utf-8")
    summary = {"models": [{"model": m, "label": m} for m in MODELS], "meta": {"thresholds": [0.5]}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (folder / "comparison.json").write_text("{}", encoding="utf-8")
    size = (folder / "all_pair_results.csv").stat().st_size
    return {"pairs": n_pairs, "rows": len(results), "csv_mb": round(size / 1e6, 1)}


def _timed(at, action) -> float:
    t0 = time.perf_counter()
    action(at).run()
    dt = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return dt


def _set(widget: str, key: str, value):
    """An action for :func:`_timed` that sets one widget; the value is bound now, not read from a loop later."""

    def action(at):
        return getattr(at, widget)(key=key).set_value(value)

    return action


def _changes(at, widget: str, key: str, values: list, repeats: int) -> dict:
    return _ms([_timed(at, _set(widget, key, v)) for v in values[:repeats]])


def _ms(values: list[float]) -> dict:
    return {"median_ms": round(1000 * statistics.median(values)), "max_ms": round(1000 * max(values))}


PAGES = (
    "pages/00_Findings.py",
    "pages/0_Overview.py",
    "pages/1_Distributions.py",
    "pages/2_Failure_rates.py",
    "pages/3_Effect_sizes.py",
    "pages/5_Pairs_browser.py",
    "pages/7_Exports.py",
)


def bench(folder: Path, repeats: int, pages: list[str]) -> dict:
    from streamlit.testing.v1 import AppTest

    out: dict = {}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.session_state["cs.pairs"] = "run"
    at.session_state["cs.run"] = str(folder)
    at.session_state["cs.models"] = list(MODELS)
    t0 = time.perf_counter()
    at.switch_page(pages[0]).run()  # the first page named, not the landing page
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    out[f"_first_open_s (read the CSV + {pages[0]}'s tables)"] = round(time.perf_counter() - t0, 2)
    thresholds = iter([round(0.3 + 0.011 * i, 3) for i in range(1000)])
    for page in pages:
        t0 = time.perf_counter()
        at.switch_page(page).run()
        row: dict = {"open_s": round(time.perf_counter() - t0, 2)}
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        row["slider"] = _changes(at, "slider", "w.t.sidebar", [next(thresholds) for _ in range(repeats)], repeats)
        if page.endswith("Pairs_browser.py"):
            row["search"] = _changes(at, "text_input", "w.q", ["river", "p0123", "quiet seven", "", "lamp"], repeats)
            row["sort"] = _changes(at, "selectbox", "w.sort", ["pair_id", "category", "sd", "disagreement"], repeats)
            row["page"] = _changes(at, "number_input", "w.pairs_page", [2, 50, 9, 3, 7], repeats)
        out[page] = row
    # a selection change: token-jaccard off, then on (every table of the page recomputed over the rows)
    at.switch_page(pages[-1]).run()
    toggles = []
    for _ in range(repeats):
        toggles.append(_timed(at, _set("checkbox", f"w.model.{MODELS[0]}", False)))
        toggles.append(_timed(at, _set("checkbox", f"w.model.{MODELS[0]}", True)))
    out[f"selection change ({pages[-1]})"] = _ms(toggles)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pages", nargs="+", default=list(PAGES), help="pages to time (default: every data page)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COMPSEM_CACHE_DIR"] = str(Path(tmp) / "cache")
        folder = Path(tmp) / "run"
        t0 = time.perf_counter()
        made = make_run(folder, args.pairs)
        made["write_seconds"] = round(time.perf_counter() - t0, 1)
        result = {"run": made, "cpu_count": os.cpu_count(), "timings": bench(folder, args.repeats, args.pages)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_dashboard_large.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
