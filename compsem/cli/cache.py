"""``compsem cache info|clear``: inspect or clear the score cache."""

from __future__ import annotations

import argparse

from compsem.cli._common import EXIT_OK
from compsem.store.sqlite import ScoreCache


def cmd_cache(args: argparse.Namespace) -> int:
    """Prints how many scores are stored, or deletes them (one model's with ``--model``)."""

    cache = ScoreCache(args.cache_dir) if args.cache_dir else ScoreCache()
    if args.action == "info":
        print(f"{cache.path}: {cache.count(args.model)} stored score(s)" + (f" for {args.model}" if args.model else ""))
    else:
        print(f"deleted {cache.clear(args.model)} score(s) from {cache.path}")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``cache``."""
    p = sub.add_parser("cache", help="inspect or clear the score cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--model", help="only this model key")
    p.add_argument("--cache-dir")
    p.set_defaults(func=cmd_cache)
