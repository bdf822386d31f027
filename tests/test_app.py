"""The dashboard under streamlit.testing.v1.AppTest: every page, the threshold, free text, uploads.

The pairs are tests/data/app_pairs.csv (35 pairs, every built-in category), scored once
into a private cache by the packaged MiniLM and two baselines before any page runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAIRS = ROOT / "tests" / "data" / "app_pairs.csv"
MODELS = ("sentence-transformers/all-MiniLM-L6-v2", "baseline/token-jaccard", "baseline/bag-of-embeddings")
MODELS_PARAM = "all-MiniLM-L6-v2,token-jaccard,bag-of-embeddings"
PAGES = [
    "pages/00_Findings.py",
    "pages/0_Overview.py",
    "pages/1_Distributions.py",
    "pages/2_Failure_rates.py",
    "pages/3_Effect_sizes.py",
    "pages/4_Try_your_own.py",
    "pages/5_Pairs_browser.py",
    "pages/6_Study_vs_reproduction.py",
    "pages/7_Exports.py",
    "pages/9_Objectives.py",
    "pages/10_Glossary.py",
]
TIMEOUT = 180


@pytest.fixture(scope="module", autouse=True)
def scored_cache(tmp_path_factory):
    """A private score cache holding every (model, pair) of the test pairs, and the env pointing at it."""
    mp = pytest.MonkeyPatch()
    cache_dir = tmp_path_factory.mktemp("app-cache")
    mp.setenv("COMPSEM_CACHE_DIR", str(cache_dir))
    mp.setenv("COMPSEM_PAIRS_FILE", str(PAIRS))
    mp.setenv("HF_HUB_OFFLINE", "1")
    # the test pairs have 3-4 per category, below the thin-sample rule's 10 (compsem.stats.sample_size): these tests
    # are about the pages, so the rule is off here, and on in test_a_thin_pair_set_says_so_on_the_findings_page
    mp.setenv("COMPSEM_MIN_PAIRS", "1")
    from compsem.data.pairs import load_pairs
    from compsem.scoring import score_pairs
    from compsem.store.sqlite import ScoreCache

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


def test_findings_is_the_landing_page_with_computed_sentences_and_scored_examples():
    at = new_app().run()
    no_exceptions(at)
    assert at.title[0].value == "Findings"
    headers = [h.value for h in at.subheader if h.value[:1].isdigit()]  # not the sidebar's
    assert headers[0].startswith("1\\. The bi") and len(headers) >= 3, headers
    assert len(at.get("plotly_chart")) == len(headers)  # one small chart per finding
    metrics = at.get("metric")
    assert len(metrics) >= 2 and all(0 <= float(m.value) <= 1 for m in metrics)
    # the test view has no cross-encoder: the page says what to select instead of inventing a fix
    assert any("No cross-encoder is selected" in i.value for i in at.info)


def test_findings_page_follows_the_threshold():
    low = new_app(t="0.3").run()
    high = new_app(t="0.95").run()
    no_exceptions(high)
    sentence = lambda at: [m.value for m in at.markdown if "threshold" in m.value or "fails" in m.value]  # noqa: E731
    assert sentence(low) != sentence(high)


def test_overview_renders_headline_from_cache():
    at = new_app().run()
    at.switch_page("pages/0_Overview.py").run()
    no_exceptions(at)
    assert at.title[0].value == "Overview"
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
    if page not in ("pages/5_Pairs_browser.py", "pages/7_Exports.py", "pages/10_Glossary.py"):
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
    scores = table["score (A, B)"].astype(float)  # shown as text with 3 decimals: "0.814"
    assert scores.between(0, 1).all() and table["score (A, B)"].str.fullmatch(r"\d\.\d{3}").all()
    assert table["verdict"].str.startswith("should score low").all()  # an edit, the default pair kind


def test_variant_button_fills_sentence_b():
    at = new_app().run()
    at.switch_page("pages/4_Try_your_own.py").run()
    at.text_area(key="w.a").input("The drug cures cancer.").run()
    at.radio(key="w.pair_kind").set_value("paraphrase").run()
    at.button(key="w.variant.Negate").click().run()
    no_exceptions(at)
    assert at.text_area(key="w.b").value == "The drug does not cure cancer."
    assert at.radio(key="w.pair_kind").value == "edit"  # a one-click variant is an edit


@pytest.mark.parametrize(
    "text, message",
    [
        ("   ", "empty"),
        ("x" * 20000, "20,000 characters"),
    ],
)
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


@pytest.mark.parametrize(
    "name, data, expect",
    [
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "not a CSV"),
        ("empty.csv", b"", "empty"),
        ("cols.csv", b"a,b,c\n1,2,3\n", "missing column"),
        ("latin1.csv", (ROOT / "tests" / "data" / "latin1_pairs.csv").read_bytes(), "UTF-8"),
        ("big.csv", b"id,category,sentence_a,sentence_b\n" + b"x" * (6 * 1024 * 1024), "limit"),
    ],
)
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
    assert "3" in set(problems["line"])  # text, so the column converts to Arrow (no traceback in the server log)


def test_a_thin_pair_set_says_so_on_the_findings_page(monkeypatch):
    monkeypatch.setenv("COMPSEM_MIN_PAIRS", "10")
    at = new_app().run()
    no_exceptions(at)
    assert any("Too few pairs to draw conclusions" in w.value for w in at.warning), [w.value for w in at.warning]
    charts = [c.key for c in at.get("plotly_chart")]
    assert "chart.finding-edit_vs_paraphrase" not in charts, charts  # no claim from 3-4 pairs per category
    at.switch_page("pages/0_Overview.py").run()
    assert any("Too few pairs" in m.value for m in at.markdown)


def test_switching_back_to_the_bundled_pairs_clears_a_rejected_uploads_error():
    at = _upload(new_app().run(), "cols.csv", b"a,b,c\n1,2,3\n")
    assert any("not loaded" in e.value for e in at.error)
    at.radio(key="w.pairs").set_value("bundled").run()
    no_exceptions(at)
    assert not any("not loaded" in e.value for e in at.error), [e.value for e in at.error]
    assert not [d for d in at.dataframe if d.key == "w.upload_problems"]
    at.switch_page("pages/2_Failure_rates.py").run()  # and it stays gone on the next page
    assert not any("not loaded" in e.value for e in at.error)


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
    from compsem.app.scores import Results
    from compsem.data.pairs import load_pairs
    from compsem.scoring import score_pairs
    from compsem.store.sqlite import ScoreCache

    with ScoreCache() as cache:
        frame = score_pairs(load_pairs(PAIRS), list(MODELS), cache=cache).results
    return Results(frame, ("test", MODELS), 0.5)


def test_exports_produce_every_file():
    from compsem.analysis import export_names
    from compsem.app import tables
    from compsem.app.sidebar import View

    res = _results()
    view = View(None, "app_pairs.csv", "", MODELS, (), 0.5)
    assert tables.pairs_csv(res)().startswith("pair_id,category,sentence_a")
    assert tables.report_markdown(res, view)().startswith("# compsem report")
    for name in export_names():
        text = tables.export_table(res, name)()
        assert text.count("\n") >= 2 or text.startswith("# not available"), name


def test_the_html_report_download_is_built_from_the_view():
    from compsem.app import share
    from compsem.app.sidebar import View

    res = _results()
    view = View(None, "app_pairs.csv", "", MODELS, (), 0.5)
    page = share.html_report(res, view)()
    assert page.startswith("<!DOCTYPE html>") and "Findings at threshold 0.5" in page
    assert "app_pairs.csv" in page and page.count("Plotly.newPlot(") >= 3


def test_a_model_is_loaded_once_per_process():
    from compsem.app import data
    from compsem.models.registry import resolve

    res = resolve("baseline/token-jaccard")
    assert data.scorer(res.spec.key, res.fingerprint) is data.scorer(res.spec.key, res.fingerprint)


# -- does the objective matter? (pages/9_Objectives.py) ------------------------------------------------
OBJECTIVES_PAGE = "pages/9_Objectives.py"
#: Made-up scores per objective and category (the pair's index adds a little spread): sick-nli rejects
#: negation, mrpc is fooled by entity swaps; the page's findings must say so.
FAKE_SCORES = {
    "sick-nli": {"negation": 0.05, "positive_control": 0.9, "negative_control": 0.02},
    "sick-relatedness": {"negation": 0.55, "entity_swap": 0.6},
    "stsb": {"negation": 0.5, "entity_swap": 0.55},
    "mrpc": {"negation": 0.6, "entity_swap": 0.95, "positive_control": 0.95},
}


@pytest.fixture
def trained_dir(tmp_path, monkeypatch):
    """Four stand-in adapters with made-up scores in the score cache, and the registry pointed at them.

    Each adapter file is a few bytes whose hash its card records (so the registry accepts it);
    its scores are put in the cache under the model's fingerprint, so the page never loads it.
    """
    import hashlib
    import json

    from compsem.data.pairs import load_pairs
    from compsem.models import adapters, registry
    from compsem.store.score_store import ScoreStore
    from compsem.store.sqlite import CachedScore
    from compsem.training.objectives import OBJECTIVES
    from compsem.training.train import BASE_KEY, base_model_path

    pairs = load_pairs(PAIRS)
    base_sha = adapters.backbone_sha256(base_model_path())
    monkeypatch.setattr(registry, "shipped_models_dir", lambda: tmp_path)
    for name, obj in OBJECTIVES.items():
        if not obj.in_objective_study:  # the Objectives page lists the four single-dataset objectives
            continue
        folder = tmp_path / obj.slug
        folder.mkdir()
        weights = f"stand-in adapter {name}".encode()
        (folder / adapters.ADAPTER_WEIGHTS).write_bytes(weights)
        (folder / adapters.ADAPTER_CONFIG).write_text("{}", encoding="utf-8")
        card = {
            "key": obj.key,
            "label": obj.label,
            "objective": name,
            "objective_family": obj.family,
            "num_labels": 1,
            "score_definition": obj.score_definition,
            "epochs": 3,
            "method": "lora",
            "base_model": {"key": BASE_KEY, "sha256": base_sha},
            "adapter": {"sha256": hashlib.sha256(weights).hexdigest()},
            "data": {"dataset": obj.dataset, "split_sizes": {"train": 1000, "dev": 100, "test": 500}},
            "metrics": {f"dev_{m[5:]}": 0.9 for m in obj.targets} | {m: t + 0.01 for m, t in obj.targets.items()},
            "targets": obj.targets,
            "met": {m: True for m in obj.targets},
            "shortfall": {},
        }
        (folder / "compsem_card.json").write_text(json.dumps(card), encoding="utf-8")
        res = registry.resolve(obj.key)
        assert res.status == "packaged", res
        scores = [FAKE_SCORES[name].get(c, 0.3) + 0.01 * (i % 4) for i, c in enumerate(pairs["category"])]
        text_pairs = list(zip(pairs["sentence_a"], pairs["sentence_b"]))
        with ScoreStore() as store:  # scores made here stand in for the adapter's: adopted under its fingerprint
            store.adopt(res, {p: CachedScore(s, s, "{}") for p, s in zip(text_pairs, scores)})
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path
    st.cache_data.clear()
    st.cache_resource.clear()


def test_objectives_page_compares_the_four_objectives_with_the_bi_encoder(trained_dir):
    # the sidebar selects only a baseline: the page shows its own five models anyway
    at = new_app(models="token-jaccard").run()
    at.switch_page(OBJECTIVES_PAGE).run()
    no_exceptions(at)
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("plotly_chart")) == 1
    table = frame_with(at, "Cohen's d vs reference")
    assert len(table) == 5 * 9  # five models x nine categories
    assert set(table["model"]) == {"MiniLM bi-encoder", "sick-nli", "sick-relatedness", "stsb", "mrpc"}
    assert table["category"].iloc[0] == "Negation" and table["model"].iloc[0].startswith("MiniLM")
    findings = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert 2 <= len(findings) <= 4
    assert any(f.startswith("- sick\\-nli rejects negation best") for f in findings), findings
    assert any(f.startswith("- mrpc still scores entity swaps high") for f in findings), findings
    held = frame_with(at, "status")
    assert list(dict.fromkeys(held["objective"])) == ["sick-nli", "sick-relatedness", "stsb", "mrpc"]  # mrpc: 2 targets
    assert set(held["status"]) == {"met"}
    assert frame_with(at, "score means")["score means"].str.contains("MRPC").any()
    # the toggle switches the chart to shares at the threshold, and the table follows the threshold
    at.radio(key="w.obj_stat").set_value("rate").run()
    no_exceptions(at)
    assert "Share of pairs" in at.get("plotly_chart")[0].proto.spec
    at.slider(key="w.t.page").set_value(0.9).run()
    assert "share ≥ 0.9" in frame_with(at, "Cohen's d vs reference").columns


def test_objectives_page_without_trained_models_says_how_to_train(tmp_path, monkeypatch):
    from compsem.models import registry

    monkeypatch.setattr(registry, "shipped_models_dir", lambda: tmp_path)
    st.cache_data.clear()
    try:
        at = new_app().run()
        at.switch_page(OBJECTIVES_PAGE).run()
        no_exceptions(at)
        assert not at.error, [e.value for e in at.error]
        assert any(
            "compsem train --objective sick-nli" in w.value and "compsem train --objective mrpc" in w.value
            for w in at.warning
        ), [w.value for w in at.warning]
        assert at.get("plotly_chart"), "the bi-encoder reference is still drawn"
        assert any("nothing to compare" in i.value for i in at.info)
    finally:
        st.cache_data.clear()


def test_objectives_page_with_a_broken_card_says_which(trained_dir):
    (trained_dir / "minilm-l6-stsb" / "compsem_card.json").write_text("{oops", encoding="utf-8")
    at = new_app().run()
    at.switch_page(OBJECTIVES_PAGE).run()
    no_exceptions(at)
    assert any("could not be read" in e.value and "minilm\\-l6\\-stsb" in e.value for e in at.error), [
        e.value for e in at.error
    ]
    assert at.get("plotly_chart")  # the other three objectives are still compared
    assert "stsb" not in set(frame_with(at, "Cohen's d vs reference")["model"])


@pytest.mark.slow
def test_objectives_page_scores_an_upload_with_the_shipped_adapters():
    # no stand-ins: the adapters that ship with compsem score a pair set they have never seen
    data = b"id,category,sentence_a,sentence_b\nu1,negation,The shop is open.,The shop is not open.\n"
    at = _upload(new_app().run(), "mine.csv", data)
    at.switch_page(OBJECTIVES_PAGE).run()
    no_exceptions(at)
    buttons = [b for b in at.button if b.label.startswith("Score ")]
    assert buttons, "the page offers to score the uploaded pairs"
    buttons[0].click().run(timeout=300)
    no_exceptions(at)
    assert not at.warning or all("could not score" not in w.value for w in at.warning), [w.value for w in at.warning]
    table = frame_with(at, "Cohen's d vs reference")
    # every shipped adapter, each beside its own backbone's bi-encoder: MiniLM-L6 with the four objectives and
    # the one trained with minimal-edit augmentation; MPNet-base with sick-nli, mrpc and the augmented sick-nli
    rows = set(zip(table["backbone"], table["model"]))
    minilm, mpnet = (sorted({b for b, m in rows if m == f"{name} bi-encoder"}) for name in ("MiniLM", "MPNet-base"))
    assert len(minilm) == 1 and len(mpnet) == 1, rows
    assert rows == {
        (minilm[0], m)
        for m in (
            "MiniLM bi-encoder",
            "sick-nli",
            "sick-relatedness",
            "stsb",
            "mrpc",
            "sick-nli + minimal-edits",
            "sick-nli + role-swaps",
            "equivalence + role-swaps",
        )
    } | {
        (mpnet[0], m)
        for m in ("MPNet-base bi-encoder", "sick-nli", "mrpc", "sick-nli + minimal-edits", "sick-nli + role-swaps")
    }


# -- reranking lab (pages/8_Reranking.py) ------------------------------------------------------------------
RERANK_PAGE = "pages/8_Reranking.py"
TRAINED_RERANKER = "compsem/minilm-l6-stsb"


@pytest.fixture(scope="module")
def tiny_datasets(tmp_path_factory) -> Path:
    """The hand-made sick/ stsb/ mrpc/ files of test_datasets, laid out as the shared datasets folder."""
    from test_datasets import make_data_dir

    return make_data_dir(tmp_path_factory.mktemp("rerank-datasets"))


@pytest.fixture
def rerank_env(tiny_datasets, tmp_path, monkeypatch) -> Path:
    """The page's corpus from the tiny datasets and its evaluation from a small results folder (returned)."""
    from test_rerank import write_rerank_results

    folder = tmp_path / "rerank"
    write_rerank_results(folder)
    monkeypatch.setenv("COMPSEM_DATA_DIR", str(tiny_datasets))
    monkeypatch.setenv("COMPSEM_RERANK_DIR", str(folder))
    st.cache_data.clear()
    yield folder
    st.cache_data.clear()  # the model list may hold a reranker of a cache folder that is gone


