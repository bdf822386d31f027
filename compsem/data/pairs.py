"""Pair files: the schema, loading, and validation with line-numbered problems.

A pair file is a CSV with the columns ``id, category, sentence_a, sentence_b``
(required) and any others (kept). ``domain`` and ``note`` are conventional; an
``expected`` column (``low``/``high``) states the direction of a custom category.

Every problem is reported with the physical line it starts on, so a user can fix
the file in an editor. Nothing here raises on bad *content*: :func:`check_pairs`
collects problems, :func:`load_pairs` raises one :class:`PairFileError` holding all
of them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from compsem.config import checkout_root
from compsem.data.categories import BUILTIN_CATEGORIES, category_info, sort_categories
from compsem.data.guarded import FileRefusedError, read_guarded, size_text
from compsem.data.schema import PAIR_FILE_RESERVED

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "category", "sentence_a", "sentence_b")
#: Above this a file is refused before parsing (a pair set is small; a huge upload is a mistake).
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Above this a sentence is refused: models truncate at a few hundred tokens, so the
#: score would silently describe only the start of the text.
MAX_SENTENCE_CHARS = 2000
MAX_ROWS = 20000
BUNDLED_PAIRS_NAME = "study_pairs.csv"

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pair file.

    Attributes:
        line: 1-based physical line in the file where the record starts (0 = the whole file).
        message: a sentence a user can act on.
        severity: ``"error"`` blocks loading, ``"warning"`` does not.
    """

    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class PairCheck:
    """What :func:`check_pairs` found.

    Attributes:
        pairs: the valid rows as a DataFrame (empty when the file could not be parsed).
        problems: every problem, in file order.
        source: where the pairs came from (a path or an upload name).
        sha256: hash of the raw bytes, used in reports and cache provenance.
    """

    pairs: pd.DataFrame
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    source: str = ""
    sha256: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


class PairFileError(ValueError):
    """A pair file has errors; ``problems`` lists all of them with line numbers."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        head = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{source}: {len(problems)} problem(s) in the pair file:\n{head}{more}")


def bundled_pairs_path() -> Path:
    """Path of the bundled 336-pair study set.

    Found inside an installed wheel (``compsem/_bundled_pairs``) or, for an editable
    install or a source checkout, in the repository's top-level ``pairs/`` folder.
    """
    try:
        packaged = resources.files("compsem") / "_bundled_pairs" / BUNDLED_PAIRS_NAME
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - defensive
        pass
    root = checkout_root()
    if root is not None and (root / "pairs" / BUNDLED_PAIRS_NAME).is_file():
        return root / "pairs" / BUNDLED_PAIRS_NAME
    raise FileNotFoundError(
        "The bundled pair set was not found: neither compsem/_bundled_pairs/ (wheel) nor pairs/ "
        "(source checkout) holds study_pairs.csv. Reinstall compsem or pass --pairs FILE."
    )


def _decode(raw: bytes) -> tuple[str | None, list[Problem]]:
    """Decode UTF-8 (a BOM is allowed); report the line of the first undecodable byte."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                line,
                f"undecodable bytes (not UTF-8) at byte {exc.start}: {raw[exc.start : exc.start + 4]!r}. "
                "Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8').",
            )
        ]


def _clean_cell(value: str) -> str:
    # NFC so that visually identical text from different keyboards compares equal (ids, categories,
    # duplicate detection); surrounding whitespace carries no meaning there. Sentences and a user's
    # own columns are kept exactly as in the file; only comparisons use this form.
    return unicodedata.normalize("NFC", value).strip()


#: Columns that are identifiers (compared, grouped by, printed as names): normalised with :func:`_clean_cell`
#: and refused when they hold control characters. Every other cell is kept exactly as in the file.
KEY_FIELDS: tuple[str, ...] = ("id", "category", "expected")
#: The most characters one cell may hold (the ``csv`` module's own field limit, 128 Ki characters).
MAX_CELL_CHARS = 131072


