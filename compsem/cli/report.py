"""``compsem report RUN_DIR --html OUT.html [--plotly inline|cdn]``: a standalone HTML report of a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from compsem import rerank
from compsem.analysis.story import rerank_finding
from compsem.analysis.story_parts import Finding
from compsem.cli._common import EXIT_OK, fail
from compsem.reports.html import PLOTLY_MODES, write_html_report
from compsem.reports.run_folder import RunFolderError


def saved_rerank_finding(folder: Path | None = None) -> Finding | None:
    """The reranking lab's finding from the saved ``compsem rerank-eval`` results (None when there are none)."""
    try:
        results = rerank.load_rerank_results(folder if folder is not None else rerank.default_results_dir())
    except (rerank.RerankResultsError, OSError, ValueError):
        return None  # RerankResultsMissing is a RerankResultsError: no evaluation, no finding
    return rerank_finding(rerank.metrics_table(results), str(results.metrics.get("dataset", "")))


def cmd_report(args: argparse.Namespace) -> int:
    """Exit 0 with the file written, 1 when the folder is not a run or the file cannot be written."""
    extra = [f for f in [saved_rerank_finding()] if f is not None]
    try:
        path = write_html_report(Path(args.run_dir), Path(args.html), plotly=args.plotly, extra_findings=extra)
    except RunFolderError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot write {args.html}: {exc}")
    size = path.stat().st_size
    how = "plotly.js inside: opens offline" if args.plotly == "inline" else "plotly.js from its CDN: needs the internet"
    print(f"wrote {path} ({size / 2**20:.1f} MB; {how})")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``report``."""
    p = sub.add_parser("report", help="a standalone HTML report of a `compsem run` folder")
    p.add_argument("run_dir", metavar="RUN_DIR", help="folder written by `compsem run`")
    p.add_argument("--html", required=True, metavar="OUT.html", help="the HTML file to write")
    p.add_argument(
        "--plotly",
        choices=PLOTLY_MODES,
        default="inline",
        help="inline (default): plotly.js inside the file, opens with no internet (about 5 MB); "
        "cdn: a link to plotly.js, a file of a few hundred KB for an email (charts need the internet)",
    )
    p.set_defaults(func=cmd_report)
