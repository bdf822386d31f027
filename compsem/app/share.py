"""The dashboard's "one file to share": the standalone HTML report of the current view."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from compsem.analysis import Analysis
from compsem.analysis.story import rerank_finding
from compsem.analysis.story_parts import Finding
from compsem.app import reranking, tables
from compsem.app.scores import Results
from compsem.app.sidebar import View
from compsem.reports.html import render_html
from compsem.reports.markdown import comparison_dict, summary_dict
from compsem.reports.run_folder import RunData
from compsem.rerank import RerankResultsError


@st.cache_data(show_spinner="Building the HTML report…", max_entries=8)
def _html(key: tuple, _frame: pd.DataFrame, _analysis: Analysis, thresholds: tuple[float, ...], meta: tuple) -> str:
    summary = summary_dict(_analysis, dict(meta))
    run = RunData(_frame, summary, comparison_dict(_analysis.comparisons))
    return render_html(run, "compsem report", extra_findings=_rerank_findings())


def _rerank_findings() -> list[Finding]:
    """The reranking lab's finding (as on the Findings page), when its evaluation has been saved."""
    try:
        metrics, _points, _skipped, dataset = reranking.rerank_eval()
    except (RerankResultsError, OSError, ValueError):
        return []
    found = rerank_finding(metrics, dataset)
    return [found] if found is not None else []


def html_report(res: Results, view: View) -> Callable[[], str]:
    """A callable returning the report's HTML, built from the view's analysis when the button is pressed.

    The same summary and comparison as ``compsem run`` writes, at the view's threshold and 0.8.
    """
    thresholds = tuple(dict.fromkeys([res.threshold, 0.8]))
    meta = (
        ("pairs_source", view.pairs_label),
        ("n_pairs", int(res.frame["pair_id"].nunique())),
        ("thresholds", thresholds),
        ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
        ("source", "compsem dashboard"),
    )
    return lambda: _html(res.key, res.frame, tables.analysis(res, thresholds), thresholds, meta)


def download_button(res: Results, view: View, key: str) -> None:
    """The download button of the standalone report (works offline: plotly.js is inside the file)."""
    st.download_button(
        "Standalone HTML report (opens offline, interactive charts)",
        html_report(res, view),
        "compsem-report.html",
        mime="text/html",
        key=key,
        help="Findings, failure rates with CIs, effect sizes and distributions in one file that "
        "needs no Python, no server and no internet.",
    )