def _header_problems(header: list[str]) -> list[Problem]:
    """Line-1 problems of a header: a column that would be lost in the results, or control characters."""
    problems = []
    for name in header:
        if name in PAIR_FILE_RESERVED:
            problems.append(
                Problem(
                    1,
                    f"column {name!r} is reserved: compsem uses a column of that name itself (in the results or "
                    f"while reading), so yours would be lost. Rename it (for example to 'my_{name.lstrip('_')}').",
                )
            )
        elif _has_control_chars(name, allow_tab=False):
            problems.append(Problem(1, f"column name {_shown(name)} contains control characters; remove them"))
    return problems


def _label_problems(row: dict[str, Any], line: int) -> list[Problem]:
    """Control characters (ESC, BEL, newline, ...) in an id, category or expected value.

    These are names compsem prints in the terminal, in report.md and in JUnit XML, where an escape
    sequence could clear the screen or break the file; they are refused, not passed on.
    """
    return [
        Problem(line, f"{col} {_shown(row[col])} contains control characters (ESC, BEL, a tab...); remove them")
        for col in KEY_FIELDS
        if col in row and _has_control_chars(row[col], allow_tab=False)
    ]


def _shown(text: str, limit: int = 60) -> str:
    """``text`` safe to print: ``repr`` shows every control character as an escape."""
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def _tracked_lines(text: str, starts: list[int]):
    """The physical lines of ``text`` (as ``csv.reader`` wants them), recording where each starts."""
    pos = 0
    for piece in io.StringIO(text, newline=""):
        starts.append(pos)
        pos += len(piece)
        yield piece


