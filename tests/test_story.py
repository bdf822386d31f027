"""compsem.analysis.story: findings in story order, sentences computed from the data, example pairs chosen by rule."""

from __future__ import annotations

import pandas as pd
import pytest
from run_fixture import BAG, BI, CE, MRPC, synthetic_results

from compsem import stats
from compsem.analysis.story import story_findings
from compsem.analysis.story_parts import best_cross_encoder
from compsem.data.labels import with_labels
from compsem.figures.story import finding_figure


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return synthetic_results()


@pytest.fixture(scope="module")
def findings(results):
    return story_findings(with_labels(results, {BI: "Bi", CE: "NLI", BAG: "Bag", MRPC: "MRPC"}), 0.5, n_resamples=200)


def test_story_order_and_count(findings):
    assert [f.key for f in findings] == [
        "edit_vs_paraphrase",
        "bag_of_words",
        "objective",
        "hardest",
        "price",
        "threshold",
    ]


def test_sentences_carry_the_statistics(results, findings):
    desc = stats.describe_scores(results).set_index(["model", "category"])
    first = findings[0].sentence
    assert f"({desc.at[(BI, 'positive_control'), 'mean']:.3f})" in first
    assert findings[0].title == "The bi-encoder cannot tell an edit from a paraphrase"
    rates = stats.failure_rates(results, 0.5).set_index(["model", "category"])["rate"]
    assert f"negation {rates[(CE, 'negation')]:.0%} (bi-encoder {rates[(BI, 'negation')]:.0%})" in findings[2].sentence
    assert "No cross-encoder handles entity swap" in findings[3].sentence  # a negative result, said plainly
    cal = stats.calibrated_thresholds(results)
    assert f"{cal['threshold'].min():.3f}" in findings[5].sentence


def test_best_cross_encoder_is_the_lowest_mean_failure_rate(results):
    assert best_cross_encoder(results, 0.5) == CE


def test_example_pairs_follow_their_rule_and_show_both_models(results, findings):
    wide = results.pivot_table(index="pair_id", columns="model", values="score")
    edits = wide[wide.index.str.startswith(("negation", "entity_swap", "quantifier"))]
    expected = (edits[BI] - edits[CE]).idxmax()
    ex = findings[0].example
    assert ex.pair_id == expected
    assert [m for m, _label, _s in ex.scores] == [BI, CE]
    assert ex.scores[0][2] == pytest.approx(wide.at[expected, BI])
    price = findings[4].example
    assert price.pair_id == wide.loc[wide.index.str.startswith("positive"), CE].idxmin()


def test_without_cross_encoders_the_story_is_shorter_not_broken(results):
    only = results[results["kind"] != "cross-encoder"]
    found = story_findings(only, 0.5, n_resamples=50)
    assert [f.key for f in found] == ["edit_vs_paraphrase", "bag_of_words", "threshold"]
    assert all(f.example is None or len(f.example.scores) >= 1 for f in found)


def test_no_adversarial_category_means_no_story(results):
    assert story_findings(results[results["category"].str.endswith("control")], 0.5, n_resamples=50) == []


def test_every_finding_draws(findings):
    for f in findings:
        fig = finding_figure(f)
        assert fig.data and fig.layout.title.text


