"""Pairs browser: every pair with each model's score; sort by disagreement; CSV download."""

import streamlit as st

from compsem.app import draw, scores, sidebar, state, tables, views

view = sidebar.start(
    "Pairs browser",
    "One row per pair with every model's score. 'disagreement' is the "
    "highest minus the lowest score the models gave the pair.",
)
res = scores.scores(view)
table = tables.pair_table(res)
left, right = st.columns([2, 1])
with left:
    query = state.text_input("Search sentences and ids", "q")
with right:
    sort = state.selectbox("Sort by", "sort", views.pair_sort_options(table), "disagreement")
shown = views.filter_pairs(table, query, sort)
st.caption(f"{len(shown)} of {len(table)} pairs")
st.dataframe(
    shown,
    hide_index=True,
    key="w.pairs_table",
    column_config=draw.pair_columns(shown),
    column_order=views.pair_column_order(shown),
)
draw.csv_download("Download these rows (CSV)", shown, "compsem-pairs.csv", "w.pairs_csv")
