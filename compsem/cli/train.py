"""``compsem train`` and ``compsem augment-examples``: fine-tune a cross-encoder; show its augmentation examples.

The library calls live in :mod:`compsem.training.train`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from compsem.cli._common import EXIT_OK, add_data_dir, add_device, fail
from compsem.data.datasets import DatasetError
from compsem.models.card import CARD_NAME, read_card
from compsem.models.loading import quiet_libraries
from compsem.models.registry import UnknownModelError, get_spec
from compsem.reports.files import check_output_dir
from compsem.training.train import check_train_options, shadows_shipped, train_cross_encoder
from compsem.training.train_data import card_examples


def cmd_train(args: argparse.Namespace) -> int:
    """Exit 0 with the saved model's metrics, 1 when the data or the output folder is unusable."""

    try:  # every number and the output folder before any data is read
        check_train_options(args.epochs, args.batch_size, args.max_train_pairs, args.seed, None, args.out)
        if args.out is not None:
            check_output_dir(args.out)
    except ValueError as exc:
        return fail(str(exc))
    quiet_libraries()

    try:
        result = train_cross_encoder(
            args.objective,
            data_dir=args.data,
            epochs=args.epochs,
            seed=args.seed,
            out_dir=args.out,
            max_train_pairs=args.max_train_pairs,
            batch_size=args.batch_size,
            progress=not args.quiet,
            method=args.method,
            backbone=args.backbone,
            augment=args.augment,
            device=args.device,
            init_from=args.init_from,
            learning_rate=args.learning_rate,
        )
    except (DatasetError, FileNotFoundError, ValueError) as exc:
        return fail(str(exc))
    metrics = result.card.get("metrics", {})
    key = str(result.card.get("key"))
    print(f"saved {key} to {result.folder}")
    if shadows_shipped(key, result.folder):
        print(
            f"note: this model now takes the place of the shipped adapter {key} (which is unchanged); "
            f"delete {result.folder} to use the shipped one again"
        )
    for name, value in metrics.items():
        print(f"  {name}: {value:.4f}" if isinstance(value, float) else f"  {name}: {value}")
    return EXIT_OK


def cmd_augment_examples(args: argparse.Namespace) -> int:
    """Prints an augmented model's counts per rule and its card's seeded examples, regenerated from the dataset."""

    folder = Path(args.model)
    if not folder.is_dir():
        try:
            spec = get_spec(args.model)
        except UnknownModelError as exc:
            return fail(str(exc))
        folder = Path(spec.adapter or spec.path or "")
        if not spec.card or not folder.is_dir():
            return fail(f"{args.model} is not a model trained by `compsem train`")
    try:
        examples = card_examples(folder, args.data)
    except (DatasetError, FileNotFoundError, ValueError) as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps(examples, ensure_ascii=False, indent=2))
        return EXIT_OK

    facts = read_card(folder / CARD_NAME).get("augmentation") or {}
    print(f"{facts.get('name')}: {facts.get('rows_added')} rows added to {facts.get('original_rows')} training pairs")
    for rule, n in (facts.get("counts") or {}).items():
        print(
            f"  {rule}: {n} added of {(facts.get('candidates') or {}).get(rule, n)} candidates "
            f"({(facts.get('labels') or {}).get(rule, '')})"
        )
    for e in examples:
        print(f"[{e['rule']}] {e['label']}\n  A: {e['sentence_a']}\n  B: {e['sentence_b']}")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Registers ``train`` and ``augment-examples``."""
    p = sub.add_parser("train", help="train the packaged MiniLM as a cross-encoder (LoRA adapter) on one objective")
    p.add_argument(
        "--objective", required=True, choices=["sick-nli", "sick-relatedness", "stsb", "mrpc", "equivalence"]
    )
    p.add_argument(
        "--method",
        choices=["lora", "full"],
        default="lora",
        help="lora: a small adapter over the packaged backbone (default); full: every weight (90 MB)",
    )
    p.add_argument(
        "--backbone",
        choices=["minilm-l6", "mpnet-base"],
        default="minilm-l6",
        help="the packaged transformer the adapter goes on (mpnet-base: all-mpnet-base-v2, 110 M)",
    )
    p.add_argument(
        "--augment",
        choices=["minimal-edits", "role-swaps"],
        help="minimal-edits: rule-made hard negatives; role-swaps: parse-based role swaps, active/passive "
        "and paraphrase positives plus the minimal edits (training splits only)",
    )
    p.add_argument(
        "--init-from",
        metavar="KEY",
        help="continue from this trained adapter (same backbone and outputs) instead of a fresh one",
    )
    p.add_argument("--learning-rate", type=float, help="peak learning rate (default 5e-4 for LoRA)")
    add_data_dir(p)
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--out",
        help="model folder (default: <cache>/models/<name>, i.e. $COMPSEM_CACHE_DIR/models or ./cache/models); "
        "the shipped adapters in compsem/models/ are never written",
    )
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument(
        "--max-train-pairs",
        type=int,
        help="train on the first N shuffled pairs (smoke runs; with --init-from: the pairs replayed)",
    )
    p.add_argument("-q", "--quiet", action="store_true")
    add_device(p, dtype=False)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "augment-examples",
        help="the seeded minimal-edit examples an augmented model's card lists, regenerated from the dataset",
    )
    p.add_argument("model", help="registry key or model folder")
    add_data_dir(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_augment_examples)
