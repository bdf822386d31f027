"""compsem.reports.markdown: the JSON and Markdown a run writes."""

import json

import numpy as np
import pandas as pd

from compsem.analysis.compose import analyze
from compsem.analysis.parts import comparison_tables
from compsem.reports import markdown as report


def _results(n: int = 40) -> pd.DataFrame:
    # Two families that never overlap: every p-value is far below 1e-6.
    rows = []
    for i in range(n):
        for model, kind, score in (("bi", "bi-encoder", 0.9 + i / 1000), ("ce", "cross-encoder", 0.1 + i / 1000)):
            rows.append(
                {
                    "pair_id": f"p{i}",
                    "category": "negation",
                    "model": model,
                    "kind": kind,
                    "objective": "general",
                    "score": score,
                    "raw_score": score,
                }
            )
    return pd.DataFrame(rows)


def test_tiny_p_values_survive_into_json_and_markdown():
    comparison = report.comparison_dict(comparison_tables(_results()))
    row = comparison["bi_encoder_vs_cross_encoder"][0]
    assert 0 < row["mw_pvalue"] < 1e-6  # rounding to 6 decimals would have written 0.0
    assert 0 < row["holm_pvalue_mw"] < 1e-6
    json.dumps(comparison, allow_nan=False)  # JSON-safe
    md = report.report_markdown(analyze(_results(), [0.5]))
    assert "0.0e+00" not in md


def test_clean_keeps_significant_digits_and_drops_non_finite():
    assert report._clean(np.float64(0.8588841234)) == 0.858884
    assert report._clean(3.14159e-12) == 3.14159e-12
    assert report._clean(float("nan")) is None and report._clean(np.inf) is None
    assert report._clean(np.int64(3)) == 3 and isinstance(report._clean(np.int64(3)), int)


# -- issue 22, item 17: report.md carries no live HTML, and a | never breaks a table row ----------------------------
import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a | b", "[x](javascript:y)", "x\x1b[2Jy"]


def _unescaped(md: str) -> str:
    """What Markdown reads as syntax: the text without backslash-escaped characters."""
    return re.sub(r"\\.", "", md)


def _cells(row: str) -> int:
    """Cells of a Markdown table row (a backslash escapes the next character, a pipe included)."""
    return len(re.findall(r"\|", re.sub(r"\\.", "", row))) - 1


def _tables_keep_their_columns(md: str) -> None:
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            width = _cells(lines[i - 1])
            for row in lines[i + 1 :]:
                if not row.startswith("|"):
                    break  # the table ends at its first line that is not a row
                assert _cells(row) == width, (lines[i - 1], row)


def test_report_escapes_hostile_category_and_model_names(monkeypatch):
    frame = _results()
    frame["category"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(frame))]
    frame["model"] = frame["model"].map({"bi": "<b onmouseover=x>bi</b>", "ce": "ce | <script>"})
    md = report.report_markdown(
        analyze(frame, [0.5]), meta={"pairs_source": "<img src=x onerror=1>.csv", "skipped": {"<s>": "|"}}
    )
    live = _unescaped(md)
    assert not re.search(r"<[A-Za-z/!?]", live), [line for line in md.splitlines() if "<" in _unescaped(line)]
    assert "](javascript" not in live and "\x1b" not in md
    _tables_keep_their_columns(md)


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.lists(
            st.text(max_size=15) | st.sampled_from(HOSTILE + ["\\", "\\|", "|\\", "`", "\n"]), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=5,
    )
)
def test_markdown_table_keeps_its_column_count_for_any_text(cells):
    md = report.markdown_table(pd.DataFrame(cells, columns=["a | b", "<c>", "d"]))
    lines = md.splitlines()
    assert len(lines) == 2 + len(cells)  # a newline in a cell does not start a new row
    assert all(_cells(line) == 3 for line in [lines[0], *lines[2:]])
    assert not re.search(r"<[A-Za-z/!?]", _unescaped(md))


def test_report_names_truncated_pairs_per_model():
    """Item 7: report.md warns when a model read some pairs only in part (meta["truncated"] from the run)."""
    meta = {"truncated": {"bi": {"truncated": 3, "pairs": 80, "max_tokens": 256, "unit": "tokens per sentence"}}}
    md = report.report_markdown(analyze(_results(), [0.5]), meta=meta)
    assert "**Truncated pairs.**" in md and "- bi: 3 of 80 pairs are longer than 256 tokens per sentence" in md
    assert "Truncated pairs" not in report.report_markdown(analyze(_results(), [0.5]), meta={"truncated": {}})