def reranking_app(**params) -> AppTest:
    at = new_app(**params)
    at.switch_page(RERANK_PAGE).run()
    no_exceptions(at)
    return at


def _errors(at: AppTest) -> list[str]:
    """Error texts with md_escape's backslashes removed (the page escapes everything it did not write)."""
    import re

    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


def test_reranking_page_searches_the_corpus_and_shows_the_evaluation(rerank_env):
    from compsem.rerank import reranker_options

    at = reranking_app()
    assert not at.error, _errors(at)
    first = frame_with(at, "document")
    assert list(first["rank"]) == list(range(1, 11))  # K = 10 of the 96 sentences of the tiny SICK
    metrics = frame_with(at, "NDCG@10")
    assert len(metrics) == 12 and set(metrics["K"]) == {10, 20}
    assert len(at.get("plotly_chart")) == 1
    assert any("quora" in w.value.lower() and "not evaluated" in w.value for w in at.warning)
    if not reranker_options()[0]:  # nothing to rerank with: say how to get a reranker
        assert any("compsem train --objective sick-nli" in i.value for i in at.info), [i.value for i in at.info]
    # choices persist in the URL; K changes the list
    at.selectbox(key="w.rr_k").set_value("5").run()
    assert len(frame_with(at, "document")) == 5
    assert at.query_params["rr_k"] in ("5", ["5"])
    at.radio(key="w.rr_lat").set_value("p95").run()
    no_exceptions(at)
    assert "p95" in at.get("plotly_chart")[0].proto.spec


