"""Overview: the headline failure rates, best and worst models, findings."""

import streamlit as st

from compsem import figures
from compsem.app import draw, scores, sidebar, tables, views

view = sidebar.start(
    "Overview",
    "Where cosine similarity breaks on compositional meaning changes — and whether "
    "cross-encoders fix it. Scores are computed on this machine's CPU and cached.",
)
res = scores.scores(view, prominent=True)
t = res.threshold

st.subheader(f"Failure rate per family and category at threshold {t:g}")
family = tables.table("family_rates", res)
if family is not None:
    draw.chart(figures.family_rate_heatmap(family, t), "overview-families")
    st.caption(
        "Mean over each family's models of the share of pairs scoring ≥ threshold, as in the study's "
        "section 4.4. For positive controls the share is a pass rate (higher is better)."
    )

st.subheader("Findings")
for sentence in tables.findings(res):
    st.markdown("- " + views.md_escape(sentence))

st.subheader("Best and worst model per category")
best = tables.table("best_and_worst", res)
if best is not None:
    st.dataframe(views.best_worst_view(best), hide_index=True, key="w.best_worst")

with st.expander("Models in this view"):
    st.dataframe(tables.models_view(res), hide_index=True, key="w.models_table")