def test_finding_figures_built_unvalidated_are_what_plotly_validates_and_draws(findings):
    """finding_figure skips Plotly's validation for speed: validating again changes nothing, and its
    reference line is the one Plotly's add_hline / add_vline draws."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    lines = 0
    for f in [*findings, _rerank_finding_for_figure()]:
        fig = finding_figure(f)
        assert json.loads(pio.to_json(go.Figure(fig.to_dict()))) == json.loads(pio.to_json(fig)), f.key
        assert fig.layout.template.layout.paper_bgcolor == "white" and fig.layout.margin.r == 30
        if f.reference_line is None:
            assert not fig.layout.shapes
            continue
        lines += 1
        plotly_drawn = go.Figure(fig.to_dict())
        plotly_drawn.layout.shapes = ()
        add = plotly_drawn.add_vline if fig.data[0].orientation == "h" else plotly_drawn.add_hline
        add(f.reference_line, line_dash="dash", line_color="#444", line_width=1.2)
        assert plotly_drawn.layout.shapes == fig.layout.shapes, f.key
    assert lines >= 2  # a horizontal and a vertical chart with a line


def _rerank_finding_for_figure():
    from compsem.analysis.story import rerank_finding

    return rerank_finding(_rerank_table(0.85))


def _rerank_table(reranked_ndcg: float) -> pd.DataFrame:
    alone = "— (first stage only)"
    return pd.DataFrame(
        [
            {"first stage": "BM25", "reranker": alone, "K": 10, "NDCG@10": 0.60, "Δ NDCG@10": 0.0},
            {"first stage": "Dense", "reranker": alone, "K": 10, "NDCG@10": 0.80, "Δ NDCG@10": 0.0},
            {"first stage": "BM25", "reranker": "NLI", "K": 10, "NDCG@10": 0.75, "Δ NDCG@10": 0.15},
            {
                "first stage": "Dense",
                "reranker": "NLI",
                "K": 10,
                "NDCG@10": reranked_ndcg,
                "Δ NDCG@10": reranked_ndcg - 0.80,
            },
        ]
    )


def test_rerank_finding_says_a_negative_result_plainly():
    from compsem.analysis.story import rerank_finding

    no = rerank_finding(_rerank_table(0.79))
    assert no.title == "Reranking does not beat the best first stage"
    assert "0.800" in no.sentence and "0.790 (-0.010)" in no.sentence and "lift BM25 by +0.150" in no.sentence
    yes = rerank_finding(_rerank_table(0.85))
    assert yes.title == "Reranking beats the best first stage" and "+0.050" in yes.sentence
    assert list(yes.chart["value"]) == [0.60, 0.75, 0.80, 0.85]
    assert rerank_finding(_rerank_table(0.8).iloc[:2]) is None  # nothing reranked
    assert finding_figure(no).data


def test_rerank_finding_names_the_fusion_of_a_fused_row():
    """A fused run that beats the first stage must not pass for plain reranking."""
    from compsem.analysis.story import rerank_finding

    table = _rerank_table(0.79).assign(fusion="none (reranker order)")
    fused = table.iloc[[3]].assign(fusion="RRF (k = 60)", **{"NDCG@10": 0.83, "Δ NDCG@10": 0.03})
    found = rerank_finding(pd.concat([table, fused], ignore_index=True))
    assert found.title == "Reranking fused with the first stage beats the best first stage"
    assert "NLI + RRF (k = 60) over Dense's top 10 reaches NDCG@10 0.830" in found.sentence
    assert "Dense + NLI + RRF (k = 60), K=10" in list(found.chart["label"])


def test_example_is_the_highest_pair_in_the_filter_ties_to_the_lowest_id():
    from compsem.analysis.story_parts import _example

    rows = [
        ("10", "negation", 0.9),
        ("9", "negation", 0.9),
        ("09", "hedging", 0.99),
        ("2", "negation", None),
        ("3", "negation", 0.5),
    ]
    results = pd.DataFrame(
        [
            {"pair_id": p, "category": c, "sentence_a": f"a{p}", "sentence_b": f"b{p}", "model": "m", "score": 0.1}
            for p, c, _ in rows
        ]
    )
    order = pd.Series({p: (float("nan") if v is None else v) for p, _, v in rows})
    ex = _example(results, ["negation"], order, "rule", ["m"], {"m": "M"})
    # "09" scores higher but is not a negation; "2" is NaN; "10" and "9" tie: "10" < "9" as text
    assert ex is not None and ex.pair_id == "10" and ex.scores == (("m", "M", 0.1),)
    assert _example(results, ["temporal"], order, "rule", ["m"], {}) is None
    assert _example(results, ["negation"], order.iloc[:0], "rule", ["m"], {}) is None
