"""Study vs reproduction: the seed study's reported figures beside what compsem measured."""

import streamlit as st

from compsem import figures
from compsem.analysis import study
from compsem.app import draw, scores, sidebar, state, tables, views
from compsem.data.labels import attach

view = sidebar.start(
    "Study vs reproduction",
    "Figures reported by the study (sections 4.1-4.4, marked "
    "'reported') beside this run's, for the same models and categories.",
)
res = scores.scores(view)
st.info("**About the study's STS-B normalization.** " + study.NORMALIZATION_NOTE)
comparison = tables.study_comparison(res)
only = state.toggle("Only figures this run can measure", "measured_only", default=True)
section = state.selectbox(
    "Section",
    "section",
    ["all", "4.1", "4.2", "4.3", "4.4"],
    "all",
    format_func=lambda s: "all sections" if s == "all" else f"section {s}",
)
shown = views.study_view(attach(comparison, res.labels), only, section)  # the download keeps the plain table
if shown.empty:
    st.info(
        "This run has none of the study's models or families in the selected section. The study's models "
        "need the Hugging Face hub; the bi-encoder figures compare with all-MiniLM-L6-v2, which runs offline."
    )
else:
    draw.chart(figures.study_scatter(comparison[comparison.index.isin(shown.index)], res.labels), "study-vs-run")
st.dataframe(shown, hide_index=True, key="w.study_table")
draw.csv_download("Download the comparison (CSV)", comparison, "compsem-study-comparison.csv", "w.study_csv")
