"""Distributions: per-category score distributions per model; hover a point for its pair."""

import streamlit as st

from compsem import dashboard, figures

view = dashboard.start("Distributions", "Every point is one sentence pair; hover it to read the pair and its "
                                        "raw score. Shaded columns are control categories, for reference.")
res = dashboard.scores(view)
shape = dashboard.radio("Chart", "shape", ["box", "violin"], "box", format_func=str.capitalize)
dashboard.chart(figures.distributions(res.frame, res.threshold, res.labels, kind=shape), "distributions")

st.subheader("Mean ± SD per model and category")
desc = dashboard.stat("describe_scores", res)
if desc is not None:
    st.dataframe(dashboard.mean_sd_view(desc, res.labels), key="w.describe")
