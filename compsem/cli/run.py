"""``compsem run``: score pairs with models, write results, statistics and a report (:func:`compsem.pipeline.run`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from compsem.cli._common import EXIT_OK, add_backend, add_device, fail
from compsem.pipeline import RunError, grid_models, run


class _Bars:
    """One tqdm bar per model, created lazily; silent when not on a terminal or --quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bars: dict[str, Any] = {}

    def __call__(self, model: str, done: int, total: int) -> None:
        if self.quiet:
            return
        from tqdm.auto import tqdm

        bar = self.bars.get(model)
        if bar is None:
            # initial=what the cache held, so the rate (pairs/s) and the ETA count only what is scored now
            bar = self.bars[model] = tqdm(
                total=total,
                initial=done,
                desc=model.rsplit("/", 1)[-1][:28],
                unit="pair",
                unit_scale=True,
                leave=True,
                file=sys.stderr,
                smoothing=0.1,
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


def _report_scoring(scoring: Any) -> None:
    """Cache warnings and skipped models, on stderr, as soon as scoring is done."""
    for msg in scoring.cache_messages:
        print(f"compsem: warning: {msg}", file=sys.stderr)
    for m in scoring.failed:
        print(f"compsem: skipped {m.model}: {m.error}", file=sys.stderr)
    for model, truncation in scoring.truncated.items():
        print(f"compsem: warning: {truncation.sentence(model)}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """Exit 0 when the run wrote its files, 1 when it could not run (the message says why)."""

    if args.grid:
        if args.models:
            return fail("give either --grid or --models, not both")
        args.models = grid_models()
        if not args.models:
            return fail("--grid: no trained adapter is usable here (see `compsem models`)")
    try:
        outcome = run(
            args.pairs,
            args.models,
            thresholds=args.thresholds,
            out=args.out,
            batch_size=args.batch_size,
            use_cache=not args.no_cache,
            cache_dir=args.cache_dir,
            backend=args.backend,
            device=args.device,
            dtype=args.dtype,
            chunk_size=args.chunk_size,
            pair_files=args.pair_files,
            engine=args.engine,
            address=args.address,
            ray_actors=args.ray_actors,
            progress=_Bars(args.quiet),
            on_scored=_report_scoring,
        )
    except RunError as exc:
        return fail(str(exc))
    print(outcome.summary())
    for p in outcome.paths:
        print(f"wrote {p}")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``run``."""
    p = sub.add_parser("run", help="score pairs with models and write results, statistics and a report")
    p.add_argument(
        "--pairs",
        help="pair file: CSV, Parquet (.parquet) or JSON Lines (.jsonl), any number of rows, read in chunks "
        "(default: the bundled 336 study pairs)",
    )
    p.add_argument(
        "--models", nargs="+", metavar="KEY", help="registry keys or aliases (default: every model available offline)"
    )
    p.add_argument(
        "--grid",
        action="store_true",
        help="the backbone × objective grid's models: every usable trained adapter and its bi-encoder",
    )
    p.add_argument("--thresholds", nargs="+", type=float, default=[0.5, 0.8], metavar="T")
    p.add_argument("--out", default="runs/latest", help="output folder (default: runs/latest)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument(
        "--chunk-size",
        type=int,
        default=4096,
        help="pairs scored and saved to the cache together (default 4096); an interrupted run keeps every "
        "finished chunk and the same command again scores only the rest",
    )
    p.add_argument(
        "--pair-files",
        choices=["auto", "csv", "parquet"],
        default="auto",
        help="per-pair results as CSV + JSON Lines or Parquet (default auto: Parquet above 100,000 result rows)",
    )
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="local: score in this process (default); ray: score the missing pairs with an actor pool on a Ray "
        "cluster (pip install 'compsem[ray]'), same tables",
    )
    p.add_argument("--address", help="with --engine ray: a running cluster (host:port, ray://host:port, auto)")
    p.add_argument("--ray-actors", type=int, default=2, help="with --engine ray: scorer actors per model (default 2)")
    p.add_argument("--no-cache", action="store_true", help="score everything again")
    p.add_argument("--cache-dir", help="score cache folder (default: $COMPSEM_CACHE_DIR or ./cache)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    add_backend(p)
    add_device(p)
    p.set_defaults(func=cmd_run)
