"""The view's statistics, read from its :class:`~compsem.analysis.Analysis`; costly figures; the downloads.

The analysis's parts are kept per selection (:func:`analysis`): one
:class:`~compsem.analysis.ThresholdFree` per selection ``key``, one
:class:`~compsem.analysis.AtThreshold` per (selection, threshold). Each part computes a table
the first time a page reads it and keeps it, so a threshold change computes only what a page
reads at the new threshold, never a threshold-free table. They are ``st.cache_resource``, not
``st.cache_data``: shared read-only (a page never changes a table in place; what it shows is a
copy with the display names, :func:`compsem.data.labels.attach`), because a copy of every table on
every re-render would lose the tables computed since. The downloads read the same analysis,
so an export and ``report.md`` hold the numbers the pages show (and ``compsem run`` writes).

A ValueError from the statistics becomes a warning on the page and ``None``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from compsem import analysis as an
from compsem import figures
from compsem.analysis.browse import PlotSample, sample_pairs
from compsem.analysis.recipes_story import Recipe, RecipeStory, recipe_models, recipe_stories, recipes
from compsem.analysis.story_parts import Finding
from compsem.app import data, views
from compsem.app.scores import Results
from compsem.app.sidebar import View
from compsem.config import default_cache_dir
from compsem.data.csv_safety import safe_csv
from compsem.data.labels import attach
from compsem.reports import markdown as report
from compsem.reports.files import pair_results_csv

_T = TypeVar("_T")


# -- the view's analysis: its parts kept per selection ----------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=32)
def _threshold_free(key: tuple, _frame: pd.DataFrame) -> an.ThresholdFree:
    return an.ThresholdFree(_frame)


@st.cache_resource(show_spinner=False, max_entries=256)
def _at_threshold(key: tuple, threshold: float, _free: an.ThresholdFree) -> an.AtThreshold:
    return an.AtThreshold(_free, threshold)


@st.cache_resource(show_spinner=False, max_entries=64)
def _analysis(key: tuple, thresholds: tuple[float, ...], _free: an.ThresholdFree) -> an.Analysis:
    return an.compose(_free, lambda t: _at_threshold(key, t, _free), thresholds)


def _free(res: Results) -> an.ThresholdFree:
    """The view's threshold-free tables (the kept part)."""
    return _threshold_free(res.key, res.frame)


def analysis(res: Results, thresholds: Sequence[float] | None = None) -> an.Analysis:
    """The view's analysis: its kept parts at ``thresholds`` (default :func:`compsem.analysis.view_thresholds`).

    Composing computes nothing; a table is computed when it is first read, then kept (with its
    part, or with the analysis for a table over all its thresholds at once).
    """
    ts = tuple(float(t) for t in (thresholds if thresholds is not None else an.view_thresholds(res.threshold)))
    return _analysis(res.key, ts, _free(res))


def at(res: Results) -> an.AtThreshold:
    """The view's tables at its threshold (the kept part)."""
    return _at_threshold(res.key, float(res.threshold), _free(res))


def _guard(what: str, read: Callable[[], _T], default: _T) -> _T:
    """``read()``; a ValueError from the statistics becomes a warning saying ``what`` failed, and ``default``."""
    try:
        return read()
    except ValueError as exc:
        st.warning(f"{what}: {views.md_escape(exc)}")
        return default


def _shown(table: pd.DataFrame, res: Results) -> pd.DataFrame:
    """A copy of a kept table with the view's display names beside each model key."""
    shown = attach(table, res.labels)
    return shown.copy() if shown is table else shown


# -- what the pages show -------------------------------------------------------------------------
def table(name: str, res: Results) -> pd.DataFrame | None:
    """The table ``name`` of :data:`compsem.analysis.TABLES` for the view; a ValueError becomes a warning."""
    found = _guard(name.replace("_", " "), lambda: an.read_table(name, analysis(res)), None)
    return None if found is None else _shown(found, res)


def findings(res: Results) -> list[str]:
    """:func:`compsem.stats.findings` at the view's threshold; when there are none, a warning says why."""
    part = at(res)
    if part.findings_error is not None:
        st.warning(f"findings: {views.md_escape(part.findings_error)}")
    return list(part.findings)