def test_reranking_choices_come_from_the_url(rerank_env):
    at = reranking_app(rr_mode="paste", rr_stage="hybrid", rr_k="5")
    assert at.radio(key="w.rr_mode").value == "paste"
    assert at.selectbox(key="w.rr_stage").value == "hybrid" and at.selectbox(key="w.rr_k").value == "5"
    assert not at.error, _errors(at)
    assert len(frame_with(at, "document")) == 5  # the seven example documents, top 5 by the fused ranking


def test_reranking_page_empty_query_shows_a_message(rerank_env):
    at = reranking_app()
    at.text_input(key="w.rr_q").input("   ").run()
    no_exceptions(at)
    assert any("query is empty" in e for e in _errors(at)), _errors(at)
    assert frame_with(at, "NDCG@10") is not None  # the evaluation still shows


@pytest.mark.parametrize(
    "text, message",
    [
        ("  \n\n ", "no documents"),
        ("\n".join(f"document {i}" for i in range(501)), "501 documents; at most 500"),
        ("fine\n" + "x" * 2001, "line 2 has 2,001 characters"),
    ],
)
def test_reranking_page_pasted_documents_limits(rerank_env, text, message):
    at = reranking_app(rr_mode="paste")
    at.text_area(key="w.rr_docs").input(text).run()
    no_exceptions(at)
    assert any(message in e for e in _errors(at)), _errors(at)


