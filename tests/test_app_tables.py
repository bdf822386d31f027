"""compsem.app.tables: the pages read the view's analysis; a threshold change recomputes no threshold-free table.

Called outside a running app (Streamlit's caches work without one); the views use keys of their own.
"""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
from run_fixture import synthetic_results

from compsem.analysis import analyze
from compsem.app import tables
from compsem.app.scores import Results
from compsem.reports import markdown as report

COUNTED = (
    "describe_scores",
    "failure_rates",
    "describe_with_ci",
    "cell_mean_cis",
    "family_failure_rates",
    "best_and_worst",
    "roc_auc_by_category",
    "calibrated_thresholds",
    "family_comparison",
    "findings",
    "effect_rows",
    "pair_table",
)


@pytest.fixture()
def calls(stats_calls) -> dict[str, int]:
    return stats_calls(*COUNTED)


def view(threshold: float, key: tuple) -> Results:
    return Results(synthetic_results(), key, threshold)


def show_every_page(res: Results) -> None:
    """What the pages read at one threshold (Findings, Overview, Distributions, Failure rates, Effect sizes, Pairs)."""
    tables.story(res)
    tables.table("family_rates", res)
    tables.findings(res)
    tables.table("best_and_worst", res)
    tables.table("describe_scores", res)
    tables.rates_with_ci(res, calibrated=False)
    tables.rates_with_ci(res, calibrated=True)
    tables.table("calibrated_thresholds", res)
    tables.table("rate_curves", res)
    tables.effect_rows(res, "kind:bi-encoder", "model")
    tables.pair_table(res)


def test_a_threshold_change_computes_only_the_new_thresholds_tables(calls):
    key = ("test-app-tables", uuid.uuid4().hex)
    show_every_page(view(0.5, key))
    first = dict(calls)
    assert first["describe_with_ci"] == 1  # the story and the rates page share the intervals
    assert first["cell_mean_cis"] == 1  # the mean intervals read no threshold: computed once per selection
    show_every_page(view(0.5, key))  # a re-render computes nothing
    assert calls == first
    show_every_page(view(0.6, key))
    new = {name: calls[name] - first[name] for name in COUNTED}
    assert new == {
        **dict.fromkeys(COUNTED, 0),
        "describe_with_ci": 1,
        "family_failure_rates": 1,
        "best_and_worst": 1,
        "findings": 1,
        "failure_rates": 1,
    }  # the story's best cross-encoder


def test_the_report_download_is_the_report_of_compsem_run():
    key = ("test-app-report", uuid.uuid4().hex)
    res = view(0.7, key)
    meta = {"pairs_source": "x", "n_pairs": 72, "created": "now", "versions": {"compsem": "test"}}
    from_view = report.report_markdown(tables.analysis(res), meta)
    assert from_view == report.report_markdown(analyze(res.frame, [0.7, 0.5, 0.8]), meta)
    pd.testing.assert_frame_equal(
        tables.table("describe_scores", res).drop(columns="model_label"), tables.analysis(res).describe
    )


def test_the_free_text_table_says_per_model_what_a_good_model_does_and_hides_raw_outputs():
    from compsem.app import views
    from compsem.scoring import TextPairScore

    scored = [
        TextPairScore("m/bi", "bi-encoder", 0.62879999999, 0.8139999999, 0.8139999999, "cosine_clip"),
        TextPairScore("m/ce", "cross-encoder", 3.4368123, 0.0000000000000002, 0.7, "sigmoid"),
    ]
    table = views.text_score_table(scored, {"m/bi": "Bi", "m/ce": "Cross"}, 0.5, "edit")
    shown = views.text_scores_view(table)
    assert list(shown.columns) == ["model", "verdict", "score (A, B)", "score (B, A)"]  # no raw output by default
    assert list(shown["score (A, B)"]) == ["0.814", "0.000"]
    assert shown["verdict"][0].startswith("should score low") and shown["verdict"][0].endswith("fooled")
    assert "right" in shown["verdict"][1] and "B, A" in shown["verdict"][1]  # the other order says otherwise
    raw = views.text_scores_view(table, raw=True)
    assert list(raw["raw output (A, B)"]) == ["0.6288", "3.437"]
    paraphrase = views.text_scores_view(views.text_score_table(scored, {}, 0.5, "paraphrase"))
    assert paraphrase["verdict"][0].endswith("right") and "missed it" in paraphrase["verdict"][1]


