"""Are two `compsem run` folders the same, byte for byte, apart from timing fields?

Timing fields are the run's ``seconds`` and ``created`` (``summary.json`` meta, the
``Created ...`` of ``report.md``) and the ``in 1.2s`` of the command's output; with
``environment=True`` the library versions (``summary.json`` meta, the report's last line)
are set aside too, for golden files made on another machine. Everything else must match
byte for byte.

    python tests/run_identity.py BEFORE_DIR AFTER_DIR [--environment]   # exit 1 on a difference
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

RUN_FILES = ("all_pair_results.csv", "all_pair_results.jsonl", "summary.json", "comparison.json", "report.md")

_TIMING = [
    (re.compile(r'("seconds": )[0-9.eE+-]+'), r"\1<seconds>"),
    (re.compile(r'("created": )"[^"]*"'), r'\1"<created>"'),
    (re.compile(r"(Created )[0-9T:+-]*(\.)"), r"\1<created>\2"),
    (re.compile(r"( in )[0-9.]+s( \()"), r"\1<seconds>s\2"),
]
_ENVIRONMENT = [
    (re.compile(r'("versions": )\{[^{}]*\}'), r"\1<versions>"),
    (re.compile(r"^Produced by compsem .*$", re.MULTILINE), "Produced by <versions>"),
]


def normalize(text: str, environment: bool = False) -> str:
    """``text`` with its timing fields (and with ``environment``, library versions) replaced by placeholders."""
    for pattern, repl in _TIMING + (_ENVIRONMENT if environment else []):
        text = pattern.sub(repl, text)
    return text


def differences(before: str, after: str, name: str, environment: bool = False) -> list[str]:
    """A unified diff (at most 40 lines) of two normalized texts; empty when they are identical."""
    a, b = normalize(before, environment), normalize(after, environment)
    if a == b:
        return []
    diff = difflib.unified_diff(a.splitlines(), b.splitlines(), f"before/{name}", f"after/{name}", lineterm="", n=1)
    return list(diff)[:40] or [f"{name}: differs in line endings or trailing bytes"]


def compare_runs(before: Path, after: Path, environment: bool = False) -> list[str]:
    """Every difference between two run folders' five files, as diff lines; empty when identical."""
    out: list[str] = []
    for name in RUN_FILES:
        a, b = Path(before) / name, Path(after) / name
        if not a.is_file() or not b.is_file():
            out.append(f"{name}: missing in {'before' if not a.is_file() else 'after'}")
            continue
        out += differences(a.read_bytes().decode("utf-8"), b.read_bytes().decode("utf-8"), name, environment)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--environment", action="store_true", help="also set library versions aside")
    args = parser.parse_args(argv)
    diff = compare_runs(args.before, args.after, args.environment)
    for line in diff:
        print(line)
    print("identical apart from timing fields" if not diff else "DIFFERENT", file=sys.stderr)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
