"""The dashboard's Streamlit configuration (.streamlit/config.toml)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_dashboard_runs_without_a_file_watcher():
    # .venv/ and cache/ sit inside the app folder: a watcher rescanned them on every score written and made
    # scoring from the dashboard ~2.7x slower (see .streamlit/config.toml)
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    server = config.split("[server]", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^fileWatcherType\s*=\s*"none"\s*$', server, re.M), server
