"""Reranking lab: a first stage over the built-in corpus or your documents, a cross-encoder over its top K,
and the saved evaluation (metrics table, quality vs latency)."""

import streamlit as st

from compsem import figures, rerank
from compsem.app import draw, reranking, sidebar, state, views
from compsem.data.glossary import help_text

view = sidebar.start(
    "Reranking",
    "A first stage (BM25, the MiniLM bi-encoder, or both fused) finds K candidates; "
    "a cross-encoder reads each (query, document) pair and re-orders them. The "
    "sidebar's pair set, models and threshold do not apply here.",
)

st.subheader("Try a query")
mode = state.radio(
    "Documents", "rr_mode", list(reranking.RERANK_MODES), "corpus", format_func=reranking.RERANK_MODES.get
)
query = state.text_input("Query", "rr_q", reranking.RERANK_EXAMPLE_QUERY)
pasted = ""
if mode == "paste":
    # the pasted documents stay in the session only: they are too long for a link
    pasted = state.text_area(
        f"Your documents, one per line (at most {rerank.MAX_PASTED_DOCS} lines of {rerank.MAX_DOC_CHARS:,} characters)",
        "rr_docs",
        reranking.RERANK_EXAMPLE_DOCS,
        url=False,
        height=200,
    )

available, unavailable = reranking.reranker_choices()
left, middle, right = st.columns(3)
with left:
    stage = state.selectbox("First stage", "rr_stage", rerank.FIRST_STAGES, "bm25", format_func=rerank.STAGE_LABELS.get)
with middle:
    k = int(state.selectbox("K: candidates the reranker reads", "rr_k", reranking.RERANK_KS, "10"))
with right:
    reranker = state.selectbox(
        "Reranker",
        "rr_model",
        [*available, reranking.RERANK_NONE],
        available[0] if available else reranking.RERANK_NONE,
        format_func=lambda key: (
            "none (first stage only)" if key == reranking.RERANK_NONE else view.labels.get(key, key)
        ),
    )
if not available:
    st.info(
        "No cross-encoder can rerank new text on this machine, so only the first stage is shown. Train one "
        "(a few minutes to an hour on a CPU) and it appears here: `compsem train --objective sick-nli` "
        "(or `stsb`, `mrpc`, `sick-relatedness`); the model list refreshes every five minutes."
    )
if unavailable:
    with st.expander(f"Cross-encoders that cannot rerank here ({len(unavailable)})"):
        for key, why in unavailable.items():
            st.markdown(f"- **{views.md_escape(view.labels.get(key, key))}**: {views.md_escape(why)}")

try:
    docs, source = reranking.rerank_documents(mode, pasted)
    with st.spinner("Ranking (the first time loads the models and indexes the documents)…"):
        table = reranking.rank_query(query, docs, stage, k, reranker, view.backend, view.device, view.dtype)
except ValueError as exc:
    st.error(f"Cannot rank: {views.md_escape(exc)}")
else:
    first, reranked = rerank.side_by_side(table)
    st.caption(
        f"{views.md_escape(source)} · top {len(first)} by {rerank.STAGE_LABELS[stage]}. Rank change: "
        "▲ moved up, ▼ moved down, 'new': entered the top 10 from below it. Scores of the two lists are on "
        "different scales (first stage: BM25, cosine or fused rank score; reranker: its relevance score)."
    )
    cols = st.columns(2 if reranked is not None else 1)
    with cols[0]:
        st.markdown(f"**First stage: {rerank.STAGE_LABELS[stage]}**")
        st.dataframe(
            first,
            hide_index=True,
            key="w.rr_first",
            column_config={
                "score": st.column_config.NumberColumn("score", format="%.4f", help=reranking.RERANK_SCORE_HELP[stage]),
                "document": st.column_config.TextColumn("document", width="large"),
            },
        )
    if reranked is not None:
        with cols[1]:
            st.markdown(f"**Reranked by {views.md_escape(view.labels.get(reranker, reranker))}**")
            st.dataframe(
                reranked,
                hide_index=True,
                key="w.rr_reranked",
                column_config={
                    "score": st.column_config.NumberColumn(
                        "score", format="%.4f", help=reranking.RERANK_SCORE_HELP["reranker"]
                    ),
                    "was": st.column_config.NumberColumn("was", help="rank in the first-stage list"),
                    "document": st.column_config.TextColumn("document", width="large"),
                },
            )

st.subheader("Evaluation: first stage vs first stage + reranker")
folder = rerank.default_results_dir()
try:
    metrics, points, skipped, dataset = reranking.rerank_eval(folder)
except rerank.RerankResultsMissing:
    st.info(
        f"No saved evaluation yet in {views.md_escape(folder)}. Create it (it scores a few hundred queries "
        f"on the CPU) with `{rerank.RESULTS_COMMAND}`; this section then shows the metrics table and the "
        "quality-vs-latency plot."
    )
except rerank.RerankResultsError as exc:
    st.error(f"The saved evaluation could not be read: {views.md_escape(exc)}")
else:
    st.caption(
        views.md_escape(dataset) + ". Recall@K of a reranked row is its first stage's: reranking "
        "re-orders the K candidates and cannot add one."
    )
    note = reranking.rerank_fusion_note(folder)
    if note:
        st.caption(views.md_escape(note))
    for key, why in skipped.items():
        st.warning(f"{views.md_escape(view.labels.get(key, key))} was not evaluated: {views.md_escape(why)}")
    st.dataframe(
        metrics,
        hide_index=True,
        key="w.rr_metrics",
        column_config={
            **{
                c: st.column_config.NumberColumn(c, format="%.3f", help=help_text(c.replace("Δ ", "")))
                for c in ("NDCG@10", "MRR@10", "Recall@K", "Δ NDCG@10")
            },
            "weight": st.column_config.NumberColumn("weight", format="%.2f", help="reranker share w, chosen on TRIAL"),
        },
    )
    if points.empty:
        st.info("latency.csv has no timing that matches these systems, so there is no quality-vs-latency plot.")
    else:
        pct = state.radio(
            "Latency on the x axis", "rr_lat", ["p50", "p95"], "p50", format_func=lambda p: f"{p} (per query)"
        )
        shown = state.radio(
            "Reranked systems",
            "rr_fusion",
            list(reranking.RERANK_CHART_FUSION),
            "all",
            format_func=reranking.RERANK_CHART_FUSION.get,
        )
        draw.chart(figures.rerank_quality_latency(reranking.chart_points(points, shown), pct), "rerank-quality-latency")
        st.caption(
            "One query at a time on this machine's CPU, cross-encoder scores not cached; each point is "
            "the first stage and the reranker (and the fusion step, for fused systems) timed together per query."
        )
