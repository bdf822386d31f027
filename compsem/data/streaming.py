"""Pair files of any size: CSV read in chunks, Parquet and JSON Lines, validated row by row as they stream.

:func:`compsem.data.pairs.check_pairs` reads a whole file into memory and refuses anything over
5 MB or 20,000 rows: the right limits for an upload into the dashboard. The command line and
the Python API read pair files here instead, with no row limit and at most
:func:`max_file_bytes` bytes (1 GiB unless ``COMPSEM_MAX_PAIR_FILE_MB`` says otherwise).

Each chunk goes through the same per-row validation as an upload (``pairs._parse_rows``:
the same messages, the same cleaning), and the checks that span chunks (duplicate ids,
duplicate pairs, one direction per custom category) are carried from chunk to chunk, so a
file gives the same table and the same problems whichever reader sees it.

* CSV: split into chunks of whole records (a record may span lines inside quotes); problems
  carry the physical line number, as in an editor.
* Parquet (``pyarrow``): read in record batches; ``id`` may be text or an integer, the
  required text columns must hold text. "line" N in a problem is data row N - 1, as if the
  file were exported to CSV with a header.
* JSON Lines: one object per line; problems carry the line number.

Example:
    >>> check = check_pair_file("pairs.parquet")  # doctest: +SKIP
    >>> check.ok, len(check.pairs)  # doctest: +SKIP
    (True, 1000000)
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compsem.config import MAX_PAIR_FILE_MB
from compsem.data.categories import BUILTIN_CATEGORIES
from compsem.data.guarded import file_kind
from compsem.data.pairs import (
    REQUIRED_COLUMNS,
    PairCheck,
    PairFileError,
    Problem,
    _decode,
    _empty_frame,
    _frame,
    _parse_rows,
)

#: Rows per chunk (at most the upload reader's row limit, which each chunk is checked against).
CHUNK_ROWS = 20_000
#: Problems kept in full; later ones are counted (a broken million-row file must not fill memory).
MAX_PROBLEMS = 1000
FORMATS = ("csv", "parquet", "jsonl")
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_NO_PAIRS = "the file has a header but no pairs"


def max_file_bytes() -> int:
    """The largest pair file the command line reads: ``COMPSEM_MAX_PAIR_FILE_MB`` MiB, else 1 GiB.

    Raises:
        ValueError: the variable is set to something that is not a positive number.
    """
    return int(MAX_PAIR_FILE_MB.value * 2**20)


def file_format(path: str | Path) -> str:
    """``csv``, ``parquet`` or ``jsonl`` from the file name's ending (anything else is read as CSV)."""
    return _SUFFIXES.get(Path(path).suffix.lower(), "csv")


