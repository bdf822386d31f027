"""The fingerprint test: every change to a model's files is refused or changes the score-cache key.

Run over a copy of a shipped adapter folder, a copy of the packaged backbone's small files (with
stand-in weights), and a small assembled split-zip backbone made by the same code as MPNet's.
Each file is changed in turn, in several ways (a byte flipped, a byte appended, the file cut
short, a field edited, the file removed, a file added); after each change the model must either
be refused (unavailable, or its folder fails verification) or get a new cache key, and the
original files must give back the original key.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from compsem.models import assembly, fingerprints, registry
from compsem.models.assembly import SplitZipModel
from compsem.models.card import CARD_NAME
from compsem.models.specs import ModelSpec
from compsem.store.sqlite import score_key

SLUG = "minilm-l6-sick-nli"
KEY = f"compsem/{SLUG}"

Mutation = Callable[[Path], None]


def _flip(at: float) -> Mutation:
    def run(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[min(int(len(data) * at), len(data) - 1)] ^= 0x01
        path.write_bytes(bytes(data))

    return run


def _append(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b" ")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1])


def _remove(path: Path) -> None:
    path.unlink()


MUTATIONS: dict[str, Mutation] = {
    "first byte flipped": _flip(0.0),
    "middle byte flipped": _flip(0.5),
    "last byte flipped": _flip(1.0),
    "byte appended": _append,
    "cut short": _truncate,
    "removed": _remove,
}


def _key(fingerprint: str) -> str:
    return score_key(KEY, fingerprint, "A man plays a guitar.", "A guitar is played by a man.")


def _outcome(resolve: Callable[[], registry.Resolution]) -> str | None:
    """The model's cache key now, or None when it is refused."""
    try:
        res = resolve()
    except (registry.UnknownModelError, ValueError):
        return None
    return _key(res.fingerprint) if res.usable and res.fingerprint else None


def _same_card(path: Path, saved: bytes) -> bool:
    """True when ``path`` is a card whose JSON content is still ``saved``'s (white space only: nothing read changed).

    A card enters the key by its content, not its bytes (its own ``fingerprint`` field is left out).
    """
    if path.name != CARD_NAME or not path.exists():
        return False
    try:
        return json.loads(path.read_bytes()) == json.loads(saved)
    except ValueError:
        return False


def _each_change(folder: Path, resolve: Callable[[], registry.Resolution], skip: tuple[str, ...] = ()) -> list[str]:
    """Apply every mutation to every file of ``folder`` in turn, restoring each: the changes that kept the key."""
    original = _outcome(resolve)
    assert original is not None
    kept = []
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in skip)
    assert files
    for path in files:
        saved = path.read_bytes()
        for what, mutate in MUTATIONS.items():
            mutate(path)
            if _outcome(resolve) == original and not _same_card(path, saved):
                kept.append(f"{path.relative_to(folder)}: {what}")
            path.write_bytes(saved)
            assert _outcome(resolve) == original, f"{path.name} restored after {what}"
    extra = folder / "tokenizer.json"
    if not extra.exists():
        extra.write_text("{}", encoding="utf-8")
        if _outcome(resolve) == original:
            kept.append("a tokenizer.json added")
        extra.unlink()
    return kept


