"""The dashboard under streamlit.testing.v1.AppTest: every page, the threshold, free text, uploads.

The pairs are tests/data/app_pairs.csv (35 pairs, every built-in category), scored once
into a private cache by the packaged MiniLM and two baselines before any page runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAIRS = ROOT / "tests" / "data" / "app_pairs.csv"
MODELS = ("sentence-transformers/all-MiniLM-L6-v2", "baseline/token-jaccard", "baseline/bag-of-embeddings")
MODELS_PARAM = "all-MiniLM-L6-v2,token-jaccard,bag-of-embeddings"
PAGES = ["pages/0_Overview.py", "pages/1_Distributions.py", "pages/2_Failure_rates.py", "pages/3_Effect_sizes.py",
         "pages/4_Try_your_own.py", "pages/5_Pairs_browser.py", "pages/6_Study_vs_reproduction.py",
         "pages/7_Exports.py"]
TIMEOUT = 180


@pytest.fixture(scope="module", autouse=True)
def scored_cache(tmp_path_factory):
    """A private score cache holding every (model, pair) of the test pairs, and the env pointing at it."""
    mp = pytest.MonkeyPatch()
    cache_dir = tmp_path_factory.mktemp("app-cache")
    mp.setenv("COMPSEM_CACHE_DIR", str(cache_dir))
    mp.setenv("COMPSEM_PAIRS_FILE", str(PAIRS))
    mp.setenv("HF_HUB_OFFLINE", "1")
    from compsem.cache import ScoreCache
    from compsem.pairs import load_pairs
    from compsem.scoring import score_pairs

    with ScoreCache(cache_dir) as cache:
        run = score_pairs(load_pairs(PAIRS), list(MODELS), cache=cache)
    assert not run.failed, run.failed
    st.cache_data.clear()
    yield cache_dir
    st.cache_data.clear()
    mp.undo()


def new_app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["models"] = MODELS_PARAM
    for k, v in params.items():
        at.query_params[k] = v
    return at


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def frame_with(at: AppTest, column: str):
    """The first dataframe on the page with ``column`` (AppTest does not expose dataframe keys)."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    raise AssertionError(f"no table with a {column!r} column; tables: {[list(d.value.columns) for d in at.dataframe]}")


def rates_table(at: AppTest):
    return frame_with(at, "threshold")


def test_overview_renders_headline_from_cache():
    at = new_app().run()
    no_exceptions(at)
    assert not [b for b in at.button if b.key == "w.score"], "everything is cached; no scoring button expected"
    assert len(at.get("plotly_chart")) >= 1
    findings = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert 1 <= len(findings) <= 5
    assert frame_with(at, "best model").shape[0] == 9  # one row per category


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page):
    at = new_app().run()
    at.switch_page(page).run()
    no_exceptions(at)
    assert not at.error, [e.value for e in at.error]
    if page not in ("pages/5_Pairs_browser.py", "pages/7_Exports.py"):
        assert at.get("plotly_chart"), f"{page} drew no chart"


def test_threshold_slider_changes_failure_rates():
    at = new_app().run()
    at.switch_page("pages/2_Failure_rates.py").run()
    before = rates_table(at).copy()
    at.slider(key="w.t.page").set_value(0.95).run()
    no_exceptions(at)
    after = rates_table(at)
    assert (after["threshold"] == "0.95").all()
    assert not before.drop(columns="threshold").equals(after.drop(columns="threshold"))
    # the choice is shared: the sidebar slider and the URL follow
    assert at.slider(key="w.t.sidebar").value == pytest.approx(0.95)
    assert at.query_params["t"] == ["0.95"] or at.query_params["t"] == "0.95"


def test_calibrated_toggle_uses_per_model_thresholds():
    at = new_app().run()
    at.switch_page("pages/2_Failure_rates.py").run()
    at.toggle(key="w.calibrated").set_value(True).run()
    no_exceptions(at)
    thresholds = set(rates_table(at)["threshold"])
    assert thresholds != {"0.5"}


def test_threshold_persists_across_pages_and_comes_from_the_url():
    at = new_app(t="0.7").run()
    assert at.slider(key="w.t.sidebar").value == pytest.approx(0.7)
    at.switch_page("pages/2_Failure_rates.py").run()
    assert at.slider(key="w.t.page").value == pytest.approx(0.7)
    assert set(rates_table(at)["threshold"]) == {"0.7"}


def test_damaged_link_falls_back_to_defaults():
    at = new_app(t="abc", cats="nonsense", sort="<b>x</b>").run()
    no_exceptions(at)
    assert at.slider(key="w.t.sidebar").value == pytest.approx(0.5)


def test_free_text_returns_a_score_per_selected_model():
    at = new_app().run()
    at.switch_page("pages/4_Try_your_own.py").run()
    at.text_area(key="w.a").input("Google acquired YouTube.").run()
    at.text_area(key="w.b").input("YouTube acquired Google.").run()
    no_exceptions(at)
    table = frame_with(at, "score (A, B)")
    assert len(table) == len(MODELS)
    assert table["score (A, B)"].between(-1 - 1e-6, 1 + 1e-6).all()


def test_variant_button_fills_sentence_b():
    at = new_app().run()
    at.switch_page("pages/4_Try_your_own.py").run()
    at.text_area(key="w.a").input("The drug cures cancer.").run()
    at.button(key="w.variant.Negate").click().run()
    no_exceptions(at)
    assert at.text_area(key="w.b").value == "The drug does not cure cancer."