@dataclass
class _Carry:
    """What validation carries from one chunk to the next."""

    ids: dict[str, int] = field(default_factory=dict)
    pairs: dict[int, int] = field(default_factory=dict)  # hash of the casefolded pair -> line
    directions: dict[str, tuple[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    warned_custom: set[str] = field(default_factory=set)
    n_rows: int = 0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    @property
    def n_errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems) + self.more_problems


def _file_problem(path: str | Path) -> Problem | None:
    """Why ``path`` cannot be read as a pair file at all (not a regular file, too big), or None."""
    name = str(path)
    if not name.strip():
        return Problem(0, "no file name given")
    if "\x00" in name:
        return Problem(0, "the file name contains a NUL character")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return Problem(0, f"no such file: {name}")
    except OSError as exc:
        return Problem(0, f"cannot read {name[:200]}: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        return Problem(0, f"{name} is a folder, not a pair file")
    if not stat.S_ISREG(info.st_mode):
        return Problem(
            0, f"{name} is not a regular file ({file_kind(info.st_mode)}); give a CSV, Parquet or JSON Lines file"
        )
    limit = max_file_bytes()
    if info.st_size > limit:
        return Problem(
            0,
            f"the file is {info.st_size / 2**30:.2f} GiB; the limit is {limit / 2**30:.2f} GiB "
            "(split it, convert it to Parquet, or raise COMPSEM_MAX_PAIR_FILE_MB)",
        )
    if info.st_size == 0:
        return Problem(0, "the file is empty")
    return None


def _validate(text: str, first_line: int, header_lines: int, carry: _Carry) -> list[dict]:
    """Rows of one chunk (``text`` = header + records) through the upload validation, then the cross-chunk checks.

    ``first_line`` is the physical line of the chunk's first record in the file.
    """
    rows, problems = _parse_rows(text)
    shift = first_line - header_lines - 1
    for p in problems:
        if p.line == 0:
            if p.message == _NO_PAIRS or p.message.startswith("custom category"):
                continue  # judged once for the whole file at the end
            carry.add(p)
        elif p.line <= header_lines:
            carry.add(p)  # a header problem: the same in every chunk, reported by the first
        else:
            carry.add(Problem(p.line + shift, p.message, p.severity))
    for row in rows:
        row["_line"] += shift
    return _cross_checks(rows, carry)


def _finish(carry: _Carry, categories: Iterable[str]) -> tuple[Problem, ...]:
    if carry.n_rows == 0 and not carry.n_errors:
        carry.add(Problem(0, _NO_PAIRS))
    for name in sorted(set(categories) - set(BUILTIN_CATEGORIES)):
        if name not in carry.directions:
            carry.add(
                Problem(
                    0,
                    f"custom category {name!r} has no 'expected' column value; assuming a good similarity "
                    "model scores it low (add expected=high for paraphrase-like categories)",
                    "warning",
                )
            )
    if carry.more_problems:
        carry.problems.append(Problem(0, f"... and {carry.more_problems:,} more problem(s) not listed"))
    return tuple(sorted(carry.problems, key=lambda p: p.line))


# -- CSV ------------------------------------------------------------------------------------------
def _csv_records(fh: io.BufferedReader, chunk_rows: int) -> Iterator[tuple[int, list[bytes]]]:
    """(first physical line, lines) of whole CSV records, ``chunk_rows`` data records at most per chunk.

    A record ends at a line end where the count of ``"`` so far is even (``""`` inside a quoted
    field counts twice, so it never flips the parity). A file that ends inside quotes yields
    its last lines as they are; the CSV parser then reports the broken quoting with its line.
    """
    lines: list[bytes] = []
    quotes, records, line_no, start = 0, -1, 0, 1  # -1: the header record rides with the first chunk
    for raw in fh:
        line_no += 1
        lines.append(raw)
        quotes += raw.count(b'"')
        if quotes % 2 == 0:
            records += 1
            if records >= chunk_rows:
                yield start, lines
                lines, records, start = [], 0, line_no + 1
    if lines:
        yield start, lines


def _check_csv(path: Path, chunk_rows: int, digest, on_chunk: _OnChunk | None) -> tuple[list[pd.DataFrame], _Carry]:
    carry = _Carry()
    frames: list[pd.DataFrame] = []
    with open(path, "rb") as fh:
        head = fh.read(4096)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            carry.add(Problem(0, "the file is UTF-16; save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')"))
            return frames, carry
        if b"\x00" in head:
            carry.add(Problem(0, "this is not a CSV file (it contains binary data, e.g. a spreadsheet or an image)"))
            return frames, carry
        fh.seek(0)
        chunks = _csv_records(fh, chunk_rows)
        header: str | None = None
        header_lines = offset = 0  # offset: the file's byte where the chunk starts
        for first, lines in chunks:
            raw = b"".join(lines)
            digest.update(raw)
            start, offset = offset, offset + len(raw)
            nul = raw.find(b"\x00")
            if nul >= 0:
                carry.add(Problem(first + raw[:nul].count(b"\n"), "a NUL byte: the file is damaged or not plain text"))
                return frames, carry
            if header is None and raw.startswith(b"\xef\xbb\xbf"):
                raw, start = raw[3:], 3
            text, problems = _decode(raw)
            if text is None:  # the byte in the message counts from the chunk's start: make it the file's
                message = problems[0].message
                found = re.search(r"at byte (\d+)", message)
                if found:
                    message = message[: found.start(1)] + str(int(found.group(1)) + start) + message[found.end(1) :]
                carry.add(Problem(problems[0].line + first - 1, message))
                return frames, carry
            if header is None:
                if not text.strip():
                    carry.add(Problem(0, "the file is empty"))
                    return frames, carry
                header = _first_record(text)
                header_lines = header.count("\n") or 1
                body, first = text[len(header) :], first + header_lines
                if not header.endswith("\n"):
                    header += "\n"
            else:
                body = text
            if not body.strip() and carry.n_rows > 0:
                continue
            rows = _validate(header + body, first, header_lines, carry)
            if any(p.line == 1 for p in carry.problems):
                return frames, carry  # the header is unusable: every chunk would say the same
            _collect(rows, frames, on_chunk)
    return frames, carry


def _first_record(text: str) -> str:
    """The header record of a CSV text, with its line end (it may span lines inside quotes)."""
    quotes = 0
    pos = 0
    while True:
        end = text.find("\n", pos)
        if end < 0:
            return text
        quotes += text.count('"', pos, end + 1)
        pos = end + 1
        if quotes % 2 == 0:
            return text[:pos]


# -- Parquet and JSON Lines: rows written as CSV records, validated the same way --------------------
def _as_csv(columns: list[str], records: list[list[str]]) -> tuple[str, list[int]]:
    """CSV text of a header and records, and the line each record starts on in that text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    starts, line = [], 2
    for rec in records:
        start = buf.tell()
        writer.writerow(rec)
        starts.append(line)
        line += buf.getvalue().count("\n", start) if "\n" in "".join(rec) or '"' in "".join(rec) else 1
    return buf.getvalue(), starts


def _validate_records(columns: list[str], records: list[list[str]], lines: list[int], carry: _Carry) -> list[dict]:
    """Validate records whose source lines are ``lines`` (one per record)."""
    text, starts = _as_csv(columns, records)
    to_source = dict(zip(starts, lines))
    rows, problems = _parse_rows(text)
    for p in problems:
        if p.line == 0:
            if p.message != _NO_PAIRS and not p.message.startswith("custom category"):
                carry.add(p)
        elif p.line == 1:
            carry.add(p)
        else:
            carry.add(Problem(to_source.get(p.line, p.line), p.message, p.severity))
    for row in rows:
        row["_line"] = to_source.get(row["_line"], row["_line"])
    # the cross-chunk checks use source lines already: run them with no shift
    return _cross_checks(rows, carry)


def _cross_checks(rows: list[dict], carry: _Carry) -> list[dict]:
    kept = []
    for row in rows:
        line, rid, bad = row["_line"], row["id"], False
        if rid in carry.ids:
            carry.add(Problem(line, f"duplicate id {rid!r} (first on line {carry.ids[rid]})"))
            bad = True
        else:
            carry.ids[rid] = line
        key = hash((row["sentence_a"].casefold(), row["sentence_b"].casefold()))
        if key in carry.pairs:
            carry.add(Problem(line, f"duplicate pair (same sentences as line {carry.pairs[key]})"))
            bad = True
        else:
            carry.pairs[key] = line
        expected, category = row.get("expected", ""), row["category"]
        if expected and category not in BUILTIN_CATEGORIES:
            first = carry.directions.setdefault(category, (expected, line))
            if first[0] != expected:
                carry.add(Problem(line, f"category {category} is expected {first[0]} on line {first[1]}"))
                bad = True
        if not bad:
            kept.append(row)
    carry.n_rows += len(kept)
    return kept


_TEXT_TYPES = ("string", "large_string", "string_view")


def _check_parquet(path: Path, chunk_rows: int, digest, on_chunk: _OnChunk | None) -> tuple[list[pd.DataFrame], _Carry]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    carry = _Carry()
    frames: list[pd.DataFrame] = []
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        carry.add(Problem(0, f"not a readable Parquet file: {str(exc).splitlines()[0][:200]}"))
        return frames, carry
    schema = pf.schema_arrow
    columns = [str(n).strip().lower() for n in schema.names]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        carry.add(Problem(1, f"missing column(s): {', '.join(missing)} (found: {', '.join(columns) or 'none'})"))
        return frames, carry
    for name, typ in zip(columns, schema.types):
        ok = str(typ) in _TEXT_TYPES or (name == "id" and pa.types.is_integer(typ))
        if name in REQUIRED_COLUMNS and not ok:
            want = "text or integers" if name == "id" else "text"
            carry.add(Problem(1, f"column {name} holds {typ}, not {want}; store it as a string column"))
    if carry.problems:
        return frames, carry
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=chunk_rows):
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            records = [["" if v is None else str(v) for v in rec] for rec in zip(*cols)]
            lines = list(range(row + 2, row + 2 + len(records)))
            row += len(records)
            _collect(_validate_records(columns, records, lines, carry), frames, on_chunk)
    except (pa.ArrowException, OSError) as exc:
        carry.add(Problem(row + 2, f"the Parquet file is damaged after row {row:,}: {str(exc).splitlines()[0][:200]}"))
    return frames, carry


def _check_jsonl(path: Path, chunk_rows: int, digest, on_chunk: _OnChunk | None) -> tuple[list[pd.DataFrame], _Carry]:
    carry = _Carry()
    frames: list[pd.DataFrame] = []
    columns: list[str] = list(REQUIRED_COLUMNS)
    records: list[list[str]] = []
    lines: list[int] = []

    def flush() -> None:
        if records:
            _collect(_validate_records(columns, list(records), list(lines), carry), frames, on_chunk)
            records.clear()
            lines.clear()

    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            digest.update(raw)
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8-sig" if line_no == 1 else "utf-8"))
            except UnicodeDecodeError:
                carry.add(Problem(line_no, "undecodable bytes (not UTF-8); save the file as UTF-8"))
                continue
            except ValueError as exc:
                end = "" if raw.endswith(b"\n") else " (the file ends in the middle of this line)"
                carry.add(Problem(line_no, f"not valid JSON{end}: {exc}"))
                continue
            if not isinstance(obj, dict):
                carry.add(Problem(line_no, f"each line must be a JSON object, not {type(obj).__name__}"))
                continue
            keys = {str(k).strip().lower(): v for k, v in obj.items()}
            for extra in keys:
                if extra not in columns:
                    columns.append(extra)
                    for rec in records:
                        rec.append("")
            rec = []
            bad = False
            for name in columns:
                value = keys.get(name)
                if value is None:
                    rec.append("")
                elif isinstance(value, str):
                    rec.append(value)
                elif name == "id" and isinstance(value, int) and not isinstance(value, bool):
                    rec.append(str(value))
                elif name in REQUIRED_COLUMNS:
                    carry.add(Problem(line_no, f"{name} must be text, not {type(value).__name__}"))
                    bad = True
                    break
                else:
                    rec.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            if bad:
                continue
            records.append(rec)
            lines.append(line_no)
            if len(records) >= chunk_rows:
                flush()
    flush()
    return frames, carry


# -- the public readers ---------------------------------------------------------------------------
#: on_chunk(rows so far): called after each chunk is validated (progress while reading a big file).
_OnChunk = Callable[[int], None]


def _collect(rows: list[dict], frames: list[pd.DataFrame], on_chunk: _OnChunk | None) -> None:
    if rows:
        frames.append(_frame(rows))
    if on_chunk is not None:
        on_chunk(sum(len(f) for f in frames))


def check_pair_file(path: str | Path, *, chunk_rows: int = CHUNK_ROWS, on_chunk: _OnChunk | None = None) -> PairCheck:
    """Read and validate a CSV, Parquet or JSON Lines pair file in chunks, collecting every problem.

    Args:
        path: the file; its ending picks the reader (``.parquet``/``.pq``, ``.jsonl``/``.ndjson``,
            anything else CSV).
        chunk_rows: records per chunk (1 to 20,000).
        on_chunk: called with the number of valid rows so far after each chunk.

    Returns:
        A :class:`~compsem.data.pairs.PairCheck` like :func:`~compsem.data.pairs.check_pairs`'s, with
        the same table for the same CSV.

    Raises:
        ValueError: ``chunk_rows`` outside 1-20,000.
    """
    if not 1 <= chunk_rows <= CHUNK_ROWS:
        raise ValueError(f"chunk_rows must be within 1-{CHUNK_ROWS:,}, not {chunk_rows}")
    source = str(path)
    problem = _file_problem(path)
    if problem is not None:
        return PairCheck(_empty_frame(), (problem,), source)
    digest = hashlib.sha256()
    reader = {"csv": _check_csv, "parquet": _check_parquet, "jsonl": _check_jsonl}[file_format(path)]
    frames, carry = reader(Path(path), chunk_rows, digest, on_chunk)
    if carry.n_errors:
        return PairCheck(_empty_frame(), _finish(carry, ()), source, digest.hexdigest())
    table = pd.concat(frames, ignore_index=True) if frames else _empty_frame()
    if len(frames) > 1:
        table = table.fillna("")  # a column that appears only in later chunks (JSON Lines)
    return PairCheck(table, _finish(carry, table["category"].unique()), source, digest.hexdigest())


def load_pair_file(path: str | Path, *, chunk_rows: int = CHUNK_ROWS, on_chunk: _OnChunk | None = None) -> pd.DataFrame:
    """:func:`check_pair_file`, returning the pairs or raising :class:`~compsem.data.pairs.PairFileError`.

    Example:
        >>> pairs = load_pair_file("big_pairs.csv")  # doctest: +SKIP
    """
    check = check_pair_file(path, chunk_rows=chunk_rows, on_chunk=on_chunk)
    if not check.ok:
        raise PairFileError(check.source, check.errors)
    return check.pairs


__all__ = ["CHUNK_ROWS", "FORMATS", "check_pair_file", "file_format", "load_pair_file", "max_file_bytes"]
