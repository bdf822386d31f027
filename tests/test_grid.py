"""The backbone × objective (+ augmentation) grid: cells from cards, per-backbone references, findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compsem.analysis import grid

MINI_BI = "sentence-transformers/all-MiniLM-L6-v2"
MPNET_BI = "sentence-transformers/all-mpnet-base-v2"


def card(key: str, objective: str, backbone: str | None = None, augment: str | None = None, method: str = "lora"):
    out = {"key": key, "objective": objective, "method": method}
    if backbone:
        out["backbone"] = backbone
    if augment:
        out["augmentation"] = {"name": augment, "counts": {}}
    return out


CARDS = {
    c["key"]: c
    for c in (
        card("compsem/mpnet-base-sick-nli", "sick-nli", "mpnet-base"),
        card("compsem/minilm-l6-sick-nli-minimal-edits", "sick-nli", augment="minimal-edits"),
        card("compsem/minilm-l6-sick-nli", "sick-nli"),
        card("compsem/minilm-l6-mrpc", "mrpc"),
        card("compsem/minilm-l6-stsb-full", "stsb", method="full"),  # full fine-tunes are not grid cells
        card("someone/else", "quora"),  # nor unknown objectives
    )
}


def test_cells_come_from_cards_in_backbone_objective_augmentation_order():
    cells = grid.grid_cells(CARDS)
    assert [c.key for c in cells] == [
        "compsem/minilm-l6-sick-nli",
        "compsem/minilm-l6-sick-nli-minimal-edits",
        "compsem/minilm-l6-mrpc",
        "compsem/mpnet-base-sick-nli",
    ]
    assert cells[1].column == "sick-nli + minimal-edits" and cells[3].backbone == "mpnet-base"
    assert grid.references(cells) == {"minilm-l6": MINI_BI, "mpnet-base": MPNET_BI}
    assert grid.grid_models(cells) == [MINI_BI, *[c.key for c in cells[:3]], MPNET_BI, cells[3].key]
    labels = grid.grid_labels(cells)
    assert labels[MPNET_BI] == "MPNet-base · bi-encoder"
    assert labels["compsem/minilm-l6-sick-nli-minimal-edits"] == "MiniLM-L6 · sick-nli + minimal-edits"


def frame(scores: dict[str, dict[str, float]], n: int = 30, seed: int = 0) -> pd.DataFrame:
    """Tidy results: per model and category n scores around the given centre (small noise)."""
    rng = np.random.default_rng(seed)
    rows = []
    for model, by_cat in scores.items():
        for cat, centre in by_cat.items():
            for i, s in enumerate(np.clip(centre + rng.normal(0, 0.02, n), 0, 1)):
                rows.append(
                    {
                        "pair_id": f"{cat}-{i}",
                        "category": cat,
                        "model": model,
                        "score": float(s),
                        "kind": "bi-encoder" if model in (MINI_BI, MPNET_BI) else "cross-encoder",
                        "objective": "x",
                        "expected": "",
                        "sentence_a": f"a {i}",
                        "sentence_b": f"b {i}",
                    }
                )
    return pd.DataFrame(rows)


CELLS = grid.grid_cells(CARDS)
SCORES = {
    MINI_BI: {"entity_swap": 0.95, "negation": 0.9, "positive_control": 0.85},
    "compsem/minilm-l6-sick-nli": {"entity_swap": 0.9, "negation": 0.1, "positive_control": 0.4},
    "compsem/minilm-l6-sick-nli-minimal-edits": {"entity_swap": 0.1, "negation": 0.1, "positive_control": 0.6},
    "compsem/minilm-l6-mrpc": {"entity_swap": 0.9, "negation": 0.9, "positive_control": 0.8},
    MPNET_BI: {"entity_swap": 0.97, "negation": 0.8, "positive_control": 0.9},
    "compsem/mpnet-base-sick-nli": {"entity_swap": 0.92, "negation": 0.6, "positive_control": 0.45},
}


def test_each_backbone_is_compared_with_its_own_bi_encoder():
    table = grid.grid_table(frame(SCORES), CELLS, 0.5, n_resamples=200)
    assert list(table.columns) == grid.GRID_COLUMNS
    refs = table[table["is_reference"]]
    assert set(refs["model"]) == {MINI_BI, MPNET_BI} and set(refs["column"]) == {"bi-encoder"}
    mp = table[(table["model"] == "compsem/mpnet-base-sick-nli") & (table["category"] == "negation")].iloc[0]
    mp_ref = table[(table["model"] == MPNET_BI) & (table["category"] == "negation")].iloc[0]
    assert mp["reference_mean"] == pytest.approx(mp_ref["mean"]) and mp["backbone"] == "mpnet-base"
    assert mp["cohens_d"] < 0 and mp["significant"]
    # MiniLM's block comes first, each block by category with its reference first
    assert table["backbone"].iloc[0] == "minilm-l6" and table["model"].iloc[0] == MINI_BI


def test_findings_answer_size_and_data_with_evidence_not_point_estimates():
    table = grid.grid_table(frame(SCORES), CELLS, 0.5, n_resamples=200)
    size, data = grid.grid_findings(table, CELLS, 0.5)
    assert size.startswith("Does size fix it? MPNet-base · sick-nli against MiniLM-L6 · sick-nli")
    assert "worse: negation 0% → 100%" in size and "no clear change: entity swap 100% → 100%" in size
    assert data.startswith("Does data fix it? MiniLM-L6 · sick-nli + minimal-edits against MiniLM-L6 · sick-nli")
    assert "fixed: entity swap 100% → 0%" in data and "no clear change: negation 0% → 0%" in data
    assert "paraphrases passing 0% → 100%" in data


def test_a_question_the_grid_cannot_answer_says_so():
    only_minilm = [c for c in CELLS if c.backbone == "minilm-l6" and not c.augment]
    scores = {k: v for k, v in SCORES.items() if k in {MINI_BI, *[c.key for c in only_minilm]}}
    table = grid.grid_table(frame(scores), only_minilm, 0.5, n_resamples=100)
    size, data = grid.grid_findings(table, only_minilm, 0.5)
    assert "Not answerable" in size and "both backbones" in size
    assert "Not answerable" in data and "with and without augmentation" in data


def test_a_backbone_without_its_bi_encoder_is_left_out_and_empty_grids_are_said():
    scores = {k: v for k, v in SCORES.items() if k != MPNET_BI}
    table = grid.grid_table(frame(scores), CELLS, 0.5, n_resamples=100)
    assert set(table["backbone"]) == {"minilm-l6"}
    empty = grid.grid_table(frame({MINI_BI: SCORES[MINI_BI]}), CELLS, 0.5)
    assert empty.empty and "No grid" in grid.grid_markdown(empty, CELLS, 0.5)


def test_markdown_grid_has_a_row_per_model_and_starred_effect_sizes():
    table = grid.grid_table(frame(SCORES), CELLS, 0.5, n_resamples=100)
    md = grid.grid_markdown(table, CELLS, 0.5)
    lines = [line for line in md.splitlines() if line.startswith("| ")]
    assert lines[0] == "| model | Negation | Entity swap | Positive control |"
    assert len(lines) == 1 + 6
    edits = next(line for line in lines if "minimal-edits" in line)
    assert edits.split(" | ")[2].startswith("0% (-") and "*" in edits
    assert next(line for line in lines if "MPNet-base · bi-encoder" in line).endswith("| 100% | 100% | 100% |")


def test_a_precomputed_description_gives_the_same_grid():
    from compsem import stats

    results = frame(SCORES)
    described = stats.describe_with_ci(results, 0.5, n_resamples=200)
    a = grid.grid_table(results, CELLS, 0.5, n_resamples=200)
    b = grid.grid_table(results, CELLS, 0.5, n_resamples=200, described=described)
    pd.testing.assert_frame_equal(a, b)


def test_a_run_reports_the_grid_when_two_adapters_and_their_bi_encoder_ran():
    from compsem.analysis import analyze
    from compsem.reports.markdown import report_markdown, summary_dict

    analysis = analyze(frame(SCORES), [0.5], CELLS)
    assert analysis.grid is not None and len(analysis.grid_findings) == 2
    md = report_markdown(analysis, {})
    assert "## Does data or size fix it? Backbone × objective grid" in md and "- Does data fix it?" in md
    assert summary_dict(analysis, {})["grid"]["threshold"] == 0.5
    one = analyze(frame({k: SCORES[k] for k in (MINI_BI, "compsem/minilm-l6-sick-nli")}), [0.5], CELLS)
    assert one.grid is None and "Backbone × objective grid" not in report_markdown(one, {})
