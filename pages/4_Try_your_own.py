"""Try your own: score a sentence pair with every selected model, both orders, plus one-click variants."""

import streamlit as st

from compsem import dashboard, figures
from compsem.variants import all_variants

view = dashboard.start("Try your own", "Type two sentences; every selected model scores them. Cross-encoders read "
                                       "the pair in both orders, so their asymmetry shows.")
a = dashboard.text_area("Sentence A", "a", "The patient has diabetes.", url=True)
b = dashboard.text_area("Sentence B", "b", "The patient does not have diabetes.", url=True)

st.caption("One-click variants of sentence A (the edit becomes sentence B):")
variants = all_variants(a)
for column, variant in zip(st.columns(len(variants)), variants):
    column.button(variant.label, key=f"w.variant.{variant.label}", disabled=not variant.text,
                  on_click=dashboard.set_value, args=("b", variant.text), width="stretch",
                  help=dashboard.md_escape(variant.text or variant.error))

if not view.models:
    st.warning("Select at least one model in the sidebar.")
    st.stop()
try:
    with st.spinner("Scoring (the first time loads each model)…"):
        table, problems = dashboard.score_text(a, b, view.models, view.labels, view.threshold)
except ValueError as exc:
    st.error(f"Cannot score this pair: {dashboard.md_escape(exc)}")
    st.stop()
for model, why in problems.items():
    st.warning(f"{view.labels.get(model, model)} cannot score free text: {dashboard.md_escape(why)}")
if table.empty:
    st.stop()
dashboard.chart(figures.text_pair_bars(table, view.threshold), "try-your-own")
st.dataframe(dashboard.text_scores_view(table), hide_index=True, key="w.try_table")

if dashboard.toggle("Compare every variant of A at once", "sweep"):
    edits = [(v.label, v.text) for v in variants if v.text]
    sweep = dashboard.score_variants(a, edits, view.models, view.labels)
    if not sweep.empty:
        dashboard.chart(figures.variant_heatmap(sweep), "variants")
        st.dataframe(sweep.drop_duplicates("variant")[["variant", "edited"]], hide_index=True, key="w.variants")
