"""End to end: `streamlit run app.py` driven in headless Chromium, every page, with screenshots.

Every page is checked at 1000 and 1400 px wide: no exception, no horizontal scrollbar on the
main content, every chart with its PNG button (screenshots tests/artifacts/<page>-<width>.png).
The Findings page's example pairs must show scores, and the standalone HTML report must draw
its charts from file:// with every network request blocked.

Needs the Debian packages chromium and chromium-driver (/usr/bin/chromium) and the
playwright Python package (no browser download). Screenshots go to tests/artifacts/
(git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
PAIRS = ROOT / "tests" / "data" / "app_pairs.csv"
MODELS = ("sentence-transformers/all-MiniLM-L6-v2", "baseline/token-jaccard", "baseline/bag-of-embeddings")
QUERY = "?models=all-MiniLM-L6-v2,token-jaccard,bag-of-embeddings"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: url path, whether the page must show a chart, file name of the screenshot
PAGES = [
    ("", True, "findings"),
    ("Overview", True, "overview"),
    ("Distributions", True, "distributions"),
    ("Failure_rates", True, "failure-rates"),
    ("Effect_sizes", True, "effect-sizes"),
    ("Try_your_own", True, "try-your-own"),
    ("Pairs_browser", False, "pairs-browser"),
    ("Study_vs_reproduction", True, "study"),
    ("Exports", False, "exports"),
    ("Objectives", True, "objectives"),
    ("Reranking", True, "reranking"),
    ("Glossary", False, "glossary"),
]

#: When the server first answered its health check (time.perf_counter()), for the first-paint timing.
TIMINGS: dict[str, float] = {}
#: The server's log file (stdout and stderr), for tests that read what it logged.
SERVER_LOG: dict[str, Path] = {}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is absent: apt-get install -y chromium chromium-driver to run the browser test",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A streamlit server on a free localhost port, over a private cache holding the test pairs' scores."""
    cache_dir = tmp_path_factory.mktemp("browser-cache")
    env = {
        **os.environ,
        "COMPSEM_CACHE_DIR": str(cache_dir),
        "COMPSEM_PAIRS_FILE": str(PAIRS),
        "COMPSEM_MIN_PAIRS": "1",  # 3-4 test pairs per category: the pages, not the thin-sample rule, are tested here
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    from test_rerank import write_rerank_results

    rerank_dir = tmp_path_factory.mktemp("rerank-results")
    write_rerank_results(rerank_dir)  # the Reranking page's evaluation (results/rerank may not be there yet)
    env["COMPSEM_RERANK_DIR"] = str(rerank_dir)
    prep = (
        "import sys; from compsem.store.sqlite import ScoreCache; from compsem.data.pairs import load_pairs; "
        "from compsem.scoring import score_pairs; "
        f"run = score_pairs(load_pairs({str(PAIRS)!r}), {list(MODELS)!r}, cache=ScoreCache({str(cache_dir)!r})); "
        "sys.exit(1 if run.failed else 0)"
    )
    subprocess.run([sys.executable, "-c", prep], env=env, check=True, cwd=ROOT, timeout=300)
    port = _free_port()
    log = open(tmp_path_factory.mktemp("browser-log") / "streamlit.log", "w")
    SERVER_LOG["path"] = Path(log.name)
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
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start; log: {Path(log.name).read_text()[-2000:]}")
        time.sleep(0.05)
    TIMINGS["health_ok"] = time.perf_counter()
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def page():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        tab = browser.new_page(viewport={"width": 1400, "height": 1800})
        yield tab
        browser.close()


def _settle(tab, timeout_ms: int = 90_000) -> None:
    """Wait until the app is drawn and no script run is in progress."""
    tab.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    tab.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\") && "
        "document.querySelector(\"[data-testid='stMainBlockContainer'] h1\")",
        timeout=timeout_ms,
    )
    tab.wait_for_timeout(500)


def _wait_count(tab, selector: str, n: int, timeout_ms: int = 60_000) -> None:
    tab.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[selector, n], timeout=timeout_ms
    )


def _no_exception(tab) -> None:
    errors = tab.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()


#: scrollWidth and clientWidth of the main column and of the main block (its content).
MAIN_WIDTHS = """() => { const main = document.querySelector("[data-testid='stMain']");
    const block = document.querySelector("[data-testid='stMainBlockContainer']");
    return {main: [main.scrollWidth, main.clientWidth], block: [block.scrollWidth, block.clientWidth]}; }"""


def _no_horizontal_scroll(tab, where: str) -> None:
    widths = tab.evaluate(MAIN_WIDTHS)
    for name, (scroll, client) in widths.items():
        assert scroll <= client, (
            f"{where}: the {name} content is {scroll} px wide in {client} px (horizontal scrollbar)"
        )


