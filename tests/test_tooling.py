"""Tooling: the tree passes ruff (lint and format) and the whole package passes mypy (settings in pyproject.toml).

Both run as the command a developer types (``python -m ruff check .``, ``python -m mypy``) from the
repository root, so what fails here fails the same way at the prompt, and the output says where.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_ruff_passes_on_the_whole_tree():
    done = _run(["ruff", "check", "."], timeout=300)
    assert done.returncode == 0, f"`ruff check .` found problems (fix them by hand):\n{done.stdout}{done.stderr}"


def test_the_tree_is_formatted_by_ruff_format():
    done = _run(["ruff", "format", "--check", "."], timeout=300)
    assert done.returncode == 0, (
        f"`ruff format --check .` wants to reformat (run `ruff format .`):\n{done.stdout}{done.stderr}"
    )


@pytest.mark.slow  # about half a minute without a cache
def test_mypy_passes_on_the_whole_package():
    done = _run(["mypy"], timeout=900)  # files and exclusions come from [tool.mypy]
    assert done.returncode == 0, f"`mypy` found problems:\n{done.stdout}{done.stderr}"
