"""How a model is loaded: what sentence-transformers is given, adapters merged in, libraries quietened.

Both the scorers (:mod:`compsem.scorers`) and the int8 export (:mod:`compsem.models.backends`)
load models; they load them here, so the two never disagree about which files a model is.
"""

from __future__ import annotations

import os

from compsem.config import THREADS
from compsem.models.adapters import load_from_card
from compsem.models.assembly import ensure_assembled
from compsem.models.backbones import card_backbone_path
from compsem.models.devices import torch_dtype
from compsem.models.specs import ModelSpec, Resolution


def quiet_libraries() -> None:
    """Silence per-load chatter (weight-loading bars, load reports) that buries compsem's own output."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except (ImportError, AttributeError):  # pragma: no cover - older transformers
        pass


def configure_threads() -> int:
    """Set torch's CPU threads explicitly (``COMPSEM_THREADS``, else every core) and return the count."""
    import torch

    quiet_libraries()
    n = THREADS.value
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def load_kwargs(res: Resolution) -> tuple[str, dict]:
    """What sentence-transformers is given to load ``res``: a folder or hub id, and keyword arguments."""
    spec = res.spec
    kwargs: dict = {"device": res.device, "trust_remote_code": spec.trust_remote_code}
    if res.status == "needs download":
        if spec.revision:
            kwargs["revision"] = spec.revision
        return spec.key, kwargs
    kwargs["local_files_only"] = True
    if spec.assembled and res.status == "packaged":
        return str(ensure_assembled(spec.assembled)), kwargs  # assembled and hash-checked once
    return res.location, kwargs


def adapter_cross_encoder(spec: ModelSpec, device: str = "cpu"):
    """The backbone with a ``compsem train`` LoRA adapter merged in (the registry checked both hashes)."""
    if spec.card is None or not spec.adapter:
        raise ValueError(f"{spec.key} is not a LoRA adapter with a card")
    # the card's dict form is what lora reads; a split-zip backbone (MPNet) is assembled on first use
    return load_from_card(card_backbone_path(spec.card), spec.adapter, spec.card.to_dict(), device=device)


def to_dtype(model, res: Resolution):
    """``model`` in the resolution's number format (fp16/bf16 on a GPU); fp32 models come back as they are."""
    if res.dtype == "fp32":
        return model
    return model.to(torch_dtype(res.dtype))
