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
