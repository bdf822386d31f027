"""The dashboard's cached loaders, defined once at module level.

* ``st.cache_resource``: one loaded model per (model, fingerprint, backend, device, dtype) per process (:func:`scorer`).
* ``st.cache_data``: pair files, model availability, the devices here, cached scores, free-text scores.

Every lookup and every score is keyed by the sidebar's backend, device (``cpu``, ``cuda``, ``mps``) and
dtype, so scores of one device are never shown, counted or adopted as another's (a GPU's differ from the
CPU's in the last digits; :mod:`compsem.models.devices`).

torch and sentence-transformers are imported by the first page that needs a model, never at start.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pandas as pd
import streamlit as st

from compsem.app import views
from compsem.config import PAIRS_FILE
from compsem.data.labels import ModelLabels, with_labels
from compsem.data.pairs import PairCheck, bundled_pairs_path, check_pairs
from compsem.data.schema import RESULT_COLUMNS
from compsem.models import devices
from compsem.models.devices import DTYPES, Device, DeviceChoice, DeviceError, choose_device
from compsem.models.quantization import runtime_device
from compsem.models.registry import list_models, resolve
from compsem.models.specs import Resolution
from compsem.reports.run_folder import RunData, RunFolderError, load_run
from compsem.scorers.base import ModelUnavailableError, Scorer
from compsem.scorers.load import load_scorer
from compsem.scoring import score_pairs, score_text_pair
from compsem.store.score_store import ScoreStore
from compsem.store.seed import load_seed
from compsem.store.sqlite import CACHE_FILE_NAME, ScoreCache

#: Environment variable naming the default pair file (tests and demos); unset = the bundled 336 pairs.
PAIRS_ENV = PAIRS_FILE.env


@st.cache_resource(show_spinner=False, max_entries=32)
def scorer(key: str, fingerprint: str, backend: str = "torch", device: str = "cpu", dtype: str = "fp32") -> Scorer:
    """One loaded model per process, backend and device (Streamlit does not cache a failed load, so it is retried).

    torch and sentence-transformers are imported here, by the first page that needs a model, never at start.

    Raises:
        DeviceError: the device is not usable here (a ValueError with one sentence: no CUDA GPU visible ...).
        BackendError: the int8 backend on a GPU (a ValueError with one sentence).
    """

    return load_scorer(resolve(key), backend=backend, device=choose_device(device, dtype))


def loader(res: Resolution) -> Scorer:
    """The shared per-process model of a resolution (what :func:`compsem.scoring.score_pairs` loads with).

    It loads on the resolution's own device and dtype, the ones its fingerprint (so its stored scores) names.
    """
    return scorer(res.spec.key, res.fingerprint, res.backend, res.device, res.dtype)


@st.cache_data(show_spinner=False, ttl=300)
def device_options() -> list[DeviceChoice]:
    """The devices torch can use here, best first, each at fp32 (:func:`compsem.models.devices.available_devices`).

    Re-checked every five minutes. On Linux without a GPU driver the answer needs no torch import, so the
    landing page stays light (:func:`compsem.models.devices._accelerator_possible`).
    """
    return devices.available_devices()


def lookup_device(backend: str, device: str = "cpu", dtype: str = "fp32") -> DeviceChoice:
    """The device a stored-score lookup is keyed by, named without asking torch (a lookup loads no model).

    Raises:
        DeviceError: an unknown device or dtype, or fp16/bf16 on the CPU.
        BackendError: the int8 backend with a GPU (both ValueErrors with one sentence).
    """
    if device in ("cuda", "mps"):
        if dtype not in DTYPES:
            raise DeviceError(f"unknown dtype {dtype!r}: choose one of {', '.join(DTYPES)}")
        choice = DeviceChoice(cast(Device, device), dtype, device, device)
    else:
        choice = choose_device(device, dtype)  # the CPU asks nothing; anything else is refused in a sentence
    return runtime_device(backend, choice)


def resolution(key: str, backend: str, device: str = "cpu", dtype: str = "fp32") -> Resolution:
    """The registry entry of ``key`` served by ``backend`` on ``device`` (its fingerprint keys the cached scores).

    Raises:
        ValueError: as :func:`lookup_device`.
    """

    return resolve(key, backend=backend, device=lookup_device(backend, device, dtype))


@st.cache_data(show_spinner=False, ttl=300)
def model_resolutions() -> list[Resolution]:
    """Every registry model with its availability (re-checked every five minutes)."""
    return list_models()


def model_labels() -> ModelLabels:
    """Every registry model's display name, from :func:`model_resolutions` (the view's labels)."""
    return ModelLabels(tuple((r.spec.key, r.spec.display) for r in model_resolutions()))


@st.cache_data(show_spinner=False, max_entries=16)
def _check_file(path: str, stamp: tuple[int, float]) -> PairCheck:
    return check_pairs(Path(path))


@st.cache_data(show_spinner=False, max_entries=16)
def check_upload(data: bytes, name: str) -> PairCheck:
    """The same checker as ``compsem pairs check``, on an uploaded file's bytes."""
    return check_pairs(data, source=name)


