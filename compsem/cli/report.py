"""``compsem report RUN_DIR --html OUT.html``: a standalone HTML report of a ``compsem run`` folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from compsem.cli._common import EXIT_OK, fail
from compsem.reports.html import write_html_report
from compsem.reports.run_folder import RunFolderError


def cmd_report(args: argparse.Namespace) -> int:
    """Exit 0 with the file written, 1 when the folder is not a run or the file cannot be written."""

    try:
        path = write_html_report(Path(args.run_dir), Path(args.html))
    except RunFolderError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot write {args.html}: {exc}")
    print(f"wrote {path}")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``report``."""
    p = sub.add_parser("report", help="a standalone HTML report of a `compsem run` folder")
    p.add_argument("run_dir", metavar="RUN_DIR", help="folder written by `compsem run`")
    p.add_argument("--html", required=True, metavar="OUT.html", help="the HTML file to write")
    p.set_defaults(func=cmd_report)
