"""compsem.config: every COMPSEM_* setting read in one place, typed, with where its value came from."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pytest

from compsem import config
from compsem.cli import main
from compsem.data import datasets as ds

ROOT = Path(config.__file__).resolve().parent.parent


def test_every_setting_is_listed_once():
    declared = [v for v in vars(config).values() if isinstance(v, config.Setting)]
    assert sorted(s.env for s in declared) == sorted(s.env for s in config.SETTINGS)
    assert len({s.env for s in config.SETTINGS}) == len(config.SETTINGS)
    assert all(s.env.startswith("COMPSEM_") for s in config.SETTINGS)


def test_no_module_but_config_reads_a_compsem_variable():
    # os.environ.get / os.getenv / os.environ[...] with a COMPSEM_ name anywhere else would be a second reader
    offenders = []
    for path in sorted((ROOT / "compsem").rglob("*.py")):
        if path == ROOT / "compsem" / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"COMPSEM_[A-Z_]+", node.value)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert not offenders, offenders


def test_env_overrides_the_default_and_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path))
    assert config.CACHE_DIR.read() == config.Value(tmp_path, "env")
    assert config.default_cache_dir() == tmp_path and config.models_dir() == tmp_path / "models"
    monkeypatch.delenv("COMPSEM_CACHE_DIR")
    found = config.CACHE_DIR.read()
    assert found.source == "checkout" and found.value == ROOT / "cache"


def test_threads_parse_with_a_sentence(monkeypatch):
    monkeypatch.setenv("COMPSEM_THREADS", "3")
    assert config.THREADS.value == 3
    monkeypatch.setenv("COMPSEM_THREADS", "0")
    assert config.THREADS.value == (os.cpu_count() or 1)  # 0 = every core
    monkeypatch.setenv("COMPSEM_THREADS", "many")
    with pytest.raises(ValueError, match="COMPSEM_THREADS='many' is not a whole number"):
        config.THREADS.read()
    monkeypatch.delenv("COMPSEM_THREADS")
    assert config.THREADS.read() == config.Value(os.cpu_count() or 1, "default")


def test_data_dir_defaults_to_the_sibling_only_when_it_exists(monkeypatch, tmp_path):
    monkeypatch.delenv("COMPSEM_DATA_DIR", raising=False)
    checkout = tmp_path / "repo"
    monkeypatch.setattr(config, "checkout_root", lambda: checkout)
    assert config.DATA_DIR.read() == config.Value(None, "default")
    with pytest.raises(ds.DatasetError, match="--data-dir .*COMPSEM_DATA_DIR"):
        ds.load_sick()
    sibling = tmp_path / "shared" / "datasets"
    sibling.mkdir(parents=True)
    assert config.DATA_DIR.read() == config.Value(sibling, "checkout")
    monkeypatch.setenv("COMPSEM_DATA_DIR", str(tmp_path / "elsewhere"))
    assert config.DATA_DIR.read() == config.Value(tmp_path / "elsewhere", "env")


def test_compsem_config_prints_values_and_sources(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COMPSEM_RERANK_DIR", str(tmp_path))
    monkeypatch.setenv("COMPSEM_THREADS", "two")
    assert main(["config", "--json"]) == 0
    rows = {r["env"]: r for r in json.loads(capsys.readouterr().out)}
    assert list(rows) == [s.env for s in config.SETTINGS]
    assert rows["COMPSEM_RERANK_DIR"]["value"] == str(tmp_path) and rows["COMPSEM_RERANK_DIR"]["source"] == "env"
    assert rows["COMPSEM_THREADS"]["value"].startswith("invalid: COMPSEM_THREADS='two'")
    assert rows["COMPSEM_PAIRS_FILE"] == {
        "env": "COMPSEM_PAIRS_FILE",
        "value": "(the bundled study pairs)",
        "source": "default",
        "meaning": config.PAIRS_FILE.meaning,
    }
    assert main(["config"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["setting", "source", "value"] and len(lines) == 1 + len(config.SETTINGS)


def test_the_docs_table_lists_every_setting():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in config.SETTINGS:
        assert f"`{setting.env}`" in page, setting.env
