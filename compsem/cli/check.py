"""``compsem check``: a robustness gate for CI (the library side is :mod:`compsem.check`).

Exit 0 when every limit holds, 1 when one is broken, 2 when the check cannot run: a bad argument,
pair file or config, an unknown model, an unusable score cache (a file as ``--cache-dir``, a folder
that cannot be written, a failed write), an output file that cannot be written, or Ctrl-C. A CI job
can so tell "the model regressed" (1) from "the gate is broken" (2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compsem.check import CheckError, parse_limits, read_config, run_check
from compsem.check_output import junit_xml, markdown_summary, text_table
from compsem.cli._common import EXIT_OK, add_backend, add_device
from compsem.reports.files import atomic_write_text
from compsem.store.recovery import CacheError
from compsem.store.sqlite import ScoreCache

EXIT_LIMIT_BROKEN, EXIT_CHECK_ERROR = 1, 2


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when every limit holds, 1 when one is broken, 2 when the check cannot run."""

    def error(message: str) -> int:
        print(f"compsem check: error: {message}", file=sys.stderr)
        return EXIT_CHECK_ERROR

    try:
        config = read_config(args.config) if args.config else None
        limits = {**(config.limits if config else {}), **parse_limits(args.limit or [])}
        threshold, calibrated = args.threshold, args.calibrated
        if threshold is None and not calibrated and config is not None:  # the command line wins over the file
            threshold, calibrated = config.threshold, bool(config.calibrated)
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            return error(f"threshold {threshold} is outside 0-1 (scores are on a 0-1 scale)")
        pairs = args.pairs or (config.pairs if config else None)
        cache = ScoreCache(args.cache_dir) if args.cache_dir else ScoreCache()
        result = run_check(
            args.model,
            limits,
            pairs=pairs,
            threshold=threshold,
            calibrated=calibrated,
            cache=cache,
            device=args.device,
            dtype=args.dtype,
            backend=args.backend,
        )
    except CheckError as exc:
        return error(str(exc))
    except CacheError as exc:  # a file as --cache-dir, a folder that cannot be written, a failed write
        return error(f"the score cache cannot be used: {exc}")
    except OSError as exc:  # the file system said no while scoring: the check did not run, no limit was read
        where = f" ({exc.filename})" if exc.filename else ""
        return error(f"{exc.strerror or exc}{where}")
    except KeyboardInterrupt:
        return error("interrupted before the verdict")
    print(text_table(result))
    try:
        if args.junit:
            print(f"wrote {atomic_write_text(Path(args.junit), junit_xml(result))}")
        if args.markdown:
            print(f"wrote {atomic_write_text(Path(args.markdown), markdown_summary(result))}")
    except OSError as exc:
        return error(f"cannot write the output: {exc}")
    return EXIT_OK if result.ok else EXIT_LIMIT_BROKEN


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``check``."""
    p = sub.add_parser(
        "check",
        help="robustness gate for CI: fail when a category's failure rate passes a limit",
        description="Score MODEL on the pairs and compare each category's rate at a threshold with "
        "limits. A limit is a maximum failure rate (share of pairs scoring >= threshold) "
        "for categories expected low, and a minimum pass rate for positive controls. "
        "Exit 0: every limit holds; 1: a limit is broken; 2: the check could not run.",
    )
    p.add_argument("model", help="registry key, alias, or a local model folder")
    p.add_argument("--pairs", help="pair CSV (default: the bundled 336 study pairs)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--threshold", type=float, help="fixed threshold (default 0.5)")
    how.add_argument(
        "--calibrated", action="store_true", help="use the model's calibrated threshold (max Youden J on the controls)"
    )
    p.add_argument(
        "--limit",
        action="append",
        metavar="CATEGORY=RATE",
        help="e.g. --limit negation=0.2 (repeatable); overrides the same category in --config",
    )
    p.add_argument("--config", metavar="FILE.toml", help="limits (and optionally threshold, calibrated, pairs)")
    p.add_argument("--junit", metavar="FILE.xml", help="write JUnit XML, one test case per category")
    p.add_argument("--markdown", metavar="FILE.md", help="write a Markdown summary")
    p.add_argument("--cache-dir", help="score cache folder (default: $COMPSEM_CACHE_DIR or ./cache)")
    add_backend(p)
    add_device(p)
    p.set_defaults(func=cmd_check)
