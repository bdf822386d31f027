"""Effect sizes: Cohen's d per model or family and category against a chosen reference."""

import streamlit as st

from compsem import dashboard, figures

view = dashboard.start("Effect sizes", "Cohen's d of each model's (or family's) scores against a reference, per "
                                       "category; * marks Mann-Whitney p < 0.05 after Holm correction.")
res = dashboard.scores(view)
options = dashboard.reference_options(res)
left, right = st.columns(2)
with left:
    reference = dashboard.selectbox("Reference", "ref", options, options[0],
                                    format_func=lambda o: dashboard.reference_label(res, o))
with right:
    rows = dashboard.radio("Rows", "rows", ["model", "family"], "model", format_func=lambda r: f"per {r}")
table, what = dashboard.effect_rows(res, reference, rows)
if table is None or table.empty:
    st.info("Nothing to compare: the reference holds every selected model. Pick another reference or add models.")
    st.stop()
dashboard.chart(figures.effect_size_heatmap(table, what), "effect-sizes")
st.dataframe(dashboard.effect_view(table), hide_index=True, key="w.effect_table")
