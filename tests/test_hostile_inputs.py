"""The `compsem` command against hostile input: pair files, model keys, thresholds, output paths, free text.

Every case drives the real CLI and asserts three things: the exit code, that no
"Traceback" reaches the user, and that the message names the problem. Most cases call
``compsem.cli.main`` in-process (an exception escaping it fails the test, which is what a
traceback is); the cases where the operating system matters most (a FIFO, devices, a file
over the size limit, the over-long keys of the issue) run ``python -m compsem.cli`` in a
fresh process with a timeout, so a hang fails too. No real model is loaded: scoring uses
the token-Jaccard baseline.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from compsem.cli import main

HEADER = "id,category,sentence_a,sentence_b\n"
GOOD_ROW = "1,negation,The trial met its endpoint.,The trial did not meet its endpoint.\n"
GOOD = HEADER + GOOD_ROW


@dataclass(frozen=True)
class Case:
    """One hostile input: ``argv`` is built in a fresh folder; ``message`` must appear in the output."""

    id: str
    kind: str
    argv: Callable[[Path], list[str]]
    code: int
    message: str
    subprocess: bool = False


def write(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return make


def check(make: Callable[[Path], Path | str]) -> Callable[[Path], list[str]]:
    return lambda tmp: ["pairs", "check", str(make(tmp))]


def run_with(make: Callable[[Path], Path | str]) -> Callable[[Path], list[str]]:
    return lambda tmp: [
        "run",
        "--pairs",
        str(make(tmp)),
        "--models",
        "token-jaccard",
        "-q",
        "--out",
        str(tmp / "out"),
        "--cache-dir",
        str(tmp / "cache"),
    ]


def model(key: str, command: str = "run") -> Callable[[Path], list[str]]:
    def argv(tmp: Path) -> list[str]:
        if command == "score":
            return ["score", "A sentence.", "Another one.", "--models", key, "--cache-dir", str(tmp / "cache")]
        return [
            "run",
            "--pairs",
            str(write("p.csv", GOOD)(tmp)),
            "--models",
            key,
            "-q",
            "--out",
            str(tmp / "out"),
            "--cache-dir",
            str(tmp / "cache"),
        ]

    return argv


def run_args(*extra: str | Callable[[Path], str]) -> Callable[[Path], list[str]]:
    def argv(tmp: Path) -> list[str]:
        args = [
            "run",
            "--pairs",
            str(write("p.csv", GOOD)(tmp)),
            "--models",
            "token-jaccard",
            "-q",
            "--cache-dir",
            str(tmp / "cache"),
        ]
        if not any(e == "--out" for e in extra):
            args += ["--out", str(tmp / "out")]
        return args + [e(tmp) if callable(e) else e for e in extra]

    return argv


def score(a: str, b: str, *extra: str) -> Callable[[Path], list[str]]:
    return lambda tmp: ["score", a, b, "--models", "token-jaccard", "--cache-dir", str(tmp / "cache"), *extra]


def fifo(tmp: Path) -> Path:
    path = tmp / "pipe.csv"
    os.mkfifo(path)
    return path


def symlink_loop(tmp: Path) -> Path:
    path = tmp / "loop.csv"
    path.symlink_to(path)
    return path


def dangling(tmp: Path) -> Path:
    path = tmp / "dangling.csv"
    path.symlink_to(tmp / "gone.csv")
    return path


def a_file(tmp: Path) -> str:
    path = tmp / "taken"
    path.write_text("x")
    return str(path)


def folder(tmp: Path) -> Path:
    (tmp / "folder.csv").mkdir()
    return tmp / "folder.csv"


BIG = HEADER + "".join(f"{i},negation,{'word ' * 100}{i},{'other ' * 100}{i}\n" for i in range(6000))
MANY = HEADER + "".join(f"{i},negation,Sentence {i}.,Other {i}.\n" for i in range(20001))
PAIR_OK = "OK, 1 pairs"
NOT_REGULAR = "is not a regular file"

CASES: list[Case] = [
    # -- pair files ---------------------------------------------------------------------------------------
    Case("empty file", "pair file", check(write("e.csv", "")), 1, "the file is empty"),
    Case("whitespace only", "pair file", check(write("w.csv", " \n\t\n  ")), 1, "the file is empty"),
    Case("binary garbage", "pair file", check(write("g.csv", bytes(range(256)) * 8)), 1, "binary data"),
    Case("png image", "pair file", check(write("i.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")), 1, "binary data"),
    Case("/dev/zero", "pair file", check(lambda tmp: "/dev/zero"), 1, NOT_REGULAR, subprocess=True),
    Case("/dev/null", "pair file", check(lambda tmp: "/dev/null"), 1, NOT_REGULAR, subprocess=True),
    Case("/dev/urandom", "pair file", check(lambda tmp: "/dev/urandom"), 1, NOT_REGULAR),
    Case("a FIFO", "pair file", check(fifo), 1, "a FIFO", subprocess=True),
    Case("a FIFO to run", "pair file", run_with(fifo), 1, "a FIFO", subprocess=True),
    Case("a folder", "pair file", check(folder), 1, "is a folder"),
    Case("a missing file", "pair file", check(lambda tmp: tmp / "nope.csv"), 1, "no such file"),
    Case("a symlink loop", "pair file", check(symlink_loop), 1, "Too many levels of symbolic links"),
    Case("a dangling symlink", "pair file", check(dangling), 1, "no such file"),
    Case("a file over 5 MB", "pair file", check(write("big.csv", BIG)), 1, "the limit is 5 MB", subprocess=True),
    Case("over 20,000 rows", "pair file", check(write("many.csv", MANY)), 1, "more than 20000 pairs"),
    Case(
        "invalid UTF-8 (Latin-1)",
        "pair file",
        check(write("l.csv", (HEADER + "1,negation,café,x\n").encode("latin-1"))),
        1,
        "undecodable bytes",
    ),
    Case("UTF-16 with BOM", "pair file", check(write("u16.csv", GOOD.encode("utf-16"))), 1, "UTF-16"),
    Case("UTF-8 with BOM", "pair file", check(write("bom.csv", "\ufeff" + GOOD)), 0, PAIR_OK),
    Case(
        "NUL bytes late in the file",
        "pair file",
        check(
            write(
                "nul.csv",
                HEADER + "".join(f"{i},negation,S {i}.,T {i}.\n" for i in range(300)) + "9999,negation,a\x00b,c\n",
            )
        ),
        1,
        "NUL",
    ),
    Case("only a header", "pair file", check(write("h.csv", HEADER)), 1, "header but no pairs"),
    Case("wrong columns", "pair file", check(write("c.csv", "a,b,c\n1,2,3\n")), 1, "missing column(s)"),
    Case("no commas at all", "pair file", check(write("t.csv", "just some text\nmore text\n")), 1, "no commas"),
    Case(
        "duplicate ids", "pair file", check(write("d.csv", GOOD + "1,negation,Other a.,Other b.\n")), 1, "duplicate id"
    ),
    Case(
        "duplicate pair",
        "pair file",
        check(write("dp.csv", GOOD + GOOD_ROW.replace("1,", "2,", 1))),
        1,
        "duplicate pair",
    ),
    Case(
        "duplicate column",
        "pair file",
        check(write("dc.csv", "id,id,category,sentence_a,sentence_b\n1,1,n,a,b\n")),
        1,
        "duplicate column",
    ),
    Case("too many fields", "pair file", check(write("f.csv", HEADER + "1,negation,a,b,c\n")), 1, "expected 4 fields"),
    Case(
        "unterminated quote",
        "pair file",
        check(write("q.csv", HEADER + '1,negation,"never closed,b\n')),
        1,
        "broken CSV quoting",
    ),
    Case(
        "a 200 kB cell",
        "pair file",
        check(write("cell.csv", HEADER + "1,negation," + "x" * 200_000 + ",b\n")),
        1,
        "cell too large: 200,000 characters; the limit is 131,072",
    ),
    Case("empty sentence", "pair file", check(write("es.csv", HEADER + "1,negation,,b\n")), 1, "empty sentence"),
    Case(
        "over-long sentence",
        "pair file",
        check(write("ls.csv", HEADER + f"1,negation,{'a' * 2001},b\n")),
        1,
        "the limit is 2000",
    ),
    Case(
        "bad expected value",
        "pair file",
        check(write("x.csv", "id,category,sentence_a,sentence_b,expected\n1,mine,a,b,sideways\n")),
        1,
        "expected must be 'low' or 'high'",
    ),
    Case(
        "HTML and script sentences",
        "pair file",
        check(write("html.csv", HEADER + '1,negation,<script>alert(1)</script>,"<b onmouseover=""x"">hi</b>"\n')),
        0,
        PAIR_OK,
    ),
    Case(
        "formula-leading sentences",
        "pair file",
        check(write("fx.csv", HEADER + '1,negation,"=HYPERLINK(""http://x"",""y"")",+1+1\n2,negation,@SUM(A1),-2+3\n')),
        0,
        "OK, 2 pairs",
    ),
    Case(
        "control characters in a sentence",
        "pair file",
        check(write("cc.csv", HEADER + "1,negation,a\x07b,c\x1bd\n")),
        0,
        "contains control characters",
    ),
    Case("empty file name", "pair file", check(lambda tmp: ""), 1, "no file name given"),
    Case("NUL in the file name", "pair file", check(lambda tmp: "pairs\x00.csv"), 1, "NUL character"),
    Case("file name of 5,000 characters", "pair file", check(lambda tmp: "p" * 5000), 1, "File name too long"),
    Case("run: empty --pairs", "pair file", run_with(lambda tmp: ""), 1, "no file name given"),
    Case("run: /dev/zero", "pair file", run_with(lambda tmp: "/dev/zero"), 1, NOT_REGULAR),
    Case("run: a folder", "pair file", run_with(folder), 1, "is a folder"),
    Case("run: binary garbage", "pair file", run_with(write("g.csv", b"\x00\xff" * 500)), 1, "binary data"),
    # -- model keys ---------------------------------------------------------------------------------------
    Case("5,000-character key", "model key", model("a" * 5000), 1, "5,000 characters long", subprocess=True),
    Case(
        "4,000-character key with slashes",
        "model key",
        model("ab/" * 1333 + "a"),
        1,
        "4,000 characters long",
        subprocess=True,
    ),
    Case("301-character key", "model key", model("k" * 301), 1, "the limit is 300"),
    Case("280-character name (too long for a file name)", "model key", model("k" * 280), 1, "unknown model"),
    Case("NUL in the key", "model key", model("token\x00jaccard"), 1, "control characters"),
    Case("newline in the key", "model key", model("token-jaccard\nrm -rf /"), 1, "control characters"),
    Case("tab in the key", "model key", model("token\tjaccard"), 1, "control characters"),
    Case("escape sequence in the key", "model key", model("\x1b[31mred"), 1, "control characters"),
    Case("../../etc/passwd", "model key", model("../../etc/passwd"), 1, "unknown model"),
    Case("/etc/passwd", "model key", model("/etc/passwd"), 1, "unknown model"),
    Case("the root folder", "model key", model("/"), 1, "unknown model"),
    Case("home folder", "model key", model("~"), 1, "unknown model"),
    Case("unknown model", "model key", model("no-such-model"), 1, "unknown model"),
    Case(
        "hub id outside the registry",
        "model key",
        model("evil/remote-code-model"),
        1,
        "Hub ids outside the registry are not loaded",
    ),
    Case("empty key", "model key", model(""), 1, "the model key is empty"),
    Case("blank key", "model key", model("   "), 1, "the model key is empty"),
    Case("right-to-left override", "model key", model("\u202etoken-jaccard"), 1, "unknown model"),
    Case("score: 5,000-character key", "model key", model("a" * 5000, "score"), 1, "5,000 characters long"),
    Case("score: NUL in the key", "model key", model("a\x00b", "score"), 1, "control characters"),
    # -- thresholds ---------------------------------------------------------------------------------------
    Case("threshold nan", "threshold", run_args("--thresholds", "nan"), 1, "threshold nan is not a number"),
    Case("threshold inf", "threshold", run_args("--thresholds", "inf"), 1, "outside 0-1"),
    Case("threshold -inf", "threshold", run_args("--thresholds=-inf"), 1, "outside 0-1"),
    Case(
        "threshold -inf read as an option",
        "threshold",
        run_args("--thresholds", "-inf"),
        2,
        "--thresholds: expected at least one argument",
    ),
    Case("threshold -1", "threshold", run_args("--thresholds", "-1"), 1, "outside 0-1"),
    Case("threshold 2", "threshold", run_args("--thresholds", "0.5", "2"), 1, "threshold 2.0 is outside 0-1"),
    Case("threshold 1e309", "threshold", run_args("--thresholds", "1e309"), 1, "outside 0-1"),
    Case("threshold abc", "threshold", run_args("--thresholds", "abc"), 2, "invalid float value: 'abc'"),
    Case("threshold empty string", "threshold", run_args("--thresholds", ""), 2, "invalid float value: ''"),
    Case("threshold 0x1", "threshold", run_args("--thresholds", "0x1"), 2, "invalid float value"),
    Case("no threshold after --thresholds", "threshold", run_args("--thresholds"), 2, "expected at least one argument"),
    Case("--batch-size 0", "threshold", run_args("--batch-size", "0"), 1, "--batch-size must be at least 1"),
    Case("--batch-size -5", "threshold", run_args("--batch-size", "-5"), 1, "--batch-size must be at least 1"),
    # -- output paths ---------------------------------------------------------------------------------------
    Case(
        "--out an existing file",
        "output path",
        run_args("--out", a_file),
        1,
        "is a file, not a folder",
        subprocess=True,
    ),
    Case("--out /proc/...", "output path", run_args("--out", "/proc/compsem-out"), 1, "cannot be created"),
    Case("--out /sys/...", "output path", run_args("--out", "/sys/compsem-out"), 1, "cannot be created"),
    Case(
        "--out under a file",
        "output path",
        run_args("--out", lambda tmp: a_file(tmp) + "/sub"),
        1,
        "a part of this path is a file",
    ),
    Case("--out /dev/null", "output path", run_args("--out", "/dev/null"), 1, "is a file, not a folder"),
    Case("--out a read-only folder", "output path", run_args("--out", "/proc/self"), 1, "not writable"),
    Case(
        "--out with a 300-character name",
        "output path",
        run_args("--out", lambda tmp: str(tmp / ("o" * 300))),
        1,
        "is too long",
    ),
    Case("--out empty", "output path", run_args("--out", ""), 1, "--out is empty"),
    Case("--out with NUL", "output path", run_args("--out", "ou\x00t"), 1, "NUL character"),
    Case(
        "rerank-eval --out a file",
        "output path",
        lambda tmp: ["rerank-eval", "--out", a_file(tmp)],
        1,
        "is a file, not a folder",
    ),
    Case(
        "train --out under a file",
        "output path",
        lambda tmp: ["train", "--objective", "stsb", "--out", a_file(tmp) + "/m"],
        1,
        "a part of this path is a file",
    ),
    Case("--cache-dir a file", "output path", run_args("--cache-dir", a_file), 1, "is a file, not a folder"),
    Case(
        "cache info --cache-dir a file",
        "output path",
        lambda tmp: ["cache", "info", "--cache-dir", a_file(tmp)],
        1,
        "is a file, not a folder",
    ),
    # -- free text ----------------------------------------------------------------------------------------
    Case("empty sentence A", "free text", score("", "It rains."), 1, "sentence A is empty"),
    Case("blank sentence B", "free text", score("It rains.", " \t\n "), 1, "sentence B is empty"),
    Case("100,000 characters", "free text", score("word " * 20000, "It rains."), 1, "the limit is"),
    Case("lone surrogate (undecodable bytes)", "free text", score("\udcff", "It rains."), 1, "not text"),
    Case(
        "HTML and script",
        "free text",
        score("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"),
        0,
        "token-jaccard",
    ),
    Case("formula text", "free text", score('=HYPERLINK("http://x","y")', "@SUM(A1)"), 0, "token-jaccard"),
    Case("a negative number as text", "free text", score("-1", "+1"), 0, "token-jaccard"),
    Case(
        "odd Unicode",
        "free text",
        score("Zero\u200bwidth \u202eRTL 👋🏽 e\u0301", "ﬁ ligature Ω ℌ"),
        0,
        "token-jaccard",
    ),
    Case("NUL inside text", "free text", score("a\x00b", "ab"), 0, "token-jaccard"),
    Case("free text JSON output", "free text", score("It rains.", "It pours.", "--json"), 0, '"score_reversed"'),
]

KINDS = sorted({c.kind for c in CASES})


def run_cli(argv: list[str], capsys, use_subprocess: bool, tmp: Path) -> tuple[int, str]:
    if use_subprocess:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "COMPSEM_CACHE_DIR": str(tmp / "cache")}
        done = subprocess.run(
            [sys.executable, "-m", "compsem.cli", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=tmp,
            check=False,
        )  # a hang (a FIFO read) fails here
        return done.returncode, done.stdout + done.stderr
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_gets_a_clear_message_and_no_traceback(case: Case, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = run_cli(case.argv(tmp_path), capsys, case.subprocess, tmp_path)
    assert "Traceback" not in output, output[-3000:]
    assert code == case.code, output[-3000:]
    assert case.message in output, output[-3000:]


def test_there_are_at_least_sixty_cases_of_every_kind_named_in_the_issue():
    counts = {kind: sum(c.kind == kind for c in CASES) for kind in KINDS}
    assert len(CASES) >= 60 and set(counts) == {"pair file", "model key", "threshold", "output path", "free text"}
    assert len({c.id for c in CASES}) == len(CASES)


def test_bad_out_is_refused_before_any_scoring(tmp_path: Path, capsys):
    """No work is lost: the cache stays empty because the run stops before scoring."""
    target = tmp_path / "taken"
    target.write_text("x")
    cache = tmp_path / "cache"
    assert (
        main(
            [
                "run",
                "--pairs",
                str(write("p.csv", GOOD)(tmp_path)),
                "--models",
                "token-jaccard",
                "-q",
                "--out",
                str(target),
                "--cache-dir",
                str(cache),
            ]
        )
        == 1
    )
    assert not (cache / "scores.sqlite").exists()


def test_formula_sentences_are_accepted_scored_and_neutralised_in_the_csv(tmp_path: Path, capsys):
    pairs = write("fx.csv", HEADER + '1,negation,"=HYPERLINK(""http://x"",""y"")",+1+1\n2,negation,@SUM(A1),-2+3\n')(
        tmp_path
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                "--pairs",
                str(pairs),
                "--models",
                "token-jaccard",
                "-q",
                "--out",
                str(out),
                "--cache-dir",
                str(tmp_path / "cache"),
            ]
        )
        == 0
    )
    text = (out / "all_pair_results.csv").read_text(encoding="utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    live = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not live, live
    assert '\'=HYPERLINK("http://x","y")' in cells and "'+1+1" in cells and "'@SUM(A1)" in cells
    raw = [json.loads(line) for line in (out / "all_pair_results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["sentence_a"] for r in raw} == {'=HYPERLINK("http://x","y")', "@SUM(A1)"}  # the raw text
    assert {r["sentence_b"] for r in raw} == {"+1+1", "-2+3"}
    assert all(isinstance(r["score"], float) for r in raw)


def test_jsonl_keeps_the_text_exactly_as_in_the_pair_file(tmp_path: Path, capsys):
    """Issue 22, item 9: no NFC normalisation and no stripping between the pair file and all_pair_results.jsonl."""
    a, b = "  Cafe\u0301 opens at\tnine.  ", "\u00c5ngstr\u00f6m is not \u212bngstr\u00f6m. "
    pairs = tmp_path / "raw.csv"
    pairs.write_text(f'id,category,sentence_a,sentence_b,note\n1,negation,"{a}","{b}", own note \n', encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", "--pairs", str(pairs), "--models", "token-jaccard", "-q", "--out", str(out)]
    assert main([*argv, "--cache-dir", str(tmp_path / "cache")]) == 0
    row = json.loads((out / "all_pair_results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (row["sentence_a"], row["sentence_b"], row["note"]) == (a, b, " own note ")
