"""compsem.pipeline.run: what `compsem run` does, against golden files, each statistic computed once.

``tests/data/golden_run/`` holds the five files and the output of

    cd tests/data && compsem run -q --pairs golden_pairs.csv \\
        --models all-MiniLM-L6-v2 minilm-l6-sick-nli token-jaccard bag-of-embeddings --out OUT

on a fresh cache, made before ``compsem run`` was split into analysis, rendering and a library
``run()``. A run now must give the same bytes, apart from timing fields and library versions
(``tests/run_identity.py``). To remake them after an intended change, run the command above
and copy OUT's files (and the output, with the folder replaced by ``<out>``) here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from run_fixture import synthetic_results
from run_identity import RUN_FILES, compare_runs, differences, normalize

from compsem import pipeline
from compsem.analysis import analyze
from compsem.cli import main
from compsem.data.csv_safety import read_safe_csv
from compsem.reports.files import write_run
from compsem.reports.markdown import comparison_dict, report_markdown, summary_dict

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "golden_run"
GOLDEN_MODELS = ["all-MiniLM-L6-v2", "minilm-l6-sick-nli", "token-jaccard", "bag-of-embeddings"]


def _golden_results() -> pd.DataFrame:
    """The golden run's results as scoring returned them (the CSV keeps every float's digits)."""
    results = read_safe_csv(GOLDEN / "all_pair_results.csv", keep_default_na=False)
    return results.astype({"raw_score": float, "score": float})


@pytest.mark.slow
def test_run_writes_the_golden_files(tmp_path: Path, monkeypatch, capsys):
    """The command end to end, real models: the same bytes as before the refactoring, timing aside."""
    monkeypatch.chdir(DATA)  # pairs_source is the path as given
    out = tmp_path / "out"
    rc = main(
        [
            "run",
            "-q",
            "--pairs",
            "golden_pairs.csv",
            "--models",
            *GOLDEN_MODELS,
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out.replace(str(out), "<out>")
    assert not differences((GOLDEN / "stdout.txt").read_text(encoding="utf-8"), printed, "stdout")
    diff = compare_runs(GOLDEN, out, environment=True)
    if diff:
        new, old = pd.read_json(out / "all_pair_results.jsonl", lines=True), _golden_results()
        drift = (new["score"] - old["score"]).abs().max()
        if 0 < drift < 1e-6:  # another CPU's float rounding; test_analysis_of_golden_scores covers the rest
            pytest.skip(f"the models' scores differ from the golden ones by {drift:.1e} on this machine")
    assert not diff, "\n".join(diff)


def test_analysis_of_golden_scores_renders_the_golden_files(tmp_path: Path):
    """From the golden scores on, no model: analysis and rendering give the golden bytes on any machine."""
    results = _golden_results()
    meta = json.loads((GOLDEN / "summary.json").read_text(encoding="utf-8"))["meta"]
    analysis = analyze(results, meta["thresholds"])
    write_run(
        tmp_path,
        results,
        summary_dict(analysis, meta),
        comparison_dict(analysis.comparisons),
        report_markdown(analysis, meta),
    )
    diff = compare_runs(GOLDEN, tmp_path, environment=True)
    assert not diff, "\n".join(diff)


def test_the_identity_check_fails_on_a_change(tmp_path: Path):
    """A changed digit anywhere fails; timing fields and versions do not."""
    for name in RUN_FILES:
        (tmp_path / name).write_bytes((GOLDEN / name).read_bytes())
    summary = (tmp_path / "summary.json").read_text(encoding="utf-8")
    retimed = summary.replace('"seconds": ', '"seconds": 1').replace('"created": "', '"created": "x')
    (tmp_path / "summary.json").write_text(retimed.replace('"numpy": "', '"numpy": "0'), encoding="utf-8")
    assert retimed != summary and not compare_runs(GOLDEN, tmp_path, environment=True)
    assert compare_runs(GOLDEN, tmp_path)  # versions count unless set aside
    report = (GOLDEN / "report.md").read_text(encoding="utf-8")
    changed = report.replace("0.844 ± 0.089", "0.845 ± 0.089")
    assert changed != report
    (tmp_path / "report.md").write_text(changed, encoding="utf-8")
    assert any("0.845" in line for line in compare_runs(GOLDEN, tmp_path, environment=True))
    assert (
        normalize("scored 1, cached 0 in 12.5s (1 model(s) x 2 pairs)")
        == "scored 1, cached 0 in <seconds>s (1 model(s) x 2 pairs)"
    )


#: The public statistics a run's files show; each must run once per run (describe_with_ci once per threshold).
COUNTED = (
    "describe_scores",
    "failure_rates",
    "describe_with_ci",
    "family_comparison",
    "family_failure_rates",
    "roc_auc_by_category",
    "calibrated_thresholds",
    "findings",
)


def test_a_run_computes_each_statistic_once(tmp_path: Path, monkeypatch, capsys, stats_calls):
    calls = stats_calls(*COUNTED)
    results = synthetic_results()  # a bi-encoder, two cross-encoders (one NLI) and a baseline, with every control

    def fake_scoring(pairs, models, **_kwargs):
        from compsem.scoring import ModelRun, ScoreRun

        return ScoreRun(
            results,
            [ModelRun(m, "scored", scored=int((results["model"] == m).sum())) for m in dict.fromkeys(results["model"])],
        )

    monkeypatch.setattr("compsem.pipeline.score_pairs", fake_scoring)
    out = tmp_path / "out"
    rc = main(
        [
            "run",
            "-q",
            "--pairs",
            str(DATA / "small_pairs.csv"),
            "--models",
            "token-jaccard",
            "--thresholds",
            "0.5",
            "0.8",
            "0.9",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    comparisons = len(json.loads((out / "comparison.json").read_text())) - 1  # less "method"
    assert comparisons == 2  # bi vs cross, bi vs baselines
    assert calls == {**dict.fromkeys(COUNTED, 1), "describe_with_ci": 3, "family_comparison": comparisons}
    report = (out / "report.md").read_text()
    assert "## Findings" in report and "## Calibrated thresholds" in report and "## Family failure rates" in report


def test_run_refuses_bad_input_before_scoring(tmp_path: Path, monkeypatch):
    def no_scoring(*_args, **_kwargs):
        raise AssertionError("scoring started")

    monkeypatch.setattr("compsem.pipeline.score_pairs", no_scoring)
    pairs = str(DATA / "small_pairs.csv")
    cases = [
        ({"models": ["no-such-model"]}, "unknown model"),
        ({"thresholds": [1.5]}, "outside 0-1"),
        ({"thresholds": [float("nan")]}, "not a number"),
        ({"batch_size": 0}, "--batch-size must be at least 1"),
        ({"out": tmp_path / "file.txt"}, "is a file, not a folder"),
    ]
    (tmp_path / "file.txt").write_text("x")
    for kwargs, message in cases:
        with pytest.raises(pipeline.RunError, match=message):
            pipeline.run(pairs, **{"models": ["token-jaccard"], "out": tmp_path / "out", **kwargs})
    with pytest.raises(pipeline.RunError, match="no such file"):
        pipeline.run(tmp_path / "missing.csv", ["token-jaccard"], out=tmp_path / "out")


def test_run_as_a_library_call(tmp_path: Path):
    seen = []
    outcome = pipeline.run(
        DATA / "small_pairs.csv",
        ["token-jaccard", "tfidf-cosine"],
        thresholds=[0.5],
        out=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        on_scored=seen.append,
    )
    assert seen == [outcome.scoring] and outcome.scoring.scored == 12
    assert [p.name for p in outcome.paths] == list(RUN_FILES)
    assert outcome.meta["pairs_source"] == str(DATA / "small_pairs.csv") and outcome.meta["thresholds"] == [0.5]
    assert outcome.summary().startswith("scored 12, cached 0 in ")
    assert outcome.summary().endswith("(2 model(s) x 6 pairs)")
    assert outcome.analysis.thresholds == (0.5,) and outcome.analysis.comparisons == {}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["meta"]["versions"] == outcome.meta["versions"]
