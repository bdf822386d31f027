"""Fingerprints of model weights: the SHA-256 of a folder's weight files, computed once per file version.

A fingerprint is part of every score's cache key, so a retrained or replaced model never
gets another model's stored scores.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


def weight_files(folder: Path) -> list[Path]:
    """The weight files of a model folder, in the order they are hashed."""
    names = ("model.safetensors", "pytorch_model.bin", "model.onnx")
    files = [folder / n for n in names if (folder / n).is_file()]
    return files or sorted(folder.glob("*.safetensors"))


def _feed(digest, path: str | Path) -> None:
    """Add a file's bytes to ``digest``, read in 1 MiB chunks (the one place compsem reads files to hash them)."""
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    path = Path(path)
    st = path.stat()
    return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=32)
def _sha256_cached(path: str, _size: int, _mtime_ns: int) -> str:
    # Size and mtime are part of the key so a replaced file is hashed again.
    digest = hashlib.sha256()
    _feed(digest, path)
    return digest.hexdigest()


@lru_cache(maxsize=64)
def _hash_files(paths: tuple[str, ...], stamps: tuple[tuple[int, int], ...]) -> str:
    # ``stamps`` (size, mtime) is part of the cache key so a retrained model is re-hashed.
    digest = hashlib.sha256()
    for p in paths:
        _feed(digest, p)
    return digest.hexdigest()


def folder_fingerprint(folder: str | Path) -> str:
    """``sha256:<hex>`` of a model folder's weight files (the same file gives the same fingerprint)."""
    files = weight_files(Path(folder))
    if not files:
        return ""
    if len(files) == 1:
        # The usual case (one model.safetensors): the same cached hash that checks adapters'
        # backbones, so the packaged MiniLM is read once per process, not once per purpose.
        return "sha256:" + file_sha256(files[0])[:16]
    stats = tuple((f.stat().st_size, int(f.stat().st_mtime)) for f in files)
    return "sha256:" + _hash_files(tuple(str(f) for f in files), stats)[:16]
