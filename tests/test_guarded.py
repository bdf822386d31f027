"""compsem.data.guarded: the one reader every file compsem reads goes through (issue 22, item 13)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compsem.data.guarded import (
    MAX_NESTING,
    FileRefusedError,
    nesting_depth,
    parse_json_guarded,
    read_guarded,
    read_json_guarded,
    read_text_guarded,
    read_toml_guarded,
)


def test_a_regular_file_is_read(tmp_path: Path):
    (tmp_path / "f.txt").write_bytes(b"hello")
    assert read_guarded(tmp_path / "f.txt", limit=5) == b"hello"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe")
    done: list[str] = []

    def read() -> None:
        try:
            read_guarded(tmp_path / "pipe", limit=100, kind="TOML file")
        except FileRefusedError as exc:
            done.append(str(exc))

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout=20)  # a read would block until a writer opens the FIFO: never
    assert done and "a FIFO/pipe" in done[0] and "give a TOML file" in done[0]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused(device: str):
    with pytest.raises(FileRefusedError, match="not a regular file"):
        read_guarded(device, limit=100)


def test_a_folder_missing_file_and_bad_names_are_refused(tmp_path: Path):
    with pytest.raises(FileRefusedError, match="is a folder, not a JSON file"):
        read_guarded(tmp_path, limit=100, kind="JSON file")
    with pytest.raises(FileRefusedError, match="no such file"):
        read_guarded(tmp_path / "absent", limit=100)
    with pytest.raises(FileRefusedError, match="no file name given"):
        read_guarded("", limit=100)
    with pytest.raises(FileRefusedError, match="NUL character"):
        read_guarded("a\x00b", limit=100)


def test_a_file_over_the_limit_is_refused_with_both_sizes(tmp_path: Path):
    (tmp_path / "big").write_bytes(b"x" * 3_000_000)
    with pytest.raises(FileRefusedError, match=r"the file is 3\.0 MB; the limit is 1 MB"):
        read_guarded(tmp_path / "big", limit=2**20)


def test_text_that_is_not_utf8_names_the_line(tmp_path: Path):
    (tmp_path / "t").write_bytes(b"ok\ncaf\xe9\n")
    with pytest.raises(FileRefusedError, match="line 2: not UTF-8"):
        read_text_guarded(tmp_path / "t", limit=100)


def test_deeply_nested_toml_is_refused_not_a_recursion_error(tmp_path: Path):
    (tmp_path / "deep.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(FileRefusedError, match="nested more than"):
        read_toml_guarded(tmp_path / "deep.toml")
    (tmp_path / "dotted.toml").write_text("a" + ".a" * (MAX_NESTING + 5) + " = 1\n", encoding="utf-8")
    with pytest.raises(FileRefusedError, match="nested more than"):
        read_toml_guarded(tmp_path / "dotted.toml")


def test_deeply_nested_json_is_refused(tmp_path: Path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(FileRefusedError, match="nested more than"):
        read_json_guarded(tmp_path / "deep.json", limit=10**6)
    assert parse_json_guarded(json.dumps({"a": [{"b": [1]}]}), "x") == {"a": [{"b": [1]}]}


def test_nesting_depth_counts_lists_and_dicts():
    assert nesting_depth(1) == 0 and nesting_depth([]) == 1 and nesting_depth({"a": [{"b": 1}]}) == 3


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200) | st.sampled_from(["a = [[[[[[1]]]]]]", "[a]\nb = {c = {d = 1}}", "x = 1e999"]))
def test_any_toml_text_gives_a_dict_or_one_refusal(tmp_path_factory, text: str):
    path = tmp_path_factory.mktemp("toml") / "c.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        assert isinstance(read_toml_guarded(path), dict)
    except FileRefusedError as exc:
        assert str(path) in str(exc) or "no such file" in str(exc)
