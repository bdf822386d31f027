"""The dashboard's "one file to share": the standalone HTML report of the current view."""

from __future__ import annotations

import time

import streamlit as st

from compsem import report
from compsem.app.scores import Results
from compsem.app.sidebar import View
from compsem.html_report import RunData, render_html


@st.cache_data(show_spinner="Building the HTML report…", max_entries=8)
def _html(key: tuple, _frame, thresholds: tuple[float, ...], meta: tuple) -> str:
    summary = report.build_summary(_frame, list(thresholds), dict(meta))
    comparison = report.build_comparison(_frame)
    return render_html(RunData(_frame, summary, comparison), "compsem report")


def html_report(res: Results, view: View):
    """A callable returning the report's HTML, built from the view's cached scores when the button is pressed.

    The same summary and comparison as ``compsem run`` writes, at the view's threshold and 0.8.
    """
    thresholds = tuple(dict.fromkeys([res.threshold, 0.8]))
    meta = (("pairs_source", view.pairs_label), ("n_pairs", int(res.frame["pair_id"].nunique())),
            ("thresholds", list(thresholds)), ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
            ("source", "compsem dashboard"))
    return lambda: _html(res.key, res.frame, thresholds, tuple((k, tuple(v) if isinstance(v, list) else v)
                                                                for k, v in meta))


def download_button(res: Results, view: View, key: str) -> None:
    """The download button of the standalone report (works offline: plotly.js is inside the file)."""
    st.download_button("Standalone HTML report (opens offline, interactive charts)", html_report(res, view),
                       "compsem-report.html", mime="text/html", key=key,
                       help="Findings, failure rates with CIs, effect sizes and distributions in one file that "
                            "needs no Python, no server and no internet.")
