"""Exports: pair-level scores, every statistics table, and the run's report."""

import streamlit as st

from compsem import analysis
from compsem.app import draw, scores, share, sidebar, tables

view = sidebar.start(
    "Exports",
    "Everything behind this view as files, computed when you click. Charts download "
    "as PNG from their toolbar (camera icon).",
)
res = scores.scores(view)
st.subheader("Scores and report")
draw.csv_download(
    "Pair-level scores (all_pair_results.csv)", tables.pairs_csv(res), "all_pair_results.csv", "w.dl_pairs"
)
st.download_button(
    "Report (report.md)", tables.report_markdown(res, view), "report.md", mime="text/markdown", key="w.dl_report"
)
share.download_button(res, view, "w.dl_html")
st.subheader(f"Statistics tables (threshold {res.threshold:g}; rates also at 0.5 and 0.8)")
for name in analysis.export_names():
    draw.csv_download(f"{name}.csv", tables.export_table(res, name), f"{name}.csv", f"w.dl_{name}")
