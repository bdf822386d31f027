"""Whether a local model folder's weights can be loaded safely: safetensors only, and whole.

A pickled weight file (``pytorch_model.bin``) is a program: unpickling it can run code. compsem never
loads one from a folder a user points it at; the folder must hold safetensors weights. A
safetensors file is checked without loading it: its header (an 8-byte length, then JSON) must parse,
and every tensor must lie inside the file with the bytes its shape and dtype need, covering the data
exactly, as the safetensors library itself requires. A folder that fails gets one line saying which
file and why (:func:`weights_problem`), before any model library sees it.

Example:
    >>> weights_problem(folder)  # doctest: +SKIP
    'model folder /data/m holds pickled weights (pytorch_model.bin) and no safetensors: ...'
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

from compsem.models.fingerprints import IGNORED_DIRS, file_stamp

#: Bytes per element of each safetensors dtype.
_DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
}
#: The safetensors library refuses headers over 100 MB; so does this check (before reading one).
MAX_HEADER_BYTES = 100_000_000
#: Weight files that are pickles, which compsem never loads.
PICKLED_PATTERNS = ("pytorch_model*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


def safetensors_problem(path: str | Path) -> str:
    """What is wrong with a safetensors file, in words; ``""`` when its header and layout are whole.

    Reads only the header (never the tensors), once per version of the file (its stamp).
    """
    try:
        stamp = file_stamp(path)
    except OSError as exc:
        return f"{Path(path).name} cannot be read ({exc.strerror or exc})"
    return _safetensors_problem(str(path), stamp)


@lru_cache(maxsize=64)
def _safetensors_problem(path_text: str, stamp: tuple[int, int, int, int]) -> str:
    path = Path(path_text)
    size = stamp[0]
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                return f"{path.name} is {size} bytes, too short to be safetensors"
            n = int.from_bytes(head, "little")
            if n > MAX_HEADER_BYTES or 8 + n > size:
                return f"{path.name} is damaged or cut short (its header claims {n:,} bytes of a {size:,}-byte file)"
            header = json.loads(fh.read(n).decode("utf-8"))
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})"
    except (UnicodeDecodeError, ValueError):
        return f"{path.name} is damaged: its header is not JSON"
    if not isinstance(header, dict):
        return f"{path.name} is damaged: its header is not a JSON object"
    body = size - 8 - n
    covered = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        problem = _tensor_problem(info, body)
        if problem:
            return f"{path.name} is damaged: tensor {name[:80]!r} {problem}"
        covered += info["data_offsets"][1] - info["data_offsets"][0]
    if covered != body:
        return f"{path.name} is damaged: its tensors cover {covered:,} of its {body:,} data bytes"
    return ""


def _tensor_problem(info: object, body: int) -> str:
    if not isinstance(info, dict):
        return "has no description"
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in _DTYPE_BYTES:
        return f"has an unknown dtype {str(dtype)[:20]!r}"
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        return "has no valid shape"
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1] <= body
    ):
        return "lies outside the file"
    if offsets[1] - offsets[0] != math.prod(shape) * _DTYPE_BYTES[dtype]:
        return "has fewer or more bytes than its shape needs"
    return ""


def weights_problem(folder: str | Path) -> str:
    """Why a local model folder's weights must not be loaded; ``""`` when they may.

    Refused: a folder (or a module sub-folder such as ``2_Dense/``) whose weights are only pickles
    (:data:`PICKLED_PATTERNS`), and any safetensors file that fails :func:`safetensors_problem`.
    """
    root = Path(folder)
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        here_path = Path(here)
        safe = sorted(f for f in files if f.endswith(".safetensors"))
        pickled = sorted(f for f in files if any(Path(f).match(p) for p in PICKLED_PATTERNS))
        where = "model folder" if here_path == root else "model sub-folder"
        if pickled and not safe:
            return (
                f"{where} {here_path} holds pickled weights ({', '.join(pickled)}) and no safetensors: compsem "
                "never loads a pickle (unpickling can run code); convert the weights to model.safetensors"
            )
        for name in safe:
            problem = safetensors_problem(here_path / name)
            if problem:
                return f"{where} {here_path}: {problem}; replace the file with a whole copy"
    return ""
