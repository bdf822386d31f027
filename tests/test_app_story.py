"""The Findings page (compsem.app.story) ends with what the new training recipes fix and cost (AppTest).

On a fresh clone the section is drawn from the shipped seed through the normal store path, from the
recipes' own scores, even when the sidebar selects none of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from compsem.analysis.objective_comparison import load_cards
from compsem.analysis.recipes_story import RECIPES_TITLE, recipe_models, recipe_stories, recipes
from compsem.app.views import md_escape
from compsem.config import shipped_models_dir
from compsem.models.registry import get_spec
from compsem.reports.readme import seed_results

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 300
TEST_PAIRS = ROOT / "tests" / "data" / "app_pairs.csv"


def _fresh(monkeypatch, tmp_path, seed: bool, pairs: Path | None = None, models: str = "all-MiniLM-L6-v2") -> AppTest:
    """The landing page on an empty cache, showing only ``models`` (no recipe selected)."""
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    if seed:
        monkeypatch.delenv("COMPSEM_SEED", raising=False)
    else:
        monkeypatch.setenv("COMPSEM_SEED", "off")
    if pairs is None:
        monkeypatch.delenv("COMPSEM_PAIRS_FILE", raising=False)
    else:
        monkeypatch.setenv("COMPSEM_PAIRS_FILE", str(pairs))
        monkeypatch.setenv("COMPSEM_MIN_PAIRS", "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["models"] = models
    return at


@pytest.fixture
def clear_caches():
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _section(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader if h.value.endswith(md_escape(RECIPES_TITLE))]


def test_a_fresh_clone_shows_what_each_recipe_fixes_and_costs_from_the_seed(monkeypatch, tmp_path, clear_caches):
    at = _fresh(monkeypatch, tmp_path, seed=True).run()
    assert not at.exception, [e.value for e in at.exception]
    headers = [h.value for h in at.subheader if h.value[:1].isdigit()]
    assert headers[-1].endswith(md_escape(RECIPES_TITLE)), headers  # the last section, after the story
    cards = load_cards([shipped_models_dir()])
    found = recipes(cards)
    assert found, "the shipped adapters include the role-swaps recipes"
    models = recipe_models(found)
    labels = {m: get_spec(m).display for m in models}
    expected = recipe_stories(seed_results(models), cards, 0.5, labels=labels)
    assert len(expected) == len(found)
    texts = [m.value for m in at.markdown]
    metrics = [(m.label, m.value) for m in at.metric]
    for story in expected:
        assert md_escape(story.sentence) in texts, story.sentence
        for ex in (story.fix_example, story.cost_example):
            assert ex is not None
            for _model, label, score in ex.scores:  # each example shows both models' seed scores
                assert (md_escape(label), f"{score:.3f}") in metrics, (label, score)
    captions = "\n".join(c.value for c in at.caption)
    assert "whatever models the sidebar selects" in captions
    assert all(md_escape(f"{s.label} against {s.start_label}") in captions for s in expected)


def test_pairs_without_recipe_scores_get_one_line_on_how_to_score_them(monkeypatch, tmp_path, clear_caches):
    at = _fresh(monkeypatch, tmp_path, seed=False, pairs=TEST_PAIRS, models="token-jaccard")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="w.score").click().run()  # the lexical baseline scores in a moment; the recipes stay unscored
    assert not at.exception, [e.value for e in at.exception]
    assert not _section(at), "a numbered section with no numbers"
    assert any("What the new training recipes fix and cost needs their scores" in c.value for c in at.caption)
    assert not [m for m in at.markdown if "continued from" in m.value]