def test_reranking_page_shows_markup_in_documents_as_text(rerank_env):
    docs = ["<b>bold</b> dogs run", "**stars** and dogs", "<script>alert(1)</script> dogs", "# heading dogs"]
    at = reranking_app(rr_mode="paste")
    at.text_input(key="w.rr_q").input("dogs <i>run</i>").run()
    at.text_area(key="w.rr_docs").input("\n".join(docs)).run()
    no_exceptions(at)
    assert sorted(frame_with(at, "document")["document"]) == sorted(docs)  # verbatim, in a table (never rendered)
    assert not any("<b>" in m.value or "**stars**" in m.value or "<script>" in m.value for m in at.markdown)


def test_reranking_page_without_datasets_or_results_explains_and_pasting_still_works(rerank_env, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPSEM_DATA_DIR", str(tmp_path / "no-datasets"))
    monkeypatch.setenv("COMPSEM_RERANK_DIR", str(tmp_path / "no-results"))
    at = reranking_app()
    assert any("SICK" in e and "Paste your own documents" in e for e in _errors(at)), _errors(at)
    assert any("compsem rerank-eval --out results/rerank" in i.value for i in at.info), [i.value for i in at.info]
    at.radio(key="w.rr_mode").set_value("paste").run()
    no_exceptions(at)
    assert not at.error, _errors(at)
    assert len(frame_with(at, "document")) == 7  # the example documents


def test_reranking_page_shows_fusion_rows_its_note_and_filters_the_chart(rerank_env):
    import json
    import re

    from test_rerank import write_rerank_results

    write_rerank_results(rerank_env, fusion=True)
    at = reranking_app(rr_model="none")  # no model: this test is about the saved evaluation
    assert not at.error, _errors(at)
    metrics = frame_with(at, "NDCG@10")
    assert len(metrics) == 6 + 18 and {"fusion", "weight"} <= set(metrics.columns)
    weighted = metrics[metrics["fusion"] == "weighted (w chosen on TRIAL)"]
    assert len(weighted) == 6 and (weighted["weight"] == 0.3).all()
    captions = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]  # md_escape's backslashes removed
    assert any("Weighted fusion" in c and "min-max per query" in c and "k = 60" in c for c in captions), captions

    def names():
        return [t["name"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]

    assert len(names()) == 3 + 3 * 3  # first stages alone + each first stage x (reranked, weighted, RRF)
    at.radio(key="w.rr_fusion").set_value("rrf").run()
    no_exceptions(at)
    shown = names()
    assert len(shown) == 3 + 3 and sum(n.endswith("+ RRF fusion") for n in shown) == 3
    assert at.query_params["rr_fusion"] in ("rrf", ["rrf"])


def test_reranking_page_with_broken_results_says_which_file(rerank_env):
    (rerank_env / "metrics.json").write_text("{oops", encoding="utf-8")
    at = reranking_app()
    assert any("metrics.json" in e and "not valid JSON" in e for e in _errors(at)), _errors(at)
    assert len(frame_with(at, "document")) == 10  # the query part still works


@pytest.mark.slow
def test_reranking_page_reranks_pasted_documents_with_a_shipped_adapter(rerank_env):
    import numpy as np

    from compsem.rerank import Reranker, rank_change_label

    at = reranking_app(rr_mode="paste")
    assert not at.error, _errors(at)
    options = at.selectbox(key="w.rr_model").options
    # the four shipped adapters are offered on a fresh clone (the options show their labels)
    assert all(any(name in o for o in options) for name in ("SICK-NLI", "SICK relatedness", "STS-B", "MRPC")), options
    at.selectbox(key="w.rr_model").set_value(TRAINED_RERANKER).run()
    no_exceptions(at)
    query = at.text_input(key="w.rr_q").value
    first, reranked = at.dataframe[0].value, frame_with(at, "change")
    assert len(first) == len(reranked) == 7 and sorted(first["document"]) == sorted(reranked["document"])
    assert list(reranked["rank"]) == list(range(1, 8))
    assert list(reranked["score"]) == sorted(reranked["score"], reverse=True)
    was = dict(zip(first["document"], first["rank"]))
    assert [was[d] for d in reranked["document"]] == list(reranked["was"])
    assert list(reranked["change"]) == [rank_change_label(w, r) for w, r in zip(reranked["was"], reranked["rank"])]
    # the scores are the trained model's own, for (query, document)
    expected = Reranker(TRAINED_RERANKER).score(query, list(reranked["document"]), use_cache=False)
    np.testing.assert_allclose(reranked["score"], expected, rtol=1e-4, atol=1e-5)
    # "none" shows the first stage alone
    at.selectbox(key="w.rr_model").set_value("none").run()
    no_exceptions(at)
    assert not any("change" in d.value.columns for d in at.dataframe)


def test_landing_page_from_the_cache_imports_no_torch(scored_cache):
    """The first page, scores cached: no torch, sentence-transformers or model load before a page needs one."""
    import subprocess
    import sys

    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"at = AppTest.from_file({APP!r}, default_timeout={TIMEOUT}); "
        f"at.query_params['models'] = {MODELS_PARAM!r}; at.run(); "
        "assert not at.exception, [e.value for e in at.exception]; "
        "assert at.get('plotly_chart'), 'no chart drawn'; "
        "print('heavy:', sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'onnxruntime') "
        "if m in sys.modules))"
    )
    env = {
        **os.environ,
        "COMPSEM_CACHE_DIR": str(scored_cache),
        "COMPSEM_PAIRS_FILE": str(PAIRS),
        "COMPSEM_MIN_PAIRS": "1",
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "heavy: []" in done.stdout, done.stdout


def test_backend_choice_comes_from_the_url_and_keeps_its_own_scores():
    at = new_app(models="token-jaccard", backend="onnx-int8").run()
    no_exceptions(at)
    assert at.selectbox(key="w.backend").value == "onnx-int8"
    assert at.query_params["backend"] in ("onnx-int8", ["onnx-int8"])
    # a baseline has no transformer, so its cached scores serve both backends: the page draws at once
    assert at.get("plotly_chart")
    from compsem.app import data
    from compsem.data.pairs import load_pairs

    pairs = load_pairs(PAIRS)
    missing = data.missing_counts("sha", (MODELS[0],), "x", pairs, "onnx-int8")
    assert missing[MODELS[0]] == len(pairs)  # MiniLM's fp32 scores are not int8 scores
    at = new_app(backend="tpu").run()  # a damaged link falls back to the default
    no_exceptions(at)
    assert at.selectbox(key="w.backend").value == "torch"


def test_the_glossary_page_lists_every_term_and_the_jargon_the_findings_use():
    from compsem.data.glossary import JARGON, TERMS

    at = new_app().run()
    at.switch_page("pages/10_Glossary.py").run()
    no_exceptions(at)
    shown = pd.concat([d.value for d in at.dataframe if "also called" in d.value.columns])
    assert len(shown) == len(TERMS) and {"ROC-AUC", "Youden J", "NDCG@10", "positive control"} <= set(shown["term"])
    assert "true paraphrases" in " ".join(shown["also called"])  # the other name points to the one term
    assert all(j in " ".join(shown["term"]) for j in JARGON)
