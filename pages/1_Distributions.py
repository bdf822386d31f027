"""Distributions: per-category score distributions per model; hover a point for its pair."""

import streamlit as st

from compsem import figures
from compsem.app import draw, scores, sidebar, state, tables, views
from compsem.figures import facets

view = sidebar.start(
    "Distributions",
    "Every point is one sentence pair; hover it to read the pair and its "
    "raw score. Each model keeps its colour on every page; control "
    "categories are marked (control), for reference.",
)
res = scores.scores(view)
drawn = tables.plot_sample(res)  # a large run: a stated sample of whole pairs
layout = state.radio(
    "One panel per",
    "facet",
    ["category", "model", "all"],
    "category",
    format_func=lambda v: {"all": "none (all in one chart)"}.get(v, v),
)
if layout == "all":
    shape = state.radio("Chart", "shape", ["box", "violin"], "box", format_func=str.capitalize)
    draw.chart(figures.distributions(drawn.frame, res.threshold, kind=shape), "distributions")
else:
    draw.chart(facets.distribution_facets(drawn.frame, res.threshold, by=layout), "distributions")
if drawn.note:
    st.caption(drawn.note)

st.subheader("Mean ± SD per model and category")
desc = tables.table("describe_scores", res)
if desc is not None:
    st.dataframe(views.mean_sd_view(desc), key="w.describe")
