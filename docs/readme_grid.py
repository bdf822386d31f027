"""Rewrite the generated grid block of README.md and docs/training.md from the shipped seed.

    python docs/readme_grid.py            # rewrite the block between <!-- grid:start --> and <!-- grid:end -->
    python docs/readme_grid.py --check    # exit 1 (and say which file) when a block is out of date

The block is :func:`compsem.reports.readme.seed_grid_block`: the backbone × objective grid as
``compsem run --grid`` writes it, then what the ``--augment role-swaps`` recipes fix and cost, from the
shipped adapters' scores of the bundled pairs in the shipped seed (no model is loaded). After a new
adapter ships, run ``compsem cache seed --write`` first, then this. ``tests/test_readme_grid.py`` checks
the block is current.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compsem.reports.readme import GENERATED_FILES, replace_block, seed_grid_block

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a block is out of date")
    args = parser.parse_args(argv)
    try:
        block = seed_grid_block()
    except ValueError as exc:
        print(f"readme_grid: {exc}", file=sys.stderr)
        return 1
    stale = []
    for name in GENERATED_FILES:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        try:
            new = replace_block(text, block)
        except ValueError as exc:
            print(f"readme_grid: {name}: {exc}", file=sys.stderr)
            return 1
        if new == text:
            print(f"{name}: up to date")
            continue
        stale.append(name)
        if not args.check:
            path.write_text(new, encoding="utf-8")
            print(f"{name}: block rewritten")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python docs/readme_grid.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
