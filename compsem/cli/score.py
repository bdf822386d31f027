"""``compsem score A B``: one free-text pair scored by models, cross-encoders both ways."""

from __future__ import annotations

import argparse
import json
import sys

from compsem.cli._common import EXIT_OK, add_device, fail
from compsem.models.registry import UnknownModelError, get_spec
from compsem.scoring import score_text_pair, validate_text
from compsem.store.sqlite import ScoreCache


def cmd_score(args: argparse.Namespace) -> int:
    """Exit 0 when at least one model scored the pair, 1 otherwise or on bad text."""

    try:
        a = validate_text(args.sentence_a, "sentence A")
        b = validate_text(args.sentence_b, "sentence B")
    except ValueError as exc:
        return fail(str(exc))
    models = args.models or ["all-MiniLM-L6-v2"]
    try:
        for name in models:
            get_spec(name)
    except UnknownModelError as exc:
        return fail(str(exc))
    cache = ScoreCache(args.cache_dir) if args.cache_dir else ScoreCache()
    try:
        scores, problems = score_text_pair(a, b, models, cache=cache, device=args.device, dtype=args.dtype)
    except ValueError as exc:  # a device that is not here (the text was checked above)
        return fail(str(exc))
    for model, reason in problems.items():
        print(f"compsem: skipped {model}: {reason}", file=sys.stderr)
    if not scores:
        return fail("no model could score the pair (see the reasons above)")
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "model": s.model,
                        "kind": s.kind,
                        "raw_score": s.raw_score,
                        "score": s.score,
                        "score_reversed": s.score_reversed,
                        "normalization": s.normalization,
                        "warning": s.warning,
                    }
                    for s in scores
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    width = max(len(s.model) for s in scores)
    print(f"{'model':<{width}}  {'score A,B':>9}  {'score B,A':>9}")
    for s in scores:
        print(f"{s.model:<{width}}  {s.score:>9.4f}  {s.score_reversed:>9.4f}")
    for s in scores:
        if s.warning:
            print(f"compsem: warning: {s.warning}", file=sys.stderr)
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``score``."""
    p = sub.add_parser("score", help="score one free-text pair (A, B) with models, cross-encoders both ways")
    p.add_argument("sentence_a")
    p.add_argument("sentence_b")
    p.add_argument("--models", nargs="+", metavar="KEY", help="registry keys or aliases (default: all-MiniLM-L6-v2)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--cache-dir", help="score cache folder (default: $COMPSEM_CACHE_DIR or ./cache)")
    add_device(p)
    p.set_defaults(func=cmd_score)
