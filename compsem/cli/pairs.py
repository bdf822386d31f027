"""``compsem pairs check FILE``: validate a pair CSV and print every problem with its line."""

from __future__ import annotations

import argparse
import sys

from compsem.cli._common import EXIT_BAD_INPUT, EXIT_OK
from compsem.data.categories import category_info
from compsem.data.pairs import category_counts, check_pairs


def cmd_pairs_check(args: argparse.Namespace) -> int:
    """Exit 0 when the file can be used (warnings allowed), 1 when it has errors."""

    check = check_pairs(args.file)  # a str, not Path: Path("") would silently become "."
    for problem in check.problems:
        print(f"{check.source}: {problem}")
    if check.ok:
        counts = category_counts(check.pairs)
        print(
            f"{check.source}: OK, {len(check.pairs)} pairs in {len(counts)} categories"
            + (f" ({len(check.warnings)} warning(s))" if check.warnings else "")
        )
        for name, n in counts.items():
            info = category_info(name)
            print(f"  {name:<20} {n:>4}  {info.role}, expected {info.expected}")
        return EXIT_OK
    print(
        f"{check.source}: {len(check.errors)} error(s); the file cannot be used until they are fixed", file=sys.stderr
    )
    return EXIT_BAD_INPUT


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``pairs`` and its ``check`` subcommand."""
    p = sub.add_parser("pairs", help="pair files")
    pairs_sub = p.add_subparsers(dest="pairs_command", required=True)
    c = pairs_sub.add_parser("check", help="validate a pair CSV and print every problem with its line")
    c.add_argument("file")
    c.set_defaults(func=cmd_pairs_check)
