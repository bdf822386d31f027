"""The "Does the objective matter?" page's data: the trained models, their cards, their scores and table.

The statistics are the grid of the view's analysis (:meth:`compsem.analysis.AtThreshold.grid`); this
module picks the models whatever the sidebar selects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd
import streamlit as st

from compsem.analysis import grid
from compsem.analysis import objective_comparison as objectives
from compsem.app import data, scores, tables, views
from compsem.app.scores import Results
from compsem.app.sidebar import View
from compsem.models.card import CardError, ModelCard
from compsem.models.specs import Resolution


def objective_resolutions() -> dict[str, Resolution]:
    """The registry entries of the trained adapters that have a card somewhere (shipped or local).

    The four MiniLM objectives first, then the other grid cells (other backbones, augmented).
    """

    by_key = {r.spec.key: r for r in data.model_resolutions()}
    cards, _ = trained_cards()
    keys = [*objectives.objective_keys(), *[c.key for c in grid.grid_cells(cards)]]
    return {k: by_key[k] for k in dict.fromkeys(keys) if k in by_key}


def usable_cells() -> list:
    """Grid cells (:class:`compsem.analysis.grid.GridCell`) whose adapter can score here."""

    cards, _ = trained_cards()
    found = objective_resolutions()
    return [c for c in grid.grid_cells(cards) if c.key in found and found[c.key].usable]


def objective_availability() -> pd.DataFrame:
    """Per objective: where its scores come from and the ``compsem train`` command when they are missing."""

    found = objective_resolutions()
    return objectives.availability_table({k: (r.status, r.reason) for k, r in found.items()})


def trained_cards() -> tuple[dict[str, ModelCard], str]:
    """The trained models' cards, or ({}, why) when one is broken (the page shows why and goes on)."""

    try:
        return objectives.load_cards(), ""
    except CardError as exc:
        return {}, str(exc)


def objective_models() -> tuple[str, ...]:
    """The models the objective page scores: each backbone's bi-encoder and every usable trained adapter."""

    return tuple(dict.fromkeys([objectives.REFERENCE, *grid.grid_models(usable_cells())]))


def objective_scores(view: View, models: Sequence[str]) -> Results:
    """Scores of ``models`` (see :func:`objective_models`) on the view's pairs, whatever the sidebar selects.

    The sidebar's pair set, categories and threshold apply; its model selection does not.
    """

    return scores.scores(replace(view, models=tuple(models)))


def objective_table(res: Results) -> pd.DataFrame | None:
    """The backbone × objective grid (:func:`~compsem.analysis.grid.grid_table`) at the view's threshold.

    With no adapter scored, the MiniLM bi-encoder alone, as the reference. A ValueError (no reference
    scores) becomes a warning and ``None``.
    """

    part = tables.at(res)
    try:
        table = part.grid(tuple(usable_cells()))
        if table.empty:  # no adapter has scores: the MiniLM bi-encoder alone, as the reference
            alone = res.frame[res.frame["model"] == objectives.REFERENCE]
            table = objectives.comparison_table(alone, res.threshold, described=part.with_ci)
            table = table.assign(backbone="minilm-l6", column="bi-encoder")[grid.GRID_COLUMNS]
    except ValueError as exc:
        st.warning(f"Objective comparison: {views.md_escape(exc)}")
        return None
    return table.copy()


__all__ = [
    "objective_availability",
    "objective_models",
    "objective_resolutions",
    "objective_scores",
    "objective_table",
    "trained_cards",
    "usable_cells",
]
