"""The card of a cross-encoder trained by ``compsem train``: writing it, and rendering it for people.

The machine-readable card is ``compsem_card.json``; ``README.md`` beside it says the same for a
reader. A card never carries a path of the machine it was made on: the datasets folder is
recorded as the user gave it on the command line (or as the default), and the backbone by
its registry key and SHA-256.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CARD_NAME = "compsem_card.json"
#: Fields every card has (``compsem train`` writes all of them); :func:`read_card` checks them.
CARD_FIELDS: tuple[str, ...] = ("key", "objective", "metrics", "targets", "epochs", "score_definition", "data")


class CardError(ValueError):
    """A model card that cannot be read; the message names the file and what is wrong."""


def read_card(path: str | Path) -> dict:
    """Read and check one ``compsem_card.json``.

    Raises:
        CardError: the file is unreadable, not JSON, not an object, or lacks a field of
            :data:`CARD_FIELDS` (or ``metrics``/``targets``/``data.split_sizes`` is not a mapping).
    """
    path = Path(path)
    fix = "re-run `compsem train` for that objective, or remove the folder"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CardError(f"{path}: cannot be read ({exc}); {fix}") from None
    try:
        card = json.loads(text)
    except ValueError as exc:
        raise CardError(f"{path}: not valid JSON ({exc}); {fix}") from None
    if not isinstance(card, dict):
        raise CardError(f"{path}: a card must be a JSON object, not {type(card).__name__}; {fix}")
    missing = [f for f in CARD_FIELDS if f not in card]
    if missing:
        raise CardError(f"{path}: missing field(s) {', '.join(missing)}; {fix}")
    for name, value in (("metrics", card["metrics"]), ("targets", card["targets"]),
                        ("data.split_sizes", card["data"].get("split_sizes") if isinstance(card["data"], dict)
                         else None)):
        if not isinstance(value, dict):
            raise CardError(f"{path}: {name} must be a JSON object; {fix}")
    return card


def write_card(folder: str | Path, card: dict) -> None:
    """Write ``compsem_card.json`` and ``README.md`` into ``folder``, each atomically."""
    folder = Path(folder)
    _atomic_write(folder / CARD_NAME, json.dumps(card, indent=2) + "\n")
    _atomic_write(folder / "README.md", render_card(card))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _metric_rows(card: dict) -> str:
    rows = []
    for name, value in card["metrics"].items():
        target = card["targets"].get(name, "")
        met = ""
        if name in card["met"]:
            met = "yes" if card["met"][name] else f"NO (short by {card['shortfall'][name]})"
        rows.append(f"| {name} | {value} | {target} | {met} |")
    return "\n".join(rows)


def render_card(card: dict) -> str:
    """The card as Markdown."""
    sizes = card["data"]["split_sizes"]
    base = card["base_model"]
    if card.get("method") == "lora":
        adapter = card["adapter"]
        cfg = adapter["config"]
        what = (f"a LoRA adapter (peft) plus a new classification head over the transformer of "
                f"`{base['key']}` (backbone SHA-256 `{base['sha256'][:16]}…`, from the package "
                f"`{base.get('package', '')}`); the backbone is not copied.")
        method_rows = (
            f"| adapter | r {cfg['r']}, alpha {cfg['alpha']}, dropout {cfg['dropout']}, on "
            f"{', '.join(cfg['target_modules'])}; trained in full: {', '.join(cfg['modules_to_save'])} |\n"
            f"| adapter size | {adapter['bytes'] / 1e6:.2f} MB ({adapter['trainable_parameters']:,} trainable of "
            f"{adapter['total_parameters']:,} parameters), SHA-256 `{adapter['sha256'][:16]}…` |\n"
        )
    else:
        what = f"a full fine-tune of the transformer of `{base['key']}` with a fresh head."
        method_rows = ""
    dev_rows = ""
    if card.get("dev_by_epoch"):
        dev_rows = "\n\nDev metrics after each epoch (the only figures looked at while training):\n\n" + "\n".join(
            "- epoch " + str(e["epoch"]) + ": " + ", ".join(f"{k} {v}" for k, v in e.items() if k != "epoch")
            for e in card["dev_by_epoch"])
    return f"""# {card['label']}

`{card['key']}` — {what}

**Score:** {card['score_definition']}

| | |
|---|---|
| objective | `{card['objective']}` (family `{card['objective_family']}`, {card['num_labels']} output(s), loss {card['loss']}) |
| data | {card['data']['dataset']} — train {sizes['train']}, dev {sizes['dev']} ({card['data']['dev_split']}), test {sizes['test']} |
| training | {card['epochs']} epoch(s), batch {card['batch_size']}, lr {card['learning_rate']}, warm-up {card['warmup_ratio']:.0%}, max length {card['max_length']}, seed {card['seed']}, {card['train_seconds']} s on CPU |
{method_rows}| fingerprint | `{card['fingerprint']}` |
| command | `{card['command']}` |
| created | {card['created']} |
| versions | {', '.join(f'{k} {v}' for k, v in card['versions'].items())} |

{card.get('notes', '')}

## Held-out evaluation

Dev metrics were the only ones looked at while choosing settings; the test split was scored once.

| metric | value | target | met |
|---|---|---|---|
{_metric_rows(card)}{dev_rows}
"""
