"""``compsem run --engine ray``: score the pairs the store lacks on a Ray cluster, then run as usual.

What runs where:

* the **driver** (the machine running ``compsem run``) reads and validates the pair file
  (:mod:`compsem.data.streaming`), looks every model's pairs up in the score store, and turns
  the missing ones into a Ray Dataset;
* **actors** on the cluster (an actor pool, ``--ray-actors`` of them per model) each load the
  model once and score batches with ``Dataset.map_batches``; with ``--device cuda`` each actor
  asks Ray for one GPU (``num_gpus=1``);
* the driver streams the scored batches back and writes them into the same score store,
  chunk by chunk (an interruption keeps every stored chunk, as with the local engine).

Then the local pipeline runs unchanged: every score is now in the store, so it only reads
them, and the tables and report are the local engine's, byte for byte, for the same scores.

Every node needs compsem (and the models' packages) installed; the cluster does not need
the score cache, which lives with the driver.

Example:
    >>> score_on_ray(table, ["token-jaccard"], store=ScoreStore("cache"))  # doctest: +SKIP
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pandas as pd

from compsem.models.devices import CPU, DeviceChoice
from compsem.models.registry import UnknownModelError, get_spec, resolve
from compsem.models.specs import Resolution
from compsem.scorers import load_scorer
from compsem.store.score_store import CHUNK_PAIRS, ProgressCallback, ScoreStore, ScoringInterrupted
from compsem.store.sqlite import CachedScore

#: Seconds to wait for a cluster address to accept a connection before giving up.
CONNECT_TIMEOUT_S = 10.0


class RayEngineError(ValueError):
    """The Ray engine cannot run; the message is one sentence saying what to do."""


@dataclass(frozen=True)
class RayAccount:
    """What the cluster did: scores computed there per model, and the cluster's resources.

    Attributes:
        scored: scores computed on the cluster and stored, per model.
        resources: the cluster's CPUs and GPUs.
        loads: per model, how many times the cluster loaded it: one per actor that scored, at most
            ``actors`` (a model loaded per batch would show here as one load per batch).
    """

    scored: dict[str, int]
    resources: dict[str, float]
    loads: dict[str, int] = field(default_factory=dict)


def check_address(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise :class:`RayEngineError` unless ``host:port`` (or ``ray://host:port``) accepts a TCP connection.

    ``auto`` and ``local`` are left to Ray. Bounded: at most ``timeout`` seconds.
    """
    if address in ("auto", "local"):
        return
    parsed = urlparse(address if "://" in address else f"tcp://{address}")
    host, port = parsed.hostname, parsed.port or (10001 if parsed.scheme == "ray" else 6379)
    if not host:
        raise RayEngineError(f"--address {address!r} is not host:port (e.g. 10.0.0.5:6379 or ray://10.0.0.5:10001)")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise RayEngineError(
            f"no Ray cluster answers at {address} (port {port}: {exc.strerror or exc}); start one with "
            "`ray start --head` there, or leave --address out to start a local one"
        ) from None


def _ray():
    try:
        import ray
    except ImportError:
        raise RayEngineError("--engine ray needs Ray: pip install 'compsem[ray]'") from None
    return ray


class _ScorerActor:
    """One model loaded once per actor; each call scores one batch of pairs."""

    def __init__(self, resolution: Resolution, batch_size: int):
        self.scorer = load_scorer(resolution)
        self.batch_size = batch_size
        self.load = uuid.uuid4().hex  # names this load in every batch it scores (RayAccount.loads)

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        pairs = list(zip(batch["a"].tolist(), batch["b"].tolist()))
        out = self.scorer.predict(pairs, batch_size=self.batch_size)
        return pd.DataFrame(
            {
                "a": batch["a"].to_numpy(),
                "b": batch["b"].to_numpy(),
                "raw_score": [float(x) for x in out.raw_score],
                "score": [float(x) for x in out.score],
                "raw_output": list(out.raw_output),
                "load": self.load,
            }
        )