def thin_categories(res: Results) -> dict[str, int]:
    """:func:`compsem.stats.thin_categories` of the view, kept per selection (and minimum)."""
    return _free(res).thin_categories()


def kinds(res: Results) -> frozenset[str]:
    """The model families in the view (``bi-encoder``, ``cross-encoder``, ``baseline``), kept per selection."""
    return _free(res).kinds


def story(res: Results) -> list[Finding]:
    """The Findings page's story (:func:`compsem.analysis.story.story_findings`) at the view's threshold."""
    return _guard("Findings", lambda: at(res).story, [])


@st.cache_resource(show_spinner=False, max_entries=32)
def _recipe_stories(
    key: tuple, threshold: float, labels: tuple[tuple[str, str], ...], _frame: pd.DataFrame, _cards: dict
) -> list[RecipeStory]:
    return recipe_stories(_frame, _cards, threshold, labels=dict(labels))


def training_recipes() -> tuple[list[Recipe], dict]:
    """The ``--augment role-swaps`` recipes among the registry's trained models, and every trained model's card."""
    cards = {r.spec.key: r.spec.card for r in data.model_resolutions() if r.spec.card is not None}
    return recipes(cards), cards


def recipes_story(view: View, found: list[Recipe], cards: dict) -> list[RecipeStory]:
    """What each recipe fixes and costs (:func:`compsem.analysis.recipes_story.recipe_stories`) on the view's pairs.

    Read from the recipes' and their starting adapters' own scores, whatever models the sidebar selects: the
    score store's kept per-model lookups on the view's backend and device (the seed on a fresh clone's CPU),
    or the rows of the view's run folder.
    The view's categories and threshold apply; [] when no recipe has scores of both models.
    """
    models = tuple(recipe_models(found))
    if not models or view.pairs is None:
        return []
    if view.run is not None:
        frame = view.run[view.run["model"].isin(models)]
        version: tuple = ("run", view.pairs_sha)
    else:
        cache_dir = str(default_cache_dir())
        runtime = (view.backend, view.device, view.dtype)
        frame, _errors = data.cached_results(view.pairs_sha, models, cache_dir, view.pairs, *runtime)
        version = data.store_version(cache_dir)
    frame = frame[frame["category"].isin(view.categories)]
    if frame.empty:
        return []
    labels = tuple((m, view.labels.name(m)) for m in models)
    weights = tuple(str(getattr(cards.get(m), "fingerprint", "")) for m in models)  # a retrained adapter
    key = (
        view.pairs_sha,
        models,
        weights,
        tuple(sorted(view.categories)),
        view.backend,
        view.device,
        view.dtype,
        version,
    )
    return _guard("Training recipes", lambda: _recipe_stories(key, float(view.threshold), labels, frame, cards), [])


def rates_with_ci(res: Results, calibrated: bool) -> pd.DataFrame | None:
    """Rate and mean per model x category with 95% bootstrap CIs, at the view's or each model's calibrated threshold."""
    found = _guard("Failure rates", lambda: _free(res).calibrated_rates if calibrated else at(res).rates_with_ci, None)
    return None if found is None else _shown(found, res)


def effect_rows(res: Results, reference: str, rows: str) -> tuple[pd.DataFrame | None, str]:
    """:func:`compsem.stats.effect_rows` for the view; a ValueError becomes a warning and no table."""
    found, what = _guard(
        "effect sizes",
        lambda: _free(res).effect_rows(reference, rows),
        (None, views.reference_label(reference, res.labels)),
    )
    return (None if found is None else found.copy()), what


def pair_table(res: Results) -> pd.DataFrame:
    """One row per pair with every model's score (:func:`compsem.stats.pair_table`)."""
    return _free(res).pairs.copy()


@st.cache_resource(show_spinner=False, max_entries=32)
def _plot_sample(key: tuple, _frame: pd.DataFrame) -> PlotSample:
    return sample_pairs(_frame)


