"""The README's generated block: the backbone × objective grid as ``compsem run --grid`` writes it, then what
the new training recipes fix and cost, each with one example pair.

The block sits between :data:`START` and :data:`END` in ``README.md`` and ``docs/training.md``
(:data:`GENERATED_FILES`); ``python docs/readme_grid.py`` rewrites it there and
``tests/test_readme_grid.py`` fails when a file's block differs from what the shipped seed gives. Its
numbers come from the shipped adapters' scores of the bundled pairs in the shipped seed
(:mod:`compsem.store.seed`), read through the score store with no model loaded: after a new adapter
ships, regenerate the seed (``compsem cache seed --write``), then the block.

:func:`grid_block` is pure (an :class:`~compsem.analysis.Analysis` and the recipe stories in, text
out); :func:`seed_grid_block` reads the cards, the pairs and the seed first.

Example:
    >>> replace_block("a\\n<!-- grid:start -->\\nold\\n<!-- grid:end -->\\nb\\n", "new\\n")
    'a\\n<!-- grid:start -->\\nnew\\n<!-- grid:end -->\\nb\\n'
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from compsem.analysis import Analysis, analyze
from compsem.analysis.grid import grid_cells, grid_labels, grid_models
from compsem.analysis.objective_comparison import load_cards
from compsem.analysis.recipes_story import CHANGE_RULE, RECIPE_AUGMENT, RecipeStory, recipe_stories
from compsem.analysis.story_parts import ExamplePair
from compsem.config import shipped_models_dir
from compsem.data.categories import category_label
from compsem.data.formatting import markdown_text
from compsem.data.pairs import load_pairs
from compsem.models.specs import Resolution
from compsem.reports.markdown import grid_section
from compsem.scorers.base import ModelUnavailableError, Scorer
from compsem.scoring import score_pairs
from compsem.store.score_store import ScoreStore
from compsem.store.seed import SEED_FILE, load_seed
from compsem.store.sqlite import ScoreCache

START = "<!-- grid:start -->"
END = "<!-- grid:end -->"
#: The files holding the block, relative to the checkout root.
GENERATED_FILES: tuple[str, ...] = ("README.md", "docs/training.md")
#: The threshold of the block (the first of ``compsem run``'s default thresholds).
THRESHOLD = 0.5
REGENERATE = "python docs/readme_grid.py"
NOTICE = f"<!-- generated from the shipped seed by `{REGENERATE}`; do not edit by hand -->"


def _example_line(kind: str, ex: ExamplePair | None) -> list[str]:
    if ex is None:
        return []
    scores = ", ".join(f"{markdown_text(label)} {score:.3f}" for _m, label, score in ex.scores)
    return [
        f"    - {kind} example, pair {markdown_text(ex.pair_id)} ({category_label(ex.category).lower()}): "
        f"“{markdown_text(ex.sentence_a)}” / “{markdown_text(ex.sentence_b)}” — {scores}. "
        f"Chosen as: {markdown_text(ex.rule)}."
    ]


def recipes_markdown(stories: Sequence[RecipeStory]) -> list[str]:
    """One bullet per recipe (its sentence) with its fix and cost example pairs as sub-bullets; [] for none."""
    if not stories:
        return []
    t = stories[0].threshold
    lines = [
        f"What the new training recipes (`--augment {RECIPE_AUGMENT}`, each continued from a shipped adapter) fix "
        f"and what they cost, against the adapter each started from: failure rates at {t:g} (paraphrases: pass "
        f"rate) with 95% bootstrap intervals; fixed or worse = {CHANGE_RULE}.",
        "",
    ]
    for story in stories:
        lines.append(f"- {markdown_text(story.sentence)}")
        lines += _example_line("Fix", story.fix_example)
        lines += _example_line("Cost", story.cost_example)
    return lines


def grid_block(analysis: Analysis, stories: Sequence[RecipeStory]) -> str:
    """The generated block's text (between the markers): the grid section of report.md, then the recipes."""
    lines = [NOTICE, "", *grid_section(analysis)]
    recipes = recipes_markdown(stories)
    if recipes:
        lines += ["", *recipes]
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    """``text`` with what lies between :data:`START` and :data:`END` (each on its own line) replaced by ``block``.

    Raises:
        ValueError: the markers are missing, repeated or out of order.
    """
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if ln.strip() == START]
    ends = [i for i, ln in enumerate(lines) if ln.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"expected one line {START} followed later by one line {END}")
    return "".join(lines[: starts[0] + 1]) + block + "".join(lines[ends[0] :])


def current_block(text: str) -> str:
    """What lies between the markers of ``text`` now (ValueError as :func:`replace_block`)."""
    marked = replace_block(text, "\0")
    head, tail = marked.split("\0")
    return text[len(head) : len(text) - len(tail)]


def _refuse(res: Resolution) -> Scorer:
    raise ModelUnavailableError(
        f"{res.spec.key} has no scores of the bundled pairs in the shipped seed: run `compsem cache seed --write`"
    )


def seed_results(models: Sequence[str], seed_file: str | Path = SEED_FILE) -> pd.DataFrame:
    """The bundled pairs' tidy results of ``models``, read from the seed through the score store; nothing is scored.

    The store reads an empty private cache (so nothing scored on this machine mixes in) with the seed behind it.

    Raises:
        ValueError: a model the seed lacks (the message says to regenerate the seed).
    """
    seed = load_seed(seed_file)
    with tempfile.TemporaryDirectory() as tmp, ScoreCache(tmp) as cache:
        run = score_pairs(load_pairs(), list(models), cache=ScoreStore(cache, write=False, seed=seed), loader=_refuse)
    if run.failed:
        raise ValueError("; ".join(f"{m.model}: {m.error}" for m in run.failed))
    return run.results


def seed_grid_block(seed_file: str | Path = SEED_FILE) -> str:
    """The block from the shipped adapters' cards and their (and their bi-encoders') scores in the seed."""
    cards = load_cards([shipped_models_dir()])
    cells = grid_cells(cards)
    results = seed_results(grid_models(cells), seed_file)
    analysis = analyze(results, [THRESHOLD], cells)
    described = analysis.at(THRESHOLD).with_ci
    stories = recipe_stories(results, cards, THRESHOLD, labels=grid_labels(cells), described=described)
    return grid_block(analysis, stories)


__all__ = [
    "END",
    "GENERATED_FILES",
    "NOTICE",
    "START",
    "THRESHOLD",
    "current_block",
    "grid_block",
    "recipes_markdown",
    "replace_block",
    "seed_grid_block",
    "seed_results",
]
