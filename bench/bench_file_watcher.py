"""Dashboard scoring with and without Streamlit's file watcher (why .streamlit/config.toml turns it off).

With the setup commands of the README, ``.venv/`` and the score cache live inside the app folder; Streamlit's
file watcher then rescans them on every score written. This starts ``streamlit run app.py``
once per watcher setting (``auto``, Streamlit's default, and ``none``, compsem's setting), on an
empty private score cache, presses the Score button for two MPNet-base adapters in headless
Chromium, and times until the cache holds all their scores. Both runs happen in one invocation,
so the figure to read is the ratio.

    HF_HUB_OFFLINE=1 python bench/bench_file_watcher.py          # about 3 minutes on 2 cores

Writes bench/out/bench_file_watcher.json; not a test.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_dashboard import _free_port

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
MODELS = ("compsem/mpnet-base-sick-nli", "compsem/mpnet-base-mrpc")


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("select count(*) from scores").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def score_from_the_dashboard(watcher: str, n_pairs: int, timeout_s: float = 900) -> float:
    """Seconds from pressing Score until the cache holds every score of :data:`MODELS`."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        if (ROOT / "cache" / "models").is_dir():  # the MPNet backbone, assembled once
            (cache / "models").symlink_to(ROOT / "cache" / "models")
        port = _free_port()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "COMPSEM_CACHE_DIR": str(cache)}
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
                "--server.fileWatcherType",
                watcher,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
                tab = browser.new_page()
                tab.goto(f"http://127.0.0.1:{port}/?models=" + ",".join(m.split("/")[-1] for m in MODELS))
                tab.get_by_role("button", name=re.compile(r"^Score [0-9,]+ missing")).click(timeout=120_000)
                t0 = time.perf_counter()
                while _stored(cache / "scores.sqlite") < n_pairs * len(MODELS):
                    if time.perf_counter() - t0 > timeout_s:
                        raise SystemExit(f"{watcher}: not done after {timeout_s:.0f} s")
                    time.sleep(0.5)
                seconds = time.perf_counter() - t0
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return seconds


def main() -> int:
    from compsem.data.pairs import load_pairs

    n_pairs = len(load_pairs())
    result = {watcher: round(score_from_the_dashboard(watcher, n_pairs), 1) for watcher in ("auto", "none")}
    result["auto_over_none"] = round(result["auto"] / result["none"], 2)
    print(
        f"scoring {' and '.join(MODELS)} ({n_pairs} pairs each) from the dashboard: file watcher auto "
        f"{result['auto']} s, none {result['none']} s ({result['auto_over_none']}x)"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_file_watcher.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
