"""compsem.analysis.recipes_story: each role-swaps recipe against the adapter it continued from."""

from __future__ import annotations

import pandas as pd
import pytest

from compsem.analysis.recipes_story import Recipe, recipe_models, recipe_stories, recipes
from compsem.figures.story import finding_figure

START, RECIPE = "compsem/start", "compsem/recipe"
LABELS = {START: "Start", RECIPE: "Recipe"}
CARDS = {
    START: {"objective": "sick-nli", "augmentation": {"name": "minimal-edits"}},
    RECIPE: {"objective": "sick-nli", "augmentation": {"name": "role-swaps"}, "init_from": {"key": START}},
}
N = 12  # pairs per category: above the thin-sample rule's 10


def _frame(scores: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """Tidy results: model -> category -> one score per pair (pair ids ``<category>-<i>``)."""
    rows = []
    for model, by_cat in scores.items():
        for cat, values in by_cat.items():
            for i, s in enumerate(values):
                rows.append(
                    {
                        "pair_id": f"{cat}-{i:02d}",
                        "category": cat,
                        "sentence_a": f"a {cat} {i}",
                        "sentence_b": f"b {cat} {i}",
                        "model": model,
                        "kind": "cross-encoder",
                        "objective": "nli",
                        "score": s,
                    }
                )
    return pd.DataFrame(rows)


def _with(values: list[float], at: int, value: float) -> list[float]:
    out = list(values)
    out[at] = value
    return out


@pytest.fixture(scope="module")
def swaps_fixed_numbers_cost() -> pd.DataFrame:
    """Entity swaps go from all failing to all passing (one pair falls furthest); numbers the other way."""
    return _frame(
        {
            START: {
                "entity_swap": _with([0.9] * N, 5, 0.99),
                "numerical": _with([0.1] * N, 3, 0.02),
                "positive_control": [0.8] * N,
            },
            RECIPE: {
                "entity_swap": _with([0.1] * N, 5, 0.01),
                "numerical": _with([0.9] * N, 3, 0.98),
                "positive_control": [0.8] * N,
            },
        }
    )


def test_a_recipe_that_fixes_swaps_and_costs_numbers_says_so_with_its_examples(swaps_fixed_numbers_cost):
    (story,) = recipe_stories(swaps_fixed_numbers_cost, CARDS, 0.5, labels=LABELS, n_resamples=200)
    assert story.recipe == Recipe(RECIPE, START)
    verdicts = {c.category: (c.verdict, c.outcome) for c in story.changes}
    assert verdicts == {
        "entity_swap": ("fixed", "fix"),
        "numerical": ("worse", "cost"),
        "positive_control": ("no clear change", "none"),
    }
    assert story.sentence == (
        "Recipe, continued from Start, at 0.5 fixes entity swap 100% [100–100%] → 0% [0–0%]; "
        "costs numerical 0% [0–0%] → 100% [100–100%]; no clear change: paraphrases passing 100% → 100%."
    )
    fix, cost = story.fix_example, story.cost_example
    assert fix is not None and fix.pair_id == "entity_swap-05"  # fell furthest across 0.5: 0.99 -> 0.01
    assert fix.scores == ((START, "Start", 0.99), (RECIPE, "Recipe", 0.01))
    assert "among the kinds it fixes (entity swap)" in fix.rule
    assert cost is not None and cost.pair_id == "numerical-03"  # rose furthest across 0.5: 0.02 -> 0.98
    assert cost.scores == ((START, "Start", 0.02), (RECIPE, "Recipe", 0.98))


def test_the_chart_shows_both_models_per_category_and_draws(swaps_fixed_numbers_cost):
    (story,) = recipe_stories(swaps_fixed_numbers_cost, CARDS, 0.5, labels=LABELS, n_resamples=200)
    assert list(story.chart["model"]) == [START, RECIPE] * 3
    assert list(story.chart["category"]) == ["numerical"] * 2 + ["entity_swap"] * 2 + ["positive_control"] * 2
    assert list(story.chart["value"]) == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    finding = story.finding()
    assert finding.example == story.fix_example and finding.reference_line == 0.5
    assert len(finding_figure(finding).data) == 2


def test_fewer_paraphrases_passing_is_a_cost_with_a_paraphrase_example():
    frame = _frame(
        {
            START: {"negation": [0.9] * N, "positive_control": _with([0.9] * N, 7, 0.97)},
            RECIPE: {"negation": [0.1] * N, "positive_control": _with([0.1] * N, 7, 0.03)},
        }
    )
    (story,) = recipe_stories(frame, CARDS, 0.5, labels=LABELS, n_resamples=200)
    assert "costs paraphrases passing 100% [100–100%] → 0% [0–0%]" in story.sentence
    assert story.cost_example is not None and story.cost_example.pair_id == "positive_control-07"


def test_more_paraphrases_passing_is_a_gain_and_no_worse_category_means_no_cost_example():
    frame = _frame(
        {
            START: {"negation": [0.1] * N, "positive_control": [0.1] * N},
            RECIPE: {"negation": [0.1] * N, "positive_control": [0.9] * N},
        }
    )
    (story,) = recipe_stories(frame, CARDS, 0.5, labels=LABELS, n_resamples=200)
    assert story.sentence == (
        "Recipe, continued from Start, at 0.5 fixes no edit kind clearly and lets more paraphrases pass "
        "(0% [0–0%] → 100% [100–100%]); costs nothing clear here; no clear change: negation 0% → 0%."
    )
    assert story.fix_example is None and story.cost_example is None  # no pair crossed either way


def test_no_recipe_or_no_scores_gives_nothing(swaps_fixed_numbers_cost):
    plain = {START: CARDS[START], RECIPE: {**CARDS[RECIPE], "augmentation": {"name": "minimal-edits"}}}
    assert recipe_stories(swaps_fixed_numbers_cost, plain, 0.5) == []
    only_recipe = swaps_fixed_numbers_cost[swaps_fixed_numbers_cost["model"] == RECIPE]
    assert recipe_stories(only_recipe, CARDS, 0.5) == []  # the starting adapter has no scores
    assert recipe_stories(swaps_fixed_numbers_cost.iloc[0:0], CARDS, 0.5) == []


def test_recipes_are_read_from_cards_alone_so_a_new_one_joins_without_code():
    mpnet = {
        "backbone": "mpnet-base",
        "objective": "sick-nli",
        "augmentation": {"name": "role-swaps"},
        "init_from": {"key": "compsem/mpnet-base-sick-nli-minimal-edits"},
    }
    equivalence = {**CARDS[RECIPE], "objective": "equivalence", "init_from": {"key": "compsem/minilm-l6-mrpc"}}
    cards = {"compsem/mpnet-new": mpnet, "compsem/eq": equivalence, **CARDS}
    found = recipes(cards)
    assert [r.key for r in found] == [RECIPE, "compsem/eq", "compsem/mpnet-new"]  # the grid's order
    assert recipe_models(found)[:2] == [START, RECIPE]
    assert Recipe("compsem/mpnet-new", "compsem/mpnet-base-sick-nli-minimal-edits") in found