def _screenshot(tab, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main column, so the viewport grows to its height first."""
    size = tab.viewport_size
    height = tab.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    tab.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 16000)})
    tab.wait_for_timeout(800)  # charts re-layout to the new size
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    tab.set_viewport_size(size)


def test_landing_page_first_paint_after_the_health_check(server, page):
    """The first visit of a fresh server, scores cached: when the landing page paints, timed and reported.

    Runs first in this module, so it is the server's first session (nothing in Streamlit's
    caches yet, compsem not imported yet). The figures go to stdout and to
    tests/artifacts/first_paint.json; the target (<= 3 s, docs/benchmarks.md) is judged there, not asserted:
    only a generous bound that no working dashboard misses.
    """
    browser_ready = time.perf_counter()
    page.goto(f"{server}/{QUERY}")
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=120_000)
    title = time.perf_counter()
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=120_000)
    chart = time.perf_counter()
    _no_exception(page)
    paint = page.evaluate(
        "() => Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime / 1000]))"
    )
    health = TIMINGS["health_ok"]
    result = {
        "browser_launch_after_health_s": round(browser_ready - health, 2),
        "first_contentful_paint_after_navigation_s": round(paint.get("first-contentful-paint", float("nan")), 2),
        "title_after_navigation_s": round(title - browser_ready, 2),
        "chart_after_navigation_s": round(chart - browser_ready, 2),
        "title_after_health_s": round(title - health, 2),
        "chart_after_health_s": round(chart - health, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "first_paint.json").write_text(json.dumps(result, indent=2))
    print(
        "\nlanding page, first visit of a fresh server (scores cached): "
        + ", ".join(f"{k} {v}" for k, v in result.items())
    )
    assert chart - browser_ready < 60, result  # a sanity bound, not the target


@pytest.mark.parametrize("width", [1000, 1400])
def test_every_page_in_a_real_browser(server, page, width):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 1200})
    for path, needs_chart, shot in PAGES:
        page.goto(f"{server}/{path}{QUERY}")
        _settle(page)
        if needs_chart:
            page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=60_000)
        _no_exception(page)
        if path in ("Pairs_browser", "Reranking"):
            page.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
        if path == "Exports":
            _wait_count(page, "[data-testid='stDownloadButton']", 11)  # scores, report, 9 statistics tables
        if needs_chart:  # every chart offers the PNG download in its modebar
            charts = page.locator("[data-testid='stPlotlyChart']")
            for i in range(charts.count()):
                chart = charts.nth(i)
                chart.scroll_into_view_if_needed()
                chart.locator(".js-plotly-plot").wait_for(timeout=30_000)
                chart.hover()
                png = chart.locator(".modebar-btn[data-title^='Download plot as a png' i]")
                png.wait_for(state="attached", timeout=10_000)
        if path == "":  # the story's example pairs show each model's score
            _wait_count(page, "[data-testid='stMetric']", 2)
            values = page.eval_on_selector_all("[data-testid='stMetricValue']", "els => els.map(e => e.innerText)")
            assert values and all(re.fullmatch(r"\d\.\d{3}", v.strip()) for v in values), values
        _no_exception(page)
        _no_horizontal_scroll(page, f"{shot} at {width} px")
        _screenshot(page, f"{shot}-{width}")


def test_findings_page_with_the_sidebar_collapsed(server, page):
    """As a presenter shows it: sidebar collapsed, 1000 px, nothing overflows."""
    page.set_viewport_size({"width": 1000, "height": 1200})
    page.goto(f"{server}/{QUERY}")
    _settle(page)
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=60_000)
    collapse = page.locator("[data-testid='stSidebarCollapseButton'] button, [data-testid='stSidebarHeader'] button")
    if collapse.count():
        page.locator("[data-testid='stSidebar']").hover()
        collapse.first.click()
        page.wait_for_timeout(1000)
    _no_exception(page)
    _no_horizontal_scroll(page, "findings, sidebar collapsed")
    _screenshot(page, "findings-collapsed-1000")


def test_html_report_opens_offline_with_its_charts(page, tmp_path):
    """The standalone report from file:// with every non-file request aborted: the charts still draw."""
    from run_fixture import write_synthetic_run

    from compsem.reports.html import write_html_report

    run_dir = tmp_path / "run"
    write_synthetic_run(run_dir)
    report = write_html_report(run_dir, tmp_path / "report.html")
    n_charts = report.read_text(encoding="utf-8").count("Plotly.newPlot(")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser = page.context.browser  # the module's browser: a second sync_playwright cannot start inside it
    for width in (1000, 1400):
        context = browser.new_context(viewport={"width": width, "height": 1000})
        blocked: list[str] = []

        def only_files(route, blocked=blocked):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", only_files)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        tab.goto(report.as_uri())
        tab.wait_for_function(
            "(n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n", arg=n_charts, timeout=60_000
        )
        assert not errors, errors
        assert not blocked, f"the report asked the network for {blocked}"
        assert tab.locator(".js-plotly-plot .main-svg").count() >= n_charts >= 5
        assert tab.locator(".js-plotly-plot .bars, .js-plotly-plot .boxlayer").count() >= 1  # data drawn
        scroll, client = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, f"report at {width} px: {scroll} px wide in {client} px"
        tab.screenshot(path=str(ARTIFACTS / f"html-report-{width}.png"), full_page=True)
        context.close()


