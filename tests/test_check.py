"""compsem.check and `compsem check`: limits, config, the gate's verdict, JUnit XML and Markdown, exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from compsem.check import CheckError, evaluate, parse_limits, read_config
from compsem.check_output import junit_xml, markdown_summary, text_table
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


# -- issue 22: exit 2 when the check cannot run; hostile config files; safe Markdown and JUnit -------------------
def test_a_file_as_cache_dir_is_could_not_run_exit_2(tmp_path, capsys):
    """Item 11: an unusable cache is not "a limit is broken" (1): the check did not run (2)."""
    blocker = tmp_path / "cache-file"
    blocker.write_text("x")
    assert main(["check", "token-jaccard", "--limit", "negation=0.2", "--cache-dir", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("compsem check: error: the score cache cannot be used") and "is a file" in err


def test_a_cache_write_failure_is_exit_2(tmp_path, capsys, monkeypatch):
    from compsem.store.recovery import CacheError
    from compsem.store.sqlite import ScoreCache

    def refuse(*args, **kwargs):
        raise CacheError("the score cache folder is read-only")

    monkeypatch.setattr(ScoreCache, "put_many", refuse)
    assert main(["check", "token-jaccard", "--limit", "negation=0.2", "--cache-dir", str(tmp_path / "c")]) == 2
    assert "read-only" in capsys.readouterr().err


def test_a_file_system_error_while_scoring_is_exit_2(tmp_path, capsys, monkeypatch):
    from compsem.store.sqlite import ScoreCache

    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system", str(tmp_path / "c"))

    monkeypatch.setattr(ScoreCache, "put_many", refuse)
    assert main(["check", "token-jaccard", "--limit", "negation=0.2", "--cache-dir", str(tmp_path / "c")]) == 2
    assert "Read-only file system" in capsys.readouterr().err


def _check_in_a_fresh_process(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COMPSEM_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "compsem.cli", "check", "token-jaccard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # a FIFO read would hang: the timeout fails the test
        check=False,
    )


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: (os.mkfifo(tmp / "gate.toml"), tmp / "gate.toml")[1], "a FIFO/pipe"),
        (lambda tmp: Path("/dev/zero"), "a character device"),
        (lambda tmp: tmp, "is a folder, not a TOML file"),
        (
            lambda tmp: (
                (tmp / "deep.toml").write_text("negation = " + "[" * 50_000 + "]" * 50_000 + "\n"),
                tmp / "deep.toml",
            )[1],
            "nested more than",
        ),
        (lambda tmp: ((tmp / "big.toml").write_bytes(b"# x\n" * 400_000), tmp / "big.toml")[1], "the limit is 1 MB"),
    ],
    ids=["fifo", "dev-zero", "folder", "deep-nesting", "too-big"],
)
def test_hostile_config_files_are_refused_with_exit_2(tmp_path, make, message):
    """Item 13: the --config TOML gets the pair files' guards (regular file, size limit) and a nesting limit."""
    proc = _check_in_a_fresh_process(tmp_path, "--config", str(make(tmp_path)))
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("compsem check: error:")


HOSTILE_NAMES = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a | b | c", "[x](javascript:y)"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_markdown_summary_escapes_names(name: str):
    """Item 17: a category or model name carries no live HTML or table syntax into the Markdown."""
    data = HAND.assign(category=HAND["category"].replace({"negation": name}), model=name)
    md = markdown_summary(evaluate(data, name, {name: 0.2}, label=name))
    live = _unescaped(md)
    assert "<script" not in live and "<img" not in live and "](javascript" not in live
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert rows and all(len(_cells(row)) == 5 for row in rows), rows


def _unescaped(md: str) -> str:
    """What Markdown reads as syntax: the text without backslash-escaped characters."""
    return re.sub(r"\\.", "", md)