def _oversized_cell(text: str, start: int) -> int | None:
    """The length of the longest cell of the record starting at ``start``, when over :data:`MAX_CELL_CHARS`.

    A minimal quote-aware scan (``""`` inside quotes is a quote) of one record, used only to say how large
    the cell is that the ``csv`` module refused; None when no cell is over the limit (another CSV error).
    """
    longest, cell_start, in_quotes, i, n = 0, start, False, start, len(text)
    while i < n:
        ch = text[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                in_quotes = False
        elif ch == '"':
            in_quotes = True
        elif ch == ",":
            longest, cell_start = max(longest, i - cell_start), i + 1
        elif ch in "\r\n":
            break
        i += 1
    longest = max(longest, i - cell_start)
    return longest if longest > MAX_CELL_CHARS else None


def _cell_too_large(size: int) -> str:
    return (
        f"cell too large: {size:,} characters; the limit is {MAX_CELL_CHARS:,} characters per cell "
        f"(a sentence may have at most {MAX_SENTENCE_CHARS}). Is a closing quote missing, or a file pasted in?"
    )


#: Unicode's Cc category is exactly these code points. One regex search instead of a Python loop over every
#: character (the loop was most of the time of reading a large pair file); the first allows a tab.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_CHARS_OR_TAB = re.compile("[\x00-\x1f\x7f-\x9f]")


def _has_control_chars(text: str, allow_tab: bool = True) -> bool:
    """Control characters (Unicode Cc: ESC, BEL, NUL, newline...; a tab only when ``allow_tab`` is False)."""
    return (_CONTROL_CHARS if allow_tab else _CONTROL_CHARS_OR_TAB).search(text) is not None


def check_pairs(data: bytes | str | Path, source: str | None = None) -> PairCheck:
    """Parse and validate a pair file, collecting every problem with its line number.

    Args:
        data: raw bytes (an upload), or a path to a CSV file.
        source: name used in messages (defaults to the path).

    Returns:
        A :class:`PairCheck`; ``check.ok`` tells whether the pairs can be used.

    Example:
        >>> check = check_pairs(b"id,category,sentence_a,sentence_b\\n1,negation,It is red.,It is not red.\\n")
        >>> check.ok, len(check.pairs)
        (True, 1)
    """
    if isinstance(data, (str, Path)):
        source = source or str(data)
        read = read_pair_file(data)
        if isinstance(read, Problem):
            return PairCheck(_empty_frame(), (read,), source)
        raw = read
    else:
        raw = data
        source = source or "upload"
    if len(raw) > MAX_FILE_BYTES:
        return PairCheck(_empty_frame(), (Problem(0, _too_big(len(raw))),), source)
    digest = hashlib.sha256(raw).hexdigest()
    if not raw.strip():
        return PairCheck(_empty_frame(), (Problem(0, "the file is empty"),), source, digest)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return PairCheck(
            _empty_frame(),
            (Problem(0, "the file is UTF-16; save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')"),),
            source,
            digest,
        )
    if b"\x00" in raw[:4096]:
        return PairCheck(
            _empty_frame(),
            (Problem(0, "this is not a CSV file (it contains binary data, e.g. a spreadsheet or an image)"),),
            source,
            digest,
        )
    nul = raw.find(b"\x00")
    if nul >= 0:  # text files hold no NUL bytes; one later on means a damaged or concatenated file
        line = raw[:nul].count(b"\n") + 1
        return PairCheck(
            _empty_frame(), (Problem(line, "a NUL byte: the file is damaged or not plain text"),), source, digest
        )
    text, problems = _decode(raw)
    if text is None:
        return PairCheck(_empty_frame(), tuple(problems), source, digest)
    rows, problems = _parse_rows(text)
    return PairCheck(_frame(rows), tuple(problems), source, digest)


def read_pair_file(path: str | Path) -> bytes | Problem:
    """The bytes of a pair file, or the :class:`Problem` that stops it being read.

    Read through :func:`compsem.data.guarded.read_guarded`, the reader every file compsem reads
    goes through: a regular file only (a FIFO would block forever and a device such as /dev/zero
    never ends), at most ``MAX_FILE_BYTES`` bytes whatever the file claims its size is, checked
    again on the open handle.
    """
    try:
        return read_guarded(path, limit=MAX_FILE_BYTES, kind="CSV file")
    except FileRefusedError as exc:
        return Problem(0, exc.reason)


def _too_big(size: int) -> str:
    return f"the file is {size / 1e6:.1f} MB; the limit is {size_text(MAX_FILE_BYTES)}"


def _parse_rows(text: str) -> tuple[list[dict], list[Problem]]:
    problems: list[Problem] = []
    line_starts: list[int] = []  # character offset of each physical line, to measure an oversized cell
    reader = csv.reader(_tracked_lines(text, line_starts), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        return [], [Problem(1, f"not a valid CSV header: {exc}")]
    except StopIteration:
        return [], [Problem(0, "the file is empty")]
    header = [_clean_cell(h).lower() for h in header]
    if len(header) < 2:
        return [], [
            Problem(
                1,
                "this does not look like a CSV file: the first line has no commas. "
                f"Expected a header with {', '.join(REQUIRED_COLUMNS)}.",
            )
        ]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            Problem(
                1,
                f"missing column(s): {', '.join(missing)}. The header must contain "
                f"{', '.join(REQUIRED_COLUMNS)} (found: {', '.join(h or '<blank>' for h in header)}).",
            )
        ]
    dup_headers = sorted({h for h in header if header.count(h) > 1 and h})
    if dup_headers:
        problems.append(Problem(1, f"duplicate column name(s): {', '.join(dup_headers)}"))
        return [], problems
    header_problems = _header_problems(header)
    if header_problems:
        return [], header_problems

    rows: list[dict] = []
    seen_ids: dict[str, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    directions: dict[str, tuple[str, int]] = {}
    start_line = 2
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            size = _oversized_cell(text, line_starts[start_line - 1]) if start_line <= len(line_starts) else None
            if size is not None:
                problems.append(Problem(start_line, _cell_too_large(size)))
            else:
                problems.append(Problem(reader.line_num, f"broken CSV quoting: {exc}"))
            break
        line = start_line
        start_line = reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # blank lines are harmless
        if len(rows) >= MAX_ROWS:
            problems.append(Problem(line, f"more than {MAX_ROWS} pairs; split the file"))
            break
        if len(record) != len(header):
            problems.append(Problem(line, f"expected {len(header)} fields, found {len(record)} (an unquoted comma?)"))
            continue
        # identifiers are compared, so they are normalised; text is kept exactly as in the file
        row: dict[str, Any] = {h: _clean_cell(v) if h in KEY_FIELDS else v for h, v in zip(header, record)}
        row["_line"] = line
        bad = False
        for problem in _label_problems(row, line):
            problems.append(problem)
            bad = True
        for col in REQUIRED_COLUMNS:
            if not row[col].strip():
                what = "sentence" if col.startswith("sentence") else "value"
                problems.append(Problem(line, f"empty {what} in column {col}"))
                bad = True
        for col in ("sentence_a", "sentence_b"):
            text = row[col]
            if len(text) > MAX_SENTENCE_CHARS:
                problems.append(Problem(line, f"{col} has {len(text)} characters; the limit is {MAX_SENTENCE_CHARS}"))
                bad = True
            elif _has_control_chars(text):
                problems.append(Problem(line, f"{col} contains control characters", "warning"))
        if row["id"]:
            if row["id"] in seen_ids:
                problems.append(Problem(line, f"duplicate id {row['id']!r} (first on line {seen_ids[row['id']]})"))
                bad = True
            else:
                seen_ids[row["id"]] = line
        if row["sentence_a"].strip() and row["sentence_b"].strip():
            key = (_clean_cell(row["sentence_a"]).casefold(), _clean_cell(row["sentence_b"]).casefold())
            if key in seen_pairs:
                problems.append(Problem(line, f"duplicate pair (same sentences as line {seen_pairs[key]})"))
                bad = True
            else:
                seen_pairs[key] = line
            if key[0] == key[1]:
                problems.append(Problem(line, "sentence_a and sentence_b are identical", "warning"))
        expected = row.get("expected", "").lower()
        if expected:
            if expected not in ("low", "high"):
                problems.append(Problem(line, f"expected must be 'low' or 'high', not {expected!r}"))
                bad = True
            elif row["category"] in BUILTIN_CATEGORIES and expected != BUILTIN_CATEGORIES[row["category"]].expected:
                problems.append(
                    Problem(
                        line,
                        f"category {row['category']} is built in and expected "
                        f"{BUILTIN_CATEGORIES[row['category']].expected}; "
                        "rename the category to state another direction",
                    )
                )
                bad = True
            else:
                first = directions.setdefault(row["category"], (expected, line))
                if first[0] != expected:
                    problems.append(
                        Problem(line, f"category {row['category']} is expected {first[0]} on line {first[1]}")
                    )
                    bad = True
        row["expected"] = expected
        if not bad:
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(0, "the file has a header but no pairs"))
    custom = sorted({r["category"] for r in rows} - set(BUILTIN_CATEGORIES))
    for name in custom:
        if name not in directions:
            problems.append(
                Problem(
                    0,
                    f"custom category {name!r} has no 'expected' column value; assuming a good similarity "
                    "model scores it low (add expected=high for paraphrase-like categories)",
                    "warning",
                )
            )
    problems.sort(key=lambda p: p.line)
    return rows, problems


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=[*REQUIRED_COLUMNS, "expected"])


