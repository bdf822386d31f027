"""compsem.check and `compsem check`: limits, config, the gate's verdict, JUnit XML and Markdown, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from compsem.check import CheckError, evaluate, junit_xml, markdown_summary, parse_limits, read_config, text_table
from compsem.cli import main

DATA = Path(__file__).parent / "data"


def frame(scores: dict[str, list[float]], model: str = "m") -> pd.DataFrame:
    rows = [
        {
            "pair_id": f"{cat}-{i}",
            "category": cat,
            "model": model,
            "kind": "bi-encoder",
            "objective": "general",
            "score": s,
        }
        for cat, values in scores.items()
        for i, s in enumerate(values)
    ]
    return pd.DataFrame(rows)


HAND = frame(
    {
        "negation": [0.9, 0.7, 0.1],
        "positive_control": [0.9, 0.8, 0.3, 0.2],
        "negative_control": [0.1, 0.05],
        "near_miss_control": [0.6],
    }
)


# -- limits and config -------------------------------------------------------------------------------
def test_parse_limits():
    assert parse_limits(["negation=0.2", " quantifier = 0 ", "negation=0.3"]) == {"negation": 0.3, "quantifier": 0.0}


@pytest.mark.parametrize(
    "item, message",
    [
        ("negation", "CATEGORY=RATE"),
        ("=0.2", "CATEGORY=RATE"),
        ("negation=1.5", "outside 0-1"),
        ("negation=-0.1", "outside 0-1"),
        ("negation=abc", "must be a number"),
        ("negation=nan", "outside 0-1"),
    ],
)
def test_bad_limits_say_why(item, message):
    with pytest.raises(CheckError, match=message):
        parse_limits([item])


def test_config_top_level_or_limits_table(tmp_path):
    path = tmp_path / "gate.toml"
    path.write_text(
        'threshold = 0.6\npairs = "mine.csv"\nhedging = 0.5\n[limits]\nnegation = 0.2\npositive_control = 0.8\n'
    )
    config = read_config(path)
    assert config.limits == {"hedging": 0.5, "negation": 0.2, "positive_control": 0.8}
    assert config.threshold == 0.6 and config.calibrated is None
    assert config.pairs == str(tmp_path / "mine.csv")  # relative to the TOML file


@pytest.mark.parametrize(
    "text, message",
    [
        ("negation = ", "not valid TOML"),
        ("negation = 2", "outside 0-1"),
        ('negation = "a lot"', "must be a number"),
        ("threshold = 0.5\ncalibrated = true\nnegation = 0.1", "not both"),
        ("threshold = 7\nnegation = 0.1", "threshold"),
        ("calibrated = 1\nnegation = 0.1", "true or false"),
        ("[other]\nnegation = 0.1", "unexpected table"),
    ],
)
def test_bad_config_says_why(tmp_path, text, message):
    path = tmp_path / "gate.toml"
    path.write_text(text)
    with pytest.raises(CheckError, match=message):
        read_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(CheckError, match="no such config file"):
        read_config(tmp_path / "absent.toml")


# -- the verdict --------------------------------------------------------------------------------------
def test_failure_rate_limit_is_a_maximum():
    # negation 0.9, 0.7, 0.1 at t = 0.5: 2 of 3 at or above
    result = evaluate(HAND, "m", {"negation": 0.2})
    neg = next(c for c in result.categories if c.category == "negation")
    assert (neg.n, neg.n_at_or_above) == (3, 2) and neg.rate == pytest.approx(2 / 3)
    assert neg.status == "failed" and not result.ok
    assert evaluate(HAND, "m", {"negation": 0.7}).ok  # 0.667 <= 0.7
    assert evaluate(HAND, "m", {"negation": 2 / 3}).ok  # the limit itself holds


def test_pass_rate_limit_is_a_minimum():
    # positive controls 0.9, 0.8, 0.3, 0.2 at t = 0.5: pass rate 0.5
    assert evaluate(HAND, "m", {"positive_control": 0.5}).ok
    result = evaluate(HAND, "m", {"positive_control": 0.6})
    assert [c.category for c in result.failed] == ["positive_control"]
    assert result.failed[0].rule == "pass rate >= 60%"


def test_threshold_moves_the_rate():
    assert evaluate(HAND, "m", {"negation": 0.2}, threshold=0.95).ok  # nothing scores >= 0.95


def test_calibrated_threshold_is_the_models_own():
    # positives 0.9 0.8 0.3 0.2, negatives 0.1 0.05 0.6: J(0.2) = 1 - 1/3 beats J(0.8) = 1/2 - 0
    result = evaluate(HAND, "m", {"near_miss_control": 0.5}, calibrated=True)
    assert result.calibrated and result.threshold == pytest.approx(0.2)
    assert "calibrated" in result.threshold_text
    # the negative control 0.1 stays under 0.2, the near miss 0.6 does not
    assert {c.category: c.n_at_or_above for c in result.categories}["negative_control"] == 0
    assert not result.ok


def test_categories_without_limit_are_reported_not_tested():
    result = evaluate(HAND, "m", {"negation": 1.0})
    status = {c.category: c.status for c in result.categories}
    assert status == {
        "negation": "passed",
        "positive_control": "no limit",
        "negative_control": "no limit",
        "near_miss_control": "no limit",
    }


@pytest.mark.parametrize(
    "limits, kwargs, message",
    [
        ({"sarcasm": 0.2}, {}, "unknown category 'sarcasm'"),
        ({"temporal": 0.2}, {}, "has no temporal pairs"),  # a built-in category absent from the pairs is an error
        ({}, {}, "no limit given"),
        ({"negation": 0.2}, {"threshold": 0.5, "calibrated": True}, "not both"),
        ({"negation": 0.2}, {"threshold": 1.5}, "outside 0-1"),
    ],
)
def test_gate_refuses_what_it_cannot_check(limits, kwargs, message):
    with pytest.raises(CheckError, match=message):
        evaluate(HAND, "m", limits, **kwargs)


def test_calibrated_needs_controls():
    with pytest.raises(CheckError, match="no calibrated threshold"):
        evaluate(frame({"negation": [0.9, 0.1]}), "m", {"negation": 0.2}, calibrated=True)


# -- output -------------------------------------------------------------------------------------------
def test_junit_has_one_case_per_category_and_a_failure_for_a_broken_limit():
    result = evaluate(HAND, "m", {"negation": 0.2, "negative_control": 0.0})
    root = ET.fromstring(junit_xml(result))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["negation", "positive_control", "negative_control", "near_miss_control"]
    assert suite.get("tests") == "4" and suite.get("failures") == "1" and suite.get("skipped") == "2"
    by_name = {c.get("name"): c for c in cases}
    assert "66.7%" in by_name["negation"].find("failure").get("message")
    assert by_name["negative_control"].find("failure") is None and by_name["negative_control"].find("skipped") is None
    assert by_name["positive_control"].find("skipped") is not None
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["threshold"] == "0.5" and props["model"] == "m"


def test_markdown_and_text_tables():
    result = evaluate(HAND, "m", {"negation": 0.2})
    md = markdown_summary(result)
    assert "❌ failed" in md.splitlines()[0]
    assert "| Negation | 2/3 | 66.7% | failure rate <= 20% | ❌ failed |" in md
    text = text_table(result)
    assert text.splitlines()[-1].startswith("FAILED: 0 of 1 limit(s) hold; broken: Negation")
    assert "PASSED" in text_table(evaluate(HAND, "m", {"negation": 0.9}))


# -- the command --------------------------------------------------------------------------------------
def test_cli_exit_codes_and_files(tmp_path, capsys):
    pairs = str(DATA / "small_pairs.csv")  # token Jaccard: the swapped-role pairs share every word
    junit, md = tmp_path / "out" / "check.xml", tmp_path / "check.md"
    rc = main(
        [
            "check",
            "token-jaccard",
            "--pairs",
            pairs,
            "--limit",
            "entity_swap=0.2",
            "--junit",
            str(junit),
            "--markdown",
            str(md),
        ]
    )
    assert rc == 1
    out = capsys.readouterr().out
    assert "Entity swap" in out and "FAILED" in out
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == "1"
    assert "❌ failed" in md.read_text()
    assert main(["check", "token-jaccard", "--pairs", pairs, "--limit", "entity_swap=1"]) == 0
    config = tmp_path / "gate.toml"
    config.write_text("[limits]\nentity_swap = 0.2\n")
    assert main(["check", "token-jaccard", "--pairs", pairs, "--config", str(config)]) == 1
    # the command line overrides the same category in the file
    assert main(["check", "token-jaccard", "--pairs", pairs, "--config", str(config), "--limit", "entity_swap=1"]) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope-model", "--limit", "negation=0.2"], "unknown model"),
        (["token-jaccard", "--limit", "negaton=0.2"], "unknown category"),
        (["token-jaccard", "--limit", "negation=1.2"], "outside 0-1"),
        (["token-jaccard", "--limit", "temporal=0.2", "--pairs", str(DATA / "small_pairs.csv")], "no temporal pairs"),
        (["token-jaccard"], "no limit given"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(args, message, capsys):
    assert main(["check", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and err.startswith("compsem check: error:")


def test_cli_missing_pair_file_exits_2(capsys):
    assert main(["check", "token-jaccard", "--limit", "negation=0.2", "--pairs", str(DATA / "absent.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("compsem check: error:") and "no such file" in err  # the pair checker lists its problems


def test_cli_threshold_with_calibrated_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "token-jaccard", "--limit", "negation=0.2", "--threshold", "0.5", "--calibrated"])
    assert exc.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_cli_bad_toml_exits_2(tmp_path, capsys):
    config = tmp_path / "gate.toml"
    config.write_text("negation = = 0.2\n")
    assert main(["check", "token-jaccard", "--config", str(config)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


@pytest.mark.slow
def test_gate_fails_minilm_on_negation_and_passes_the_trained_nli_model(tmp_path):
    """The issue's acceptance check, as CI runs it: a fresh process, the bundled pairs, JUnit output."""
    env = {**os.environ, "COMPSEM_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    results = {}
    for model in ("all-MiniLM-L6-v2", "compsem/minilm-l6-sick-nli"):
        junit = tmp_path / f"{model.replace('/', '_')}.xml"
        proc = subprocess.run(
            [sys.executable, "-m", "compsem.cli", "check", model, "--limit", "negation=0.2", "--junit", str(junit)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        suite = ET.parse(junit).getroot().find("testsuite")
        results[model] = (proc.returncode, suite.get("failures"), proc.stdout)
    assert results["all-MiniLM-L6-v2"][:2] == (1, "1"), results["all-MiniLM-L6-v2"][2]
    assert results["compsem/minilm-l6-sick-nli"][:2] == (0, "0"), results["compsem/minilm-l6-sick-nli"][2]
