"""The core package imports no Streamlit: only compsem.app may (the CLI and the library run without it)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import compsem

ROOT = Path(compsem.__file__).resolve().parent


def core_modules() -> list[str]:
    """Every module of compsem outside compsem.app."""
    names = []
    for info in pkgutil.walk_packages([str(ROOT)], prefix="compsem."):
        if info.name == "compsem.app" or info.name.startswith("compsem.app."):
            continue
        names.append(info.name)
    return sorted(names)


def imported_names(path: Path) -> set[str]:
    """Top-level names of every module a file imports, anywhere in it (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_no_core_source_file_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted(ROOT.rglob("*.py"))
        if p.relative_to(ROOT).parts[0] != "app" and "streamlit" in imported_names(p)
    ]
    assert offenders == [], f"these core modules import streamlit: {offenders}"


def test_importing_every_core_module_loads_no_streamlit():
    modules = core_modules()
    assert "compsem.stats.tables" in modules and "compsem.figures" in modules  # the walk sees subpackages
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", done.stdout


def test_the_app_package_itself_still_imports_streamlit():
    # the check above must be able to fail: the app package is where streamlit lives
    assert "streamlit" in imported_names(ROOT / "app" / "state.py")
