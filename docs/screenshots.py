"""Screenshots of every dashboard page at laptop (1400 px) and phone (390 px) width, into docs/images/.

    python docs/screenshots.py                       # every offline model (the dashboard's default selection)
    python docs/screenshots.py --models all-MiniLM-L6-v2,minilm-l6-sick-nli --out shots

What a stakeholder sees on a fresh machine: the bundled pairs, scored first (so each page
shows its charts), then ``streamlit run app.py`` driven in headless Chromium (Debian's
``/usr/bin/chromium`` through Playwright, no browser download). The phone shots use a 390 x 844
mobile viewport, so the sidebar starts collapsed as on a phone. Each PNG is cut at
``--max-height`` pixels (the first screens of the page) and reduced to a 256-colour palette
with Pillow, so the set stays a few MB.

Scores go to ``--cache-dir`` (default: a folder in the system's temporary directory, reused
between runs), never to the checkout's cache. Needs: ``pip install playwright`` and the
Debian package ``chromium``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
#: url path and file stem of every page, in the navigation's order.
PAGES = [
    ("", "findings"),
    ("Overview", "overview"),
    ("Distributions", "distributions"),
    ("Failure_rates", "failure-rates"),
    ("Effect_sizes", "effect-sizes"),
    ("Try_your_own", "try-your-own"),
    ("Pairs_browser", "pairs-browser"),
    ("Study_vs_reproduction", "study-vs-reproduction"),
    ("Exports", "exports"),
    ("Reranking", "reranking"),
    ("Objectives", "objectives"),
    ("Glossary", "glossary"),
]
WIDTHS = {"laptop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
#: A phone's user agent for the 390 px shots (Streamlit treats a phone's user agent as a phone).
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def score_first(models: list[str], env: dict[str, str]) -> None:
    """Score the bundled pairs with ``models`` (none: every offline model) into the cache ``env`` names.

    What the Score button would do; scores already in the cache are not computed again.
    """
    code = (
        "import sys; from compsem.app.data import default_pair_file; from compsem.data.pairs import load_pairs; "
        "path, why = default_pair_file(); assert path is not None, why; "
        "from compsem.scoring import score_pairs; from compsem.store.sqlite import ScoreCache; "
        "from compsem.models.registry import offline_models; "
        f"run = score_pairs(load_pairs(path), {models!r} or offline_models(), cache=ScoreCache()); "
        "print(run.summary()); sys.exit(1 if run.failed else 0)"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=3600)


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    out = open(log, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port)]
        + ["--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"streamlit did not start; see {log}")


def settle(tab, timeout_ms: int = 180_000) -> None:
    """Wait until the page is drawn, no script runs, and its charts (if any) are on screen."""
    tab.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    tab.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\") && "
        "document.querySelector(\"[data-testid='stMainBlockContainer'] h1\")",
        timeout=timeout_ms,
    )
    charts_drawn(tab, timeout_ms)


def charts_drawn(tab, timeout_ms: int = 120_000) -> None:
    """Wait until every Plotly chart on the page has drawn its SVG (Streamlit mounts the boxes first)."""
    tab.wait_for_function(
        "() => { const boxes = document.querySelectorAll(\"[data-testid='stPlotlyChart']\");"
        " return [...boxes].every(b => b.querySelector('.main-svg')); }",
        timeout=timeout_ms,
    )
    tab.wait_for_timeout(1500)


def shrink(path: Path, max_height: int) -> int:
    """Cut ``path`` at ``max_height`` pixels and store it as a 256-colour PNG; returns its size in bytes."""
    try:
        from PIL import Image  # Pillow comes with Streamlit
    except ImportError:  # pragma: no cover
        return path.stat().st_size
    with Image.open(path) as image:
        image = image.convert("RGB")
        if image.height > max_height:
            image = image.crop((0, 0, image.width, max_height))
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path.stat().st_size


def take(base: str, query: str, out: Path, max_height: int) -> list[tuple[str, int]]:
    """Every page at both widths; returns (file name, bytes) per screenshot."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        for width_name, viewport in WIDTHS.items():
            phone = width_name == "phone"
            context = browser.new_context(
                viewport=viewport,
                is_mobile=phone,
                has_touch=phone,
                device_scale_factor=1,
                user_agent=PHONE_AGENT if phone else None,
            )
            tab = context.new_page()
            for path, stem in PAGES:
                tab.goto(f"{base}/{path}{query}")
                settle(tab)
                height = tab.evaluate(
                    "() => { const b = document.querySelector(\"[data-testid='stMainBlockContainer']\");"
                    " return Math.ceil(b.getBoundingClientRect().height) + 120; }"
                )
                tab.set_viewport_size({"width": viewport["width"], "height": min(max(height, 600), max_height)})
                tab.wait_for_timeout(1500)  # charts re-layout to the new height
                charts_drawn(tab)
                target = out / f"{stem}-{viewport['width']}.png"
                tab.screenshot(path=str(target))
                written.append((target.name, shrink(target, max_height)))
                tab.set_viewport_size(viewport)
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--models", default="", help="comma-separated models to show (default: every offline model, as the dashboard)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="folder for the PNGs")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "compsem-screenshots-cache", help="score cache"
    )
    parser.add_argument("--max-height", type=int, default=2400, help="cut each screenshot at this many pixels")
    args = parser.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "COMPSEM_CACHE_DIR": str(args.cache_dir),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    env.pop("COMPSEM_PAIRS_FILE", None)  # the bundled pairs, as a new user sees them
    score_first(models, env)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    proc, base = start_server(env, args.cache_dir / "streamlit.log")
    try:
        query = "?models=" + ",".join(models) if models else ""
        written = take(base, query, args.out, args.max_height)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    total = sum(size for _name, size in written)
    for name, size in written:
        print(f"{name}: {size / 1024:.0f} KB")
    print(f"{len(written)} screenshots, {total / 2**20:.1f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