def score_on_ray(
    pairs: pd.DataFrame,
    models: Sequence[str],
    *,
    store: ScoreStore,
    backend: str = "torch",
    device: DeviceChoice = CPU,
    batch_size: int = 32,
    chunk_size: int = CHUNK_PAIRS,
    address: str | None = None,
    actors: int = 2,
    num_cpus: int | None = None,
    progress: ProgressCallback | None = None,
) -> RayAccount:
    """Score the pairs the store lacks for each model on Ray and store them.

    Args:
        pairs: validated pairs (``sentence_a``, ``sentence_b``).
        models: registry keys (unknown or unusable ones are left to the local pipeline to report).
        store: where scores are looked up and written (must write).
        address: a running cluster (``host:port``, ``ray://host:port``, ``auto``); None starts a local one.
        actors: scorer actors per model (each loads the model once).
        num_cpus: CPUs of a local cluster (None: Ray's default, every core).

    Raises:
        RayEngineError: Ray is not installed, the address does not answer, or a bad argument.
        ScoringInterrupted: Ctrl-C, with the number of scores stored before it.
    """
    if actors < 1:
        raise RayEngineError(f"--ray-actors must be at least 1, not {actors}")
    if not store.write:
        raise RayEngineError("--engine ray writes its scores into the score store; do not turn the cache off")
    ray = _ray()
    if address:
        check_address(address)
    text_pairs = list(dict.fromkeys(zip(pairs["sentence_a"].tolist(), pairs["sentence_b"].tolist())))
    todo: list[tuple[Resolution, list[tuple[str, str]]]] = []
    for name in dict.fromkeys(models):
        try:
            res = resolve(get_spec(name), backend=backend, device=device)
        except UnknownModelError:
            continue
        if res.usable and res.fingerprint:
            missing = store.lookup(res, text_pairs).missing
            if missing:
                todo.append((res, missing))
    scored: dict[str, int] = {}
    loads: dict[str, int] = {}
    if not todo:
        return RayAccount(scored, {})
    started = not ray.is_initialized()
    if started:
        kwargs: dict = {"address": address} if address else {"num_cpus": num_cpus}
        ray.init(**kwargs, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        resources = {k: float(v) for k, v in ray.cluster_resources().items() if k in ("CPU", "GPU")}
        for res, missing in todo:
            scored[res.spec.key], loads[res.spec.key] = _score_model(
                ray, res, missing, store, device, batch_size, chunk_size, actors, progress
            )
    finally:
        if started:
            ray.shutdown()
    return RayAccount(scored, resources, loads)


def _score_model(ray, res, missing, store, device, batch_size, chunk_size, actors, progress) -> tuple[int, int]:
    """Score ``missing`` on the cluster and store it; returns (scores stored, model loads seen)."""
    key, total = res.spec.key, len(missing)
    frame = pd.DataFrame({"a": [a for a, _ in missing], "b": [b for _, b in missing]})
    # enough blocks for every actor to get work (one block would feed one actor); split here with iloc, since
    # ray's own split (numpy.array_split) returns bare arrays for a DataFrame under pandas 3 / numpy 2.4
    n_blocks = max(1, min(total, actors * 8))
    bounds = [round(i * total / n_blocks) for i in range(n_blocks + 1)]
    ds = ray.data.from_pandas([frame.iloc[lo:hi] for lo, hi in zip(bounds, bounds[1:]) if hi > lo])
    scored = ds.map_batches(
        _ScorerActor,
        fn_constructor_args=(res, batch_size),
        batch_size=max(batch_size, min(chunk_size, 4096)),
        batch_format="pandas",
        concurrency=actors,
        num_gpus=1 if device.device == "cuda" else 0,
    )
    saved = 0
    loads: set[str] = set()
    if progress:
        progress(key, 0, total)
    try:
        for batch in scored.iter_batches(batch_size=chunk_size, batch_format="pandas"):
            loads.update(batch["load"].tolist())
            rows = {
                (a, b): CachedScore(r, s, o)
                for a, b, r, s, o in zip(
                    batch["a"], batch["b"], batch["raw_score"], batch["score"], batch["raw_output"]
                )
            }
            store.adopt(res, rows)
            saved += len(rows)
            if progress:
                progress(key, saved, total)
    except KeyboardInterrupt:
        raise ScoringInterrupted(key, saved, total - saved, total) from None
    return saved, len(loads)


__all__ = ["CONNECT_TIMEOUT_S", "RayAccount", "RayEngineError", "check_address", "score_on_ray"]
