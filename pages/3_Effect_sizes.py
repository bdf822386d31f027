"""Effect sizes: Cohen's d per model or family and category against a chosen reference."""

import streamlit as st

from compsem import figures
from compsem.app import draw, scores, sidebar, state, tables, views
from compsem.data.glossary import help_text

view = sidebar.start(
    "Effect sizes",
    "Cohen's d of each model's (or family's) scores against a reference, per "
    "category; * marks Mann-Whitney p < 0.05 after Holm correction.",
)
res = scores.scores(view)
options = views.reference_options(res.frame)
names = res.labels
left, right = st.columns(2)
with left:
    reference = state.selectbox(
        "Reference", "ref", options, options[0], format_func=lambda o: views.reference_label(o, names)
    )
with right:
    rows = state.radio("Rows", "rows", ["model", "family"], "model", format_func=lambda r: f"per {r}")
table, what = tables.effect_rows(res, reference, rows)
if table is None or table.empty:
    st.info("Nothing to compare: the reference holds every selected model. Pick another reference or add models.")
    st.stop()
draw.chart(figures.effect_size_heatmap(table, what), "effect-sizes")
st.caption(help_text("Cohen's d") + " " + help_text("Holm correction"))
st.dataframe(views.effect_view(table), hide_index=True, key="w.effect_table")
