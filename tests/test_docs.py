"""The documentation: the README stays a short map, and the docs/ site builds with no broken link."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SETUP_COMMANDS = (
    "bash .ci/setup.sh && .venv/bin/streamlit run app.py",
    "bash .ci/setup.sh && HF_HUB_OFFLINE=1 .venv/bin/python -m pytest",
)


def test_readme_is_a_map_of_at_most_200_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_readme_starts_with_the_two_setup_commands():
    lines = [ln for ln in README.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines[0] == "```bash"
    for line, command in zip(lines[1:3], SETUP_COMMANDS):
        assert line.startswith(command + " "), line


def test_readme_links_point_to_files_that_exist():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    assert links, "the README links its pages"
    missing = [link for link in links if not link.startswith("http") and not (ROOT / link).exists()]
    assert not missing, missing


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert [p for p in pages if f": {p}" not in nav] == []


@pytest.mark.slow
def test_mkdocs_builds_strict(tmp_path):
    # --strict turns every warning into a failure: a link to a missing page or anchor, a page not in the nav.
    pytest.importorskip("mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "contributing" / "index.html").is_file()
    assert not (tmp_path / "site" / "_incoming").exists()  # other helpers' drafts are never built
