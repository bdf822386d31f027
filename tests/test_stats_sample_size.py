"""compsem.stats.sample_size: below MIN_PAIRS pairs a category gets no finding and no interval (issue 23 item 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compsem import stats
from compsem.analysis.story import story_findings
from compsem.app import views
from compsem.figures import rate_heatmap
from compsem.stats.sample_size import MIN_PAIRS, is_thin, pairs_per_category, thin_categories, thin_sample_note

CATEGORIES = ("negation", "numbers", "entity_swap", "hedging", "positive_control", "negative_control")


def tidy(per_category: int) -> pd.DataFrame:
    """Two models (a bi-encoder fooled by edits, a cross-encoder that is not) on ``per_category`` pairs each."""
    rng = np.random.default_rng(1)
    rows = []
    for cat in CATEGORIES:
        for i in range(per_category):
            high = cat == "positive_control"
            for model, kind, objective in (("m/bi", "bi-encoder", "general"), ("m/ce", "cross-encoder", "nli")):
                fooled = kind == "bi-encoder" and cat != "negative_control"
                score = float(np.clip((0.85 if high or fooled else 0.15) + rng.normal(0, 0.05), 0, 1))
                rows.append(
                    dict(
                        pair_id=f"{cat}-{i}",
                        category=cat,
                        sentence_a="a",
                        sentence_b="b",
                        model=model,
                        kind=kind,
                        objective=objective,
                        raw_score=score,
                        score=score,
                    )
                )
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _default_rule(monkeypatch):
    monkeypatch.delenv("COMPSEM_MIN_PAIRS", raising=False)


def test_the_threshold_is_below_every_bundled_category_size():
    # the bundled pair set has 15-56 pairs per category: its report must not change
    assert MIN_PAIRS == 10 < 15


def test_a_category_is_thin_below_min_pairs_counting_pairs_not_rows():
    df = tidy(MIN_PAIRS)
    assert pairs_per_category(df)["negation"] == MIN_PAIRS  # two models, each pair counted once
    assert thin_categories(df) == {}
    short = df[df["pair_id"] != "negation-0"]
    assert thin_categories(short) == {"negation": MIN_PAIRS - 1}
    assert is_thin(MIN_PAIRS - 1) and not is_thin(MIN_PAIRS) and not is_thin(None) and not is_thin(float("nan"))
    with pytest.raises(ValueError, match="at least 1"):
        thin_categories(df, 0)


def test_one_pair_per_category_gives_the_caveat_and_no_claims():
    six = tidy(1)  # the 6-row upload: one pair per category
    sentences = stats.findings(six, 0.5)
    assert sentences == [thin_sample_note(thin_categories(six))]
    assert "Too few pairs" in sentences[0] and "below 10 pairs per category" in sentences[0]
    assert story_findings(six, 0.5, n_resamples=50) == []  # no "4 of 4 kinds", no ROC-AUC, no CI


def test_thin_categories_are_left_out_and_named_while_the_others_keep_their_findings():
    df = tidy(12)
    df = df[~((df["category"] == "hedging") & (df["pair_id"] != "hedging-0"))]  # hedging: one pair
    sentences = stats.findings(df, 0.5)
    assert sentences[0].startswith("Too few pairs to draw conclusions for Hedging (1 pair)")
    assert len(sentences) > 1 and not any("Hedging" in s for s in sentences[1:])
    found = story_findings(df, 0.5, n_resamples=50)
    assert found and all("hedging" not in set(f.chart["category"]) for f in found)


def test_the_environment_can_set_the_rule_and_a_bad_value_is_refused_with_its_name(monkeypatch):
    df = tidy(3)
    monkeypatch.setenv("COMPSEM_MIN_PAIRS", "2")
    assert thin_categories(df) == {} and stats.findings(df, 0.5) == stats.findings(df, 0.5, min_pairs=1)
    monkeypatch.delenv("COMPSEM_MIN_PAIRS")
    assert set(thin_categories(df)) == set(CATEGORIES)  # the default, 10
    for bad in ("zero", "0", "-3"):
        monkeypatch.setenv("COMPSEM_MIN_PAIRS", bad)
        with pytest.raises(ValueError, match="COMPSEM_MIN_PAIRS"):
            thin_categories(df)


def test_enough_pairs_change_nothing():
    df = tidy(MIN_PAIRS)
    assert stats.findings(df, 0.5) == stats.findings(df, 0.5, min_pairs=1)


def test_intervals_of_thin_cells_say_too_few_pairs_in_tables_and_charts():
    table = pd.DataFrame(
        {
            "model": ["m", "m"],
            "category": ["negation", "numbers"],
            "rate": [0.5, 0.25],
            "rate_ci_low": [0.1, 0.1],
            "rate_ci_high": [0.9, 0.4],
            "n": [2, 40],
            "meaning": ["failure_rate", "failure_rate"],
            "threshold": [0.5, 0.5],
        }
    )
    shown = views.rate_ci_view(table)
    assert "n = 2: too few pairs for a CI" in shown.iloc[0].to_string()
    assert "25% [10%–40%]" in shown.iloc[0].to_string()
    text = rate_heatmap(table).data[0].text[0]
    assert text[0] == "50%<br>n = 2" and text[1] == "25%<br>[10–40]"
