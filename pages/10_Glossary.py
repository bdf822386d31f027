"""Glossary: every term the dashboard uses, one name per concept (the words come from compsem.data.glossary)."""

import streamlit as st

from compsem.app import sidebar
from compsem.data.glossary import glossary_table

sidebar.setup_page("Glossary")
st.title("Glossary")
st.caption(
    "Every term the pages use, in one place; hover the ⓘ next to a control or a column for the same words. "
    "'Also called' lists other names you may meet for the same thing."
)
table = glossary_table()
for group in dict.fromkeys(table["group"]):
    st.subheader(group.capitalize())
    st.dataframe(
        table[table["group"] == group].drop(columns="group"),
        hide_index=True,
        key=f"w.glossary.{group}",
        column_config={"meaning": st.column_config.TextColumn("meaning", width="large")},
    )
