"""Statistics of the view, cached per selection: the tables of :data:`compsem.stats.TABLES`, findings,
effect sizes, the study comparison, figures that are costly to build, and the downloads.

Each cached function takes the selection's hashable ``key`` and the frame as an unhashed ``_frame``
(hashing the frame on every re-render would cost more than the statistics). A ValueError from
the statistics becomes a warning on the page and ``None``. The tables come back with the frame's
display names beside each model key (:func:`compsem.labels.attach`); the downloads do not carry them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from compsem import report, stats
from compsem.app import data, views
from compsem.app.scores import Results
from compsem.app.sidebar import View
from compsem.csv_safety import safe_csv
from compsem.export import pair_results_csv
from compsem.labels import attach


@st.cache_data(show_spinner=False, max_entries=512)
def _table(name: str, key: tuple, _frame: pd.DataFrame, threshold: float | None) -> pd.DataFrame:
    return stats.build_table(name, _frame, threshold)


def table(name: str, res: Results) -> pd.DataFrame | None:
    """The table ``name`` of :data:`compsem.stats.TABLES` for the view, cached; a ValueError becomes a warning.

    A table that does not read the threshold is not recomputed when the threshold moves.
    """
    threshold = res.threshold if stats.TABLES[name].uses_threshold else None
    try:
        return attach(_table(name, res.key, res.frame, threshold), res.labels)
    except ValueError as exc:
        st.warning(f"{name.replace('_', ' ')}: {views.md_escape(exc)}")
        return None


@st.cache_data(show_spinner=False, max_entries=128)
def _findings(key: tuple, _frame: pd.DataFrame, threshold: float) -> list[str]:
    return stats.findings(_frame, threshold)


def findings(res: Results) -> list[str]:
    """:func:`compsem.stats.findings` at the view's threshold, cached; a ValueError becomes a warning."""
    try:
        return _findings(res.key, res.frame, res.threshold)
    except ValueError as exc:
        st.warning(f"findings: {views.md_escape(exc)}")
        return []


@st.cache_data(show_spinner=False, max_entries=128)
def _rates_ci(key: tuple, _frame: pd.DataFrame, threshold: float | None, n_resamples: int) -> pd.DataFrame:
    return stats.rates_with_ci(_frame, threshold, n_resamples=n_resamples)


def rates_with_ci(res: Results, calibrated: bool, n_resamples: int = 1000) -> pd.DataFrame | None:
    """Rate and mean per model x category with 95% bootstrap CIs, at the view's or each model's calibrated threshold."""
    try:
        return attach(_rates_ci(res.key, res.frame, None if calibrated else res.threshold, n_resamples), res.labels)
    except ValueError as exc:
        st.warning(f"Failure rates: {views.md_escape(exc)}")
        return None


@st.cache_data(show_spinner=False, max_entries=32)
def _curves_figure(key: tuple, _curves: pd.DataFrame, marks: tuple) -> go.Figure:
    from compsem import figures

    return figures.rate_curves(_curves, None, dict(marks))


@st.cache_resource(show_spinner=False, max_entries=16)
def _calibration_figure(key: tuple, _frame: pd.DataFrame, marks: tuple) -> go.Figure:
    # A resource, not data: thousands of hover texts make a copy per re-render cost more than the page's
    # budget, and the figure is only read (st.plotly_chart serializes it), never changed.
    from compsem import figures

    return figures.calibration(_frame, dict(marks), None)


def curves_figure(res: Results, curves: pd.DataFrame, threshold: float | None, marks: dict) -> go.Figure:
    """Failure rate vs threshold: built once per selection, the moving threshold line added per view."""
    from compsem import figures

    fig = _curves_figure(res.key, curves, tuple(sorted(marks.items())))
    return figures.add_threshold(fig, threshold, axis="x")


def calibration_figure(res: Results, marks: dict) -> go.Figure:
    """Raw vs normalized score per model with each model's calibrated threshold; built once per selection.

    The shared threshold is not drawn here: the figure is shared read-only between re-renders.
    """
    return _calibration_figure(res.key, res.frame, tuple(sorted(marks.items())))


@st.cache_data(show_spinner=False, max_entries=128)
def _effect_rows(key: tuple, _frame: pd.DataFrame, reference: str, rows: str) -> tuple[pd.DataFrame | None, str]:
    return stats.effect_rows(_frame, reference, rows)


def effect_rows(res: Results, reference: str, rows: str) -> tuple[pd.DataFrame | None, str]:
    """:func:`compsem.stats.effect_rows` for the view, cached; a ValueError becomes a warning and no table."""
    try:
        return _effect_rows(res.key, res.frame, reference, rows)
    except ValueError as exc:
        st.warning(f"effect sizes: {views.md_escape(exc)}")
        return None, views.reference_label(reference, res.labels)


def models_view(res: Results) -> pd.DataFrame:
    """The models in the results with kind, objective, availability and what their score means."""
    return views.models_view(list(dict.fromkeys(res.frame["model"])), data.model_resolutions())


@st.cache_data(show_spinner=False, max_entries=32)
def _study(key: tuple, _frame: pd.DataFrame) -> pd.DataFrame:
    from compsem.study import compare_with_study

    return compare_with_study(_frame)


def study_comparison(res: Results) -> pd.DataFrame:
    """The seed study's reported figures beside this view's (:func:`compsem.study.compare_with_study`)."""
    return _study(res.key, res.frame)


# -- downloads: computed when the button is pressed, not on every re-render ---------------------------
@st.cache_data(show_spinner=False, max_entries=64)
def _export_table(name: str, key: tuple, _frame: pd.DataFrame, threshold: float) -> str:
    try:
        return safe_csv(stats.build_table(name, _frame, threshold), index=False)
    except ValueError as exc:
        return f"# not available for this selection: {exc}\n"


def export_table(res: Results, name: str) -> Callable[[], str]:
    """A statistics table of :data:`compsem.stats.TABLES` as CSV text, computed when the download is asked for."""
    return lambda: _export_table(name, res.key, res.frame, res.threshold)


@st.cache_data(show_spinner=False, max_entries=16)
def _report(key: tuple, _frame: pd.DataFrame, thresholds: tuple[float, ...], meta: tuple) -> str:
    return report.render_report(_frame, list(thresholds), dict(meta))


def report_markdown(res: Results, view: View) -> Callable[[], str]:
    """The run's report.md (compsem.report), rendered when the download is asked for."""
    thresholds = tuple(dict.fromkeys([res.threshold, 0.5, 0.8]))
    meta = (("pairs_source", view.pairs_label), ("n_pairs", int(res.frame["pair_id"].nunique())),
            ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")), ("source", "compsem dashboard"))
    return lambda: _report(res.key, res.frame, thresholds, meta)


def pairs_csv(res: Results) -> Callable[[], str]:
    """The pair-level scores CSV (``all_pair_results.csv``), built when the download is asked for."""
    return lambda: pair_results_csv(res.frame)


__all__ = ["calibration_figure", "curves_figure", "effect_rows", "export_table", "findings", "models_view",
           "pairs_csv", "rates_with_ci", "report_markdown", "study_comparison", "table"]
