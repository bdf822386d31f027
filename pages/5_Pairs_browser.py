"""Pairs browser: every pair with each model's score; searched, sorted and paged on the server; CSV download."""

import streamlit as st

from compsem.analysis.browse import page_of
from compsem.app import draw, scores, sidebar, state, tables, views
from compsem.data.csv_safety import safe_csv

view = sidebar.start(
    "Pairs browser",
    "One row per pair with every model's score. 'disagreement' is the "
    "highest minus the lowest score the models gave the pair.",
)
res = scores.scores(view)
table = tables.pair_rows(res, "", "")  # every pair, kept and shared (no per-run copy of a large table)
left, right = st.columns([2, 1])
with left:
    query = state.text_input("Search sentences and ids", "q")
with right:
    sort = state.selectbox("Sort by", "sort", views.pair_sort_options(table), "disagreement")
shown = tables.pair_rows(res, query, sort)
page = page_of(shown, st.session_state.get("w.pairs_page", 1))
st.session_state["w.pairs_page"] = page.page  # clamped: a narrower search has fewer pages
st.dataframe(
    page.rows,
    hide_index=True,
    key="w.pairs_table",
    column_config=draw.pair_columns(page.rows),
    column_order=views.pair_column_order(page.rows),
)
st.number_input("Page", 1, page.pages, key="w.pairs_page", help=f"{page.page_size} rows a page")
st.caption(f"{page.caption} · {len(shown):,} of {len(table):,} pairs match")
draw.csv_download(
    f"Download the {len(shown):,} matching rows (CSV)",
    lambda: safe_csv(shown, index=False),
    "compsem-pairs.csv",
    "w.pairs_csv",
)
