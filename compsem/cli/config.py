"""``compsem config``: every ``COMPSEM_*`` setting's effective value and where it came from."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from compsem.cli._common import EXIT_OK
from compsem.config import effective_settings


def cmd_config(args: argparse.Namespace) -> int:
    """Prints one line per setting (variable, value, source: env / default / checkout), or JSON with ``--json``."""

    rows = effective_settings()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(len(r.env) for r in rows)
    print(f"{'setting':<{width}}  {'source':<8} value")
    for r in rows:
        print(f"{r.env:<{width}}  {r.source:<8} {r.value}")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``config``."""
    p = sub.add_parser("config", help="show every COMPSEM_* setting's effective value and where it came from")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_config)
