"""Score the bundled pairs with the fix-experiment recipes and write ``results/fix_round2.md`` (issue 21).

Usage (from the repository root):

    python bench/fix_round2.py [--models KEY ...] [--out results/fix_round2.md]

Scores go through the score cache like ``compsem run``; the table comes from
:func:`compsem.analysis.recipe_table.recipe_table` and the cards of the shipped adapters.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_MODELS = [
    "compsem/minilm-l6-sick-nli",
    "compsem/minilm-l6-sick-nli-minimal-edits",
    "compsem/mpnet-base-sick-nli-minimal-edits",
    "compsem/minilm-l6-sick-nli-role-swaps",
    "compsem/minilm-l6-equivalence-role-swaps",
    "compsem/mpnet-base-sick-nli-role-swaps",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--out", default="results/fix_round2.md")
    args = parser.parse_args(argv)

    from compsem.analysis.recipe_table import recipe_markdown, recipe_table
    from compsem.data.pairs import load_pairs
    from compsem.models.loading import quiet_libraries
    from compsem.models.registry import UnknownModelError, get_spec
    from compsem.scoring import score_pairs

    quiet_libraries()
    models, labels, cards = [], {}, {}
    for key in args.models:
        try:
            spec = get_spec(key)
        except UnknownModelError:
            print(f"skipped {key}: not trained here", file=sys.stderr)
            continue
        models.append(spec.key)
        labels[spec.key] = spec.label
        cards[spec.key] = dict(spec.card) if spec.card is not None else {}
    run = score_pairs(load_pairs(), models)
    for failed in run.failed:
        print(f"failed {failed.model}: {failed.error}", file=sys.stderr)
    table = recipe_table(run.results, cards)
    lines = [
        "# Fix experiment, round 2 (issue 21): role swaps, paraphrase positives, an equivalence head",
        "",
        "Bundled pairs (336), fail@t = share of a category's adversarial pairs scored ≥ t (called "
        '"same meaning"); paraphrase pass@t = share of positive-control pairs scored ≥ t; 95 % percentile '
        "bootstrap intervals (2,000 resamples, seed 0). ✓ / ✗: the issue's targets (every adversarial "
        "category fail@0.5 ≤ 20 %, swapped roles ≤ 30 %, paraphrase pass@0.5 ≥ 80 %, SICK test "
        "accuracy ≥ 0.85). Test-split figures come from each card: each new adapter's test split was "
        "scored once, after training.",
        "",
        "Reproduce: `python bench/fix_round2.py --models " + " ".join(models) + "`",
        "",
        recipe_markdown(table, labels, models),
        "## How each model was trained (from its card)",
        "",
    ]
    for key in models:
        card = cards.get(key, {})
        if not card:
            continue
        aug = card.get("augmentation") or {}
        counts = ", ".join(f"{rule} {n}" for rule, n in (aug.get("counts") or {}).items())
        start = (card.get("init_from") or {}).get("key")
        lines.append(
            f"- **{labels[key]}** — `{card.get('command', '')}`"
            + (f"; continued from `{start}`" if start else "")
            + (
                f"; {aug.get('name')}: {aug.get('rows_added')} rows added to {aug.get('original_rows')} ({counts})"
                if aug
                else ""
            )
        )
    lines.append("")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    table.to_csv(out.with_suffix(".csv"), index=False)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
