"""The card of a cross-encoder trained by ``compsem train``: one typed :class:`ModelCard`, read, written and
checked here and nowhere else, and rendered for people.

The machine-readable card is ``compsem_card.json``; ``README.md`` beside it says the same for a
reader. A card never carries a path of the machine it was made on: the datasets folder is
recorded as the user gave it on the command line (or as the default), and the backbone by
its registry key and SHA-256.

:meth:`ModelCard.from_dict` and :meth:`ModelCard.to_dict` round-trip a card's JSON exactly
(field order and fields compsem does not model included), so a card read and written back
is the same file byte for byte.

Example:
    >>> card = ModelCard.from_dict({"key": "compsem/x", "objective_family": "sts", "num_labels": 1},
    ...                            required=("key",))
    >>> card.key, card.num_labels, card["objective_family"]
    ('compsem/x', 1, 'sts')
    >>> card.to_dict()
    {'key': 'compsem/x', 'objective_family': 'sts', 'num_labels': 1}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compsem.data.guarded import FileRefusedError, read_text_guarded

CARD_NAME = "compsem_card.json"
#: Fields every card has (``compsem train`` writes all of them); :func:`read_card` checks them.
CARD_FIELDS: tuple[str, ...] = ("key", "objective", "metrics", "targets", "epochs", "score_definition", "data")
#: What the registry needs to list a trained model (it skips a folder whose card lacks them).
REGISTRY_FIELDS: tuple[str, ...] = ("key", "objective_family")
_FIX = "re-run `compsem train` for that objective, or remove the folder"
#: A card is a few kB; a larger file is not a card (read through :mod:`compsem.data.guarded`).
MAX_CARD_BYTES = 1_000_000


class CardError(ValueError):
    """A model card that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ModelCard:
    """A trained model's card (``compsem_card.json``) with its fields typed.

    Fields absent from a card keep their empty default and are not written back. Any JSON
    field without an attribute here is kept in ``extra``; ``order`` is the fields' order in
    the file, so :meth:`to_dict` gives back exactly what :meth:`from_dict` was given.
    ``card["name"]`` and ``card.get("name")`` read a JSON field by name (nested objects as
    plain dicts), as code written for the card-as-dict does.

    Attributes:
        key: registry key (``compsem/minilm-l6-stsb``).
        label: short name for charts.
        objective: ``compsem train --objective`` name.
        objective_family: the registry's :data:`~compsem.models.specs.ObjectiveFamily` of the model.
        num_labels: classifier outputs (3 for NLI).
        score_definition: what the 0-1 score means, in words.
        method: ``lora`` (an adapter over ``base_model``) or ``full``.
        base_model: the backbone (``key``, ``sha256``...).
        data: dataset, splits and their sizes.
        epochs: training epochs.
        seed: training seed.
        metrics: dev and test metrics.
        targets: test metric -> target.
        met: test metric -> whether the target was met.
        shortfall: test metric -> how far below its target.
        adapter: the adapter file's facts (``sha256``, ``bytes``, ``config``...).
        fingerprint: the fingerprint the registry gives the trained model.
        extra: every other field, by name.
        order: the fields' names in file order.
    """

    key: str
    label: str = ""
    objective: str = ""
    objective_family: str = ""
    num_labels: int = 1
    score_definition: str = ""
    method: str = ""
    base_model: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    epochs: int | None = None
    seed: int | None = None
    metrics: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)
    met: dict = field(default_factory=dict)
    shortfall: dict = field(default_factory=dict)
    adapter: dict = field(default_factory=dict)
    fingerprint: str = ""
    extra: dict = field(default_factory=dict)
    order: tuple[str, ...] = ()

    __hash__ = None  # type: ignore[assignment]  # holds dicts: equal cards compare equal, none is hashable

    @property
    def base_key(self) -> str:
        """Registry key of the backbone an adapter was trained on (``""`` when the card names none)."""
        return str(self.base_model.get("key", ""))

    @property
    def is_adapter(self) -> bool:
        return self.method == "lora"

    # -- the JSON form -----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: object, *, required: Sequence[str] = CARD_FIELDS, source: str = "card") -> ModelCard:
        """A card from its JSON object, checked: ``required`` fields present, every known field of its type.

        Raises:
            CardError: ``data`` is not an object, lacks a required field, or a field has the wrong type
                (the message starts with ``source`` and says how to fix it).
        """
        problem = _problem(data, required)
        if problem:
            raise CardError(f"{source}: {problem}; {_FIX}")
        assert isinstance(data, dict)  # _problem said so
        known = {k: v for k, v in data.items() if k in _TYPES}
        extra = {k: v for k, v in data.items() if k not in _TYPES}
        return cls(**known, extra=extra, order=tuple(data))

    def to_dict(self) -> dict[str, Any]:
        """The card's JSON object: the fields it was read with, in their order, then any set since."""
        values = {f: getattr(self, f) for f in _TYPES}
        out: dict[str, Any] = {}
        for name in self.order:
            out[name] = values[name] if name in values else self.extra[name]
        for name, value in values.items():
            if name not in out and (name == "key" or value != _DEFAULTS[name]):
                out[name] = value
        for name, value in self.extra.items():
            out.setdefault(name, value)
        return out

    def to_json(self) -> str:
        """The card as ``compsem_card.json`` holds it (two-space indent, trailing newline)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    # -- read access by JSON field name (for code that took the card as a dict) -------------------
    def __getitem__(self, name: str) -> Any:
        fields = self.to_dict()
        if name not in fields:
            raise KeyError(name)
        return fields[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.to_dict().get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.to_dict()

    def keys(self) -> list[str]:
        """The JSON field names, in order (so ``dict(card)`` is :meth:`to_dict`)."""
        return list(self.to_dict())

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    # -- files -------------------------------------------------------------------------------
    @classmethod
    def read(cls, path: str | Path, *, required: Sequence[str] = CARD_FIELDS) -> ModelCard:
        """Read and check one ``compsem_card.json``.

        Raises:
            CardError: the file is unreadable, not JSON, or fails :meth:`from_dict`'s checks.
        """
        path = Path(path)
        try:
            text = read_text_guarded(path, limit=MAX_CARD_BYTES, kind="JSON file")
        except FileRefusedError as exc:
            raise CardError(f"{path}: cannot be read ({exc.reason}); {_FIX}") from None
        return cls.parse(text, source=str(path), required=required)

    @classmethod
    def parse(cls, text: str | bytes, *, source: str = "card", required: Sequence[str] = CARD_FIELDS) -> ModelCard:
        """A card from the text of ``compsem_card.json`` (see :meth:`read`)."""
        try:
            data = json.loads(text)
        except ValueError as exc:  # UnicodeDecodeError of bytes is a ValueError too
            raise CardError(f"{source}: not valid JSON ({exc}); {_FIX}") from None
        except RecursionError:
            raise CardError(f"{source}: nested too deeply to be a card; {_FIX}") from None
        return cls.from_dict(data, required=required, source=source)

    def write(self, folder: str | Path) -> None:
        """Write ``compsem_card.json`` and ``README.md`` into ``folder``, each atomically."""
        folder = Path(folder)
        _atomic_write(folder / CARD_NAME, self.to_json())
        _atomic_write(folder / "README.md", render_card(self.to_dict()))


#: The JSON type of each field with an attribute (ints are not bools; a float field may hold an int).
_TYPES: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "label": str,
    "objective": str,
    "objective_family": str,
    "num_labels": int,
    "score_definition": str,
    "method": str,
    "base_model": dict,
    "data": dict,
    "epochs": int,
    "seed": int,
    "metrics": dict,
    "targets": dict,
    "met": dict,
    "shortfall": dict,
    "adapter": dict,
    "fingerprint": str,
}
_DEFAULTS: dict[str, Any] = {
    f.name: (f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
    for f in dataclasses.fields(ModelCard)
    if f.name in _TYPES and f.name != "key"
}


def _problem(data: object, required: Sequence[str]) -> str:
    """What is wrong with a card's JSON object, in words; ``""`` when nothing is."""
    if not isinstance(data, dict):
        return f"a card must be a JSON object, not {type(data).__name__}"
    missing = [f for f in dict.fromkeys(("key", *required)) if f not in data]  # a card without a key is none
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    for name, kind in _TYPES.items():
        value = data.get(name)
        if name not in data or (value is None and name in ("epochs", "seed")):
            continue
        if isinstance(value, bool) or not isinstance(value, kind):
            what = "a JSON object" if kind is dict else "an integer" if kind is int else "text"
            return f"{name} must be {what}"
    if "num_labels" in data and data["num_labels"] < 1:
        return "num_labels must be at least 1"
    labels = data.get("id2label")
    if labels is not None and (
        not isinstance(labels, dict)
        or not all(isinstance(k, str) and k.isdigit() and isinstance(v, str) for k, v in labels.items())
    ):
        return 'id2label must be a JSON object of class numbers to names ({"0": "contradiction", ...})'
    length = data.get("max_length")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 1):
        return "max_length must be a positive integer"
    sizes = data.get("data", {}).get("split_sizes")
    if "data" in required and not isinstance(sizes, dict):
        return "data.split_sizes must be a JSON object"
    return ""


