"""Where compsem keeps things, and every ``COMPSEM_*`` setting: read here, typed, in one table.

Nothing here imports another compsem module, so every layer (the score store, the
registry, training) can ask where its files go without importing the others.

Each setting is one :class:`Setting` entry in :data:`SETTINGS`: its environment variable,
how its text is parsed, and its default with where that default comes from (``default``,
or ``checkout`` when it is a folder of the source checkout). A value is read when it is
asked for, not at import, so a changed environment (a test, a notebook) is seen.
``compsem config`` prints the effective values; ``docs/configuration.md`` is the table.

Example:
    >>> CACHE_DIR.env
    'COMPSEM_CACHE_DIR'
    >>> [s.env for s in SETTINGS][:2]
    ['COMPSEM_CACHE_DIR', 'COMPSEM_DATA_DIR']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
#: Where an effective value came from.
Source = Literal["env", "default", "checkout"]


def checkout_root() -> Path | None:
    """The source checkout compsem runs from (the folder with ``pyproject.toml``), or None for an installed wheel."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "compsem").is_dir():
        return root
    return None


@dataclass(frozen=True)
class Value(Generic[T]):
    """An effective setting: its value and where it came from (``env``, ``default`` or ``checkout``)."""

    value: T
    source: Source


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One setting read from the environment.

    Attributes:
        env: the environment variable (``COMPSEM_...``).
        parse: text -> value; raises ValueError with a sentence naming the variable.
        default: () -> (value, source) when the variable is unset or empty.
        meaning: one line for ``compsem config`` and the docs table.
        default_text: the default in words (the table's "default" column).
        flag: the command-line option that overrides it for one command, if any.
    """

    env: str
    parse: Callable[[str], T]
    default: Callable[[], tuple[T, Source]]
    meaning: str
    default_text: str
    flag: str = ""

    def read(self) -> Value[T]:
        """The effective value now: the environment variable if set, else the default.

        Raises:
            ValueError: the variable is set to something that does not parse.
        """
        raw = os.environ.get(self.env, "").strip()
        if raw:
            return Value(self.parse(raw), "env")
        value, source = self.default()
        return Value(value, source)

    @property
    def value(self) -> T:
        return self.read().value


def _path(text: str) -> Path:
    return Path(text).expanduser()


def _optional_path(text: str) -> Path | None:
    return Path(text).expanduser()


def _text(text: str) -> str | None:
    return text


def _threads(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise ValueError(
            f"COMPSEM_THREADS={text!r} is not a whole number: set it to a thread count such as 2"
        ) from None
    if n < 0:
        raise ValueError(f"COMPSEM_THREADS={n} is negative: set it to a thread count such as 2 (0 = every core)")
    return n or (os.cpu_count() or 1)


def _default_cache_dir() -> tuple[Path, Source]:
    checkout = checkout_root()
    if checkout is not None:
        return checkout / "cache", "checkout"
    return Path.home() / ".cache" / "compsem", "default"


def _default_data_dir() -> tuple[Path | None, Source]:
    # The checkout's sibling shared/datasets (where the study's copies live), only when it exists.
    checkout = checkout_root()
    if checkout is not None:
        sibling = checkout.parent / "shared" / "datasets"
        if sibling.is_dir():
            return sibling, "checkout"
    return None, "default"


def _default_rerank_dir() -> tuple[Path, Source]:
    folder = Path(__file__).resolve().parent.parent / "results" / "rerank"
    return folder, "checkout" if checkout_root() is not None else "default"


CACHE_DIR: Setting[Path] = Setting(
    "COMPSEM_CACHE_DIR",
    _path,
    _default_cache_dir,
    "folder for scores and trained models",
    "the checkout's cache/; ~/.cache/compsem for an installed compsem",
    "--cache-dir",
)
DATA_DIR: Setting[Path | None] = Setting(
    "COMPSEM_DATA_DIR",
    _optional_path,
    _default_data_dir,
    "folder holding sick/, stsb/ and mrpc/ (training, reranking evaluation)",
    "the checkout's sibling ../shared/datasets when it exists; else none",
    "--data-dir",
)
THREADS: Setting[int] = Setting(
    "COMPSEM_THREADS",
    _threads,
    lambda: (os.cpu_count() or 1, "default"),
    "CPU threads for torch and ONNX Runtime (0 = every core)",
    "every core",
)
PAIRS_FILE: Setting[Path | None] = Setting(
    "COMPSEM_PAIRS_FILE",
    _optional_path,
    lambda: (None, "default"),
    "the dashboard's default pair file",
    "the bundled study pairs",
)
RERANK_DIR: Setting[Path] = Setting(
    "COMPSEM_RERANK_DIR",
    _path,
    _default_rerank_dir,
    "where the dashboard reads `compsem rerank-eval` output",
    "the checkout's results/rerank",
)
ONNX_QUANT: Setting[str | None] = Setting(
    "COMPSEM_ONNX_QUANT",
    _text,
    lambda: (None, "default"),
    "int8 quantization config (avx512_vnni, avx512, avx2, arm64)",
    "detected from the CPU",
)


def _megabytes(text: str) -> float:
    try:
        mb = float(text)
    except ValueError:
        raise ValueError(
            f"COMPSEM_MAX_PAIR_FILE_MB={text!r} is not a number: set it to a size in MiB such as 2048"
        ) from None
    if not mb > 0:
        raise ValueError(f"COMPSEM_MAX_PAIR_FILE_MB={text!r} must be positive: set it to a size in MiB such as 2048")
    return mb


MAX_PAIR_FILE_MB: Setting[float] = Setting(
    "COMPSEM_MAX_PAIR_FILE_MB",
    _megabytes,
    lambda: (1024.0, "default"),
    "the largest pair file the command line reads, in MiB (the dashboard keeps its own upload limit)",
    "1024 (1 GiB)",
)
SEED: Setting[str | None] = Setting(
    "COMPSEM_SEED",
    _text,
    lambda: (None, "default"),
    "the seed scores the store reads behind the cache: `off` ignores them, a path reads that file",
    "the seed shipped in compsem/store/",
)


def _min_pairs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"COMPSEM_MIN_PAIRS={text!r} must be a whole number from 1 (1 switches the rule off)")
    return int(text)


MIN_PAIRS: Setting[int] = Setting(
    "COMPSEM_MIN_PAIRS",
    _min_pairs,
    lambda: (10, "default"),
    "fewest pairs in a category for its findings and 95% intervals to be shown (1 switches the rule off)",
    "10",
)

#: Every setting, in the order ``compsem config`` and the docs list them. A new setting is one
#: more entry here (tests/test_config.py fails on a Setting that is not listed).
SETTINGS: tuple[Setting, ...] = (
    CACHE_DIR,
    DATA_DIR,
    THREADS,
    PAIRS_FILE,
    RERANK_DIR,
    ONNX_QUANT,
    MAX_PAIR_FILE_MB,
    SEED,
    MIN_PAIRS,
)


def default_cache_dir() -> Path:
    """Folder for scores and trained models: ``$COMPSEM_CACHE_DIR``, else the checkout's ``cache/``.

    An installed (non-editable) compsem has no checkout, so it falls back to ``~/.cache/compsem``.
    """
    return CACHE_DIR.value


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


@dataclass(frozen=True)
class Effective:
    """One row of ``compsem config``: a setting, its value in words, and where it came from."""

    env: str
    value: str
    source: str
    meaning: str


def effective_settings() -> list[Effective]:
    """Every setting's effective value now; a value that does not parse shows its error instead.

    Example:
        >>> [e.env for e in effective_settings()][-1]
        'COMPSEM_ONNX_QUANT'
    """
    rows = []
    for setting in SETTINGS:
        try:
            found = setting.read()
        except ValueError as exc:
            rows.append(Effective(setting.env, f"invalid: {exc}", "env", setting.meaning))
            continue
        text = str(found.value) if found.value is not None else f"({setting.default_text})"
        rows.append(Effective(setting.env, text, found.source, setting.meaning))
    return rows
