"""``compsem models``: the model registry with each model's availability here."""

from __future__ import annotations

import argparse
import json

from compsem.cli._common import EXIT_OK
from compsem.models.registry import list_models


def cmd_models(args: argparse.Namespace) -> int:
    """Prints the registry as a table, or as JSON with ``--json``."""

    rows = list_models()
    if args.json:
        out = [
            {
                "key": r.spec.key,
                "alias": r.spec.alias,
                "kind": r.spec.kind,
                "objective": r.spec.objective,
                "normalization": r.spec.normalization,
                "prompt": r.spec.prompt,
                "trust_remote_code": r.spec.trust_remote_code,
                "in_study": r.spec.study,
                "availability": r.status,
                "usable_offline": r.usable,
                "location": r.location,
                "fingerprint": r.fingerprint,
                "reason": r.reason,
                "notes": r.spec.notes,
            }
            for r in rows
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(len(r.spec.key) for r in rows)
    print(f"{'model':<{width}}  {'kind':<13} {'objective':<9} {'availability':<14} note")
    for r in rows:
        note = r.reason if r.status != "packaged" or not r.spec.package else r.spec.package
        print(f"{r.spec.key:<{width}}  {r.spec.kind:<13} {r.spec.objective:<9} {r.status:<14} {note}")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``models``."""
    p = sub.add_parser("models", help="list the model registry with availability")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_models)
