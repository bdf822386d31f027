"""Pairs browser: every pair with each model's score; sort by disagreement; CSV download."""

import streamlit as st

from compsem import dashboard

view = dashboard.start("Pairs browser", "One row per pair with every model's score. 'disagreement' is the "
                                        "highest minus the lowest score the models gave the pair.")
res = dashboard.scores(view)
table = dashboard.pair_table(res)
left, right = st.columns([2, 1])
with left:
    query = dashboard.text_input("Search sentences and ids", "q")
with right:
    sort = dashboard.selectbox("Sort by", "sort", dashboard.pair_sort_options(table), "disagreement")
shown = dashboard.filter_pairs(table, query, sort)
st.caption(f"{len(shown)} of {len(table)} pairs")
st.dataframe(shown, hide_index=True, key="w.pairs_table", column_config=dashboard.pair_columns(shown))
dashboard.csv_download("Download these rows (CSV)", shown, "compsem-pairs.csv", "w.pairs_csv")
