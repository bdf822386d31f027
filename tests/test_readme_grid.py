"""The README's generated grid block (compsem.reports.readme): current with the seed, as run --grid writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from compsem.analysis import analyze
from compsem.analysis.grid import grid_cells, grid_models
from compsem.analysis.objective_comparison import load_cards
from compsem.config import shipped_models_dir
from compsem.reports.markdown import grid_section, report_markdown
from compsem.reports.readme import (
    END,
    GENERATED_FILES,
    START,
    THRESHOLD,
    current_block,
    replace_block,
    seed_grid_block,
    seed_results,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def block() -> str:
    return seed_grid_block()


@pytest.mark.parametrize("name", GENERATED_FILES)
def test_the_generated_block_is_current_with_the_shipped_seed(name, block):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert current_block(text) == block, f"{name}: the grid block is out of date; run `python docs/readme_grid.py`"


def test_the_block_holds_every_shipped_adapter_and_each_recipe_with_examples(block):
    cards = load_cards([shipped_models_dir()])
    for key, card in cards.items():
        assert card["objective"] in block, key
    recipes = [k for k, c in cards.items() if (c.get("augmentation") or {}).get("name") == "role-swaps"]
    assert recipes, "the shipped adapters include the round-2 recipes"
    assert block.count(", continued from ") == len(recipes)
    assert block.count("\n    - Fix example, pair ") == len(recipes)


def test_the_grid_in_the_block_is_report_md_s_grid_section(block):
    """The same lines `compsem run --grid` writes under report.md's grid heading."""
    cells = grid_cells(load_cards([shipped_models_dir()]))
    analysis = analyze(seed_results(grid_models(cells)), [THRESHOLD], cells)
    section = "\n".join(grid_section(analysis))
    assert section.count("\n| ") >= len(cells) + 2  # a header row, then a row per bi-encoder and adapter
    assert section in report_markdown(analysis)
    assert section in block


def test_a_model_the_seed_lacks_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="compsem cache seed --write"):
        seed_results(["token-jaccard"], tmp_path / "no-seed.json.gz")


def test_replace_block_keeps_everything_outside_the_markers():
    text = f"head\n{START}\nold\n{END}\ntail\n"
    new = replace_block(text, "new\nlines\n")
    assert new == f"head\n{START}\nnew\nlines\n{END}\ntail\n"
    assert current_block(new) == "new\nlines\n"


@pytest.mark.parametrize("text", ["no markers\n", f"{END}\n{START}\n", f"{START}\n{START}\n{END}\n"])
def test_replace_block_refuses_missing_or_doubled_markers(text):
    with pytest.raises(ValueError, match="grid:start"):
        replace_block(text, "x\n")
