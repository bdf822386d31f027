"""compsem.analysis.objective_comparison: the comparison on a hand-checked frame, the cards, the availability table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compsem.analysis import objective_comparison as objectives
from compsem.models.card import CardError
from compsem.stats.findings import objective_findings

REF = objectives.REFERENCE
A = objectives.trained_key("sick-nli")
B = objectives.trained_key("mrpc")
LABELS = {REF: "bi", A: "nli", B: "mrpc"}

#: category -> model -> scores. Every sample has sd 0.1, so Cohen's d is the mean difference / 0.1.
TINY = {
    "negation": {REF: [0.9, 0.8, 0.7], A: [0.1, 0.2, 0.3], B: [0.5, 0.6, 0.7]},
    "entity_swap": {REF: [0.8, 0.9, 1.0], A: [0.7, 0.8, 0.9], B: [0.2, 0.3, 0.4]},
    "positive_control": {REF: [0.8, 0.9, 1.0], A: [0.4, 0.5, 0.6], B: [0.7, 0.8, 0.9]},
}


def tidy(data: dict, order=(REF, A, B)) -> pd.DataFrame:
    rows = []
    for model in order:
        kind = "bi-encoder" if model == REF else "cross-encoder"
        for cat, per_model in data.items():
            for i, s in enumerate(per_model[model]):
                rows.append(
                    {
                        "pair_id": f"{cat}-{i}",
                        "category": cat,
                        "expected": "",
                        "sentence_a": f"a {i}",
                        "sentence_b": f"b {i}",
                        "model": model,
                        "kind": kind,
                        "objective": "x",
                        "raw_score": s,
                        "score": s,
                        "raw_output": "{}",
                    }
                )
    return pd.DataFrame(rows)


def cell(table: pd.DataFrame, model: str, cat: str) -> pd.Series:
    sub = table[(table["model"] == model) & (table["category"] == cat)]
    assert len(sub) == 1
    return sub.iloc[0]


# -- comparison table ------------------------------------------------------------------------------
def test_comparison_table_values_by_hand():
    # listed in a scrambled order: the table must still put categories in study order, reference first
    frame = tidy({k: TINY[k] for k in ("positive_control", "entity_swap", "negation")}, order=(B, REF, A))
    table = objectives.comparison_table(frame, 0.5, n_resamples=200)
    assert list(table["category"]) == ["negation"] * 3 + ["entity_swap"] * 3 + ["positive_control"] * 3
    assert list(table["model"][:3]) == [REF, B, A]
    # means
    assert cell(table, A, "negation")["mean"] == pytest.approx(0.2)
    assert cell(table, B, "entity_swap")["mean"] == pytest.approx(0.3)
    # share >= 0.5 (inclusive): B's negation scores 0.5, 0.6, 0.7 all count
    assert cell(table, B, "negation")["rate"] == pytest.approx(1.0)
    assert cell(table, A, "negation")["rate"] == pytest.approx(0.0)
    assert cell(table, A, "positive_control")["rate"] == pytest.approx(2 / 3)
    # Cohen's d: (mean - reference mean) / pooled sd 0.1
    assert cell(table, A, "negation")["cohens_d"] == pytest.approx(-6.0)
    assert cell(table, B, "negation")["cohens_d"] == pytest.approx(-2.0)
    assert cell(table, A, "entity_swap")["cohens_d"] == pytest.approx(-1.0)
    assert cell(table, A, "positive_control")["cohens_d"] == pytest.approx(-4.0)
    assert cell(table, A, "negation")["reference_mean"] == pytest.approx(0.8)
    # three against three: the smallest exact two-sided Mann-Whitney p is 0.1, so nothing is significant
    assert not table["significant"].any()
    ref_rows = table[table["is_reference"]]
    assert len(ref_rows) == 3 and ref_rows["cohens_d"].isna().all() and (ref_rows["model"] == REF).all()
    # intervals contain the estimate
    assert (table["mean_ci_low"] <= table["mean"] + 1e-12).all()
    assert (table["mean"] <= table["mean_ci_high"] + 1e-12).all()


def test_significance_is_holm_corrected_mann_whitney():
    rng = np.random.default_rng(1)
    low = list(np.round(rng.uniform(0.0, 0.3, 12), 3))
    high = list(np.round(rng.uniform(0.7, 1.0, 12), 3))
    frame = tidy({"negation": {REF: high, A: low, B: high}, "entity_swap": {REF: high, A: low, B: high}})
    table = objectives.comparison_table(frame, 0.5, n_resamples=50)
    from compsem import stats

    p = stats.mann_whitney(low, high).pvalue
    assert cell(table, A, "negation")["holm_pvalue"] == pytest.approx(min(1.0, 2 * p))  # Holm over 2 categories
    assert cell(table, A, "negation")["significant"]
    assert not cell(table, B, "negation")["significant"]  # identical samples


def test_comparison_table_without_reference_is_an_error():
    with pytest.raises(ValueError, match="reference"):
        objectives.comparison_table(tidy(TINY)[lambda d: d["model"] != REF], 0.5)


def test_reference_only_has_no_effect_columns_and_no_findings():
    table = objectives.comparison_table(tidy(TINY)[lambda d: d["model"] == REF], 0.5, n_resamples=20)
    assert len(table) == 3 and table["cohens_d"].isna().all()
    assert objective_findings(table, LABELS, 0.5) == []


def test_comparison_view_formats_and_labels():
    table = objectives.comparison_table(tidy(TINY), 0.5, n_resamples=50)
    view = objectives.comparison_view(table, LABELS, 0.5)
    assert list(view["category"][:3]) == ["Negation"] * 3
    assert list(view["model"][:3]) == ["bi", "nli", "mrpc"]
    assert "share ≥ 0.5" in view.columns
    assert view["p < 0.05 (Holm)"].iloc[0] == "reference" and view["p < 0.05 (Holm)"].iloc[1] == "no"
    assert view["share ≥ 0.5 95% CI"].iloc[0].startswith("[")


def test_findings_are_read_off_the_table():
    table = objectives.comparison_table(tidy(TINY), 0.5, n_resamples=50)
    sentences = objective_findings(table, LABELS, 0.5)
    assert 2 <= len(sentences) <= 4
    neg, swap, adv, pos = sentences
    assert neg.startswith("nli rejects negation best") and "0.20" in neg and "100% for the bi" in neg
    assert swap.startswith("nli still scores entity swaps high") and "0.80" in swap
    assert "nli 0/2" in adv and "mrpc 0/2" in adv
    assert pos.startswith("The price: nli") and "67%" in pos
    # the same code reads other data: swap the roles of the two objectives on negation
    flipped = {**TINY, "negation": {REF: TINY["negation"][REF], A: TINY["negation"][B], B: TINY["negation"][A]}}
    table = objectives.comparison_table(tidy(flipped), 0.5, n_resamples=50)
    assert objective_findings(table, LABELS, 0.5)[0].startswith("mrpc rejects negation best")


def test_findings_skip_absent_categories():
    table = objectives.comparison_table(tidy({"negation": TINY["negation"]}), 0.5, n_resamples=20)
    sentences = objective_findings(table, LABELS, 0.5)
    assert len(sentences) == 2  # negation, and the adversarial count; no entity swaps, no paraphrases
    assert all("entity" not in s and "paraphrase" not in s for s in sentences)


# -- cards -----------------------------------------------------------------------------------------
def make_card(objective: str, **over) -> dict:
    card = {
        "key": objectives.trained_key(objective),
        "label": f"MiniLM-L6 {objective} (trained)",
        "objective": objective,
        "objective_family": "sts",
        "num_labels": 1,
        "score_definition": f"what {objective} scores mean",
        "epochs": 2,
        "data": {"dataset": "x", "split_sizes": {"train": 100, "dev": 10, "test": 50}},
        "metrics": {"dev_spearman": 0.9, "test_spearman": 0.85, "test_pearson": 0.86},
        "targets": {"test_spearman": 0.8},
        "met": {"test_spearman": True},
        "shortfall": {},
        "fingerprint": "sha256:0123456789abcdef",
    }
    card.update(over)
    return card


def write_card(folder: Path, card: dict | str) -> Path:
    slug = card["key"].split("/")[-1] if isinstance(card, dict) else "broken"
    (folder / slug).mkdir(parents=True, exist_ok=True)
    path = folder / slug / "compsem_card.json"
    path.write_text(card if isinstance(card, str) else json.dumps(card), encoding="utf-8")
    return path


def test_load_cards_orders_by_objective_and_later_folders_win(tmp_path):
    shipped, weights = tmp_path / "shipped", tmp_path / "weights"
    for obj in ("mrpc", "stsb", "sick-nli"):
        write_card(shipped, make_card(obj))
    write_card(weights, make_card("stsb", epochs=7))
    cards = objectives.load_cards([shipped, weights, tmp_path / "absent"])
    assert list(cards) == [objectives.trained_key(o) for o in ("sick-nli", "stsb", "mrpc")]
    assert cards[objectives.trained_key("stsb")]["epochs"] == 7


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({"key": "compsem/minilm-l6-x", "objective": "x"}), "missing field(s) metrics"),
        (json.dumps({**make_card("stsb"), "metrics": [0.8]}), "metrics must be a JSON object"),
    ],
)
def test_a_broken_card_is_a_clear_error(tmp_path, content, message):
    write_card(tmp_path, make_card("stsb"))
    path = write_card(tmp_path, content)
    with pytest.raises(CardError) as err:
        objectives.load_cards([tmp_path])
    assert message in str(err.value) and str(path) in str(err.value) and "compsem train" in str(err.value)


def test_held_out_table_reads_test_metrics_targets_and_shortfalls():
    nli = make_card(
        "sick-nli",
        metrics={"dev_accuracy": 0.85, "test_accuracy": 0.83},
        targets={"test_accuracy": 0.84},
        met={"test_accuracy": False},
        shortfall={"test_accuracy": 0.01},
        epochs=3,
    )
    cards = {c["key"]: c for c in (nli, make_card("stsb"))}
    table = objectives.held_out_table(cards)
    assert list(table["metric"]) == ["accuracy", "spearman", "pearson"]  # dev metrics are not held out
    rows = table.set_index("metric")
    assert rows.loc["accuracy", "status"] == "short by 0.0100"
    assert rows.loc["accuracy", "value"] == pytest.approx(0.83) and rows.loc["accuracy", "epochs"] == 3
    # a card without a stated shortfall: the gap is target - value
    nli.pop("shortfall")
    assert objectives.held_out_table({nli["key"]: nli})["status"].iloc[0] == "short by 0.0100"
    assert rows.loc["spearman", "status"] == "met" and rows.loc["spearman", "target"] == pytest.approx(0.8)
    assert rows.loc["pearson", "status"] == "no target" and math.isnan(rows.loc["pearson", "target"])
    assert list(rows.loc["spearman", ["train", "dev", "test"]]) == [100, 10, 50]


def test_score_meanings_and_labels_come_from_the_cards():
    cards = {c["key"]: c for c in (make_card("mrpc"),)}
    meanings = objectives.score_meanings(cards)
    assert list(meanings["model"]) == [REF, objectives.trained_key("mrpc")]
    assert meanings["score means"].iloc[1] == "what mrpc scores mean"
    labels = objectives.objective_labels(cards)
    assert labels[objectives.trained_key("mrpc")] == "mrpc" and labels[REF] == "MiniLM bi-encoder"


def test_availability_table_says_how_to_get_missing_models():
    table = objectives.availability_table(
        {
            objectives.trained_key("stsb"): ("packaged", "LoRA adapter shipped with compsem"),
            objectives.trained_key("mrpc"): ("local", "weights in x"),
            objectives.trained_key("sick-nli"): ("unavailable", "not trained yet"),
        }
    ).set_index("objective")
    assert list(table.index) == list(objectives.OBJECTIVE_ORDER)
    assert table.loc["mrpc", "to do"] == "" and table.loc["stsb", "to do"] == ""
    assert table.loc["stsb", "source"] == "LoRA adapter shipped with compsem"
    assert table.loc["sick-nli", "to do"] == "`compsem train --objective sick-nli`"
    assert table.loc["sick-relatedness", "status"] == "not trained"
    assert "compsem train --objective sick-relatedness" in table.loc["sick-relatedness", "to do"]


def test_findings_name_objectives_that_make_a_category_worse():
    rng = np.random.default_rng(2)
    draw = lambda lo, hi: list(np.round(rng.uniform(lo, hi, 12), 3))  # noqa: E731
    frame = tidy(
        {
            "negation": {REF: draw(0.5, 0.6), A: draw(0.0, 0.3), B: draw(0.8, 1.0)},
            "entity_swap": {REF: draw(0.8, 1.0), A: draw(0.6, 0.7), B: draw(0.8, 1.0)},
        }
    )
    table = objectives.comparison_table(frame, 0.5, n_resamples=50)
    neg, swap, adv = objective_findings(table, LABELS, 0.5)
    assert "no objective rejects swapped roles, even nli keeps 100%" in swap
    assert "nli 2/2, mrpc 0/2" in adv  # nli is lower on both; mrpc on neither
    assert adv.endswith("significantly higher than the bi (worse): mrpc on negation.")
