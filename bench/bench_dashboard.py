"""Dashboard speed: re-render time after a slider or selection change, and time to the first page.

Targets (issue): from the cache, a slider or selection change re-renders in <= 300 ms of
server time; the first page of a fresh process shows in <= 5 s, model loading excluded.

    HF_HUB_OFFLINE=1 python bench/bench_dashboard.py            # both measurements
    HF_HUB_OFFLINE=1 python bench/bench_dashboard.py --no-browser

What is measured:

* re-render: ``streamlit.testing.v1.AppTest`` runs the page script in this process, so the
  time is the server's script run (widgets -> compsem -> figures -> protobuf), without the
  network or the browser drawing. Each change moves to a threshold not seen before (so the
  statistics at that threshold are computed, not read from st.cache_data) or toggles a
  model or a category (a new results key: every table of the page is recomputed).
* first page: a fresh ``streamlit run app.py`` process, timed from process start until
  headless Chromium shows the landing page's first chart (Findings). The scores are in the cache beforehand, so
  no model is loaded: this is the "model loading excluded" figure.

The pair set is the bundled one when present, else the draft pairs plus the app test pairs.
The models are every model that scores offline here (the dashboard's default selection).
Results are printed and written to bench/out/bench_dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _pair_file(tmp: Path) -> tuple[Path, str]:
    from compsem.data.pairs import bundled_pairs_path, check_pairs

    try:
        return bundled_pairs_path(), "bundled study pairs"
    except FileNotFoundError:
        pass
    import pandas as pd

    frames = []
    for path in [*sorted((ROOT / "pairs" / "drafts").glob("*.csv")), ROOT / "tests" / "data" / "app_pairs.csv"]:
        check = check_pairs(path)
        if check.ok:
            frames.append(check.pairs[["id", "category", "sentence_a", "sentence_b"]])
    table = pd.concat(frames, ignore_index=True).drop_duplicates("id").drop_duplicates(["sentence_a", "sentence_b"])
    out = tmp / "bench_pairs.csv"
    table.to_csv(out, index=False)
    return out, f"draft pairs + app test pairs ({len(table)} pairs; the bundled file is not there yet)"


def _prepare(tmp: Path) -> dict:
    """A private score cache (trained models linked in) holding every default model's scores."""
    cache = tmp / "cache"
    cache.mkdir()
    real_models = ROOT / "cache" / "models"
    if real_models.is_dir():
        (cache / "models").symlink_to(real_models)
    os.environ["COMPSEM_CACHE_DIR"] = str(cache)
    pairs_path, what = _pair_file(tmp)
    os.environ["COMPSEM_PAIRS_FILE"] = str(pairs_path)
    from compsem.data.pairs import load_pairs
    from compsem.models.registry import offline_models
    from compsem.scoring import score_pairs
    from compsem.store.sqlite import ScoreCache

    models = offline_models()
    pairs = load_pairs(pairs_path)
    t0 = time.perf_counter()
    with ScoreCache(cache) as sc:
        run = score_pairs(pairs, models, cache=sc)
    return {
        "pairs": what,
        "n_pairs": len(pairs),
        "models": [m.model for m in run.models if not m.error],
        "skipped": {m.model: m.error for m in run.failed},
        "scoring_seconds": round(time.perf_counter() - t0, 1),
    }


def _timed(at, action=None) -> float:
    t0 = time.perf_counter()
    (action(at) if action else at).run()
    dt = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return dt


def _set_checkbox(key: str, value: bool):
    """An action for `_timed` that sets one checkbox; key and value are bound now, not read from a loop later."""

    def action(at):
        return at.checkbox(key=key).set_value(value)

    return action


def bench_rerender(repeats: int, wait_for_warm_up: bool = True) -> dict:
    from streamlit.testing.v1 import AppTest

    out: dict = {}
    pages = [
        "pages/00_Findings.py",
        "pages/0_Overview.py",
        "pages/1_Distributions.py",
        "pages/2_Failure_rates.py",
        "pages/3_Effect_sizes.py",
        "pages/5_Pairs_browser.py",
        "pages/6_Study_vs_reproduction.py",
        "pages/7_Exports.py",
        "pages/9_Objectives.py",
    ]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()  # warm: imports, cached scores, model table
    # The first page starts a one-off background warm-up (scipy.stats import, heap collect + freeze,
    # compsem.app.sidebar.warm_up_later): a change made while it runs waits for it, up to ~0.5 s more.
    # The figures below are after it, and its length is reported beside them.
    from compsem.app.sidebar import WARM_UP_DONE

    t0 = time.perf_counter()
    if wait_for_warm_up:
        WARM_UP_DONE.wait(30)
    out["_warm_up_seconds_after_first_run"] = round(time.perf_counter() - t0, 2)
    thresholds = iter([round(0.3 + 0.013 * i, 2) for i in range(1000)])
    for page in pages:
        at.switch_page(page).run()
        at.run()
        slider, toggles = [], []
        for _ in range(repeats):
            t = next(thresholds)
            slider.append(_timed(at, lambda a, t=t: a.slider(key="w.t.sidebar").set_value(t)))
        boxes = [c for c in at.checkbox if c.key.startswith("w.model.") and not c.disabled]
        jaccard = next((c.key for c in boxes if c.key.endswith("token-jaccard")), boxes[-1].key)
        for _ in range(repeats):
            # off then on: two selection changes, each a new results key (tables recomputed from the scores)
            toggles.append(_timed(at, _set_checkbox(jaccard, False)))
            toggles.append(_timed(at, _set_checkbox(jaccard, True)))
        out[page] = {
            "slider_median_ms": round(1000 * statistics.median(slider)),
            "slider_max_ms": round(1000 * max(slider)),
            "selection_median_ms": round(1000 * statistics.median(toggles)),
            "selection_max_ms": round(1000 * max(toggles)),
        }
    return out


