"""Exports: pair-level scores, every statistics table, and the run's report."""

import streamlit as st

from compsem import dashboard
from compsem.app import share

view = dashboard.start("Exports", "Everything behind this view as files, computed when you click. Charts download "
                                  "as PNG from their toolbar (camera icon).")
res = dashboard.scores(view)
st.subheader("Scores and report")
dashboard.csv_download("Pair-level scores (all_pair_results.csv)", dashboard.pairs_csv(res), "all_pair_results.csv",
                       "w.dl_pairs")
st.download_button("Report (report.md)", dashboard.report_markdown(res, view), "report.md", mime="text/markdown",
                   key="w.dl_report")
share.download_button(res, view, "w.dl_html")
st.subheader(f"Statistics tables (threshold {res.threshold:g}; rates also at 0.5 and 0.8)")
for name in dashboard.EXPORTS:
    dashboard.csv_download(f"{name}.csv", dashboard.export_table(res, name), f"{name}.csv", f"w.dl_{name}")
