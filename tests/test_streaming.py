"""compsem.data.streaming: pair files of any size, read in chunks, with the upload reader's validation."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from compsem.data.pairs import bundled_pairs_path, check_pairs
from compsem.data.streaming import check_pair_file, load_pair_file

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
HEADER = ["id", "category", "sentence_a", "sentence_b"]


def _write_csv(path: Path, n: int, start: int = 0) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(start, start + n):
            w.writerow([f"p{i}", "negation", f"The cat {i} is red.", f"The cat {i} is not red."])
    return path


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(
        [sys.executable, "-m", "compsem.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=300,
        cwd=ROOT,
    )


@pytest.mark.parametrize("name", ["study", "small_pairs.csv", "golden_pairs.csv", "bom_pairs.csv", "latin1_pairs.csv"])
@pytest.mark.parametrize("chunk_rows", [1, 7, 20_000])
def test_same_table_and_problems_as_the_upload_reader(name, chunk_rows):
    path = bundled_pairs_path() if name == "study" else DATA / name
    whole, streamed = check_pairs(path), check_pair_file(path, chunk_rows=chunk_rows)
    assert [str(p) for p in streamed.problems] == [str(p) for p in whole.problems]
    pd.testing.assert_frame_equal(streamed.pairs, whole.pairs)
    if whole.ok:
        assert streamed.sha256 == whole.sha256


def test_checks_that_span_chunks(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "id,category,sentence_a,sentence_b,expected\n"
        "1,mine,A b.,C d.,low\n"
        '2,negation,"It is\nred.",It is not red.,\n'  # a record over two lines
        "3,mine,E f.,G h.,high\n"  # another direction for the custom category (line 5)
        "1,negation,I j.,K l.,\n"  # the id of line 2 (line 6)
        "5,negation,a B.,c D.,\n",  # the pair of line 2, in other case (line 7)
        encoding="utf-8",
    )
    for rows in (1, 2, 100):
        got = [str(p) for p in check_pair_file(path, chunk_rows=rows).errors]
        assert got == [
            "line 5: error: category mine is expected low on line 2",
            "line 6: error: duplicate id '1' (first on line 2)",
            "line 7: error: duplicate pair (same sentences as line 2)",
        ], rows


def test_200k_rows_stream_in_bounded_time(tmp_path):
    path = _write_csv(tmp_path / "p200k.csv", 200_000)
    assert path.stat().st_size > 5 * 2**20  # over the upload limit: the dashboard would refuse it
    seen: list[int] = []
    t0 = time.perf_counter()
    pairs = load_pair_file(path, on_chunk=seen.append)
    seconds = time.perf_counter() - t0
    assert len(pairs) == 200_000 and pairs["id"].iloc[-1] == "p199999"
    assert seen[-1] == 200_000 and len(seen) == 10  # ten chunks of 20,000
    assert seconds < 120, seconds  # ~4 s on 2 idle cores; generous for a loaded CI machine


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    sparse = tmp_path / "huge.csv"
    with open(sparse, "wb") as fh:  # 2 GiB of holes: no disk used, nothing read
        fh.truncate(2 * 2**30)
    check = check_pair_file(sparse)
    assert not check.ok and "2.00 GiB; the limit is 1.00 GiB" in str(check.errors[0])
    proc = _cli("run", "--pairs", str(sparse), "--models", "token-jaccard", "--out", str(tmp_path / "out"), "-q")
    assert proc.returncode == 1 and "COMPSEM_MAX_PAIR_FILE_MB" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("COMPSEM_MAX_PAIR_FILE_MB", "0.001")
    assert "limit" in str(check_pair_file(_write_csv(tmp_path / "small.csv", 100)).errors[0])


def test_a_file_that_ends_mid_row(tmp_path):
    good = _write_csv(tmp_path / "p.csv", 50).read_bytes()
    open_quote = tmp_path / "quote.csv"
    open_quote.write_bytes(good + b'p50,negation,"It rains')
    errors = check_pair_file(open_quote, chunk_rows=7).errors
    assert len(errors) == 1 and errors[0].line == 52 and "quoting" in errors[0].message
    cut = tmp_path / "cut.csv"
    cut.write_bytes(good + b"p50,negation,It rai")
    errors = check_pair_file(cut, chunk_rows=7).errors
    assert [(e.line, e.message) for e in errors] == [(52, "expected 4 fields, found 3 (an unquoted comma?)")]
    proc = _cli("run", "--pairs", str(cut), "--models", "token-jaccard", "--out", str(tmp_path / "o"), "-q")
    assert proc.returncode == 1 and "line 52" in proc.stderr and "Traceback" not in proc.stderr


def test_parquet_and_json_lines_give_the_csv_table(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    csv_path = DATA / "small_pairs.csv"
    want = load_pair_file(csv_path)
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    pq.write_table(pa.Table.from_pandas(raw, preserve_index=False), tmp_path / "p.parquet")
    with open(tmp_path / "p.jsonl", "w", encoding="utf-8") as fh:
        for rec in raw.to_dict("records"):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    for name in ("p.parquet", "p.jsonl"):
        for rows in (3, 20_000):
            pd.testing.assert_frame_equal(load_pair_file(tmp_path / name, chunk_rows=rows), want)


def test_parquet_with_integer_ids_and_wrong_column_types(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = {"id": [1, 2], "category": ["negation", "negation"], "sentence_a": ["A b.", "C d."]}
    pq.write_table(pa.table({**table, "sentence_b": ["E f.", "G h."]}), tmp_path / "ok.parquet")
    assert load_pair_file(tmp_path / "ok.parquet")["id"].tolist() == ["1", "2"]
    pq.write_table(pa.table({**table, "sentence_b": [1.5, 2.5]}), tmp_path / "bad.parquet")
    errors = check_pair_file(tmp_path / "bad.parquet").errors
    assert [str(e) for e in errors] == [
        "line 1: error: column sentence_b holds double, not text; store it as a string column"
    ]
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    assert "not a readable Parquet file" in str(check_pair_file(tmp_path / "broken.parquet").errors[0])
    proc = _cli("run", "--pairs", str(tmp_path / "bad.parquet"), "--models", "token-jaccard", "-q")
    assert proc.returncode == 1 and "holds double" in proc.stderr and "Traceback" not in proc.stderr


def test_json_lines_problems_carry_their_line(tmp_path):
    path = tmp_path / "p.jsonl"
    good = {"id": "1", "category": "negation", "sentence_a": "It is red.", "sentence_b": "It is not red."}
    lines = [
        json.dumps(good),
        "[1, 2]",
        json.dumps({**good, "id": "3", "sentence_a": 7}),
        json.dumps({**good, "id": "4", "sentence_a": ""}),
        '{"id": "5", "category": "negation", "sente',
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    got = [(e.line, e.message.split(":")[0]) for e in check_pair_file(path).errors]
    assert got == [
        (2, "each line must be a JSON object, not list"),
        (3, "sentence_a must be text, not int"),
        (4, "empty sentence in column sentence_a"),
        (5, "not valid JSON (the file ends in the middle of this line)"),
    ]


def test_cli_runs_a_file_over_the_upload_limits(tmp_path):
    path = _write_csv(tmp_path / "p.csv", 25_000)  # over the upload reader's 20,000 rows
    out = tmp_path / "out"
    proc = _cli(
        "run", "--pairs", str(path), "--models", "token-jaccard", "--out", str(out), "--cache-dir", str(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr
    assert "scored 25000" in proc.stdout
