"""What the new training recipes fix, and what they cost: each one against the adapter it continued from.

A *recipe* here is an adapter whose card says it was trained with ``compsem train --augment role-swaps``
(:data:`RECIPE_AUGMENT`, the card's ``augmentation.name``) and continued from another adapter (the
card's ``init_from.key``, its *starting adapter*). Comparing the two isolates what the recipe's extra
epoch did; a new adapter trained that way joins with no code change, from its card alone.

Per recipe, at the threshold:

* per adversarial category, the failure rate before → after with 95% bootstrap intervals
  (:func:`compsem.stats.describe_with_ci`), judged "fixed", "worse" or "no clear change" by
  :func:`compsem.analysis.grid.change_verdict` (the grid's rule: a drop of at least 10 points whose
  intervals do not overlap);
* the paraphrase (positive-control) pass rate before → after, judged by the same rule (a clear fall
  is a cost, a clear rise a gain);
* one sentence, every number computed;
* a *fix example*: among the pairs of the categories it fixes (of every adversarial category when
  it fixes none), the pair whose score fell furthest across the threshold (from ≥ t with the
  starting adapter to < t with the recipe); ties: the lowest pair id;
* a *cost example*: among the pairs of the categories it made worse, and of the paraphrases when it
  passes clearly fewer, the pair that crossed the threshold the wrong way by the largest score change;
  none when nothing got clearly worse.

Pure: no Streamlit, no I/O (the caller reads the cards: :func:`compsem.analysis.objective_comparison.load_cards`
or the registry's specs).

Example:
    >>> recipes({"compsem/b": {"augmentation": {"name": "role-swaps"}, "init_from": {"key": "compsem/a"}}})
    [Recipe(key='compsem/b', start='compsem/a')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from compsem import stats
from compsem.analysis.grid import MIN_DROP, change_verdict
from compsem.analysis.story_parts import ExamplePair, Finding, _chart, _ci_rows, _example, _label, _scores_by_pair
from compsem.data.categories import category_info, category_label, sort_categories
from compsem.data.labels import labels_of
from compsem.models.backbones import BACKBONES
from compsem.models.card import ModelCard
from compsem.training.objectives import OBJECTIVES

#: The card's ``augmentation.name`` of the round-2 recipes (``compsem train --augment role-swaps``).
RECIPE_AUGMENT = "role-swaps"
#: the section's title, on the Findings page and in the HTML report
RECIPES_TITLE = "What the new training recipes fix, and what they cost"
#: how "fixed" and "worse" are decided, in words: the grid's rule (:func:`compsem.analysis.grid.change_verdict`)
CHANGE_RULE = f"a change of at least {MIN_DROP * 100:g} points whose 95% intervals do not overlap"
PARAPHRASES = "positive_control"
FIXED, WORSE, UNCLEAR = "fixed", "worse", "no clear change"


@dataclass(frozen=True)
class Recipe:
    """A recipe adapter and the adapter it continued from.

    Attributes:
        key: registry key of the recipe's adapter.
        start: registry key of its starting adapter (the card's ``init_from.key``).
    """

    key: str
    start: str


@dataclass(frozen=True)
class RateChange:
    """One category's rate at the threshold with the starting adapter and with the recipe.

    Attributes:
        category: the category (``positive_control`` for paraphrases, where ``rate`` is a pass rate).
        before, before_low, before_high: the starting adapter's rate and its 95% bootstrap interval.
        after, after_low, after_high: the recipe's.
        verdict: :func:`compsem.analysis.grid.change_verdict` of the two rates: ``fixed`` (clearly
            lower), ``worse`` (clearly higher) or ``no clear change``.
    """

    category: str
    before: float
    before_low: float
    before_high: float
    after: float
    after_low: float
    after_high: float
    verdict: str

    @property
    def is_paraphrase(self) -> bool:
        return self.category == PARAPHRASES

    @property
    def outcome(self) -> str:
        """``fix``, ``cost`` or ``none``: the verdict read the right way round (a lower pass rate is a cost)."""
        if self.verdict == UNCLEAR:
            return "none"
        lower = self.verdict == FIXED
        return ("cost" if lower else "fix") if self.is_paraphrase else ("fix" if lower else "cost")

    def text(self, intervals: bool = True) -> str:
        """``96% [89–100%] → 29% [16–42%]`` (without the brackets when ``intervals`` is False)."""
        if not intervals:
            return f"{self.before:.0%} → {self.after:.0%}"
        return (
            f"{self.before:.0%} [{100 * self.before_low:.0f}–{self.before_high:.0%}] → "
            f"{self.after:.0%} [{100 * self.after_low:.0f}–{self.after_high:.0%}]"
        )


@dataclass(frozen=True)
class RecipeStory:
    """What one recipe fixes and costs against its starting adapter.

    Attributes:
        recipe: the recipe and its starting adapter.
        label, start_label: their display names.
        threshold: the threshold of every rate.
        changes: adversarial categories in category order, then paraphrases when present.
        sentence: what it fixes and what it costs, every number computed.
        chart: rows of :data:`compsem.analysis.story_parts.CHART_COLUMNS`: each category's rate for both models.
        fix_example: the pair that shows the fix (see the module docstring), or None.
        cost_example: the pair that shows the cost, or None when nothing got clearly worse.
    """

    recipe: Recipe
    label: str
    start_label: str
    threshold: float
    changes: tuple[RateChange, ...]
    sentence: str
    chart: pd.DataFrame
    fix_example: ExamplePair | None
    cost_example: ExamplePair | None

    def with_outcome(self, outcome: str) -> tuple[RateChange, ...]:
        """The changes whose :attr:`RateChange.outcome` is ``outcome`` (``fix``, ``cost``, ``none``)."""
        return tuple(c for c in self.changes if c.outcome == outcome)

    @property
    def title(self) -> str:
        return f"{self.label}, continued from {self.start_label}"

    @property
    def chart_title(self) -> str:
        return (
            f"Failure rate at {self.threshold:g} per edit kind (last group: paraphrases passing), "
            "with 95% CI: starting adapter vs recipe"
        )

    def finding(self) -> Finding:
        """The recipe as a story :class:`~compsem.analysis.story_parts.Finding` (its chart and fix example)."""
        return Finding(
            f"recipe-{self.recipe.key.rsplit('/', 1)[-1]}",
            self.title,
            self.sentence,
            self.chart,
            "rate",
            self.chart_title,
            self.fix_example,
            self.threshold,
        )


def _augment(card: ModelCard | Mapping) -> str:
    return str((card.get("augmentation") or {}).get("name", ""))


def recipes(cards: Mapping[str, ModelCard | Mapping], augment: str = RECIPE_AUGMENT) -> list[Recipe]:
    """The adapters among ``cards`` trained with ``augment`` that continued another adapter.

    In the grid's order (:func:`compsem.analysis.grid.grid_cells`): backbone, then objective, then key.

    Args:
        cards: registry key -> card (:class:`~compsem.models.card.ModelCard` or its JSON object).
        augment: the augmentation that marks a recipe (the card's ``augmentation.name``).
    """
    b_rank = {b: i for i, b in enumerate(BACKBONES)}
    o_rank = {o: i for i, o in enumerate(OBJECTIVES)}
    ranked = []
    for key, card in cards.items():
        start = (card.get("init_from") or {}).get("key")
        if _augment(card) == augment and start:
            rank = (b_rank.get(str(card.get("backbone", "minilm-l6")), 99), o_rank.get(str(card.get("objective")), 99))
            ranked.append((rank, str(key), Recipe(str(key), str(start))))
    return [r for _, _, r in sorted(ranked, key=lambda x: (x[0], x[1]))]


def recipe_models(found: list[Recipe]) -> list[str]:
    """Every model the recipes need scores of: each starting adapter, then its recipe (no repeats)."""
    return list(dict.fromkeys(m for r in found for m in (r.start, r.key)))


def _rows(desc: pd.DataFrame, recipe: Recipe, cats: list[str]) -> tuple[RateChange, ...]:
    cell = desc.set_index(["model", "category"])
    out = []
    for cat in cats:
        if (recipe.start, cat) not in cell.index or (recipe.key, cat) not in cell.index:
            continue
        b, a = cell.loc[(recipe.start, cat)], cell.loc[(recipe.key, cat)]
        out.append(
            RateChange(
                cat,
                float(b["rate"]),
                float(b["rate_ci_low"]),
                float(b["rate_ci_high"]),
                float(a["rate"]),
                float(a["rate_ci_low"]),
                float(a["rate_ci_high"]),
                change_verdict(b, a),
            )
        )
    return tuple(out)


def _name(change: RateChange) -> str:
    return "paraphrases passing" if change.is_paraphrase else category_label(change.category).lower()


def _listing(changes: tuple[RateChange, ...] | list[RateChange], intervals: bool = True) -> str:
    return ", ".join(f"{_name(c)} {c.text(intervals)}" for c in changes)


def recipe_sentence(label: str, start_label: str, threshold: float, changes: tuple[RateChange, ...]) -> str:
    """What the recipe fixes and what it costs, from its :class:`RateChange` rows.

    Example:
        >>> recipe_sentence("B", "A", 0.5, (RateChange("entity_swap", .96, .89, 1, .29, .16, .42, "fixed"),))
        'B, continued from A, at 0.5 fixes entity swap 96% [89–100%] → 29% [16–42%]; costs nothing clear here.'
    """
    fixes = [c for c in changes if c.outcome == "fix" and not c.is_paraphrase]
    gains = [c for c in changes if c.outcome == "fix" and c.is_paraphrase]
    costs = [c for c in changes if c.outcome == "cost"]
    same = [c for c in changes if c.outcome == "none"]
    fix_txt = f"fixes {_listing(fixes)}" if fixes else "fixes no edit kind clearly"
    if gains:
        fix_txt += f" and lets more paraphrases pass ({gains[0].text()})"
    cost_txt = f"costs {_listing(costs)}" if costs else "costs nothing clear here"
    same_txt = f"; no clear change: {_listing(same, intervals=False)}" if same else ""
    return f"{label}, continued from {start_label}, at {threshold:g} {fix_txt}; {cost_txt}{same_txt}."


def _crossing(before: pd.Series, after: pd.Series, t: float, falling: bool) -> pd.Series:
    """Per pair, how far the score moved across ``t`` (falling: from ≥ t to < t; else from < t to ≥ t)."""
    both = pd.concat({"b": before, "a": after}, axis=1).dropna()
    crossed = (both["b"] >= t) & (both["a"] < t) if falling else (both["b"] < t) & (both["a"] >= t)
    move = (both["b"] - both["a"]) if falling else (both["a"] - both["b"])
    return move[crossed]


def _examples(
    results: pd.DataFrame,
    recipe: Recipe,
    changes: tuple[RateChange, ...],
    t: float,
    labels: Mapping[str, str],
) -> tuple[ExamplePair | None, ExamplePair | None]:
    before, after = _scores_by_pair(results, recipe.start), _scores_by_pair(results, recipe.key)
    shown = [recipe.start, recipe.key]
    fixed = [c.category for c in changes if c.outcome == "fix" and not c.is_paraphrase]
    pool = fixed or [c.category for c in changes if not c.is_paraphrase]
    where = (
        f"among the kinds it fixes ({', '.join(category_label(c).lower() for c in fixed)})"
        if fixed
        else "among the edits"
    )
    fix = _example(
        results,
        pool,
        _crossing(before, after, t, falling=True),
        f"{where}, the pair whose score fell furthest across {t:g}",
        shown,
        labels,
    )
    worse = [c.category for c in changes if c.outcome == "cost" and not c.is_paraphrase]
    lost = [PARAPHRASES] if any(c.outcome == "cost" and c.is_paraphrase for c in changes) else []
    if not worse and not lost:
        return fix, None
    category = results.drop_duplicates("pair_id").set_index("pair_id")["category"]

    def of(move: pd.Series, cats: list[str]) -> pd.Series:
        return move[category.reindex(move.index).isin(cats).to_numpy()]

    # the wrong way for each kind of pair: an edit up across t, a paraphrase down across it
    wrong = pd.concat(
        [of(_crossing(before, after, t, falling=False), worse), of(_crossing(before, after, t, falling=True), lost)]
    )
    kinds = ", ".join([category_label(c).lower() for c in worse] + (["paraphrases"] if lost else []))
    cost = _example(
        results,
        worse + lost,
        wrong,
        f"among the kinds it made worse ({kinds}), the pair that crossed {t:g} the wrong way by the largest "
        "score change",
        shown,
        labels,
    )
    return fix, cost


def recipe_stories(
    results: pd.DataFrame,
    cards: Mapping[str, ModelCard | Mapping],
    threshold: float,
    *,
    labels: Mapping[str, str] | None = None,
    described: pd.DataFrame | None = None,
    n_resamples: int = 1000,
    augment: str = RECIPE_AUGMENT,
) -> list[RecipeStory]:
    """One :class:`RecipeStory` per recipe among ``cards`` whose recipe and starting adapter both have scores.

    Args:
        results: tidy results holding (at least) the recipes' and their starting adapters' scores.
        cards: registry key -> card of the trained adapters (the recipes are found from these).
        threshold: the 0-1 threshold of every rate.
        labels: model key -> display name (default: the results' ``model_label`` column, else the key).
        described: :func:`compsem.stats.describe_with_ci` of ``results`` at ``threshold`` (1000 resamples,
            seed 0) when already computed; else computed here over the recipes' models.
        n_resamples: bootstrap resamples when computed here.
        augment: the augmentation that marks a recipe.

    Returns:
        The stories in recipe key order; an empty list when no recipe has scores (or there is no adversarial
        category with enough pairs, :func:`compsem.stats.thin_categories`).
    """
    found = recipes(cards, augment)
    have = set(results["model"]) if len(results) else set()
    found = [r for r in found if r.key in have and r.start in have]
    if not found:
        return []
    sub = results[results["model"].isin(recipe_models(found))]
    thin = stats.thin_categories(sub)
    sub = sub[~sub["category"].isin(thin)]
    if sub.empty:
        return []
    names = dict(labels) if labels is not None else labels_of(sub)
    t = float(threshold)
    desc = (
        stats.describe_with_ci(sub, t, n_resamples=n_resamples)
        if described is None
        else described[described["model"].isin(set(sub["model"])) & ~described["category"].isin(thin)]
    )
    cats = sort_categories(sub["category"].unique())
    adv = [c for c in cats if category_info(c).role == "adversarial"]
    if not adv:
        return []
    shown = adv + ([PARAPHRASES] if PARAPHRASES in cats else [])
    out = []
    for recipe in found:
        changes = _rows(desc, recipe, shown)
        label, start = _label(names, recipe.key), _label(names, recipe.start)
        fix, cost = _examples(sub, recipe, changes, t, names)
        out.append(
            RecipeStory(
                recipe,
                label,
                start,
                t,
                changes,
                recipe_sentence(label, start, t, changes),
                _chart(_ci_rows(desc, [recipe.start, recipe.key], shown, names, "rate")),
                fix,
                cost,
            )
        )
    return out


__all__ = [
    "CHANGE_RULE",
    "RECIPES_TITLE",
    "RECIPE_AUGMENT",
    "RateChange",
    "Recipe",
    "RecipeStory",
    "recipe_models",
    "recipe_sentence",
    "recipe_stories",
    "recipes",
]
