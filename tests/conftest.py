"""Test-wide setup: offline, and a private score cache so tests never touch ./cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The shipped seed (compsem.store.seed) would fill a fresh cache with the bundled pairs' scores; tests
# that mean "nothing scored yet" rely on an empty store, so the seed is off unless a test turns it on.
os.environ.setdefault("COMPSEM_SEED", "off")

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    old = os.environ.get("COMPSEM_CACHE_DIR")
    os.environ["COMPSEM_CACHE_DIR"] = str(tmp_path_factory.mktemp("compsem-cache"))
    yield
    if old is None:
        os.environ.pop("COMPSEM_CACHE_DIR", None)
    else:
        os.environ["COMPSEM_CACHE_DIR"] = old


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def stats_calls(monkeypatch):
    """``stats_calls(*names)``: count the calls of those ``compsem.stats`` functions from now on (a dict, live)."""
    from compsem import stats

    def count(*names: str) -> dict[str, int]:
        calls = dict.fromkeys(names, 0)

        def wrap(name: str):
            real = getattr(stats, name)

            def counted(*args, **kwargs):
                calls[name] += 1
                return real(*args, **kwargs)

            return counted

        for name in names:
            monkeypatch.setattr(stats, name, wrap(name))
        return calls

    return count