def test_the_upload_problem_table_has_one_type_per_column_so_arrow_can_convert_it():
    import pyarrow as pa

    from compsem.app import views
    from compsem.data.pairs import Problem

    table = views.problem_table([Problem(0, "not a CSV file"), Problem(3, "sentence_a is empty")])
    assert list(table["line"]) == ["file", "3"]
    pa.Table.from_pandas(table)  # raised ArrowTypeError (int and str in one column) before: a server-log traceback


def test_the_study_table_reads_plainly_with_a_dash_for_what_is_missing():
    from compsem.app import views

    table = pd.DataFrame(
        {
            "section": ["4.3", "4.1"],
            "model": ["family:bi-encoder", "sentence-transformers/all-MiniLM-L6-v2"],
            "model_label": ["family:bi-encoder", "MiniLM-L6 (bi)"],
            "category": ["negation", "hedging"],
            "statistic": ["cohens_d", "rate"],
            "threshold": [None, 0.8],
            "scale": ["score", "score"],
            "reported": [-14.2, 0.32],
            "measured": [float("nan"), 0.2999999999999],
            "difference": [float("nan"), -0.0200000000001],
            "measured_models": ["", "sentence-transformers/all-MiniLM-L6-v2"],
            "source": ["reported", "reported"],
        }
    )
    shown = views.study_view(table, measured_only=False, section="all")
    assert list(shown["model"]) == ["bi-encoders (family)", "MiniLM-L6 (bi)"]
    assert list(shown["statistic"]) == ["Cohen's d (cross- vs bi-encoders)", "share ≥ threshold"]
    assert list(shown["threshold"]) == ["—", "0.8"] and list(shown["measured"]) == ["—", "0.300"]
    assert list(shown["difference"]) == ["—", "-0.020"] and list(shown["measured with"]) == ["—", "MiniLM-L6 (bi)"]
    assert "None" not in shown.to_string() and "nan" not in shown.to_string()


def test_the_pair_browser_puts_scores_and_disagreement_before_the_sentences():
    from compsem.app import views

    table = pd.DataFrame(
        columns=["pair_id", "category", "sentence_a", "sentence_b", "MiniLM", "Jaccard", "disagreement", "sd"]
    )
    assert views.pair_column_order(table) == [
        "pair_id",
        "category",
        "disagreement",
        "sd",
        "MiniLM",
        "Jaccard",
        "sentence_a",
        "sentence_b",
    ]


def test_calibration_and_effect_tables_keep_the_same_decimals():
    from compsem.app import views

    cal = pd.DataFrame(
        {
            "model": ["m", "n"],
            "threshold": [0.1, 0.6474],
            "youden_j": [0.5, 0.25],
            "tpr": [1.0, 0.5],
            "fpr": [0.5, 0.25],
            "n_pos": [10, 10],
            "n_neg": [20, 20],
        }
    )
    shown = views.calibration_view(cal)
    assert list(shown["calibrated threshold"]) == ["0.100", "0.647"]
    eff = pd.DataFrame(
        {
            "row": ["m"],
            "category": ["negation"],
            "cohens_d": [-1.5],
            "holm_pvalue": [0.01],
            "significant": [True],
            "mean": [0.1],
            "reference_mean": [0.64741],
        }
    )
    out = views.effect_view(eff)
    assert (out["Cohen's d"][0], out["mean"][0], out["reference mean"][0]) == ("-1.50", "0.100", "0.647")
