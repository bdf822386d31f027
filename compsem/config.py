"""Where compsem keeps things: the cache folder, trained models, the shipped adapters, offline mode.

Nothing here imports another compsem module, so every layer (the score store, the
registry, training) can ask where its files go without importing the others.
"""

from __future__ import annotations

import os
from pathlib import Path


def checkout_root() -> Path | None:
    """The source checkout compsem runs from (the folder with ``pyproject.toml``), or None for an installed wheel."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "compsem").is_dir():
        return root
    return None


def default_cache_dir() -> Path:
    """Folder for scores and trained models: ``$COMPSEM_CACHE_DIR``, else the checkout's ``cache/``.

    An installed (non-editable) compsem has no checkout, so it falls back to ``~/.cache/compsem``.
    """
    env = os.environ.get("COMPSEM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    checkout = checkout_root()
    if checkout is not None:
        return checkout / "cache"
    return Path.home() / ".cache" / "compsem"


def models_dir() -> Path:
    """Models trained here (``<cache>/models``)."""
    return default_cache_dir() / "models"


def shipped_models_dir() -> Path:
    """The LoRA adapters that travel with compsem (``compsem/models/<slug>/``, in the wheel too)."""
    return Path(__file__).resolve().parent / "models"


def offline() -> bool:
    """True when the hub must not be contacted (``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``)."""
    return any(
        os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )
