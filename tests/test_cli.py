"""compsem.cli end to end: `compsem run` on the packaged MiniLM, `pairs check`, `models`, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from compsem.cli import main

DATA = Path(__file__).parent / "data"


def run_cli(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    """The installed entry point as a user runs it, in a fresh process."""
    env = None
    if cache is not None:
        import os

        env = {**os.environ, "COMPSEM_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "compsem.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.mark.slow
def test_run_writes_four_files_and_second_run_scores_nothing(tmp_path: Path):
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    first = run_cli(
        "run",
        "--pairs",
        str(DATA / "small_pairs.csv"),
        "--models",
        "all-MiniLM-L6-v2",
        "token-jaccard",
        "--thresholds",
        "0.5",
        "0.8",
        "--out",
        str(out),
        "-q",
        cache=cache,
    )
    assert first.returncode == 0, first.stderr
    assert "scored 12, cached 0" in first.stdout

    table = pd.read_csv(out / "all_pair_results.csv")
    assert list(table.columns) == [
        "pair_id",
        "category",
        "sentence_a",
        "sentence_b",
        "model",
        "kind",
        "objective",
        "raw_score",
        "score",
        "raw_output",
        "domain",
        "note",
    ]  # the file's own columns last
    assert table.set_index("pair_id").loc["t-swap-1", "note"].iloc[0] == "swapped caller"
    assert len(table) == 12
    minilm = table[table["model"] == "sentence-transformers/all-MiniLM-L6-v2"].set_index("pair_id")["score"]
    assert minilm["t-swap-1"] > 0.9 and minilm["t-unr-1"] < 0.3  # real behaviour, not plumbing

    summary = json.loads((out / "summary.json").read_text())
    swap = next(
        r
        for r in summary["per_model_category"]
        if r["model"] == "sentence-transformers/all-MiniLM-L6-v2" and r["category"] == "entity_swap"
    )
    assert swap["n"] == 2 and swap["rate_at_threshold"] == {"0.5": 1.0, "0.8": 1.0}
    comparison = json.loads((out / "comparison.json").read_text())
    assert "bi_encoder_vs_baselines" in comparison
    report = (out / "report.md").read_text()
    assert report.startswith("# compsem report") and "Entity swap" in report and "MiniLM" in report

    second = run_cli(
        "run",
        "--pairs",
        str(DATA / "small_pairs.csv"),
        "--models",
        "all-MiniLM-L6-v2",
        "token-jaccard",
        "--out",
        str(out),
        "-q",
        cache=cache,
    )
    assert second.returncode == 0 and "scored 0, cached 12" in second.stdout


@pytest.mark.slow
def test_run_scores_a_new_pair_file_with_the_shipped_adapters(tmp_path: Path):
    trained = [f"compsem/minilm-l6-{slug}" for slug in ("sick-nli", "sick-relatedness", "stsb", "mrpc")]
    out = tmp_path / "out"
    done = run_cli(
        "run",
        "--pairs",
        str(DATA / "small_pairs.csv"),
        "--models",
        *trained,
        "--out",
        str(out),
        "-q",
        cache=tmp_path / "cache",
    )
    assert done.returncode == 0, done.stderr
    assert "scored 24, cached 0" in done.stdout and "skipped" not in done.stderr  # 6 new pairs x 4 adapters
    table = pd.read_csv(out / "all_pair_results.csv")
    assert sorted(set(table["model"])) == sorted(trained) and table["score"].between(0, 1).all()
    nli = table[table["model"] == trained[0]]
    assert all("logits_ba" in json.loads(o) for o in nli["raw_output"])  # mutual entailment: both orders ran


def test_pairs_check_prints_lines_and_exits_1(tmp_path: Path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,category,sentence_a,sentence_b\na,negation,,x\na,negation,It is.,It is not.\n")
    assert main(["pairs", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "line 2: error: empty sentence in column sentence_a" in out
    assert "line 3: error: duplicate id 'a'" in out


def test_pairs_check_ok(capsys):
    assert main(["pairs", "check", str(DATA / "small_pairs.csv")]) == 0
    assert "OK, 6 pairs in 4 categories" in capsys.readouterr().out


def test_models_json_reports_offline_availability(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert main(["models", "--json"]) == 0
    models = {m["key"]: m for m in json.loads(capsys.readouterr().out)}
    assert models["sentence-transformers/all-MiniLM-L6-v2"]["availability"] == "packaged"
    bge = models["BAAI/bge-large-en-v1.5"]
    assert bge["availability"] == "unavailable" and "offline" in bge["reason"]
    assert models["cross-encoder/nli-roberta-large"]["objective"] == "nli"
    for slug in ("sick-nli", "sick-relatedness", "stsb", "mrpc"):  # shipped adapters, usable on a fresh clone
        assert models[f"compsem/minilm-l6-{slug}"]["availability"] == "packaged"
        assert models[f"compsem/minilm-l6-{slug}"]["kind"] == "cross-encoder"


def test_unknown_model_and_bad_threshold_exit_1(capsys):
    assert main(["run", "--pairs", str(DATA / "small_pairs.csv"), "--models", "nope-model"]) == 1
    assert "unknown model 'nope-model'" in capsys.readouterr().err
    assert (
        main(["run", "--pairs", str(DATA / "small_pairs.csv"), "--models", "token-jaccard", "--thresholds", "1.5"]) == 1
    )
    assert "outside 0-1" in capsys.readouterr().err


def test_broken_pair_file_exits_1_with_line_numbers(capsys):
    assert main(["run", "--pairs", str(DATA / "missing_column.csv")]) == 1
    assert "line 1: error: missing column(s): sentence_a" in capsys.readouterr().err


def test_no_usable_model_exits_1(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert (
        main(["run", "--pairs", str(DATA / "small_pairs.csv"), "--models", "gte-large", "--out", str(tmp_path / "o")])
        == 1
    )
    err = capsys.readouterr().err
    assert "skipped thenlper/gte-large: offline" in err and "no model could score" in err


def test_unknown_backend_is_a_usage_error(capsys):
    for command in (["run"], ["rerank-eval"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--backend", "gpu"])
        assert exit_info.value.code == 2
        assert "invalid choice: 'gpu'" in capsys.readouterr().err


def test_backend_choices_are_the_library_backends():
    from compsem.cli import build_parser
    from compsem.models.quantization import BACKENDS

    run = build_parser()._subparsers._group_actions[0].choices["run"]
    backend = next(a for a in run._actions if a.dest == "backend")
    assert tuple(backend.choices) == BACKENDS and backend.default == "torch"


@pytest.mark.slow
def test_warm_run_imports_no_torch_and_loads_no_model(tmp_path: Path):
    """A run with nothing left to score decides so from the cache alone: no torch, no sentence-transformers."""
    cache, out = tmp_path / "cache", tmp_path / "out"
    args = [
        "run",
        "--pairs",
        str(DATA / "small_pairs.csv"),
        "--models",
        "all-MiniLM-L6-v2",
        "minilm-l6-sick-nli",
        "token-jaccard",
        "--out",
        str(out),
        "-q",
    ]
    cold = run_cli(*args, cache=cache)
    assert cold.returncode == 0 and "scored 18, cached 0" in cold.stdout, cold.stderr
    code = (
        "import sys; from compsem.cli import main; rc = main(sys.argv[1:]); "
        "print('heavy:', sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'onnxruntime') "
        "if m in sys.modules)); sys.exit(rc)"
    )
    import os

    env = {**os.environ, "COMPSEM_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    warm = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=600)
    assert warm.returncode == 0, warm.stderr
    assert "scored 0, cached 18" in warm.stdout
    assert "heavy: []" in warm.stdout, warm.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["meta"]["backend"] == "torch" and summary["meta"]["versions"]["torch"] != "not installed"


def test_run_records_the_backend(tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                "--pairs",
                str(DATA / "small_pairs.csv"),
                "--models",
                "token-jaccard",
                "--backend",
                "onnx-int8",
                "--out",
                str(out),
                "-q",
                "--cache-dir",
                str(tmp_path / "cache"),
            ]
        )
        == 0
    )
    assert json.loads((out / "summary.json").read_text())["meta"]["backend"] == "onnx-int8"
