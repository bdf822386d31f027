"""The Findings page: the story of the results, from the problem to what fixes it, for presenting.

Every sentence, chart and example pair comes from :func:`compsem.analysis.story.story_findings` over the
view's analysis (:func:`compsem.app.tables.story`); nothing here computes a statistic.
"""

from __future__ import annotations

import streamlit as st

from compsem.analysis.recipes_story import CHANGE_RULE, RECIPE_AUGMENT, RECIPES_TITLE
from compsem.analysis.story import rerank_finding
from compsem.analysis.story_parts import ExamplePair
from compsem.app import draw, reranking, share, sidebar, tables
from compsem.app.scores import scores
from compsem.app.views import md_escape
from compsem.data.categories import category_label
from compsem.data.glossary import jargon_in
from compsem.figures.story import finding_figure
from compsem.rerank import RerankResultsError
from compsem.stats.sample_size import thin_sample_note

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


def experiment(number: int) -> int:
    """The reranking lab's finding, from its saved evaluation (nothing when it has not been run); 1 if shown, else 0."""

    try:
        metrics, _points, _skipped, dataset = reranking.rerank_eval()
    except (RerankResultsError, OSError, ValueError):
        return 0  # the Reranking page explains how to run the evaluation
    finding = rerank_finding(metrics, dataset)
    if finding is None:
        return 0
    st.subheader(md_escape(f"{number}. {finding.title}"), anchor="finding-rerank")
    st.markdown(md_escape(finding.sentence))
    explain(finding.sentence)
    draw.chart(finding_figure(finding), "finding-rerank")
    st.caption(" ".join(finding.notes) + " See the Reranking page for the full table and latency.")
    return 1


def training_recipes(number: int, view: sidebar.View, threshold: float) -> None:
    """Each ``--augment role-swaps`` adapter against the adapter it continued from (nothing when none ships)."""
    found, cards = tables.training_recipes()
    if not found:
        return
    stories = tables.recipes_story(view, found, cards)
    if not stories:  # no numbered section without numbers: one line on how to get them
        labels = view.labels
        compared = "; ".join(f"{labels.name(r.key)} against {labels.name(r.start)}" for r in found)
        st.caption(
            md_escape(
                f"What the new training recipes fix and cost needs their scores and those of the adapters they "
                f"continued from on this pair set ({compared}): tick them in the sidebar and score them."
            )
        )
        return
    st.subheader(md_escape(f"{number}. {RECIPES_TITLE}"), anchor="finding-recipes")
    st.caption(
        f"Each adapter trained with `compsem train --augment {RECIPE_AUGMENT}` against the adapter it continued from, "
        + md_escape(
            f"on the pairs and categories in view at {threshold:g}, whatever models the sidebar selects: "
            + "; ".join(f"{s.label} against {s.start_label}" for s in stories)
            + f". Fixed or worse: {CHANGE_RULE}."
        )
    )
    for story in stories:
        finding = story.finding()
        st.markdown(f"**{md_escape(story.label)}**")
        st.markdown(md_escape(story.sentence))
        draw.chart(finding_figure(finding), finding.key)
        if story.fix_example is not None:
            example(story.fix_example, threshold, f"example-{finding.key}-fix")
        if story.cost_example is not None:
            example(story.cost_example, threshold, f"example-{finding.key}-cost")


def render() -> None:
    view = sidebar.start("Findings", CAPTION)
    res = scores(view, prominent=True)
    found = tables.story(res)
    thin = tables.thin_categories(res)
    if thin:
        st.warning(md_escape(thin_sample_note(thin)))
    if "cross-encoder" not in tables.kinds(res):
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
    shown = experiment(len(found) + 1)
    training_recipes(len(found) + 1 + shown, view, res.threshold)
    st.divider()
    st.caption(
        "Take the story with you: one HTML file with these findings, the failure rates with CIs, the "
        "effect sizes and the distributions."
    )
    share.download_button(res, view, "w.dl_html_story")
