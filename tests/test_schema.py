"""compsem.data.schema: the results table's columns, declared once and used by scoring, export and the HTML report."""

from __future__ import annotations

import pandas as pd

from compsem import scoring
from compsem.data import schema
from compsem.data.pairs import load_pairs
from compsem.reports import files as export
from compsem.reports import run_folder


def test_scoring_builds_the_declared_columns():
    pairs = load_pairs().head(3).assign(domain="test")
    results = scoring.score_pairs(pairs, ["token-jaccard"]).results
    assert set(schema.RESULT_COLUMNS) <= set(results.columns)
    assert set(results.columns) - set(schema.RESULT_COLUMNS) <= {"domain", *pairs.columns}


def test_export_order_fixed_columns_then_the_pair_files_own():
    frame = pd.DataFrame(columns=["note", *reversed(schema.RESULT_COLUMNS), "normalization", "domain"])
    assert schema.export_columns(frame) == [*schema.EXPORT_COLUMNS, "note", "domain"]
    assert "expected" not in schema.EXPORT_COLUMNS and export.PAIR_RESULT_COLUMNS == list(schema.EXPORT_COLUMNS)


def test_the_run_folder_loader_reads_the_declared_columns():
    assert run_folder.KEY_COLUMNS is schema.KEY_COLUMNS and run_folder.NUMERIC_COLUMNS is schema.NUMERIC_COLUMNS
    assert set(schema.KEY_COLUMNS + schema.TEXT_COLUMNS + schema.NUMERIC_COLUMNS) <= set(schema.EXPORT_COLUMNS)