@pytest.fixture
def adapter_copy(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / SLUG
    shutil.copytree(registry.shipped_models_dir() / SLUG, folder)
    monkeypatch.setattr(registry, "shipped_models_dir", lambda: tmp_path)
    return folder


def test_every_change_to_an_adapter_folder_is_refused_or_changes_the_key(adapter_copy):
    kept = _each_change(adapter_copy, lambda: registry.resolve(KEY), skip=("README.md",))
    assert kept == []


def test_a_card_field_that_changes_how_outputs_become_scores_changes_the_key(adapter_copy):
    before = registry.resolve(KEY).fingerprint
    for field, value in (("max_length", 64), ("id2label", {"0": "entailment", "1": "contradiction", "2": "neutral"})):
        path = adapter_copy / CARD_NAME
        saved = path.read_text(encoding="utf-8")
        card = json.loads(saved)
        card[field] = value
        path.write_text(json.dumps(card, indent=2), encoding="utf-8")
        res = registry.resolve(KEY)
        assert res.usable and res.fingerprint != before, field
        path.write_text(saved, encoding="utf-8")
    assert registry.resolve(KEY).fingerprint == before


def test_the_readme_is_the_one_file_left_out_and_no_loader_reads_it(adapter_copy):
    """README.md renders the card for people; changing it changes neither outputs nor the key (documented)."""
    before = registry.resolve(KEY).fingerprint
    (adapter_copy / "README.md").write_text("edited", encoding="utf-8")
    assert registry.resolve(KEY).fingerprint == before


# -- a backbone folder like the packaged MiniLM (its small files, stand-in weights) ----------------
@pytest.fixture
def backbone_copy(tmp_path) -> Path:
    source = Path(registry.resolve("all-MiniLM-L6-v2").location)
    folder = tmp_path / "minilm-copy"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    # whole safetensors files (a folder whose weights do not parse is refused, which would hide a key change)
    save_file({"w": np.random.default_rng(3).standard_normal(1024).astype(np.float32)}, folder / "model.safetensors")
    (folder / "2_Dense").mkdir()
    save_file(
        {"w": np.random.default_rng(4).standard_normal(128).astype(np.float32)},
        folder / "2_Dense" / "model.safetensors",
    )
    return folder


def test_every_change_to_a_backbone_folder_changes_its_fingerprint(backbone_copy):
    ignored = ("README.md", ".gitattributes")
    kept = _each_change(backbone_copy, lambda: registry.resolve(registry.get_spec(str(backbone_copy))), skip=ignored)
    assert kept == []


def test_files_no_loader_reads_are_left_out_of_a_folder_fingerprint(backbone_copy):
    before = fingerprints.folder_fingerprint(backbone_copy)
    (backbone_copy / "README.md").write_text("edited", encoding="utf-8")
    (backbone_copy / "onnx").mkdir()
    (backbone_copy / "onnx" / "model.onnx").write_bytes(b"another runtime's export")
    assert fingerprints.folder_fingerprint(backbone_copy) == before


# -- an assembled split-zip backbone (the code path of MPNet, small) --------------------------------
MEMBERS = {
    "tiny/model.safetensors": random.Random(5).randbytes(50_000),
    "tiny/config.json": b'{"hidden_size": 8}',
    "tiny/tokenizer.json": b'{"model": {"vocab": {"a": 0}}}',
    "tiny/vocab.txt": b"[PAD]\na\n",
    "tiny/modules.json": b"[]",
    "tiny/1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
    "tiny/README.md": b"# tiny",
}
TINY = SplitZipModel(
    name="tiny-backbone",
    distributions=("tiny-1", "tiny-2"),
    part_files=("a", "b"),
    prefix="tiny/",
    checked={n[len("tiny/") :]: (hashlib.sha256(d).hexdigest(), len(d)) for n, d in MEMBERS.items()},
)
TINY_SPEC = ModelSpec("test/tiny-backbone", "bi-encoder", "general", "cosine", assembled=TINY.name)


@pytest.fixture
def assembled(tmp_path, monkeypatch) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in MEMBERS.items():
            zf.writestr(name, data)
    blob = buffer.getvalue()
    parts = [tmp_path / "p1", tmp_path / "p2"]
    parts[0].write_bytes(blob[: len(blob) // 2])
    parts[1].write_bytes(blob[len(blob) // 2 :])
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(assembly.SPLIT_MODELS, TINY.name, TINY)
    monkeypatch.setattr(assembly, "part_paths", lambda model: parts)
    monkeypatch.setattr(registry, "_parts_installed", lambda name: False)  # resolve trusts the folder alone
    return assembly.ensure_assembled(TINY.name)


def test_every_change_to_an_assembled_backbone_is_refused_at_load(assembled):
    def resolve() -> registry.Resolution:
        problem = assembly.verify_assembled(assembled, TINY)  # what every load runs first
        if problem:
            raise ValueError(problem)
        return registry.resolve(TINY_SPEC)

    assert registry.resolve(TINY_SPEC).fingerprint == fingerprints.folder_fingerprint(assembled)
    assert _each_change(assembled, resolve, skip=(assembly.MARKER,)) == []


def test_a_changed_assembled_backbone_is_not_offered_and_load_restores_the_pinned_files(assembled):
    fingerprint = registry.resolve(TINY_SPEC).fingerprint
    (assembled / "tokenizer.json").write_bytes(b'{"model": {"vocab": {"b": 0}}}')
    assert registry._resolve_assembled(TINY_SPEC) is None  # not offered with the pinned fingerprint
    assert assembly.ensure_assembled(TINY.name) == assembled  # a load assembles it again first
    assert (assembled / "tokenizer.json").read_bytes() == MEMBERS["tiny/tokenizer.json"]
    assert registry.resolve(TINY_SPEC).fingerprint == fingerprint