@pytest.mark.parametrize("text, message", [
    ("   ", "empty"),
    ("x" * 20000, "20,000 characters"),
])
def test_bad_free_text_shows_a_message(text, message):
    at = new_app().run()
    at.switch_page("pages/4_Try_your_own.py").run()
    at.text_area(key="w.a").input(text).run()
    no_exceptions(at)
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


def test_markup_emoji_and_rtl_text_are_scored_as_text():
    at = new_app().run()
    at.switch_page("pages/4_Try_your_own.py").run()
    at.text_area(key="w.a").input("<script>alert(1)</script> **bold** 😀").run()
    at.text_area(key="w.b").input("مرحبا بالعالم <b>hi</b>").run()
    no_exceptions(at)
    assert len(frame_with(at, "score (A, B)")) == len(MODELS)
    # nothing the user typed reaches a Markdown element
    assert not any("<script>" in m.value or "**bold**" in m.value for m in at.markdown)


def _upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at.radio(key="w.pairs").set_value("upload").run()
    at.file_uploader(key="w.upload").set_value((name, data, mime)).run()
    return at


@pytest.mark.parametrize("name, data, expect", [
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "not a CSV"),
    ("empty.csv", b"", "empty"),
    ("cols.csv", b"a,b,c\n1,2,3\n", "missing column"),
    ("latin1.csv", (ROOT / "tests" / "data" / "latin1_pairs.csv").read_bytes(), "UTF-8"),
    ("big.csv", b"id,category,sentence_a,sentence_b\n" + b"x" * (6 * 1024 * 1024), "limit"),
])
def test_invalid_upload_shows_an_error_and_the_rest_keeps_working(name, data, expect):
    at = _upload(new_app().run(), name, data)
    no_exceptions(at)
    assert any("not loaded" in e.value for e in at.error), [e.value for e in at.error]
    problems = frame_with(at, "problem")
    assert problems["problem"].str.contains(expect).any(), problems.to_dict("records")
    assert at.get("plotly_chart"), "the dashboard stopped working after a bad upload"
    assert not [b for b in at.button if b.key == "w.score"], "the cached scores must still be there"


def test_upload_errors_carry_line_numbers():
    data = b"id,category,sentence_a,sentence_b\n1,negation,It is red.,It is not red.\n2,negation,,x\n"
    at = _upload(new_app().run(), "bad.csv", data)
    problems = frame_with(at, "problem")
    assert 3 in set(problems["line"])


def test_valid_upload_is_used_and_offers_scoring():
    data = b"id,category,sentence_a,sentence_b\nu1,negation,The shop is open.,The shop is not open.\n"
    at = _upload(new_app().run(), "mine.csv", data)
    no_exceptions(at)
    assert any("missing combination" in b.label for b in at.button)


def test_missing_pair_file_gives_a_clear_message(monkeypatch):
    monkeypatch.setenv("COMPSEM_PAIRS_FILE", str(ROOT / "tests" / "data" / "no_such_file.csv"))
    at = new_app().run()
    no_exceptions(at)
    assert any("not found" in e.value for e in at.error), [e.value for e in at.error]


def test_models_group_by_kind_and_unavailable_ones_are_disabled():
    at = new_app().run()
    boxes = {c.key: c for c in at.checkbox}
    assert boxes["w.model.sentence-transformers/all-MiniLM-L6-v2"].value is True
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        assert boxes["w.model.thenlper/gte-large"].disabled
    labels = [e.label for e in at.get("expander")]
    assert any(label.startswith("Bi-encoders") for label in labels)
    assert any(label.startswith("Cross-encoders") for label in labels)
    assert any(label.startswith("Baselines") for label in labels)


def test_pairs_browser_sorts_by_disagreement_and_searches():
    at = new_app().run()
    at.switch_page("pages/5_Pairs_browser.py").run()
    table = frame_with(at, "disagreement")
    assert list(table["disagreement"]) == sorted(table["disagreement"], reverse=True)
    at.text_input(key="w.q").input("aspirin").run()
    table = frame_with(at, "disagreement")
    assert len(table) == 1 and "aspirin" in table["sentence_a"].iloc[0]


def _results():
    from compsem import dashboard
    from compsem.cache import ScoreCache
    from compsem.pairs import load_pairs
    from compsem.scoring import score_pairs

    with ScoreCache() as cache:
        frame = score_pairs(load_pairs(PAIRS), list(MODELS), cache=cache).results
    return dashboard.Results(frame, ("test", MODELS), {}, 0.5)


def test_exports_produce_every_file():
    from compsem import dashboard

    res = _results()
    view = dashboard.View(None, "app_pairs.csv", "", MODELS, (), 0.5)
    assert dashboard.pairs_csv(res)().startswith("pair_id,category,sentence_a")
    assert dashboard.report_markdown(res, view)().startswith("# compsem report")
    for name in dashboard.EXPORTS:
        text = dashboard.export_table(res, name)()
        assert text.count("\n") >= 2 or text.startswith("# not available"), name


def test_a_model_is_loaded_once_per_process():
    from compsem import dashboard
    from compsem.registry import resolve

    res = resolve("baseline/token-jaccard")
    assert dashboard.scorer(res.spec.key, res.fingerprint) is dashboard.scorer(res.spec.key, res.fingerprint)
