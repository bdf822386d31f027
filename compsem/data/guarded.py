"""Reading a file compsem does not control, with the same guards for every kind of file.

Pair files, ``compsem check --config`` TOML, the files of a run folder, model cards and the
datasets all come through here, so each gets the same answers to the same hostile inputs:

* only a **regular file** is read: a FIFO would block forever, ``/dev/zero`` never ends, a
  folder is a mistake. The check is made on the path and again on the open handle (opened
  without blocking), so swapping the file for a FIFO in between changes nothing;
* at most ``limit + 1`` bytes are read, whatever the file claims its size is, so an endless
  or growing file costs no more memory than the limit;
* structured text (TOML, JSON) may nest at most :data:`MAX_NESTING` levels: deeper input is
  refused with a sentence instead of a ``RecursionError`` in the parser.

Every refusal is a :class:`FileRefusedError` (a ``ValueError``) whose message names the file
and the problem; callers turn it into their own error type.

Example:
    >>> read_guarded("pairs.csv", limit=5_000_000, kind="CSV file")  # doctest: +SKIP
    b'id,category,sentence_a,sentence_b\\n...'
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Deepest nesting of lists and tables accepted in TOML or JSON compsem reads (its own files nest 4 deep).
MAX_NESTING = 32


class FileRefusedError(ValueError):
    """A file compsem will not read (missing, not a regular file, too large, undecodable, nested too deeply).

    Attributes:
        path: the file as given.
        reason: the sentence saying why (it names the file); also ``str(exc)``.
    """

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(reason)


def size_text(n: int) -> str:
    """A byte count for a message: ``5 MB``, ``1.5 MB``, ``64 kB``, ``512 bytes``.

    Example:
        >>> size_text(5 * 2**20), size_text(1_500_000), size_text(64_000)
        ('5 MB', '1.5 MB', '64 kB')
    """
    if n >= 2**20 and n % 2**20 == 0:  # a limit set in MiB shows as the round number it was set as
        return f"{n >> 20} MB"
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000} MB"
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    if n >= 1_000:
        return f"{n / 1e3:.0f} kB"
    return f"{n} bytes"


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (``a FIFO/pipe``, ``a character device``...)."""
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO/pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not an ordinary file"


def too_big(name: str, size: int, limit: int) -> str:
    """The message for a file over its limit."""
    return f"{name}: the file is {size / 1e6:.1f} MB; the limit is {size_text(limit)}"


def read_guarded(path: str | Path, *, limit: int, kind: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Args:
        path: the file.
        limit: the most bytes accepted.
        kind: what the file should be, for messages (``CSV file``, ``TOML file``...).

    Raises:
        FileRefusedError: no name, a NUL in the name, a missing file, a folder, a FIFO or
            device, a file over ``limit``, or an operating-system error (the message says which).
    """
    name = str(path)
    if not name.strip():
        raise FileRefusedError(path, "no file name given")
    if "\x00" in name:
        raise FileRefusedError(path, "the file name contains a NUL character")
    short = name[:200]
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileRefusedError(path, f"no such file: {short}") from None
    except OSError as exc:
        raise FileRefusedError(path, f"cannot read {short}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileRefusedError(path, f"{short} is a folder, not a {kind}")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefusedError(path, f"{short} is not a regular file ({file_kind(info.st_mode)}); give a {kind}")
    if info.st_size > limit:
        raise FileRefusedError(path, too_big(short, info.st_size, limit))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise FileRefusedError(path, f"cannot read {short}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise FileRefusedError(path, f"{short} is not a regular file; give a {kind}")
        try:
            raw = fh.read(limit + 1)
        except OSError as exc:
            raise FileRefusedError(path, f"cannot read {short}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise FileRefusedError(path, f"{short}: the file is over {size_text(limit)}, the limit")
    return raw


def read_text_guarded(path: str | Path, *, limit: int, kind: str = "file") -> str:
    """:func:`read_guarded` decoded as UTF-8 (a BOM is allowed).

    Raises:
        FileRefusedError: as :func:`read_guarded`, or bytes that are not UTF-8 (the line is named).
    """
    raw = read_guarded(path, limit=limit, kind=kind)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRefusedError(
            path, f"{str(path)[:200]}, line {line}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None


def nesting_depth(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (0 for a scalar), counted without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _check_nesting(path: str | Path, value: Any) -> Any:
    if nesting_depth(value) > MAX_NESTING:
        raise FileRefusedError(path, f"{str(path)[:200]}: nested more than {MAX_NESTING} levels deep")
    return value


def read_toml_guarded(path: str | Path, *, limit: int = 1_000_000) -> dict[str, Any]:
    """A TOML file as a dict, through :func:`read_text_guarded` and the nesting limit.

    Raises:
        FileRefusedError: as :func:`read_text_guarded`, invalid TOML, or nesting deeper than
            :data:`MAX_NESTING` (never a ``RecursionError``).
    """
    text = read_text_guarded(path, limit=limit, kind="TOML file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileRefusedError(path, f"{str(path)[:200]}: not valid TOML: {exc}") from None
    except RecursionError:
        raise FileRefusedError(path, f"{str(path)[:200]}: nested more than {MAX_NESTING} levels deep") from None
    return _check_nesting(path, data)


def parse_json_guarded(text: str | bytes, source: str) -> Any:
    """Parse JSON text with the nesting limit; ``source`` names it in messages.

    Raises:
        FileRefusedError: invalid JSON or nesting deeper than :data:`MAX_NESTING`.
    """
    try:
        data = json.loads(text)
    except RecursionError:
        raise FileRefusedError(source, f"{source[:200]}: nested more than {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError of bytes
        raise FileRefusedError(source, f"{source[:200]}: not valid JSON ({exc})") from None
    return _check_nesting(source, data)


def read_json_guarded(path: str | Path, *, limit: int, kind: str = "JSON file") -> Any:
    """A JSON file, through :func:`read_text_guarded` and :func:`parse_json_guarded`."""
    return parse_json_guarded(read_text_guarded(path, limit=limit, kind=kind), str(path))


__all__ = [
    "MAX_NESTING",
    "FileRefusedError",
    "file_kind",
    "nesting_depth",
    "parse_json_guarded",
    "read_guarded",
    "read_json_guarded",
    "read_text_guarded",
    "read_toml_guarded",
    "size_text",
    "too_big",
]