_FRESH = """
import time
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=600)
at.run()
assert not at.exception, at.exception[0].value
assert at.get("plotly_chart"), "the landing page drew no chart"
print(time.perf_counter() - t0)
"""


def bench_first_run_server(runs: int) -> dict:
    """Server side of the first page: a fresh process imports everything and runs the landing page once."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _FRESH.format(app=str(ROOT / "app.py"))],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return {
        "fresh_process_first_run_median_s": round(statistics.median(times), 2),
        "fresh_process_first_run_max_s": round(max(times), 2),
        "runs": runs,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_first_page(runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    times, health, titles = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags, headless=True)
        for _ in range(runs):
            port = _free_port()
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    "app.py",
                    "--server.headless",
                    "true",
                    "--server.port",
                    str(port),
                    "--server.address",
                    "127.0.0.1",
                ],
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                while True:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                            break
                    except OSError:
                        time.sleep(0.05)
                health.append(time.perf_counter() - t0)
                tab = browser.new_page()
                tab.goto(f"http://127.0.0.1:{port}/")
                tab.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=120_000)
                titles.append(time.perf_counter() - t0)
                tab.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=120_000)
                times.append(time.perf_counter() - t0)
                tab.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        browser.close()
    return {
        "first_page_median_s": round(statistics.median(times), 2),
        "first_page_max_s": round(max(times), 2),
        "server_ready_median_s": round(statistics.median(health), 2),
        "title_shown_median_s": round(statistics.median(titles), 2),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="changes timed per page and kind")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes for the first-page time")
    parser.add_argument("--no-browser", action="store_true", help="skip the first-page measurement")
    parser.add_argument(
        "--no-warm-up-wait",
        action="store_true",
        help="time the changes at once, while the first page's background warm-up may still run",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        setup = _prepare(Path(tmp))
        print(
            f"pairs: {setup['pairs']}; models: {len(setup['models'])} "
            f"({', '.join(setup['models'])}); scored in {setup['scoring_seconds']} s (not part of the figures)"
        )
        result = {
            "setup": setup,
            "cpu_count": os.cpu_count(),
            "rerender": bench_rerender(args.repeats, wait_for_warm_up=not args.no_warm_up_wait),
        }
        result["warm_up_seconds_after_first_run"] = result["rerender"].pop("_warm_up_seconds_after_first_run")
        print(
            f"\n(measured {'after' if not args.no_warm_up_wait else 'without waiting for'} the one-off background "
            f"warm-up; waited {result['warm_up_seconds_after_first_run']} s after the first page)"
        )
        print(f"{'page':36} {'slider median/max ms':>22} {'selection median/max ms':>25}")
        for page, r in result["rerender"].items():
            print(
                f"{page:36} {r['slider_median_ms']:>10} / {r['slider_max_ms']:<9} "
                f"{r['selection_median_ms']:>12} / {r['selection_max_ms']:<9}"
            )
        result["first_run_server"] = fr = bench_first_run_server(args.runs)
        print(
            f"\nfirst page, server side (fresh process: imports + first run of the landing page, scores cached, no "
            f"model loaded): median {fr['fresh_process_first_run_median_s']} s, max "
            f"{fr['fresh_process_first_run_max_s']} s over {fr['runs']} runs"
        )
        if not args.no_browser and Path("/usr/bin/chromium").exists():
            result["first_page"] = bench_first_page(args.runs)
            fp = result["first_page"]
            print(
                f"first page end to end (fresh `streamlit run` + headless Chromium on the same machine, until the "
                f"landing page's first chart is drawn): median "
                f"{fp['first_page_median_s']} s, max {fp['first_page_max_s']} s over {fp['runs']} runs "
                f"(server ready after {fp['server_ready_median_s']} s, page title shown after "
                f"{fp['title_shown_median_s']} s)"
            )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_dashboard.json").write_text(json.dumps(result, indent=2))
    print(f"\nwrote {OUT / 'bench_dashboard.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
