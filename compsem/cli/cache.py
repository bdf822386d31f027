"""``compsem cache info|clear|seed``: inspect or clear the score cache, or make the shipped seed."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

from compsem.cli._common import EXIT_OK, fail
from compsem.data.pairs import bundled_pairs_path, check_pairs
from compsem.models.registry import offline_models
from compsem.scorers.base import ModelUnavailableError
from compsem.scoring import build_seed
from compsem.store.seed import SEED_FILE, load_seed, write_seed
from compsem.store.sqlite import ScoreCache


def cmd_cache(args: argparse.Namespace) -> int:
    """Prints how many scores are stored, or deletes them (one model's with ``--model``), or makes the seed."""

    if args.action == "seed":
        return _seed(args)
    cache = ScoreCache(args.cache_dir) if args.cache_dir else ScoreCache()
    if args.action == "info":
        print(f"{cache.path}: {cache.count(args.model)} stored score(s)" + (f" for {args.model}" if args.model else ""))
    else:
        print(f"deleted {cache.clear(args.model)} score(s) from {cache.path}")
    return EXIT_OK


def _seed(args: argparse.Namespace) -> int:
    """Without ``--write``: what the seed holds. With it: score the bundled pairs afresh and write the seed."""
    target = Path(args.seed_file) if args.seed_file else SEED_FILE
    if not args.write:
        seed = load_seed(target)
        print(f"{target}: {len(seed)} score(s) of {len(seed.models)} model(s); {seed.made_with or 'no seed'}")
        for (model, fingerprint), entry in sorted(seed.models.items()):
            print(f"  {model}  {fingerprint}  {len(entry.scores)} pair(s)")
        return EXIT_OK
    check = check_pairs(bundled_pairs_path())
    if not check.ok:
        return fail("the bundled pair file has errors; run `compsem pairs check` on it")
    models = args.models or offline_models()
    started = time.perf_counter()

    def progress(model: str, done: int, total: int) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {model}: {done}/{total}", file=sys.stderr, flush=True)

    try:
        doc = build_seed(
            check.pairs,
            models,
            pairs_sha256=check.sha256,
            created=datetime.date.today().isoformat(),
            progress=progress,
        )
    except ModelUnavailableError as exc:
        return fail(f"no seed written: {exc}")
    path = write_seed(doc, target)
    rows = sum(len(m["score"]) for m in doc["models"])
    print(f"wrote {path}: {rows} score(s) of {len(doc['models'])} model(s) in {time.perf_counter() - started:.0f} s")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``cache``."""
    p = sub.add_parser("cache", help="inspect or clear the score cache, or make the shipped seed")
    p.add_argument(
        "action",
        choices=["info", "clear", "seed"],
        help="seed: show the shipped seed (with --write: score the bundled pairs afresh and rewrite it)",
    )
    p.add_argument("--model", help="only this model key")
    p.add_argument("--models", nargs="+", metavar="KEY", help="seed: these models (default: every offline model)")
    p.add_argument("--cache-dir")
    p.add_argument("--write", action="store_true", help="seed: score with the shipped models and write the seed")
    p.add_argument("--seed-file", help="seed: the file to read or write (default: the one compsem ships)")
    p.set_defaults(func=cmd_cache)
