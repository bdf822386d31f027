"""Fingerprints of model files: SHA-256 of everything in a model folder that can change an output.

A fingerprint is part of every score's cache key, so a retrained, replaced or edited model never
gets another model's stored scores. It covers the weights AND every other file a loader may read
(``config.json``, tokenizer files, sentence-transformers' ``modules.json`` and module folders, a
saved head): a changed tokenizer or config changes outputs as surely as changed weights do.

Left out are only files no loader reads (:data:`IGNORED_FILES`: documentation, git attributes),
compsem's own cards and markers (``compsem_*.json``: a card's fields that change outputs are
added by the registry), and folders of other runtimes' exports (:data:`IGNORED_DIRS`).

Example:
    >>> folder_fingerprint(minilm_folder)  # doctest: +SKIP
    'sha256:53aa51172d142c89+files:4c1f0a9d2b7e6a55'
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

#: Files no model loader reads; outside every fingerprint.
IGNORED_FILES = frozenset({"README.md", ".gitattributes", "desktop.ini"})
#: Sub-folders no torch loader reads (other runtimes' exports, version control, training leftovers).
IGNORED_DIRS = frozenset({"onnx", "openvino", ".git", ".cache", "_checkpoints"})
#: compsem's own files in a model folder (card, markers): outside the files' hash.
COMPSEM_FILE_PREFIX = "compsem_"


def weight_files(folder: Path) -> list[Path]:
    """The weight files of a model folder, in the order they are hashed."""
    names = ("model.safetensors", "pytorch_model.bin", "model.onnx")
    files = [folder / n for n in names if (folder / n).is_file()]
    return files or sorted(folder.glob("*.safetensors"))


def model_files(folder: str | Path) -> list[Path]:
    """Every file of a model folder that can change an output, sorted by its path inside the folder.

    Sub-folders are included (a sentence-transformers ``2_Dense/`` holds weights); files and
    folders named in :data:`IGNORED_FILES` / :data:`IGNORED_DIRS`, hidden files and compsem's own
    ``compsem_*`` files are not.
    """
    root = Path(folder)
    found: list[Path] = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        for name in files:
            if name in IGNORED_FILES or name.startswith((".", COMPSEM_FILE_PREFIX)):
                continue
            path = Path(here) / name
            if path.is_file():
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _feed(digest, path: str | Path) -> None:
    """Add a file's bytes to ``digest``, read in 1 MiB chunks (the one place compsem reads files to hash them)."""
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)


def file_stamp(path: str | Path) -> tuple[int, int, int, int]:
    """(size, mtime ns, ctime ns, inode) of a file: any write, replacement or ``touch`` changes it.

    The change time cannot be set back from user space, so a file edited and given its old
    modification time back still gets a new stamp.
    """
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks; hashed again whenever its :func:`file_stamp` changes."""
    path = Path(path)
    return _sha256_cached(str(path), file_stamp(path))


@lru_cache(maxsize=64)
def _sha256_cached(path: str, _stamp: tuple[int, int, int, int]) -> str:
    # The stamp is part of the key so a replaced or edited file is hashed again.
    digest = hashlib.sha256()
    _feed(digest, path)
    return digest.hexdigest()


def files_digest(root: str | Path, files: list[Path]) -> str:
    """Hex SHA-256 over (path inside ``root``, SHA-256 of content) of each file, in the order given.

    A renamed, added, removed or edited file changes it.
    """
    root = Path(root)
    return named_digest((path.relative_to(root).as_posix(), file_sha256(path)) for path in files)


def named_digest(named: Iterable[tuple[str, str]]) -> str:
    """Hex SHA-256 over (path, file SHA-256) pairs: what :func:`files_digest` hashes, from recorded hashes."""
    digest = hashlib.sha256()
    for name, sha in named:
        digest.update(f"{name}\0{sha}\n".encode())
    return digest.hexdigest()


def is_model_file(relative: str) -> bool:
    """True when a file at this path inside a model folder is one :func:`model_files` keeps."""
    parts = relative.split("/")
    name = parts[-1]
    if any(d in IGNORED_DIRS or d.startswith(".") for d in parts[:-1]):
        return False
    return name not in IGNORED_FILES and not name.startswith((".", COMPSEM_FILE_PREFIX))


def pinned_fingerprint(files: Mapping[str, str], weights: str = "model.safetensors") -> str:
    """:func:`folder_fingerprint` of a folder known by its pins (path inside it -> SHA-256 of every file).

    Equal to :func:`folder_fingerprint` of a folder holding exactly those files, with ``weights`` its only
    weight file (ignored files among ``files`` are left out, as there).
    """
    named = sorted((n, sha) for n, sha in files.items() if n != weights and is_model_file(n))
    return f"sha256:{files[weights][:16]}+files:{named_digest(named)[:16]}"


def folder_fingerprint(folder: str | Path) -> str:
    """``sha256:<weights>+files:<every other model file>`` of a model folder; ``""`` when it has no weights.

    The first part is the weight file's SHA-256 (the hash model cards and pins quote), the second
    covers every other file of :func:`model_files` (config, tokenizer, modules, a head).
    """
    root = Path(folder)
    weights = weight_files(root)
    if not weights:
        return ""
    if len(weights) == 1:
        head = file_sha256(weights[0])
    else:
        head = hashlib.sha256("".join(file_sha256(w) for w in weights).encode()).hexdigest()
    others = [f for f in model_files(root) if f not in weights]
    return f"sha256:{head[:16]}+files:{files_digest(root, others)[:16]}"
