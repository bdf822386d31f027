"""Failure rates: model x category at a threshold (or each model's calibrated one), curves, calibration."""

import streamlit as st

from compsem import figures
from compsem.app import draw, scores, sidebar, state, tables, views
from compsem.data.glossary import help_text

view = sidebar.start(
    "Failure rates",
    "Share of pairs scoring at or above the threshold: a failure rate for "
    "categories a good model scores low, a pass rate for positive controls.",
)
res = scores.scores(view)
threshold = state.threshold_slider("Threshold (0-1)", place="page")
st.caption(help_text("failure rate") + " " + help_text("pass rate") + " See the Glossary page for every term.")
calibrated = state.toggle(
    "Use each model's calibrated threshold",
    "calibrated",
    help=help_text("calibrated threshold", "Youden J"),
)
table = tables.rates_with_ci(res, calibrated)
if table is not None:
    title = "each model's calibrated threshold" if calibrated else f"threshold {threshold:g}"
    draw.chart(figures.rate_heatmap(table, title=f"Share of pairs ≥ {title}, with 95% bootstrap CI"), "failure-rates")
    st.dataframe(views.rate_ci_view(table), key="w.rates_table", hide_index=True)

cal = tables.table("calibrated_thresholds", res)
marks = views.calibrated_map(cal)
curves = tables.table("rate_curves", res)
if curves is not None:
    draw.chart(tables.curves_figure(res, curves, None if calibrated else threshold, marks), "failure-rate-curves")

st.subheader("Calibration: why one threshold does not fit all models")
st.caption(
    "A cosine, a sigmoid probability and a similarity regression all land on 0-1, but not with the same "
    "meaning. Each panel plots a model's raw output against its normalized score; the dotted line is the "
    "threshold that best separates that model's paraphrases from its unrelated and near-miss pairs."
)
draw.chart(tables.calibration_figure(res, marks), "calibration")
drawn = tables.plot_sample(res)
if drawn.note:
    st.caption(drawn.note)
if cal is not None:
    st.dataframe(views.calibration_view(cal), hide_index=True, key="w.calibration_table")