def _frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return _empty_frame()
    df = pd.DataFrame(rows).drop(columns=["_line"])
    # a built-in category's direction where none is stated; looked up once per category, lists not row iteration
    implied = {cat: category_info(cat).expected for cat in dict.fromkeys(df["category"].tolist())}
    df["expected"] = [exp or implied[cat] for cat, exp in zip(df["category"].tolist(), df["expected"].tolist())]
    for col in df.columns:
        df[col] = df[col].astype(str)
    return df.reset_index(drop=True)


def load_pairs(path: str | Path | None = None, *, data: bytes | None = None, source: str | None = None) -> pd.DataFrame:
    """Load a pair file (default: the bundled study set) or raise :class:`PairFileError`.

    Returns:
        DataFrame with ``id, category, sentence_a, sentence_b, expected`` and any extra columns.

    Example:
        >>> pairs = load_pairs()
        >>> len(pairs)
        336
    """
    content = data if data is not None else path if path is not None else bundled_pairs_path()
    check = check_pairs(content, source=source)
    if not check.ok:
        raise PairFileError(check.source, check.errors)
    return check.pairs


def category_counts(pairs: pd.DataFrame) -> pd.Series:
    """Number of pairs per category, in study order."""
    counts = pairs["category"].value_counts()
    return counts.reindex(sort_categories(counts.index))