def _bar_values(tab) -> list[float]:
    texts = tab.eval_on_selector_all("[data-testid='stPlotlyChart'] .bartext", "els => els.map(e => e.textContent)")
    return [float(t) for t in texts if t and re.fullmatch(r"-?\d+\.\d+", t.strip())]


def test_try_your_own_scores_a_typed_pair(server, page):
    page.goto(f"{server}/Try_your_own{QUERY}")
    _settle(page)
    _wait_count(page, "[data-testid='stPlotlyChart'] .bartext", len(MODELS))  # one bar each: all three are symmetric
    before = _bar_values(page)
    for label, text in (
        ("Sentence A", "Norway defeated Brazil in the final."),
        ("Sentence B", "Brazil defeated Norway in the final."),
    ):
        box = page.get_by_label(label, exact=True)
        box.fill(text)
        box.press("Control+Enter")
        _settle(page)
    # the new scores are drawn (and the previous run's chart is gone) when exactly one set of bars shows new values
    page.wait_for_function(
        "([old, n]) => { const t = [...document.querySelectorAll(\"[data-testid='stPlotlyChart'] .bartext\")]"
        ".map(e => e.textContent); return t.length === n && t.join(',') !== old; }",
        arg=[",".join(f"{v:.3f}" for v in before), len(MODELS)],
        timeout=60_000,
    )
    _settle(page)
    _no_exception(page)
    after = _bar_values(page)
    assert len(after) == len(MODELS), after  # score(A, B) per model; (B, A) only for models that read order
    assert all(0 <= v <= 1.0001 for v in after)
    assert after != before
    page.screenshot(path=str(ARTIFACTS / "try-your-own-typed.png"), full_page=True)


def test_try_your_own_shows_a_shipped_cross_encoder_beside_the_bi_encoder(server, page):
    # a fresh clone's adapters score a typed pair in the browser: no training, no stored rows
    query = "?models=all-MiniLM-L6-v2,minilm-l6-sick-nli&a=The+nurse+called+the+doctor.&b=The+doctor+called+the+nurse."
    page.goto(f"{server}/Try_your_own{query}")
    _settle(page, timeout_ms=180_000)
    _wait_count(page, "[data-testid='stPlotlyChart'] .bartext", 3, timeout_ms=180_000)
    _no_exception(page)
    values = _bar_values(page)
    # the bi-encoder's one bar, the cross-encoder's two (A, B and B, A)
    assert len(values) == 3 and all(0 <= v <= 1.0001 for v in values), values
    chart_text = page.locator("[data-testid='stPlotlyChart']").first.inner_text()
    assert "SICK-NLI" in chart_text, chart_text
    assert "cannot score free text" not in page.locator("[data-testid='stMain']").inner_text()
    page.screenshot(path=str(ARTIFACTS / "try-your-own-cross-encoder.png"), full_page=True)


# --- issue 23: phone width, label overlap, stale errors ----------------------------------------------

PHONE = {"width": 390, "height": 844}
#: A phone browser's user agent: Streamlit closes its sidebar after a tap on a page link when the user agent is a
#: phone's (a narrow desktop window keeps it open), so the phone test must look like a phone.
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)

#: The sidebar's right edge on screen (0 when it is collapsed or absent).
SIDEBAR_RIGHT = """() => { const s = document.querySelector("[data-testid='stSidebar']");
    if (!s) return 0; const r = s.getBoundingClientRect();
    return (s.getAttribute('aria-expanded') === 'false' || r.width < 2) ? 0 : Math.max(0, r.right); }"""


def _sidebar_right(tab) -> float:
    tab.wait_for_timeout(700)  # the sidebar's open / close animation
    return float(tab.evaluate(SIDEBAR_RIGHT))


