"""``compsem rerank-eval``: first-stage retrieval plus cross-encoder reranking, quality and latency.

The library call is :func:`compsem.rerank.run_rerank_eval`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compsem.cli._common import EXIT_OK, add_backend, add_data_dir, add_device, fail
from compsem.reports.files import check_output_dir
from compsem.rerank import fusion_summary, load_rerank_results, run_rerank_eval
from compsem.rerank.evaluation import check_counts, check_rerankers


def cmd_rerank_eval(args: argparse.Namespace) -> int:
    """Exit 0 with the files written, 1 on bad arguments, an unusable output folder or missing data."""

    try:  # before the output folder is made: a typo costs nothing
        check_counts(args.max_queries, args.latency_queries, args.repeats)
        rerankers = check_rerankers(args.reranker) if args.reranker else None
    except ValueError as exc:
        return fail(str(exc))
    if args.max_queries == 0:
        args.max_queries = None  # 0 = every query

    try:
        check_output_dir(args.out)
    except ValueError as exc:
        return fail(str(exc))

    try:
        paths = run_rerank_eval(
            ks=args.k,
            rerankers=rerankers,
            out_dir=Path(args.out),
            data_dir=args.data,
            repeats=args.repeats,
            max_queries=args.max_queries,
            latency_queries=args.latency_queries,
            backend=args.backend,
            device=args.device,
            dtype=args.dtype,
        )
    except (FileNotFoundError, ValueError) as exc:
        return fail(str(exc))
    for p in paths:
        print(f"wrote {p}")
    print_fusion_summary(Path(args.out))
    return EXIT_OK


def print_fusion_summary(folder: Path) -> None:
    """NDCG@10 and MRR@10 without and with fusion, per reranker, first stage and K (what was just written)."""
    table = fusion_summary(load_rerank_results(folder))
    if table.empty:
        return
    print("\nNDCG@10 / MRR@10: first stage alone, reranked, weighted fusion (w chosen on SICK TRIAL), RRF (k = 60)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``rerank-eval``."""
    p = sub.add_parser("rerank-eval", help="first-stage retrieval + cross-encoder reranking: quality and latency")
    p.add_argument("--k", nargs="+", type=int, default=[10, 20, 50, 100])
    p.add_argument("--reranker", nargs="+", metavar="KEY", help="cross-encoder keys (default: trained ones available)")
    p.add_argument("--out", default="runs/rerank")
    add_data_dir(p)
    p.add_argument("--repeats", type=int, default=3, help="latency repetitions")
    p.add_argument(
        "--max-queries",
        type=int,
        default=300,
        help="evaluate on a seeded sample of N queries (default 300; 0 = all; a negative number is refused)",
    )
    p.add_argument(
        "--latency-queries", type=int, default=20, help="queries timed one at a time, each --repeats times (default 20)"
    )
    add_backend(p)
    add_device(p)
    p.set_defaults(func=cmd_rerank_eval)
