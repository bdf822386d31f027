"""Overview: the headline failure rates, best and worst models, findings."""

import streamlit as st

from compsem import dashboard, figures

view = dashboard.start("Overview", "Where cosine similarity breaks on compositional meaning changes — and whether "
                                   "cross-encoders fix it. Scores are computed on this machine's CPU and cached.")
res = dashboard.scores(view, prominent=True)
t = res.threshold

st.subheader(f"Failure rate per family and category at threshold {t:g}")
family = dashboard.stat("family_failure_rates", res, t)
if family is not None:
    dashboard.chart(figures.family_rate_heatmap(family, t), "overview-families")
    st.caption("Mean over each family's models of the share of pairs scoring ≥ threshold, as in the study's "
               "section 4.4. For positive controls the share is a pass rate (higher is better).")

st.subheader("Findings")
for sentence in dashboard.stat("findings", res, t) or []:
    st.markdown("- " + dashboard.md_escape(sentence))

st.subheader("Best and worst model per category")
best = dashboard.stat("best_and_worst", res, t)
if best is not None:
    st.dataframe(dashboard.best_worst_view(best, res.labels), hide_index=True, key="w.best_worst")

with st.expander("Models in this view"):
    st.dataframe(dashboard.models_view(res), hide_index=True, key="w.models_table")
