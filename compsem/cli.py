"""The ``compsem`` command: argument parsing only; every command is a library call.

    compsem models [--json]
    compsem pairs check FILE
    compsem run [--pairs FILE] [--models KEY ...] [--thresholds 0.5 0.8] [--out DIR]
    compsem score SENTENCE_A SENTENCE_B [--models KEY ...] [--json]
    compsem train --objective {sick-nli,sick-relatedness,stsb,mrpc} [--backbone B] [--augment minimal-edits] [...]
    compsem augment-examples MODEL [--json]
    compsem rerank-eval [--k 10 20 50 100] [--reranker KEY ...] [--out DIR]
    compsem cache info|clear [--model KEY]
    compsem check MODEL [--pairs FILE] [--threshold T | --calibrated] [--limit CATEGORY=RATE ...]
                  [--config FILE.toml] [--junit FILE.xml] [--markdown FILE.md]
    compsem report RUN_DIR --html OUT.html

Exit codes: 0 success, 1 bad input (a pair file with errors, an unknown model, no model
could score), 2 usage errors (argparse). ``compsem check``: 0 every limit holds, 1 a limit is
broken, 2 the check could not run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_BAD_INPUT = 0, 1


def _fail(message: str) -> int:
    print(f"compsem: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


# -- models ------------------------------------------------------------------------------
def cmd_models(args: argparse.Namespace) -> int:
    from compsem.registry import list_models

    rows = list_models()
    if args.json:
        out = [{
            "key": r.spec.key, "alias": r.spec.alias, "kind": r.spec.kind, "objective": r.spec.objective,
            "normalization": r.spec.normalization, "prompt": r.spec.prompt,
            "trust_remote_code": r.spec.trust_remote_code, "in_study": r.spec.study,
            "availability": r.status, "usable_offline": r.usable, "location": r.location,
            "fingerprint": r.fingerprint, "reason": r.reason, "notes": r.spec.notes,
        } for r in rows]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(len(r.spec.key) for r in rows)
    print(f"{'model':<{width}}  {'kind':<13} {'objective':<9} {'availability':<14} note")
    for r in rows:
        note = r.reason if r.status != "packaged" or not r.spec.package else r.spec.package
        print(f"{r.spec.key:<{width}}  {r.spec.kind:<13} {r.spec.objective:<9} {r.status:<14} {note}")
    return EXIT_OK


# -- pairs -------------------------------------------------------------------------------
def cmd_pairs_check(args: argparse.Namespace) -> int:
    from compsem.categories import category_info
    from compsem.pairs import category_counts, check_pairs

    check = check_pairs(args.file)  # a str, not Path: Path("") would silently become "."
    for problem in check.problems:
        print(f"{check.source}: {problem}")
    if check.ok:
        counts = category_counts(check.pairs)
        print(f"{check.source}: OK, {len(check.pairs)} pairs in {len(counts)} categories"
              + (f" ({len(check.warnings)} warning(s))" if check.warnings else ""))
        for name, n in counts.items():
            info = category_info(name)
            print(f"  {name:<20} {n:>4}  {info.role}, expected {info.expected}")
        return EXIT_OK
    print(f"{check.source}: {len(check.errors)} error(s); the file cannot be used until they are fixed",
          file=sys.stderr)
    return EXIT_BAD_INPUT


# -- run ---------------------------------------------------------------------------------
class _Bars:
    """One tqdm bar per model, created lazily; silent when not on a terminal or --quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bars: dict = {}

    def __call__(self, model: str, done: int, total: int) -> None:
        if self.quiet:
            return
        from tqdm.auto import tqdm

        bar = self.bars.get(model)
        if bar is None:
            bar = self.bars[model] = tqdm(total=total, desc=model.rsplit("/", 1)[-1][:28], unit="pair",
                                          leave=True, file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()


def cmd_run(args: argparse.Namespace) -> int:
    from compsem.pipeline import RunError, grid_models, run

    if args.grid:
        if args.models:
            return _fail("give either --grid or --models, not both")
        args.models = grid_models()
        if not args.models:
            return _fail("--grid: no trained adapter is usable here (see `compsem models`)")

    def report_scoring(scoring) -> None:
        for msg in scoring.cache_messages:
            print(f"compsem: warning: {msg}", file=sys.stderr)
        for m in scoring.failed:
            print(f"compsem: skipped {m.model}: {m.error}", file=sys.stderr)

    try:
        outcome = run(args.pairs, args.models, thresholds=args.thresholds, out=args.out, batch_size=args.batch_size,
                      use_cache=not args.no_cache, cache_dir=args.cache_dir, backend=args.backend,
                      progress=_Bars(args.quiet), on_scored=report_scoring)
    except RunError as exc:
        return _fail(str(exc))
    print(outcome.summary())
    for p in outcome.paths:
        print(f"wrote {p}")
    return EXIT_OK


# -- score (free text) -------------------------------------------------------------------
def cmd_score(args: argparse.Namespace) -> int:
    from compsem.cache import ScoreCache
    from compsem.registry import UnknownModelError, get_spec
    from compsem.scoring import score_text_pair, validate_text

    try:
        a = validate_text(args.sentence_a, "sentence A")
        b = validate_text(args.sentence_b, "sentence B")
    except ValueError as exc:
        return _fail(str(exc))
    models = args.models or ["all-MiniLM-L6-v2"]
    try:
        for name in models:
            get_spec(name)
    except UnknownModelError as exc:
        return _fail(str(exc))
    cache = ScoreCache(args.cache_dir) if args.cache_dir else ScoreCache()
    scores, problems = score_text_pair(a, b, models, cache=cache)
    for model, reason in problems.items():
        print(f"compsem: skipped {model}: {reason}", file=sys.stderr)
    if not scores:
        return _fail("no model could score the pair (see the reasons above)")
    if args.json:
        print(json.dumps([{"model": s.model, "kind": s.kind, "raw_score": s.raw_score, "score": s.score,
                           "score_reversed": s.score_reversed, "normalization": s.normalization}
                          for s in scores], indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(len(s.model) for s in scores)
    print(f"{'model':<{width}}  {'score A,B':>9}  {'score B,A':>9}")
    for s in scores:
        print(f"{s.model:<{width}}  {s.score:>9.4f}  {s.score_reversed:>9.4f}")
    return EXIT_OK


# -- cache -------------------------------------------------------------------------------
def cmd_cache(args: argparse.Namespace) -> int:
    from compsem.cache import ScoreCache

    cache = ScoreCache(args.cache_dir) if args.cache_dir else ScoreCache()
    if args.action == "info":
        print(f"{cache.path}: {cache.count(args.model)} stored score(s)" + (f" for {args.model}" if args.model else ""))
    else:
        print(f"deleted {cache.clear(args.model)} score(s) from {cache.path}")
    return EXIT_OK


# -- train / rerank (library calls live in compsem.train and compsem.rerank) -------------------
def cmd_augment_examples(args: argparse.Namespace) -> int:
    from compsem.datasets import DatasetError
    from compsem.registry import UnknownModelError, get_spec
    from compsem.train import card_examples

    folder = Path(args.model)
    if not folder.is_dir():
        try:
            spec = get_spec(args.model)
        except UnknownModelError as exc:
            return _fail(str(exc))
        folder = Path(spec.adapter or spec.path or "")
        if not spec.card or not folder.is_dir():
            return _fail(f"{args.model} is not a model trained by `compsem train`")
    try:
        examples = card_examples(folder, args.data)
    except (DatasetError, FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(examples, ensure_ascii=False, indent=2))
        return EXIT_OK
    for e in examples:
        print(f"[{e['rule']}] {e['label']}\n  A: {e['sentence_a']}\n  B: {e['sentence_b']}")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from compsem.datasets import DatasetError
    from compsem.scoring import quiet_libraries
    from compsem.train import train_cross_encoder

    if args.out is not None:
        from compsem.export import check_output_dir

        try:
            check_output_dir(args.out)
        except ValueError as exc:
            return _fail(str(exc))
    quiet_libraries()

    try:
        result = train_cross_encoder(args.objective, data_dir=args.data, epochs=args.epochs, seed=args.seed,
                                     out_dir=args.out, max_train_pairs=args.max_train_pairs,
                                     batch_size=args.batch_size, progress=not args.quiet, method=args.method,
                                     backbone=args.backbone, augment=args.augment)
    except (DatasetError, FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    metrics = result.card.get("metrics", {})
    print(f"saved {result.card.get('key')} to {result.folder}")
    for name, value in metrics.items():
        print(f"  {name}: {value:.4f}" if isinstance(value, float) else f"  {name}: {value}")
    return EXIT_OK


def cmd_rerank_eval(args: argparse.Namespace) -> int:
    from compsem.rerank import run_rerank_eval

    if args.max_queries is not None and args.max_queries <= 0:
        args.max_queries = None  # 0 = every query
    if args.latency_queries < 1 or args.repeats < 1:
        return _fail("--latency-queries and --repeats must be at least 1")
    from compsem.export import check_output_dir

    try:
        check_output_dir(args.out)
    except ValueError as exc:
        return _fail(str(exc))

    try:
        paths = run_rerank_eval(ks=args.k, rerankers=args.reranker, out_dir=Path(args.out),
                                data_dir=args.data, repeats=args.repeats, max_queries=args.max_queries,
                                latency_queries=args.latency_queries, backend=args.backend)
    except (FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    for p in paths:
        print(f"wrote {p}")
    return EXIT_OK


def _add_backend(p: argparse.ArgumentParser) -> None:
    # The choices are spelled out here (not imported) so `compsem --help` stays instant.
    p.add_argument("--backend", choices=["torch", "onnx-int8"], default="torch",
                   help="torch: fp32 PyTorch, the study's numbers (default); onnx-int8: the transformer models "
                   "exported once to int8 ONNX Runtime (several times faster, scores within the tolerance in "
                   "the README)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compsem",
        description="Where cosine similarity breaks on compositional meaning changes, "
        "and whether cross-encoders fix it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="list the model registry with availability")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("pairs", help="pair files")
    pairs_sub = p.add_subparsers(dest="pairs_command", required=True)
    c = pairs_sub.add_parser("check", help="validate a pair CSV and print every problem with its line")
    c.add_argument("file")
    c.set_defaults(func=cmd_pairs_check)

    p = sub.add_parser("run", help="score pairs with models and write results, statistics and a report")
    p.add_argument("--pairs", help="pair CSV (default: the bundled 336 study pairs)")
    p.add_argument("--models", nargs="+", metavar="KEY",
                   help="registry keys or aliases (default: every model available offline)")
    p.add_argument("--grid", action="store_true",
                   help="the backbone × objective grid's models: every usable trained adapter and its bi-encoder")
    p.add_argument("--thresholds", nargs="+", type=float, default=[0.5, 0.8], metavar="T")
    p.add_argument("--out", default="runs/latest", help="output folder (default: runs/latest)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--no-cache", action="store_true", help="score everything again")
    p.add_argument("--cache-dir", help="score cache folder (default: $COMPSEM_CACHE_DIR or ./cache)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _add_backend(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("score", help="score one free-text pair (A, B) with models, cross-encoders both ways")
    p.add_argument("sentence_a")
    p.add_argument("sentence_b")
    p.add_argument("--models", nargs="+", metavar="KEY", help="registry keys or aliases (default: all-MiniLM-L6-v2)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--cache-dir", help="score cache folder (default: $COMPSEM_CACHE_DIR or ./cache)")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("train", help="train the packaged MiniLM as a cross-encoder (LoRA adapter) on one objective")
    p.add_argument("--objective", required=True, choices=["sick-nli", "sick-relatedness", "stsb", "mrpc"])
    p.add_argument("--method", choices=["lora", "full"], default="lora",
                   help="lora: a small adapter over the packaged backbone (default); full: every weight (90 MB)")
    p.add_argument("--backbone", choices=["minilm-l6", "mpnet-base"], default="minilm-l6",
                   help="the packaged transformer the adapter goes on (mpnet-base: all-mpnet-base-v2, 110 M)")
    p.add_argument("--augment", choices=["minimal-edits"],
                   help="add rule-made minimal-edit hard negatives to the training split only")
    p.add_argument("--data", help="datasets folder (default: ../shared/datasets or $COMPSEM_DATA_DIR)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", help="model folder (default: cache/models/<name>)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-train-pairs", type=int, help="train on the first N shuffled pairs (smoke runs)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("augment-examples", help="the seeded minimal-edit examples an augmented model's card lists, "
                                                "regenerated from the dataset")
    p.add_argument("model", help="registry key or model folder")
    p.add_argument("--data", help="datasets folder (default: ../shared/datasets or $COMPSEM_DATA_DIR)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_augment_examples)

    p = sub.add_parser("rerank-eval", help="first-stage retrieval + cross-encoder reranking: quality and latency")
    p.add_argument("--k", nargs="+", type=int, default=[10, 20, 50, 100])
    p.add_argument("--reranker", nargs="+", metavar="KEY", help="cross-encoder keys (default: trained ones available)")
    p.add_argument("--out", default="runs/rerank")
    p.add_argument("--data", help="datasets folder (default: ../shared/datasets)")
    p.add_argument("--repeats", type=int, default=3, help="latency repetitions")
    p.add_argument("--max-queries", type=int, default=300,
                   help="evaluate on a seeded sample of N queries (default 300; 0 = all)")
    p.add_argument("--latency-queries", type=int, default=20,
                   help="queries timed one at a time, each --repeats times (default 20)")
    _add_backend(p)
    p.set_defaults(func=cmd_rerank_eval)

    p = sub.add_parser("cache", help="inspect or clear the score cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--model", help="only this model key")
    p.add_argument("--cache-dir")
    p.set_defaults(func=cmd_cache)
    add_check_and_report(sub)
    return parser


# -- check and report (a robustness gate for CI; the standalone HTML report) ---------------------------
EXIT_LIMIT_BROKEN, EXIT_CHECK_ERROR = 1, 2


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when every limit holds, 1 when one is broken, 2 when the check cannot run."""
    from compsem.cache import ScoreCache
    from compsem.check import CheckError, junit_xml, markdown_summary, parse_limits, read_config, run_check, text_table
    from compsem.export import atomic_write_text

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
        result = run_check(args.model, limits, pairs=pairs, threshold=threshold, calibrated=calibrated, cache=cache)
    except CheckError as exc:
        return error(str(exc))
    print(text_table(result))
    try:
        if args.junit:
            print(f"wrote {atomic_write_text(Path(args.junit), junit_xml(result))}")
        if args.markdown:
            print(f"wrote {atomic_write_text(Path(args.markdown), markdown_summary(result))}")
    except OSError as exc:
        return error(f"cannot write the output: {exc}")
    return EXIT_OK if result.ok else EXIT_LIMIT_BROKEN


def cmd_report(args: argparse.Namespace) -> int:
    from compsem.html_report import RunFolderError, write_html_report

    try:
        path = write_html_report(Path(args.run_dir), Path(args.html))
    except RunFolderError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {args.html}: {exc}")
    print(f"wrote {path}")
    return EXIT_OK


def add_check_and_report(sub) -> None:
    """The ``check`` and ``report`` subcommands (kept in one block, apart from the others)."""
    p = sub.add_parser("check", help="robustness gate for CI: fail when a category's failure rate passes a limit",
                       description="Score MODEL on the pairs and compare each category's rate at a threshold with "
                                   "limits. A limit is a maximum failure rate (share of pairs scoring >= threshold) "
                                   "for categories expected low, and a minimum pass rate for positive controls. "
                                   "Exit 0: every limit holds; 1: a limit is broken; 2: the check could not run.")
    p.add_argument("model", help="registry key, alias, or a local model folder")
    p.add_argument("--pairs", help="pair CSV (default: the bundled 336 study pairs)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--threshold", type=float, help="fixed threshold (default 0.5)")
    how.add_argument("--calibrated", action="store_true",
                     help="use the model's calibrated threshold (max Youden J on the controls)")
    p.add_argument("--limit", action="append", metavar="CATEGORY=RATE",
                   help="e.g. --limit negation=0.2 (repeatable); overrides the same category in --config")
    p.add_argument("--config", metavar="FILE.toml", help="limits (and optionally threshold, calibrated, pairs)")
    p.add_argument("--junit", metavar="FILE.xml", help="write JUnit XML, one test case per category")
    p.add_argument("--markdown", metavar="FILE.md", help="write a Markdown summary")
    p.add_argument("--cache-dir", help="score cache folder (default: $COMPSEM_CACHE_DIR or ./cache)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("report", help="a standalone HTML report of a `compsem run` folder")
    p.add_argument("run_dir", metavar="RUN_DIR", help="folder written by `compsem run`")
    p.add_argument("--html", required=True, metavar="OUT.html", help="the HTML file to write")
    p.set_defaults(func=cmd_report)


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name with undecodable bytes must print, not crash
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # transformers is quietened where a model is loaded (compsem.scoring.configure_threads): importing it here
    # would cost every command, also a warm `compsem run` that loads no model, a second of start-up.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from compsem.cache import CacheError

    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail("interrupted; scores finished so far are in the cache")
    except CacheError as exc:  # busy for too long, or an unusable cache folder: the message says what to do
        return _fail(str(exc))
    except OSError as exc:  # the file system said no (disk full, a folder removed mid-run...)
        if args.verbose:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}; run again with -v for details")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