def _cells(row: str) -> list[str]:
    """The cells of a Markdown table row: ``|`` splits unless a backslash escapes it."""
    cells, current, i = [], "", 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            current += row[i : i + 2]
            i += 2
            continue
        if row[i] == "|":
            cells.append(current)
            current = ""
        else:
            current += row[i]
        i += 1
    cells.append(current)
    return cells[1:-1]  # a row starts and ends with a pipe


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x00", "\x0b", "\x7f", "\ufffe"])
def test_junit_xml_with_control_characters_in_names_parses(char: str):
    """Item 18: characters XML 1.0 forbids are written as visible escapes, so the file still parses."""
    name = f"neg{char}ation"
    data = HAND.assign(category=[name if c == "negation" else c for c in HAND["category"]], model=f"m{char}")
    result = evaluate(data, f"m{char}", {name: 0.2}, pairs_source=f"p{char}.csv", label=f"L{char}")
    xml = junit_xml(result)
    root = ET.fromstring(xml.encode("utf-8"))
    names = [case.get("name") for case in root.iter("testcase")]
    shown = f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    assert f"neg{shown}ation" in names, names


def test_text_table_shows_control_characters_escaped():
    """Item 19 (terminal): a name with ESC is printed as \\x1b, never raw."""
    name = "neg\x1b]0;owned\x07ation"
    data = HAND.assign(category=HAND["category"].replace({"negation": name}))
    text = text_table(evaluate(data, "m", {name: 0.2}, label="M\x1b[2J"))
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text


# -- properties: the TOML limits reader and the two writers ----------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAMES = st.text(min_size=1, max_size=20) | st.sampled_from(HOSTILE_NAMES + ["negation", "neg\x1bation", "a\x00b"])
_TOML_VALUES = st.sampled_from(["0.2", "1", "-1", "nan", "inf", "true", '"x"', "[1, 2]", "{a = 1}", "2000-01-01"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.tuples(st.sampled_from(["", "[limits]\n", "[x]\n"]), _NAMES, _TOML_VALUES).map(
            lambda t: f"{t[0]}{json_key(t[1])} = {t[2]}\n"
        ),
        max_size=6,
    )
    | st.text(max_size=200).map(lambda t: [t])
)
def test_any_config_text_gives_limits_or_one_check_error(tmp_path, lines: list[str]):
    path = tmp_path / "gate.toml"
    path.write_text("".join(lines), encoding="utf-8")
    try:
        config = read_config(path)
    except CheckError as exc:
        assert str(exc) and "\n" not in str(exc).strip() or "TOML" in str(exc)
        return
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in config.limits.values())


def json_key(name: str) -> str:
    import json

    return json.dumps(name)  # a TOML basic string is close enough to JSON's for these names


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(_NAMES, min_size=1, max_size=4, unique=True),
    model=_NAMES,
    label=_NAMES,
    source=_NAMES,
    rates=st.lists(st.floats(0, 1), min_size=4, max_size=4),
)
def test_writers_always_give_parseable_output(names, model, label, source, rates):
    rows = [
        {"pair_id": f"{n}-{i}", "category": n, "model": model, "kind": "bi-encoder", "objective": "general", "score": r}
        for n in names
        for i, r in enumerate(rates)
    ]
    result = evaluate(pd.DataFrame(rows), model, {names[0]: 0.5}, pairs_source=source, label=label)
    md = markdown_summary(result)
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(names) and all(len(_cells(row)) == 5 for row in table)
    assert not re.search(r"<[A-Za-z/!?]", _unescaped(md))  # no raw HTML tag can open
    root = ET.fromstring(junit_xml(result).encode("utf-8"))
    assert len(list(root.iter("testcase"))) == len(names)
    assert "\x1b" not in text_table(result)


def test_truncated_pairs_are_reported_in_every_output():
    """Item 7: the gate says when the model read some pairs only in part (terminal, Markdown, JUnit)."""
    import dataclasses

    from compsem.models.truncation import Truncation

    result = dataclasses.replace(
        evaluate(HAND, "m", {"negation": 0.2}), truncation=Truncation(2, 10, 256, "tokens per sentence")
    )
    assert "warning: 2 of 10 pair(s) are longer than m reads (256 tokens per sentence)" in text_table(result)
    assert "⚠️ 2 of 10 pair(s) are longer than m reads" in markdown_summary(result)
    props = {p.get("name"): p.get("value") for p in ET.fromstring(junit_xml(result)).iter("property")}
    assert props["truncated_pairs"] == "2"
    plain = evaluate(HAND, "m", {"negation": 0.2})
    assert "longer than" not in text_table(plain) + markdown_summary(plain)
