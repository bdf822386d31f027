"""Does data or size fix it? The backbone × objective (+ augmentation) grid of trained cross-encoders.

Rows of the grid are backbones (MiniLM-L6, MPNet-base), columns are training objectives, plus
the objectives trained with minimal-edit augmentation (:mod:`compsem.training.augment`). Each cell is
one adapter, compared per category with *its own backbone's* bi-encoder (the model whose
transformer it started from), so a cell's Cohen's d says what training did to that backbone.

Two questions are then read off the grid, per failure mode (adversarial category):

* **size**: the same objective (and augmentation) on MPNet-base against MiniLM-L6;
* **data**: the same backbone and objective with minimal-edit augmentation against without.

"Fixed" needs evidence, not a lower point estimate: the failure rate at the threshold must
drop by at least :data:`MIN_DROP` and the two 95% bootstrap intervals must not overlap.
"Worse" is the mirror image; anything else is "no clear change". Paraphrase pass rate (the
positive control) is reported beside it, since rejecting everything would also "fix" a
failure mode.

Pure functions over the tidy results and the model cards; statistics from
:func:`compsem.analysis.objective_comparison.comparison_table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from compsem.analysis.objective_comparison import COMPARISON_COLUMNS, comparison_table, comparison_view
from compsem.data.categories import ADVERSARIAL, category_label, sort_categories
from compsem.data.formatting import markdown_text
from compsem.models.backbones import BACKBONES
from compsem.models.card import ModelCard
from compsem.training.objectives import OBJECTIVES

__all__ = [
    "GRID_COLUMNS",
    "MIN_DROP",
    "GridCell",
    "change_verdict",
    "grid_cells",
    "grid_findings",
    "grid_labels",
    "grid_markdown",
    "grid_view",
    "grid_models",
    "grid_table",
    "references",
]

#: A failure rate must fall by this much (and the CIs separate) to count as fixed.
MIN_DROP = 0.10
GRID_COLUMNS = ["backbone", "column", *COMPARISON_COLUMNS]


@dataclass(frozen=True)
class GridCell:
    """One trained model's place in the grid.

    Attributes:
        key: registry key of the adapter.
        backbone: backbone name (``minilm-l6``, ``mpnet-base``).
        objective: training objective (``sick-nli`` ...).
        augment: augmentation name, or ``""``.
    """

    key: str
    backbone: str
    objective: str
    augment: str = ""

    @property
    def column(self) -> str:
        """Grid column: the objective, with ``+ <augmentation>`` when augmented."""
        return self.objective + (f" + {self.augment}" if self.augment else "")


def grid_cells(cards: Mapping[str, ModelCard] | Mapping[str, dict]) -> list[GridCell]:
    """The LoRA adapters among ``cards`` as grid cells, in backbone, then objective, then augmentation order."""

    cells = []
    for key, card in cards.items():
        if card.get("method", "lora") != "lora" or card.get("objective") not in OBJECTIVES:
            continue
        backbone = str(card.get("backbone", "minilm-l6"))
        if backbone not in BACKBONES:
            continue
        cells.append(
            GridCell(key, backbone, str(card["objective"]), str((card.get("augmentation") or {}).get("name", "")))
        )
    b_rank = {b: i for i, b in enumerate(BACKBONES)}
    o_rank = {o: i for i, o in enumerate(OBJECTIVES)}
    return sorted(cells, key=lambda c: (b_rank[c.backbone], o_rank[c.objective], c.augment))


def references(cells: Sequence[GridCell]) -> dict[str, str]:
    """Backbone name -> registry key of its bi-encoder, for the backbones that have a cell."""
    return {c.backbone: BACKBONES[c.backbone].key for c in cells}


def grid_models(cells: Sequence[GridCell]) -> list[str]:
    """Every model the grid needs scores of: each backbone's bi-encoder, then its cells."""
    out: list[str] = []
    for backbone, ref in references(cells).items():
        out += [ref, *[c.key for c in cells if c.backbone == backbone]]
    return out


