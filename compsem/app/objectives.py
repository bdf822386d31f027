"""The "Does the objective matter?" page's data: the trained models, their cards, their scores and table.

The statistics are :func:`compsem.objectives.comparison_table`; this module caches them and
picks the models whatever the sidebar selects.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from compsem.app import data, scores, views
from compsem.app.scores import Results
from compsem.app.sidebar import View
from compsem.registry import Resolution


def objective_resolutions() -> dict[str, Resolution]:
    """The registry entries of the four trained models that have a card somewhere (shipped or local)."""
    from compsem import objectives

    by_key = {r.spec.key: r for r in data.model_resolutions()}
    return {k: by_key[k] for k in objectives.objective_keys() if k in by_key}


def objective_availability() -> pd.DataFrame:
    """Per objective: where its scores come from and the ``compsem train`` command when they are missing."""
    from compsem import objectives

    found = objective_resolutions()
    return objectives.availability_table({k: (r.status, r.reason) for k, r in found.items()})


def trained_cards() -> tuple[dict[str, dict], str]:
    """The trained models' cards, or ({}, why) when one is broken (the page shows why and goes on)."""
    from compsem import objectives

    try:
        return objectives.load_cards(), ""
    except objectives.CardError as exc:
        return {}, str(exc)


def objective_models() -> tuple[str, ...]:
    """The models the objective page scores: the reference bi-encoder and every usable trained model."""
    from compsem import objectives

    return (objectives.REFERENCE, *[k for k, r in objective_resolutions().items() if r.usable])


def objective_scores(view: View, models: Sequence[str]) -> Results:
    """Scores of ``models`` (see :func:`objective_models`) on the view's pairs, whatever the sidebar selects.

    The sidebar's pair set, categories and threshold apply; its model selection does not.
    """
    from dataclasses import replace

    return scores.scores(replace(view, models=tuple(models)))


@st.cache_data(show_spinner=False, max_entries=64)
def _objective_table(key: tuple, _frame: pd.DataFrame, threshold: float, reference: str) -> pd.DataFrame:
    from compsem import objectives

    return objectives.comparison_table(_frame, threshold, reference)


def objective_table(res: Results) -> pd.DataFrame | None:
    """:func:`compsem.objectives.comparison_table` at the view's threshold, cached; a ValueError becomes a warning."""
    from compsem import objectives

    try:
        return _objective_table(res.key, res.frame, res.threshold, objectives.REFERENCE)
    except ValueError as exc:
        st.warning(f"Objective comparison: {views.md_escape(exc)}")
        return None


__all__ = ["objective_availability", "objective_models", "objective_resolutions", "objective_scores",
           "objective_table", "trained_cards"]
