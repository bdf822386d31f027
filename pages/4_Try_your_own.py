"""Try your own: score a sentence pair with every selected model, both orders, plus one-click variants."""

import streamlit as st

from compsem import figures
from compsem.analysis.free_text import PAIR_KINDS
from compsem.app import data, draw, sidebar, state, views
from compsem.data.variants import all_variants

view = sidebar.start(
    "Try your own",
    "Type two sentences; every selected model scores them. Cross-encoders read "
    "the pair in both orders, so their asymmetry shows.",
)
a = state.text_area("Sentence A", "a", "The patient has diabetes.", url=True)
b = state.text_area("Sentence B", "b", "The patient does not have diabetes.", url=True)

st.caption("One-click variants of sentence A (the edit becomes sentence B):")
variants = all_variants(a)
for column, variant in zip(st.columns(len(variants)), variants):
    column.button(
        variant.label,
        key=f"w.variant.{variant.label}",
        disabled=not variant.text,
        on_click=state.set_values,
        args=({"b": variant.text, "pair_kind": "edit"},),
        width="stretch",
        help=views.md_escape(variant.text or variant.error),
    )

kind = state.radio(
    "What is sentence B to sentence A?",
    "pair_kind",
    list(PAIR_KINDS),
    "edit",
    format_func=lambda k: PAIR_KINDS[k].label,
)
if not view.models:
    st.warning("Select at least one model in the sidebar.")
    st.stop()
runtime = {"backend": view.backend, "device": view.device, "dtype": view.dtype}  # what scores, and its cache key
try:
    with st.spinner("Scoring (the first time loads each model)…"):
        table, problems = data.score_text(a, b, view.models, view.threshold, kind, **runtime)
except ValueError as exc:
    st.error(f"Cannot score this pair: {views.md_escape(exc)}")
    st.stop()
for model, why in problems.items():
    st.warning(f"{view.labels.get(model, model)} cannot score free text: {views.md_escape(why)}")
if table.empty:
    st.stop()
for label, warning in zip(table["label"], table["warning"]):
    if warning:  # the model read only the beginning of the text (compsem.models.truncation)
        st.warning(f"{views.md_escape(label)}: {views.md_escape(warning)}")
draw.chart(figures.text_pair_bars(table, view.threshold), "try-your-own")
raw = state.toggle(
    "Show raw model outputs",
    "raw",
    help="Before normalization: a cosine (-1 to 1) for bi-encoders, a logit or a 0-5 rating for some "
    "cross-encoders. Each is mapped to the 0-1 score the chart shows; the last column says how.",
)
st.dataframe(views.text_scores_view(table, raw), hide_index=True, key="w.try_table")

if state.toggle("Compare every variant of A at once", "sweep"):
    edits = [(v.label, v.text) for v in variants if v.text]
    sweep = data.score_variants(a, edits, view.models, **runtime)
    if not sweep.empty:
        draw.chart(figures.variant_heatmap(sweep), "variants")
        st.dataframe(sweep.drop_duplicates("variant")[["variant", "edited"]], hide_index=True, key="w.variants")