def grid_labels(cells: Sequence[GridCell]) -> dict[str, str]:
    """Short display labels: ``MiniLM-L6 · sick-nli + minimal-edits``, ``MPNet-base · bi-encoder``."""
    labels = {ref: f"{BACKBONES[b].label} · bi-encoder" for b, ref in references(cells).items()}
    labels.update({c.key: f"{BACKBONES[c.backbone].label} · {c.column}" for c in cells})
    return labels


def grid_table(
    df: pd.DataFrame,
    cells: Sequence[GridCell],
    threshold: float,
    n_resamples: int = 1000,
    seed: int | None = 0,
    described: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per backbone, :func:`~compsem.analysis.objective_comparison.comparison_table` of its cells vs. its bi-encoder.

    A backbone whose bi-encoder has no scores in ``df`` is left out; so is a cell without scores.
    ``described``: the results' :func:`compsem.stats.describe_with_ci` at ``threshold`` when
    already computed (see :func:`compsem.analysis.objective_comparison.comparison_table`).

    Returns:
        :data:`GRID_COLUMNS`: ``backbone`` and ``column`` (``bi-encoder`` for the reference rows)
        in front of the comparison table's columns.
    """

    have = set(df["model"]) if len(df) else set()
    parts = []
    for backbone, ref in references(cells).items():
        mine = [c for c in cells if c.backbone == backbone and c.key in have]
        if ref not in have or not mine:
            continue
        sub = df[df["model"].isin([ref, *[c.key for c in mine]])]
        table = comparison_table(sub, threshold, ref, n_resamples=n_resamples, seed=seed, described=described)
        column = {c.key: c.column for c in mine} | {ref: "bi-encoder"}
        order = {m: i for i, m in enumerate([ref, *[c.key for c in mine]])}
        cats = {c: i for i, c in enumerate(sort_categories(table["category"].unique()))}
        table = table.assign(_c=table["category"].map(cats), _m=table["model"].map(order))
        table = table.sort_values(["_c", "_m"], kind="stable").drop(columns=["_c", "_m"])
        parts.append(table.assign(backbone=backbone, column=table["model"].map(column)))
    if not parts:
        return pd.DataFrame(columns=GRID_COLUMNS)
    return pd.concat(parts, ignore_index=True)[GRID_COLUMNS]


def change_verdict(before: pd.Series, after: pd.Series) -> str:
    """``fixed``, ``worse`` or ``no clear change`` between two failure-rate rows (see the module docstring).

    Each row holds ``rate``, ``rate_ci_low`` and ``rate_ci_high`` (a row of
    :func:`compsem.stats.describe_with_ci`). "fixed": the rate fell by at least :data:`MIN_DROP` and
    the intervals do not overlap; "worse": the mirror image. On a pass rate (paraphrases) "fixed"
    reads as "fewer pass".
    """
    drop = float(before["rate"]) - float(after["rate"])
    if drop >= MIN_DROP and float(after["rate_ci_high"]) < float(before["rate_ci_low"]):
        return "fixed"
    if -drop >= MIN_DROP and float(after["rate_ci_low"]) > float(before["rate_ci_high"]):
        return "worse"
    return "no clear change"


def _pairs(cells: Sequence[GridCell], question: str) -> list[tuple[GridCell, GridCell]]:
    """(before, after) cells that differ only in size (backbone) or only in data (augmentation)."""
    out = []
    for a in cells:
        for b in cells:
            if (
                question == "size"
                and (a.backbone, b.backbone) == ("minilm-l6", "mpnet-base")
                and (a.objective, a.augment) == (b.objective, b.augment)
            ):
                out.append((a, b))
            if (
                question == "data"
                and a.backbone == b.backbone
                and a.objective == b.objective
                and not a.augment
                and b.augment
            ):
                out.append((a, b))
    return out


def grid_findings(table: pd.DataFrame, cells: Sequence[GridCell], threshold: float) -> list[str]:
    """Sentences answering "does size fix it?" and "does data fix it?" per failure mode, from the grid table.

    One sentence per (before, after) comparison the grid can make: which adversarial categories
    are fixed, which got worse, which did not clearly change (with the failure rates), and the
    paraphrase pass rate before and after. A question the grid cannot answer yet (a cell
    missing) gets a sentence saying so.
    """
    t = f"{threshold:g}"
    labels = grid_labels(cells)
    present = set(table["model"]) if len(table) else set()
    out: list[str] = []
    for question, what in (("size", "Does size fix it?"), ("data", "Does data fix it?")):
        pairs = [(a, b) for a, b in _pairs(cells, question) if a.key in present and b.key in present]
        if not pairs:
            need = (
                "an adapter of the same objective on both backbones"
                if question == "size"
                else "an objective trained with and without augmentation on one backbone"
            )
            out.append(f"{what} Not answerable from these scores: the grid needs {need}.")
            continue
        for before, after in pairs:
            rows = table[table["model"].isin([before.key, after.key])].set_index(["model", "category"])
            verdicts: dict[str, list[str]] = {"fixed": [], "worse": [], "no clear change": []}
            for cat in [c for c in ADVERSARIAL if (before.key, c) in rows.index and (after.key, c) in rows.index]:
                b, a = rows.loc[(before.key, cat)], rows.loc[(after.key, cat)]
                verdicts[change_verdict(b, a)].append(
                    f"{category_label(cat).lower()} {b['rate']:.0%} → {a['rate']:.0%}"
                )
            parts = [f"{k}: {', '.join(v)}" for k, v in verdicts.items() if v]
            sentence = (
                f"{what} {labels[after.key]} against {labels[before.key]}, failure rates at {t} — " + "; ".join(parts)
                if parts
                else f"{what} no adversarial category has scores for both"
            )
            if (before.key, "positive_control") in rows.index and (after.key, "positive_control") in rows.index:
                pb, pa = rows.loc[(before.key, "positive_control")], rows.loc[(after.key, "positive_control")]
                sentence += f"; paraphrases passing {pb['rate']:.0%} → {pa['rate']:.0%}"
            out.append(sentence + ".")
    return out


def grid_markdown(table: pd.DataFrame, cells: Sequence[GridCell], threshold: float) -> str:
    """The grid as a Markdown table: one row per model, one column per category, ``rate (d)`` per cell.

    rate = share of pairs >= ``threshold`` (a failure rate; a pass rate for paraphrases);
    d = Cohen's d against the row's own bi-encoder, starred when Holm p < 0.05.
    """
    if table.empty:
        return "_No grid: no trained adapter and its bi-encoder have scores in this run._\n"
    labels = grid_labels(cells)
    cats = sort_categories(table["category"].unique())
    head = "| model | " + " | ".join(markdown_text(category_label(c)) for c in cats) + " |"
    lines = [head, "|" + "---|" * (len(cats) + 1)]
    for model in dict.fromkeys(table["model"]):
        sub = table[table["model"] == model].set_index("category")
        cells_text = []
        for c in cats:
            if c not in sub.index:
                cells_text.append("—")
                continue
            r = sub.loc[c]
            d = (
                ""
                if r["is_reference"] or pd.isna(r["cohens_d"])
                else f" ({r['cohens_d']:+.2f}{'*' if r['significant'] else ''})"
            )
            cells_text.append(f"{r['rate']:.0%}{d}")
        lines.append(f"| {markdown_text(labels.get(model, model))} | " + " | ".join(cells_text) + " |")
    note = (
        f"\nShare of pairs scoring ≥ {threshold:g} (failure rate; pass rate for paraphrases); in brackets "
        "Cohen's d against the row's own bi-encoder, * = Holm-corrected Mann-Whitney p < 0.05.\n"
    )
    return "\n".join(lines) + "\n" + note


def grid_view(table: pd.DataFrame, labels: Mapping[str, str] | None, threshold: float) -> pd.DataFrame:
    """:func:`compsem.analysis.objective_comparison.comparison_view` of a grid table, with the backbone in front.

    ``labels`` overrides the display names, as in :func:`~compsem.analysis.objective_comparison.comparison_view`.
    """

    view = comparison_view(table, labels, threshold)
    view.insert(0, "backbone", [BACKBONES[b].label if b in BACKBONES else b for b in table["backbone"]])
    return view
