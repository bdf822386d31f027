"""The Findings page: the story of the results, from the problem to what fixes it, for presenting.

Every sentence, chart and example pair comes from :func:`compsem.analysis.story.story_findings` over the
view's analysis (:func:`compsem.app.tables.story`); nothing here computes a statistic.
"""

from __future__ import annotations

import streamlit as st

from compsem.analysis.story import rerank_finding
from compsem.analysis.story_parts import ExamplePair
from compsem.app import draw, reranking, share, sidebar, tables
from compsem.app.scores import scores
from compsem.app.views import md_escape
from compsem.data.categories import category_label
from compsem.data.glossary import jargon_in
from compsem.figures.story import finding_figure
from compsem.rerank import RerankResultsError
from compsem.stats.sample_size import thin_categories, thin_sample_note

CAPTION = (
    "What the numbers say, in the order to present them: the problem, why it happens, what fixes it and at "
    "what price. Every sentence is computed from the scores in view; each finding has one example pair from "
    "the pair set. Collapse the sidebar (‹‹) to present."
)


def explain(sentence: str) -> None:
    """A caption under a sentence that uses jargon (ROC-AUC, NDCG@10...): what each term means."""
    terms = jargon_in(sentence)
    if terms:
        st.caption(" ".join(md_escape(f"{t.name}: {t.meaning}") for t in terms))


def example(ex: ExamplePair, threshold: float, key: str) -> None:
    """The example pair as text, with each model's score side by side."""
    with st.container(border=True, key=key):
        st.caption(md_escape(f"Example pair {ex.pair_id} ({category_label(ex.category)}): {ex.rule}"))
        st.markdown("**A** " + md_escape(ex.sentence_a))
        st.markdown("**B** " + md_escape(ex.sentence_b))
        for col, (_model, label, score) in zip(st.columns(max(len(ex.scores), 2)), ex.scores):
            col.markdown(f"**{md_escape(label)}**")  # wraps, where a metric label would be cut
            col.metric(md_escape(label), f"{score:.3f}", label_visibility="collapsed")
            col.caption(
                f"{'≥' if score >= threshold else '<'} {threshold:g}: scores as "
                f"{'similar' if score >= threshold else 'different'}"
            )


def experiment(number: int) -> None:
    """The reranking lab's finding, from its saved evaluation (nothing when it has not been run)."""

    try:
        metrics, _points, _skipped, dataset = reranking.rerank_eval()
    except (RerankResultsError, OSError, ValueError):
        return  # the Reranking page explains how to run the evaluation
    finding = rerank_finding(metrics, dataset)
    if finding is None:
        return
    st.subheader(md_escape(f"{number}. {finding.title}"), anchor="finding-rerank")
    st.markdown(md_escape(finding.sentence))
    explain(finding.sentence)
    draw.chart(finding_figure(finding), "finding-rerank")
    st.caption(" ".join(finding.notes) + " See the Reranking page for the full table and latency.")


def render() -> None:
    view = sidebar.start("Findings", CAPTION)
    res = scores(view, prominent=True)
    found = tables.story(res)
    thin = thin_categories(res.frame)
    if thin:
        st.warning(md_escape(thin_sample_note(thin)))
    if "cross-encoder" not in set(res.frame["kind"]):
        st.info(
            "No cross-encoder is selected, so the story stops at the problem. Tick a cross-encoder in the "
            "sidebar (the trained MiniLM SICK-NLI model, for example) to see which objective fixes what."
        )
    if not found:
        st.info(
            "This selection has no adversarial category, so there is no story to tell. Select categories such "
            "as negation or entity swap in the sidebar."
        )
        st.stop()
    for i, finding in enumerate(found, 1):
        st.subheader(md_escape(f"{i}. {finding.title}"), anchor=f"finding-{finding.key}")
        st.markdown(md_escape(finding.sentence))
        explain(finding.sentence)
        draw.chart(finding_figure(finding), f"finding-{finding.key}")
        if finding.example is not None:
            example(finding.example, res.threshold, f"example-{finding.key}")
    experiment(len(found) + 1)
    st.divider()
    st.caption(
        "Take the story with you: one HTML file with these findings, the failure rates with CIs, the "
        "effect sizes and the distributions."
    )
    share.download_button(res, view, "w.dl_html_story")