def default_pair_file() -> tuple[Path | None, str]:
    """Path of the default pair set and a one-line description, or (None, why not)."""
    chosen = PAIRS_FILE.value
    if chosen is not None:
        return chosen, f"{chosen.name} (from ${PAIRS_ENV})"
    try:
        return bundled_pairs_path(), "bundled study pairs"
    except FileNotFoundError as exc:
        return None, str(exc)


def load_default_pairs() -> tuple[PairCheck | None, str]:
    path, what = default_pair_file()
    if path is None:
        return None, what
    try:
        stat = path.stat()
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}"
    return _check_file(str(path), (stat.st_size, stat.st_mtime)), what


@st.cache_resource(show_spinner=False, max_entries=4)
def _run(folder: str, stamp: tuple | None) -> tuple[RunData | None, pd.DataFrame | None, str]:
    # A resource, not data: a run of 100,000 pairs is a million rows, and st.cache_data would copy it
    # on every re-render (seconds); pages only read it.
    try:
        run = load_run(Path(folder))
    except RunFolderError as exc:
        return None, None, str(exc)
    pairs = run.results[["pair_id", "category", "sentence_a", "sentence_b"]].drop_duplicates("pair_id")
    return run, pairs.rename(columns={"pair_id": "id"}).reset_index(drop=True), ""


def open_run(folder: str) -> tuple[RunData | None, pd.DataFrame | None, str]:
    """A ``compsem run`` output folder: (its results, its distinct pairs, "") or (None, None, why not).

    Read once per version of its ``all_pair_results.csv`` and shared by every session.
    """
    path = Path(folder.strip()).expanduser()
    try:
        stat = (path / "all_pair_results.csv").stat()
        stamp: tuple | None = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        stamp = None
    return _run(str(path), stamp)


@st.cache_resource(show_spinner=False, max_entries=8)
def run_view(
    run_key: str, models: tuple[str, ...], categories: tuple[str, ...], labels: ModelLabels, _run: pd.DataFrame
) -> pd.DataFrame:
    """A run's rows of ``models`` and ``categories`` with display names, kept per selection (read-only, shared).

    Kept because a million rows take a noticeable part of a second to filter and label again on every re-render.
    """
    keep = _run["model"].isin(models) & _run["category"].isin(categories)
    return with_labels(_run[keep].reset_index(drop=True), labels)


def _text_pairs(pairs: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(pairs["sentence_a"], pairs["sentence_b"])))


def store_version(cache_dir: str) -> tuple:
    """(mtime, size) of the score database and of its write-ahead log: it changes with every score
    written, by this process or any other (``compsem run`` beside the dashboard), and not with reads."""
    out: list = []
    for name in (CACHE_FILE_NAME, CACHE_FILE_NAME + "-wal"):
        try:
            stat = (Path(cache_dir) / name).stat()
        except OSError:
            out.append(None)
        else:
            out.append((stat.st_mtime_ns, stat.st_size))
    return tuple(out)


# The per-model lookups below are keyed by the store's version, so scores written since (here or by
# another process) are read at once; the ttl catches what the version cannot see (a model whose
# registry entry or fingerprint changed), as model_resolutions' does.
@st.cache_data(show_spinner=False, max_entries=256, ttl=300)
def _model_missing(
    pairs_sha: str,
    model: str,
    cache_dir: str,
    version: tuple,
    _pairs: pd.DataFrame,
    backend: str,
    device: str = "cpu",
    dtype: str = "fp32",
) -> tuple[int, int]:
    """(how many pairs the store lacks, how many it found in the shipped seed rather than the cache).

    The seed holds CPU fp32 scores: under a GPU's fingerprint it finds none, so those pairs count as missing.
    """
    with ScoreStore() as store:
        found = store.lookup(resolution(model, backend, device, dtype), _text_pairs(_pairs))
        return len(found.missing), len(found.seeded)


def missing_counts(
    pairs_sha: str,
    models: tuple[str, ...],
    cache_dir: str,
    _pairs: pd.DataFrame,
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
) -> dict[str, int]:
    """Per model, how many (model, pair) combinations are not in the score cache yet.

    Kept per model, not per selection: ticking a model on or off then looks up only that model
    (before, every selection change read all 13 models' scores from SQLite again).
    """
    version = store_version(cache_dir)
    return {
        key: _model_missing(pairs_sha, key, cache_dir, version, _pairs, backend, device, dtype)[0] for key in models
    }


def seeded_counts(
    pairs_sha: str,
    models: tuple[str, ...],
    cache_dir: str,
    _pairs: pd.DataFrame,
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
) -> dict[str, int]:
    """Per model, how many of its pairs' scores come from the shipped seed (:mod:`compsem.store.seed`).

    The same kept lookups as :func:`missing_counts`, so asking costs nothing more.
    """
    version = store_version(cache_dir)
    return {
        key: _model_missing(pairs_sha, key, cache_dir, version, _pairs, backend, device, dtype)[1] for key in models
    }


