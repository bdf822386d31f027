"""The dashboard on a run folder of thousands of pairs (AppTest): sampled charts say so, the pairs browser pages.

Also: a fresh clone (empty cache) opens full from the shipped seed, and says which scores came from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from compsem.reports.files import pair_results_csv

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 300
N_PAIRS = 7_000  # x one model: over compsem.analysis.browse.MAX_POINTS, so point charts are sampled
MODEL = "baseline/token-jaccard"


def write_run(folder: Path, n: int) -> Path:
    """A ``compsem run`` folder of ``n`` synthetic pairs scored by one model."""
    rng = np.random.default_rng(0)
    cats = np.where(np.arange(n) % 3 == 0, "negation", "paraphrase")
    frame = pd.DataFrame(
        {
            "pair_id": [f"p{i:05d}" for i in range(n)],
            "category": cats,
            "expected": np.where(cats == "negation", "low", "high"),
            "sentence_a": [f"sentence {i} about a river" for i in range(n)],
            "sentence_b": [f"sentence {i} about a stone" for i in range(n)],
            "model": MODEL,
            "kind": "baseline",
            "objective": "lexical",
            "raw_score": rng.random(n),
            "score": rng.random(n),
            "raw_output": "{}",
        }
    )
    folder.mkdir()
    (folder / "all_pair_results.csv").write_text(pair_results_csv(frame), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps({"models": [{"model": MODEL}]}), encoding="utf-8")
    (folder / "comparison.json").write_text("{}", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    return write_run(tmp_path_factory.mktemp("large") / "run", N_PAIRS)


def open_run(folder: Path, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["cs.pairs"] = "run"
    at.session_state["cs.run"] = str(folder)
    at.session_state["cs.models"] = [MODEL]
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def browser_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "pair_id" in d.value.columns)


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_the_pairs_browser_shows_one_page_and_pages_searches_on_the_server(run_folder):
    at = open_run(run_folder, "pages/5_Pairs_browser.py")
    assert len(browser_table(at)) == 100
    assert f"Rows 1-100 of {N_PAIRS:,} (page 1 of 70)" in captions(at)
    at.number_input(key="w.pairs_page").set_value(70).run()
    last = browser_table(at)
    assert len(last) == 100 and "page 70 of 70" in captions(at)
    at.selectbox(key="w.sort").set_value("pair_id").run()
    at.number_input(key="w.pairs_page").set_value(2).run()
    assert list(browser_table(at)["pair_id"]) == [f"p{i:05d}" for i in range(100, 200)]
    at.text_input(key="w.q").input("p0012").run()  # p00120-p00129: 10 ids; page 2 no longer exists
    found = browser_table(at)
    assert set(found["pair_id"]) == {f"p0012{i}" for i in range(10)}
    assert "Rows 1-10 of 10 (page 1 of 1)" in captions(at)
    assert not at.exception


def test_distributions_of_a_large_run_are_drawn_from_a_stated_sample(run_folder):
    at = open_run(run_folder, "pages/1_Distributions.py")
    assert at.get("plotly_chart")
    assert f"of {N_PAIRS:,} pairs" in captions(at) and "random sample" in captions(at)


def test_the_calibration_chart_of_a_large_run_draws_the_stated_sample_not_every_row(run_folder):
    from compsem.analysis.browse import MAX_POINTS

    at = open_run(run_folder, "pages/2_Failure_rates.py")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    calibration = [s for s in specs if any("raw %{x" in str(t.get("hovertemplate", "")) for t in s["data"])]
    assert len(calibration) == 1
    points = [t for t in calibration[0]["data"] if "raw %{x" in str(t.get("hovertemplate", ""))]
    drawn = sum(len(t["customdata"]) for t in points)  # one row of hover texts per point
    assert 0 < drawn <= MAX_POINTS < N_PAIRS
    assert f"of {N_PAIRS:,} pairs" in captions(at) and "random sample" in captions(at)


def test_a_folder_that_is_not_a_run_says_so_and_keeps_the_default_pairs(tmp_path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["cs.pairs"] = "run"
    at.session_state["cs.run"] = str(tmp_path)
    at.run()
    assert not at.exception
    assert any("not a" in w.value and "Showing the default pair set" in w.value for w in at.sidebar.warning)


def test_a_fresh_clone_opens_full_from_the_shipped_seed(tmp_path, monkeypatch):
    """Empty cache, the bundled pairs, every default model: the landing page draws without pressing Score."""
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COMPSEM_SEED", raising=False)
    monkeypatch.delenv("COMPSEM_PAIRS_FILE", raising=False)
    st.cache_data.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.get("plotly_chart"), "the landing page drew no chart"
        assert not [b for b in at.button if b.key == "w.score"], "a fresh clone was asked to score"
        assert "From the seed shipped with compsem" in captions(at)
    finally:
        st.cache_data.clear()
