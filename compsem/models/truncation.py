"""How many pairs are longer than a model reads: counted with the model's own tokenizer.

A transformer reads at most a fixed number of tokens (all-MiniLM-L6-v2: 256 per sentence; the
LoRA cross-encoders: 128 for both sentences together) and silently drops the rest, so two pairs
that differ only after that point get the same score. compsem counts such pairs per model and
reports the count (run summary, report.md, ``compsem check``, the free-text result) instead of
letting it pass unseen.

* A **bi-encoder** encodes each sentence alone: a pair is truncated when either sentence has more
  tokens (special tokens included) than ``max_seq_length`` (``sentence_bert_config.json``).
* A **cross-encoder** reads both sentences as one input: a pair is truncated when the joint input
  is longer than its max length (the adapter card's ``max_length``, else the tokenizer's).
* Baselines read every word: nothing is truncated (no count).

Only the tokenizer is loaded (a few hundred ms, once per folder), never the weights, and never a
backbone that is not on disk already (an MPNet backbone is not assembled just to count).

Example:
    >>> count_truncated(resolve("all-MiniLM-L6-v2"), [("word " * 300, "short")])  # doctest: +SKIP
    Truncation(truncated=1, pairs=1, max_tokens=256, unit='tokens per sentence')
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from compsem.models import assembly
from compsem.models.backbones import backbone_for_key
from compsem.models.registry import get_spec, resolve
from compsem.models.specs import ModelSpec, Resolution

log = logging.getLogger(__name__)

#: A tokenizer's ``model_max_length`` above this is the "no limit" placeholder (1e30), not a limit.
_NO_LIMIT = 100_000


@dataclass(frozen=True)
class TokenLimit:
    """What a model reads: its tokenizer's folder, the most tokens, and whether the pair is one input."""

    folder: Path
    max_tokens: int
    joint: bool

    @property
    def unit(self) -> str:
        return "tokens for both sentences" if self.joint else "tokens per sentence"


@dataclass(frozen=True)
class Truncation:
    """How many of ``pairs`` a model reads only in part.

    Attributes:
        truncated: pairs longer than the model reads.
        pairs: pairs counted.
        max_tokens: the model's limit.
        unit: ``tokens per sentence`` (bi-encoder) or ``tokens for both sentences`` (cross-encoder).
    """

    truncated: int
    pairs: int
    max_tokens: int
    unit: str

    def sentence(self, model: str) -> str:
        """A warning for people, e.g. ``2 of 336 pairs are longer than MODEL reads (256 tokens per sentence)...``."""
        return (
            f"{self.truncated} of {self.pairs} pair(s) are longer than {model} reads ({self.max_tokens} "
            f"{self.unit}); it scored only their beginning, so a difference after that point is not seen"
        )


def _folder_with_tokenizer(folder: Path | None) -> Path | None:
    if folder is None or not folder.is_dir():
        return None
    return folder if (folder / "tokenizer.json").is_file() else None


def _model_folder(spec: ModelSpec) -> Path | None:
    """The folder of a model's tokenizer, only if it is on disk now (nothing is assembled or downloaded)."""
    if spec.assembled:
        return _folder_with_tokenizer(assembly.assembled_dir(spec.assembled))
    res = resolve(spec)
    if not res.usable or not res.location:
        return None
    return _folder_with_tokenizer(Path(res.location))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _tokenizer_limit(folder: Path) -> int | None:
    found = _read_json(folder / "tokenizer_config.json").get("model_max_length")
    if isinstance(found, (int, float)) and 0 < found < _NO_LIMIT:
        return int(found)
    found = _read_json(folder / "config.json").get("max_position_embeddings")
    return int(found) if isinstance(found, int) and found > 0 else None


def token_limit(res: Resolution) -> TokenLimit | None:
    """What ``res``'s model reads, or None when it does not truncate (baselines) or its tokenizer is not on disk."""
    spec = res.spec
    if spec.kind == "baseline":
        return None
    if spec.kind == "bi-encoder":
        folder = _model_folder(spec)
        if folder is None:
            return None
        limit = _read_json(folder / "sentence_bert_config.json").get("max_seq_length") or _tokenizer_limit(folder)
        return TokenLimit(folder, int(limit), joint=False) if isinstance(limit, int) and limit > 0 else None
    if spec.card is not None and spec.adapter:
        card = spec.card.to_dict()
        backbone = get_spec(backbone_for_key(str(card.get("base_model", {}).get("key", ""))).key)
        folder = _model_folder(backbone)
        limit = card.get("max_length", 128)
        return TokenLimit(folder, int(limit), joint=True) if folder is not None and isinstance(limit, int) else None
    folder = _model_folder(spec)
    limit = _tokenizer_limit(folder) if folder is not None else None
    return TokenLimit(folder, limit, joint=True) if folder is not None and limit else None


@lru_cache(maxsize=8)
def _tokenizer(folder: str) -> Any:
    """The folder's fast tokenizer (``tokenizer.json``) with its own truncation and padding switched off.

    ``tokenizers`` imports in a fraction of a second, where ``transformers`` takes seconds: a warm run
    that loads no model should not pay for a count.
    """
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


#: texts tokenized per call: an ``Encoding`` holds ids, offsets, masks and token strings (about 2 KB for a
#: short sentence), so encoding a million-pair file at once took gigabytes; counts are kept, encodings dropped
TOKENIZE_BATCH = 4096


def _token_counts(tok: Any, inputs: Sequence[Any]) -> list[int]:
    """The number of tokens of each input (a text or a text pair), encoded ``TOKENIZE_BATCH`` at a time."""
    counts: list[int] = []
    for start in range(0, len(inputs), TOKENIZE_BATCH):
        counts.extend(len(e.ids) for e in tok.encode_batch(list(inputs[start : start + TOKENIZE_BATCH])))
    return counts


def count_truncated(res: Resolution, pairs: Sequence[tuple[str, str]]) -> Truncation | None:
    """How many ``pairs`` are longer than ``res``'s model reads (see the module docstring).

    Returns:
        A :class:`Truncation`, or None when the model does not truncate or its tokenizer cannot be
        read here (the count is a warning: it never stops scoring).
    """
    limit = token_limit(res)
    if limit is None or not pairs:
        return None
    try:
        tok = _tokenizer(str(limit.folder))
        if limit.joint:  # special tokens come from the tokenizer's own post-processor ([CLS] a [SEP] b [SEP])
            over = sum(n > limit.max_tokens for n in _token_counts(tok, [(a, b) for a, b in pairs]))
        else:
            texts = list(dict.fromkeys(s for pair in pairs for s in pair))
            long = {t for t, n in zip(texts, _token_counts(tok, texts)) if n > limit.max_tokens}
            over = sum(a in long or b in long for a, b in pairs)
    except Exception as exc:  # noqa: BLE001 - a tokenizer problem must not stop scoring; it is logged
        log.warning("could not count truncated pairs for %s: %s", res.spec.key, exc)
        return None
    return Truncation(int(over), len(pairs), limit.max_tokens, limit.unit)


__all__ = ["TokenLimit", "Truncation", "count_truncated", "token_limit"]