def test_phone_sidebar_starts_collapsed_and_stays_collapsed_after_a_page_change(server, page):
    browser = page.context.browser
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, user_agent=PHONE_AGENT
    )
    tab = context.new_page()
    try:
        tab.goto(f"{server}/Overview{QUERY}")
        _settle(tab)
        assert _sidebar_right(tab) == 0, "the sidebar covers the page on a 390 px screen"
        # change page the way a phone user does: open the sidebar, tap a page in its navigation
        tab.locator(
            "[data-testid='stExpandSidebarButton'], [data-testid='stSidebarCollapsedControl'] button"
        ).first.click()
        assert _sidebar_right(tab) > 200, "the sidebar did not open"
        tab.locator("[data-testid='stSidebarNav'] a", has_text="Distributions").first.click()
        _settle(tab)
        tab.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=60_000)
        assert "Distributions" in tab.locator("[data-testid='stMainBlockContainer'] h1").first.inner_text()
        assert _sidebar_right(tab) == 0, "the sidebar reopened over the content after a page change"
        tab.goto(f"{server}/Failure_rates{QUERY}")  # and on a page opened from a link
        _settle(tab)
        assert _sidebar_right(tab) == 0
        _no_exception(tab)
        # a chart's title wraps above it instead of being cut at the screen's edge
        title = tab.locator(".cs-phone-title").first
        assert title.is_visible() and title.bounding_box()["width"] <= PHONE["width"]
        assert not tab.locator("[data-testid='stPlotlyChart'] .gtitle").first.is_visible()
    finally:
        context.close()


def _boxes(tab, selector: str) -> list[dict]:
    return tab.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.textContent.trim()).map(e => { const r = e.getBoundingClientRect();"
        " return {x: r.left, y: r.top, w: r.width, h: r.height, t: e.textContent}; })",
    )


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"] - 0.5
        and b["x"] < a["x"] + a["w"] - 0.5
        and a["y"] < b["y"] + b["h"] - 0.5
        and (b["y"] < a["y"] + a["h"] - 0.5)
    )


@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 1000}, PHONE], ids=["1400", "390"])
def test_try_your_own_value_labels_never_overlap(server, page, viewport):
    # a cross-encoder among symmetric models: two bars (and two labels) for it, one for each of the others
    query = (
        "?models=all-MiniLM-L6-v2,minilm-l6-sick-nli,token-jaccard"
        "&a=The+cat+is+on+the+mat.&b=The+cat+is+not+on+the+mat."
    )
    context = page.context.browser.new_context(viewport=viewport)
    tab = context.new_page()
    try:
        tab.goto(f"{server}/Try_your_own{query}")
        _settle(tab, timeout_ms=180_000)
        _wait_count(tab, "[data-testid='stPlotlyChart'] .bartext", 4, timeout_ms=180_000)
        tab.wait_for_timeout(800)
        chart = "[data-testid='stPlotlyChart'] >> nth=0"
        labels = _boxes(tab, f"{chart} >> .bartext")
        assert len(labels) == 4, labels
        clashes = [(a["t"], b["t"]) for i, a in enumerate(labels) for b in labels[i + 1 :] if _overlap(a, b)]
        assert not clashes, f"value labels overlap at {viewport['width']} px: {clashes}"
        # the threshold's label sits above the plot area, on no bar and no value label
        note = _boxes(tab, f"{chart} >> .annotation-text")
        bars = _boxes(tab, f"{chart} >> .bars .point path") or []
        assert note and "threshold" in note[0]["t"]
        assert not [b for b in labels + bars if _overlap(note[0], b)], "the threshold label covers a bar"
        # every model name is shown whole on the y axis
        names = [
            t.strip() for t in tab.eval_on_selector_all(f"{chart} >> .ytick text", "els => els.map(e => e.textContent)")
        ]
        assert any("SICK-NLI" in n for n in names) and not any(n.endswith("…") or n.endswith(".") for n in names), names
        _no_exception(tab)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"try-your-own-labels-{viewport['width']}.png"), full_page=True)
    finally:
        context.close()


def test_a_rejected_upload_error_is_gone_after_switching_back_to_the_bundled_pairs(server, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    logged_before = SERVER_LOG["path"].read_text(encoding="utf-8", errors="replace").count("Traceback")
    try:
        tab.goto(f"{server}/Overview{QUERY}")
        _settle(tab)
        sidebar = tab.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Upload a CSV").click()
        _settle(tab)
        sidebar.locator("input[type='file']").set_input_files(str(bad))
        tab.wait_for_selector("text=The uploaded file was not loaded", timeout=60_000)
        _settle(tab)
        sidebar.get_by_text("Bundled pairs").click()
        _settle(tab)
        main = tab.locator("[data-testid='stMain']")
        assert "was not loaded" not in main.inner_text(), "the stale upload error is still shown"
        sidebar.locator("[data-testid='stSidebarNav'] a", has_text="Distributions").first.click()
        _settle(tab)
        assert "was not loaded" not in tab.locator("[data-testid='stMain']").inner_text()
        _no_exception(tab)
    finally:
        context.close()
    log = SERVER_LOG["path"].read_text(encoding="utf-8", errors="replace")
    assert log.count("Traceback") == logged_before, log[-3000:]  # the problem table converts to Arrow cleanly
