"""Does the objective, the data or the size matter? The backbone × objective grid of `compsem train` adapters."""

import streamlit as st

from compsem import figures, stats
from compsem.analysis import grid
from compsem.analysis import objective_comparison as objectives
from compsem.app import draw, sidebar, state, views
from compsem.app import objective_page as trained
from compsem.models.backbones import BACKBONES

view = sidebar.start(
    "Does the objective matter?",
    "Backbones (MiniLM-L6, MPNet-base) × training objectives (`compsem train`), plus objectives trained with "
    "minimal-edit hard negatives: each cross-encoder beside the bi-encoder it started from, per category. This "
    "page always shows these models, whatever the sidebar's model selection; its pair set, categories and "
    "threshold apply.",
)

cards, card_error = trained.trained_cards()
if card_error:
    st.error("A model card could not be read, so the held-out metrics are not shown: " + views.md_escape(card_error))
labels = objectives.objective_labels(cards)

availability = trained.objective_availability()
absent = availability[~availability["status"].isin(["packaged", "local"])]
if len(absent):
    st.warning(
        "No usable adapter for "
        + ", ".join(absent["objective"])
        + ". Train them with "
        + "; ".join(f"`{objectives.train_command(o)}`" for o in absent["objective"])
        + " — the dashboard then scores the pairs (adapters go to cache/models/)."
    )

models = trained.objective_models()
res = trained.objective_scores(view, models)

with st.container(border=True):
    st.caption("Chart controls")
    left, right = st.columns(2)
    with left:
        statistic = state.radio(
            "Bars show",
            "obj_stat",
            ["mean", "rate"],
            "mean",
            format_func=lambda s: "mean score" if s == "mean" else "share of pairs ≥ threshold",
        )
    with right:
        threshold = state.threshold_slider("Threshold (0-1)", place="page")

grid_table = trained.objective_table(res)
if grid_table is None:
    st.stop()
cells = trained.usable_cells()
backbones = list(dict.fromkeys(grid_table["backbone"]))
backbone = backbones[0]
if len(backbones) > 1:
    backbone = state.radio(
        "Backbone in the chart", "obj_backbone", backbones, backbones[0], format_func=lambda b: BACKBONES[b].label
    )
table = grid_table[grid_table["backbone"] == backbone].reset_index(drop=True)
draw.chart(figures.objective_bars(table, statistic, threshold, labels), "objectives")
st.caption(
    "Hatched: the bi-encoder reference. Error bars: 95% percentile-bootstrap intervals. Each model's score "
    "has its own meaning (a cosine for the bi-encoder, a probability or a scaled rating for the cross-encoders; "
    "see below), so compare how each model ranks categories and its Cohen's d, not raw means across models. "
    "Shaded: control categories."
)

st.subheader("Findings")
sentences = stats.objective_findings(table, labels, threshold)
if not sentences:
    st.info("No trained model has scores for this pair set, so there is nothing to compare with the bi-encoder yet.")
for sentence in sentences:
    st.markdown("- " + views.md_escape(sentence))

if len(backbones) > 1 or any(c.augment for c in cells):
    st.subheader("Does data or size fix it?")
    draw.chart(
        figures.rate_heatmap(
            grid_table.assign(threshold=threshold),
            grid.grid_labels(cells),
            f"Backbone × objective grid: share of pairs ≥ {threshold:g} (95% CI)",
        ),
        "grid",
    )
    for sentence in grid.grid_findings(grid_table, cells, threshold):
        st.markdown(views.md_escape(sentence))
    st.caption(
        f"Fixed: the failure rate falls by at least {grid.MIN_DROP:.0%} and the 95% intervals do not overlap; "
        "worse: the mirror image. The paraphrase pass rate shows what a fix costs."
    )

st.subheader(f"Per category: mean, share ≥ {threshold:g} and Cohen's d against the bi-encoder")
share = f"share ≥ {threshold:g}"
st.dataframe(
    grid.grid_view(grid_table, labels, threshold),
    hide_index=True,
    key="w.objectives_table",
    column_config={share: st.column_config.NumberColumn(share, format="percent")},
)
st.caption(
    "Cohen's d of each model's scores against its own backbone's bi-encoder in the same category (negative: it "
    "scores lower). Holm p: Mann-Whitney p-value, Holm-corrected over the categories of each model."
)
draw.csv_download("Download this table (CSV)", grid_table, "compsem-objectives.csv", "w.objectives_csv")

st.subheader("Held-out metrics (from the model cards)")
if cards:
    st.dataframe(views.display_names(objectives.held_out_table(cards), view.labels), hide_index=True, key="w.held_out")
    st.caption("Test splits, scored once after training; the dev splits chose the settings, so they are not shown.")
    st.dataframe(
        views.display_names(objectives.score_meanings(cards), view.labels), hide_index=True, key="w.score_meanings"
    )
elif not card_error:
    st.info(
        "No trained model has a card yet. Train one with `compsem train --objective "
        + "{"
        + ",".join(objectives.OBJECTIVE_ORDER)
        + "}`."
    )

with st.expander("Where each model's scores come from"):
    st.dataframe(views.display_names(availability, view.labels), hide_index=True, key="w.objective_sources")