def card_digest(card: ModelCard | Mapping[str, Any]) -> str:
    """Hex SHA-256 of a card's content, its own ``fingerprint`` field left out (the fingerprint covers this).

    Part of a trained model's fingerprint: the card says how the model's output becomes a score
    (outputs, class names, max length), so an edited card never shares cached scores with the original.
    """
    fields = card.to_dict() if isinstance(card, ModelCard) else dict(card)
    fields.pop("fingerprint", None)
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_card(path: str | Path) -> dict:
    """Read and check one ``compsem_card.json``; the card as a dict (see :class:`ModelCard`).

    Raises:
        CardError: the file is unreadable, not JSON, not an object, lacks a field of
            :data:`CARD_FIELDS`, or a field has the wrong type (``metrics``/``targets``/
            ``data.split_sizes`` not a mapping...).
    """
    return ModelCard.read(path).to_dict()


def write_card(folder: str | Path, card: ModelCard | Mapping) -> None:
    """Check ``card`` (as :meth:`ModelCard.from_dict` does) and write it into ``folder``.

    Raises:
        CardError: the card lacks a field of :data:`CARD_FIELDS` or a field has the wrong type.
    """
    if not isinstance(card, ModelCard):
        card = ModelCard.from_dict(dict(card), source=str(Path(folder) / CARD_NAME))
    card.write(folder)


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
        what = (
            f"a LoRA adapter (peft) plus a new classification head over the transformer of "
            f"`{base['key']}` (backbone SHA-256 `{base['sha256'][:16]}…`, from the package "
            f"`{base.get('package', '')}`); the backbone is not copied."
        )
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
            for e in card["dev_by_epoch"]
        )
    aug = card.get("augmentation")
    aug_rows = ""
    if aug:
        counts = ", ".join(f"{rule} {n}" for rule, n in aug["counts"].items())
        cap = (
            f"at most {aug['max_per_rule']} per rule"
            if "max_per_rule" in aug
            else "caps " + ", ".join(f"{r} {n}" for r, n in aug.get("caps", {}).items())
        )
        aug_rows = (
            f"| augmentation | `{aug['name']}`: {aug['rows_added']} rows added to {aug['original_rows']} "
            f"training pairs ({counts}; {cap}) |\n"
            f"| augmentation labels | {'; '.join(f'{r}: {lab}' for r, lab in aug['labels'].items())} |\n"
            f"| augmentation examples | {len(aug['examples'])} seeded rows (text SHA-256 "
            f"`{aug['examples_sha256'][:16]}…`), shown by `compsem augment-examples {card['key']}` |\n"
        )
    if card.get("init_from"):
        aug_rows += (
            f"| started from | `{card['init_from']['key']}` (adapter SHA-256 "
            f"`{card['init_from']['adapter_sha256'][:16]}…`), trained further as below |\n"
        )
    objective = (
        f"`{card['objective']}` (family `{card['objective_family']}`, {card['num_labels']} output(s), "
        f"loss {card['loss']})"
    )
    data = (
        f"{card['data']['dataset']} — train {sizes['train']}, dev {sizes['dev']} ({card['data']['dev_split']}), "
        f"test {sizes['test']}"
    )
    training = (
        f"{card['epochs']} epoch(s), batch {card['batch_size']}, lr {card['learning_rate']}, warm-up "
        f"{card['warmup_ratio']:.0%}, max length {card['max_length']}, seed {card['seed']}, "
        f"{card['train_seconds']} s on CPU"
    )
    return f"""# {card["label"]}

`{card["key"]}` — {what}

**Score:** {card["score_definition"]}

| | |
|---|---|
| objective | {objective} |
| data | {data} |
| training | {training} |
{method_rows}{aug_rows}| fingerprint | `{card["fingerprint"]}` |
| command | `{card["command"]}` |
| created | {card["created"]} |
| versions | {", ".join(f"{k} {v}" for k, v in card["versions"].items())} |

{card.get("notes", "")}

## Held-out evaluation

Dev metrics were the only ones looked at while choosing settings; the test split was scored once.

| metric | value | target | met |
|---|---|---|---|
{_metric_rows(card)}{dev_rows}
"""