def seed_origin() -> tuple[str, str]:
    """(how the shipped seed was made, when), for the page's note on where its scores came from."""
    seed = load_seed()
    return seed.made_with, seed.created


class _NotScoredYet(ModelUnavailableError):
    pass


def _refuse(res: Resolution) -> Scorer:
    raise _NotScoredYet(f"{res.spec.key}: not scored yet")


@st.cache_data(show_spinner=False, max_entries=256, ttl=300)
def _model_results(
    pairs_sha: str,
    model: str,
    cache_dir: str,
    version: tuple,
    _pairs: pd.DataFrame,
    backend: str,
    device: str = "cpu",
    dtype: str = "fp32",
) -> tuple[pd.DataFrame, dict, str | None]:
    """(the model's tidy rows, model -> error, its registry key; None when it failed)."""
    where = lookup_device(backend, device, dtype)  # named, not probed: reading stored scores asks torch nothing
    with ScoreCache() as cache:
        run = score_pairs(_pairs, [model], cache=cache, loader=_refuse, backend=backend, device=where)
    key = next((m.model for m in run.models if not m.error), None)
    return run.results, {m.model: m.error for m in run.failed}, key


def cached_results(
    pairs_sha: str,
    models: tuple[str, ...],
    cache_dir: str,
    _pairs: pd.DataFrame,
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
) -> tuple[pd.DataFrame, dict]:
    """Scores already in the cache (never computes any): (tidy results, model -> error).

    The same frame as one :func:`compsem.scoring.score_pairs` over ``models`` (its rows are one
    model after another), assembled from per-model parts kept apart, so that a selection change
    reads only the model it adds.
    """
    version = store_version(cache_dir)
    frames: list[pd.DataFrame] = []
    errors: dict = {}
    seen: set[str] = set()
    for model in models:
        frame, failed, key = _model_results(pairs_sha, model, cache_dir, version, _pairs, backend, device, dtype)
        errors.update(failed)
        if key is None or key in seen:  # an alias of a model already in the frame adds nothing, as in score_pairs
            continue
        seen.add(key)
        frames.append(frame)
    if len(frames) == 1:
        return frames[0], errors
    if not frames:
        return pd.DataFrame(columns=list(RESULT_COLUMNS)), errors
    return pd.concat(frames, ignore_index=True), errors


def forget_cached_scores() -> None:
    """Drop the kept lookups (after scoring: the counts and frames read before are stale)."""
    _model_missing.clear()
    _model_results.clear()


@st.cache_data(show_spinner=False, max_entries=256)
def _score_text(
    a: str, b: str, models: tuple[str, ...], backend: str = "torch", device: str = "cpu", dtype: str = "fp32"
):
    # the device by name: scoring asks torch whether it is there (a GPU gone since the sidebar listed it is a sentence)
    return score_text_pair(a, b, list(models), loader=loader, backend=backend, device=device, dtype=dtype)


def score_text(
    a: str,
    b: str,
    models: Sequence[str],
    threshold: float,
    pair_kind: str = "edit",
    *,
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Score a free-text pair with every model on the sidebar's backend and device; (table with a verdict per
    model, model -> why it could not).

    Raises:
        ValueError: empty or too long text, or a device or backend that cannot be used (the message says which).
    """
    scored, problems = _score_text(a, b, tuple(models), backend, device, dtype)
    return views.text_score_table(scored, model_labels(), threshold, pair_kind), problems


def score_variants(
    a: str,
    variants: Sequence[tuple[str, str]],
    models: Sequence[str],
    *,
    backend: str = "torch",
    device: str = "cpu",
    dtype: str = "fp32",
) -> pd.DataFrame:
    """Score (A, edited A) for each variant on the sidebar's backend and device; ``label, variant, edited, score``.

    Raises:
        ValueError: as :func:`score_text`.
    """
    labels = model_labels()
    rows = []
    for name, edited in variants:
        scored, _ = _score_text(a, edited, tuple(models), backend, device, dtype)
        rows += [{"label": labels.name(s.model), "variant": name, "edited": edited, "score": s.score} for s in scored]
    return pd.DataFrame(rows, columns=["label", "variant", "edited", "score"])


__all__ = [
    "PAIRS_ENV",
    "cached_results",
    "check_upload",
    "device_options",
    "default_pair_file",
    "forget_cached_scores",
    "load_default_pairs",
    "loader",
    "lookup_device",
    "missing_counts",
    "model_labels",
    "model_resolutions",
    "open_run",
    "resolution",
    "run_view",
    "score_text",
    "score_variants",
    "scorer",
    "seed_origin",
    "seeded_counts",
    "store_version",
]
