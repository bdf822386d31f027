"""compsem.data.csv_safety: CSV cells that would run as spreadsheet formulas are neutralised, reversibly.

Also checks that every CSV compsem writes goes through it: the run's results, the
dashboard's downloads, a trained model's stored scores and the reranking lab's latency.
"""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from compsem.data.csv_safety import (
    FORMULA_TRIGGERS,
    neutralise_cell,
    neutralise_frame,
    read_safe_csv,
    restore_cell,
    restore_frame,
    safe_csv,
)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "=cmd|' /C calc'!A0"]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def live_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run as a formula (a plain number such as -0.3 is only a number)."""
    return [
        c
        for row in csv.reader(io.StringIO(text, newline=""))
        for c in row
        if c[:1] in FORMULA_TRIGGERS and not _is_number(c)
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_get_a_quote_prefix(value: str):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["It rains.", "", "'quoted'", "a=b", "1+1", " =x", "https://x"])
def test_ordinary_text_is_left_alone(value: str):
    assert neutralise_cell(value) == value


def test_neutralising_is_exactly_reversible_for_any_string():
    rng = random.Random(0)
    alphabet = ["'", "=", "+", "-", "@", "\t", "\r", "a", " ", '"', ",", "\n"]
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(5000)]
    for s in samples + HOSTILE:
        assert restore_cell(neutralise_cell(s)) == s, repr(s)
        assert neutralise_cell(s)[:1] not in FORMULA_TRIGGERS


def test_restoring_a_frame_reads_only_quoted_cells_and_gives_what_restoring_each_cell_gives():
    rng = random.Random(1)
    alphabet = ["'", "=", "-", "a", " "]
    texts = [neutralise_cell("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))) for _ in range(2000)]
    frame = pd.DataFrame(
        {
            "text": pd.Series(texts, dtype="str"),
            "object": pd.Series(texts[:1999] + [None], dtype=object),
            "mixed": pd.Series(["'=x", 1.5, None, "'it"] * 500, dtype=object),
            "empty": pd.Series([None] * 2000, dtype=object),
            "category": pd.Series(["'-1", "b"] * 1000, dtype="category"),
            "plain": pd.Series(["no quote"] * 2000, dtype="str"),
            "score": [0.5] * 2000,
        }
    )
    cell_by_cell = frame.copy()
    for col in ("text", "object", "mixed", "empty", "category", "plain"):
        cell_by_cell[col] = frame[col].map(restore_cell)
    pd.testing.assert_frame_equal(restore_frame(frame), cell_by_cell, check_exact=True)
    assert restore_frame(frame)["text"].tolist() == [restore_cell(t) for t in texts]


def test_numbers_stay_numbers_text_is_neutralised():
    frame = pd.DataFrame(
        {"sentence": HOSTILE[:3], "score": [-0.3, 0.5, -1e-9], "n": [-1, 2, 3], "mixed": ["-x", None, 1.5]}
    )
    text = safe_csv(frame, index=False)
    assert not live_cells(text)
    back = pd.read_csv(io.StringIO(text))
    assert back["score"].tolist() == [-0.3, 0.5, -1e-9] and back["n"].tolist() == [-1, 2, 3]
    assert "-0.3" in text and "'-0.3" not in text


def test_a_neutralised_file_reads_back_raw(tmp_path: Path):
    frame = pd.DataFrame({"sentence_a": HOSTILE, "score": range(len(HOSTILE))})
    safe_csv(frame, tmp_path / "s.csv", index=False)
    back = read_safe_csv(tmp_path / "s.csv", dtype={"sentence_a": str}, keep_default_na=False)
    assert back["sentence_a"].tolist() == HOSTILE


def test_column_names_and_index_are_neutralised_too():
    frame = pd.DataFrame({"=x": ["a"], "b": ["c"]}).set_index("b")
    assert not live_cells(neutralise_frame(frame).to_csv())


def test_run_results_csv_carries_no_live_formula():
    from compsem.reports.files import pair_results_csv

    results = pd.DataFrame(
        {
            "pair_id": ["1"],
            "category": ["negation"],
            "sentence_a": ["=1+1"],
            "sentence_b": ["@SUM(A1)"],
            "model": ["m"],
            "kind": ["baseline"],
            "objective": ["x"],
            "raw_score": [-0.25],
            "score": [0.1],
            "raw_output": ["{}"],
            "note": ["-bad"],
        }
    )
    text = pair_results_csv(results)
    assert not live_cells(text) and "'=1+1" in text and ",-0.25," in text


def test_dashboard_downloads_carry_no_live_formula(monkeypatch):
    from compsem.app import draw

    seen: list[str] = []
    monkeypatch.setattr(draw.st, "download_button", lambda label, data, **kw: seen.append(data))
    draw.csv_download("x", pd.DataFrame({"sentence": HOSTILE, "score": -0.5}), "x.csv", "k")
    assert seen and not live_cells(seen[0]) and "-0.5" in seen[0]


def test_formula_text_written_safe_reads_back_raw(tmp_path: Path):
    """compsem's own CSV files (the HTML report reads a run's) are written neutralised and read back raw."""
    frame = pd.DataFrame(
        {
            "pair_id": ["1"],
            "sentence_a": ["=1+1"],
            "sentence_b": ["-x"],
            "raw_score": [0.1],
            "score": [-0.2],
            "raw_output": ["[0.1]"],
        }
    )
    safe_csv(frame, tmp_path / "scores.csv", index=False)
    assert not live_cells((tmp_path / "scores.csv").read_text())
    back = read_safe_csv(tmp_path / "scores.csv")
    assert back["sentence_a"].tolist() == ["=1+1"] and back["sentence_b"].tolist() == ["-x"]
    assert back["score"].tolist() == [-0.2]


def test_every_csv_compsem_writes_goes_through_safe_csv():
    """A new ``.to_csv(`` anywhere in the package or the pages would bypass the neutralising."""
    offenders = []
    for path in [*ROOT.joinpath("compsem").glob("*.py"), *ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"]:
        if path.name == "csv_safety.py":
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(", line):
                offenders.append(f"{path.name}:{i}: {line.strip()}")
    assert not offenders, offenders
