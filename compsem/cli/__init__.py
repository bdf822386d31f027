"""The ``compsem`` command: argument parsing only; every command is a library call.

    compsem models [--json]
    compsem pairs check FILE
    compsem run [--pairs FILE] [--models KEY ...] [--thresholds 0.5 0.8] [--out DIR]
    compsem score SENTENCE_A SENTENCE_B [--models KEY ...] [--json]
    compsem train --objective {sick-nli,sick-relatedness,stsb,mrpc,equivalence} [--backbone B]
                  [--augment {minimal-edits,role-swaps}] [--init-from KEY] [...]
    compsem augment-examples MODEL [--json]
    compsem rerank-eval [--k 10 20 50 100] [--reranker KEY ...] [--out DIR]
    compsem cache info|clear [--model KEY]
    compsem check MODEL [--pairs FILE] [--threshold T | --calibrated] [--limit CATEGORY=RATE ...]
                  [--config FILE.toml] [--junit FILE.xml] [--markdown FILE.md]
    compsem report RUN_DIR --html OUT.html
    compsem config [--json]

Exit codes: 0 success, 1 bad input (a pair file with errors, an unknown model, no model
could score), 2 usage errors (argparse). ``compsem check``: 0 every limit holds, 1 a limit is
broken, 2 the check could not run.

One module per subcommand (``compsem/cli/run.py`` for ``compsem run``, and so on): each has
``add_parser(sub)``, which declares its arguments, and a ``cmd_*`` function, which calls the
library and prints. Subcommand modules import the library inside the command, so
``compsem --help`` and argument errors cost no heavy import.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from compsem.cli import cache, check, config, models, pairs, report, rerank, run, score, train
from compsem.cli._common import EXIT_BAD_INPUT, EXIT_OK, fail
from compsem.store.recovery import CacheError
from compsem.store.score_store import ScoringInterrupted

#: The subcommand modules in the order ``compsem --help`` lists them.
COMMANDS = (models, pairs, run, score, train, rerank, cache, check, report, config)

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "EXIT_OK", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``compsem`` argument parser with every subcommand.

    Example:
        ``build_parser().parse_args(["models", "--json"]).func`` is :func:`compsem.cli.models.cmd_models`.
    """
    parser = argparse.ArgumentParser(
        prog="compsem",
        description="Where cosine similarity breaks on compositional meaning changes, "
        "and whether cross-encoders fix it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one ``compsem`` command; returns its exit code (argparse exits with 2 on usage errors).

    Errors the user can act on (a busy or unusable cache, a refused file operation, Ctrl-C)
    end with a one-line message and exit code 1, not a traceback; ``-v`` shows the traceback
    of a file-system error.
    """
    for stream in (sys.stdout, sys.stderr):  # a file name with undecodable bytes must print, not crash
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # transformers is quietened where a model is loaded (compsem.scoring.configure_threads): importing it here
    # would cost every command, also a warm `compsem run` that loads no model, a second of start-up.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    try:
        return int(args.func(args))
    except ScoringInterrupted as exc:  # says exactly how many scores were saved, and what is left
        return fail(exc.message)
    except KeyboardInterrupt:
        return fail("interrupted while no model was scoring: every score computed so far is in the cache")
    except CacheError as exc:  # busy for too long, or an unusable cache folder: the message says what to do
        return fail(str(exc))
    except OSError as exc:  # the file system said no (disk full, a folder removed mid-run...)
        if args.verbose:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        return fail(f"{exc.strerror or exc}{where}; run again with -v for details")
