"""One name, one import path: a name is imported from the module that defines it, not from one that imports it.

A package's ``__init__`` may gather its public face (``compsem.stats``, ``compsem.scorers`` ...);
a plain module may not re-export: its ``__all__`` lists only what it defines, and no code
(package, tests, bench, pages) imports from a plain module a name that module only imports.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import compsem

PACKAGE = Path(compsem.__file__).resolve().parent
REPO = PACKAGE.parent


def module_file(module: str) -> Path | None:
    rel = Path(*module.split("."))
    for candidate in ((REPO / rel).with_suffix(".py"), REPO / rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def defined_names(module: str) -> frozenset[str]:
    """Top-level functions, classes and assignments of a module (inside ``if``/``try`` blocks too)."""
    path = module_file(module)
    assert path is not None, module
    names: set[str] = set()
    for top in ast.parse(path.read_text(encoding="utf-8")).body:
        nodes = list(ast.walk(top)) if isinstance(top, (ast.If, ast.Try)) else [top]
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return frozenset(names)


def is_plain_module(module: str) -> bool:
    path = module_file(module)
    return path is not None and path.name != "__init__.py"


def reexport_uses(path: Path) -> list[str]:
    """``file:line: name from module`` for every import of a name a plain compsem module only imports."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level or not (node.module or "").startswith("compsem"):
            continue
        module = node.module or ""
        if not is_plain_module(module):
            continue
        for alias in node.names:
            if alias.name not in defined_names(module) and module_file(f"{module}.{alias.name}") is None:
                where = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
                out.append(f"{where}:{node.lineno}: {alias.name} from {module}")
    return out


def python_files() -> list[Path]:
    roots = [PACKAGE, REPO / "tests", REPO / "bench", REPO / "pages"]
    return sorted(p for root in roots if root.is_dir() for p in root.rglob("*.py")) + [REPO / "app.py"]


def test_no_code_imports_a_name_from_a_module_that_only_imports_it():
    found = [use for path in python_files() for use in reexport_uses(path)]
    assert not found, "import these from the module that defines them:\n" + "\n".join(found)


def test_a_plain_module_lists_in_all_only_what_it_defines():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                assert isinstance(node.value, (ast.List, ast.Tuple)), path
                names = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
                found += [f"{module}: {n}" for n in names if n not in defined_names(module)]
    assert not found, "re-exported through __all__:\n" + "\n".join(found)


def test_the_checks_see_a_reexport(tmp_path):
    # the detector itself: a file importing ModelSpec through the registry (which imports it from specs)
    probe = tmp_path / "probe.py"
    probe.write_text("from compsem.models.registry import ModelSpec, resolve\n", encoding="utf-8")
    assert reexport_uses(probe) == ["probe.py:1: ModelSpec from compsem.models.registry"]


def test_one_objective_name_per_concept():
    # the registry's objective family and the training recipe are two concepts with two names
    assert "ObjectiveFamily" in defined_names("compsem.models.specs")
    assert "Objective" not in defined_names("compsem.models.specs")
    assert "Objective" in defined_names("compsem.training.objectives")