def plot_sample(res: Results) -> PlotSample:
    """The rows point charts draw: every row of a small view, a stated random sample of whole pairs of a large one."""
    return _plot_sample(res.key, res.frame)


@st.cache_resource(show_spinner=False, max_entries=32)
def _pair_rows(key: tuple, query: str, sort: str, _table: pd.DataFrame) -> pd.DataFrame:
    return views.filter_pairs(_table, query, sort)


def pair_rows(res: Results, query: str, sort: str) -> pd.DataFrame:
    """The pair table searched for ``query`` and sorted by ``sort``, over every pair, kept per (view, query, sort).

    Shared read-only, so paging through the rows of a 100,000-pair run re-reads them instead of searching again.
    """
    return _pair_rows(res.key, query, sort, _free(res).pairs)


def study_comparison(res: Results) -> pd.DataFrame:
    """The seed study's reported figures beside this view's (:func:`compsem.analysis.study.compare_with_study`)."""
    return _free(res).study.copy()


def models_view(res: Results) -> pd.DataFrame:
    """The models in the results with kind, objective, availability and what their score means."""
    return views.models_view(list(dict.fromkeys(res.frame["model"])), data.model_resolutions())


# -- figures that are costly to build ---------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=32)
def _curves_figure(key: tuple, _curves: pd.DataFrame, marks: tuple) -> go.Figure:

    return figures.rate_curves(_curves, None, dict(marks))


@st.cache_resource(show_spinner=False, max_entries=16)
def _calibration_figure(key: tuple, _frame: pd.DataFrame, marks: tuple) -> go.Figure:
    # A resource, not data: thousands of hover texts make a copy per re-render cost more than the page's
    # budget, and the figure is only read (st.plotly_chart serializes it), never changed.

    return figures.calibration(_frame, dict(marks), None)


def curves_figure(res: Results, curves: pd.DataFrame, threshold: float | None, marks: dict) -> go.Figure:
    """Failure rate vs threshold: built once per selection, the moving threshold line added per view."""

    fig = _curves_figure(res.key, curves, tuple(sorted(marks.items())))
    return figures.add_threshold(fig, threshold, axis="x")


def calibration_figure(res: Results, marks: dict) -> go.Figure:
    """Raw vs normalized score per model with each model's calibrated threshold; built once per selection.

    Drawn from :func:`plot_sample` (every row of a small view; of a large one, a stated sample of whole
    pairs, so the page does not build and send a point with two hover texts per row of a million).
    The shared threshold is not drawn here: the figure is shared read-only between re-renders.
    """
    return _calibration_figure(res.key, plot_sample(res).frame, tuple(sorted(marks.items())))


# -- downloads: computed when the button is pressed, not on every re-render ---------------------------
def export_table(res: Results, name: str) -> Callable[[], str]:
    """A table of :data:`compsem.analysis.TABLES` as CSV text, read from the view's analysis when asked for."""

    def csv() -> str:
        try:
            return safe_csv(an.read_table(name, analysis(res)), index=False) or ""
        except ValueError as exc:
            return f"# not available for this selection: {exc}\n"

    return csv


def report_markdown(res: Results, view: View) -> Callable[[], str]:
    """The run's report.md (:func:`compsem.reports.markdown.report_markdown`) of the view's analysis, when asked for."""
    meta = {
        "pairs_source": view.pairs_label,
        "n_pairs": int(res.frame["pair_id"].nunique()),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "source": "compsem dashboard",
    }
    return lambda: report.report_markdown(analysis(res), meta)


def pairs_csv(res: Results) -> Callable[[], str]:
    """The pair-level scores CSV (``all_pair_results.csv``), built when the download is asked for."""
    return lambda: pair_results_csv(res.frame)


__all__ = [
    "analysis",
    "at",
    "calibration_figure",
    "curves_figure",
    "effect_rows",
    "export_table",
    "findings",
    "kinds",
    "models_view",
    "pair_rows",
    "plot_sample",
    "pair_table",
    "pairs_csv",
    "rates_with_ci",
    "recipes_story",
    "report_markdown",
    "story",
    "study_comparison",
    "table",
    "thin_categories",
    "training_recipes",
]
