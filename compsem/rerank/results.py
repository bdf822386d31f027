"""What ``compsem rerank-eval`` wrote, read back and checked, and the tables and points the dashboard draws."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compsem.config import RERANK_DIR
from compsem.data.csv_safety import read_safe_csv
from compsem.models.registry import get_spec

STAGE_LABELS = {"bm25": "BM25", "dense": "Bi-encoder (MiniLM)", "hybrid": "Hybrid (BM25 + bi-encoder, RRF)"}
#: Where the dashboard reads ``compsem rerank-eval`` output: ``$COMPSEM_RERANK_DIR``, else the checkout's
#: results/rerank (committed by whoever ran the evaluation).
RESULTS_ENV = RERANK_DIR.env
RESULTS_COMMAND = "compsem rerank-eval --out results/rerank"
LATENCY_COLUMNS = ("reranker", "k", "stage", "n", "p50_ms", "p95_ms")


class RerankResultsError(ValueError):
    """A ``compsem rerank-eval`` output folder is broken; the message names the file and what is wrong."""


class RerankResultsMissing(RerankResultsError):
    """The folder or its metrics.json does not exist (the evaluation has not been run)."""


@dataclass(frozen=True)
class RerankResults:
    """What ``compsem rerank-eval`` wrote.

    Attributes:
        folder: where it was read from.
        metrics: metrics.json as written by :func:`run_rerank_eval`.
        latency: latency.csv (``reranker, k, stage, n, p50_ms, p95_ms``; reranker "" for first-stage rows).
    """

    folder: Path
    metrics: dict
    latency: pd.DataFrame


def default_results_dir() -> Path:
    """``$COMPSEM_RERANK_DIR`` if set, else ``results/rerank`` in the checkout."""
    return RERANK_DIR.value


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_metrics(metrics: object, path: Path) -> dict:
    def bad(what: str) -> RerankResultsError:
        return RerankResultsError(f"{path}: {what}. Re-run `{RESULTS_COMMAND}` to rewrite it.")

    if not isinstance(metrics, dict):
        raise bad("not a JSON object")
    for key in ("ks", "first_stage", "reranked"):
        if key not in metrics:
            raise bad(f"missing {key!r}")
    ks = metrics["ks"]
    if not isinstance(ks, list) or not ks or not all(isinstance(k, int) and k >= 1 for k in ks):
        raise bad("'ks' must be a non-empty list of positive integers")
    if not isinstance(metrics["first_stage"], dict) or not metrics["first_stage"]:
        raise bad("'first_stage' must map each first stage to its metrics")
    for stage, values in metrics["first_stage"].items():
        if (
            not isinstance(values, dict)
            or not _is_number(values.get("ndcg@10"))
            or not _is_number(values.get("mrr@10"))
        ):
            raise bad(f"first stage {stage!r} lacks numeric ndcg@10 and mrr@10")
    if not isinstance(metrics["reranked"], dict):
        raise bad("'reranked' must map each reranker to its results")
    for key, per_stage in metrics["reranked"].items():
        if not isinstance(per_stage, dict):
            raise bad(f"reranker {key!r}: expected an object")
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            if not isinstance(per_k, dict):
                raise bad(f"reranker {key!r}, first stage {stage!r}: expected an object of K -> metrics")
            for k, values in per_k.items():
                if not str(k).isdigit() or not isinstance(values, dict) or not _is_number(values.get("ndcg@10")):
                    raise bad(f"reranker {key!r}, first stage {stage!r}, K {k!r}: lacks a numeric ndcg@10")
    return metrics


def _read_latency(path: Path) -> pd.DataFrame:
    try:
        # keep_default_na=False: the first-stage rows have an empty reranker, which must stay "" (not NaN)
        table = read_safe_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise RerankResultsError(f"{path}: not a readable CSV ({exc}). Re-run `{RESULTS_COMMAND}`.") from None
    missing = [c for c in LATENCY_COLUMNS if c not in table.columns]
    if missing:
        raise RerankResultsError(
            f"{path}: missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(LATENCY_COLUMNS)}. Re-run `{RESULTS_COMMAND}`."
        )
    table = table[list(LATENCY_COLUMNS)].copy()
    for col in ("k", "n", "p50_ms", "p95_ms"):
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # +1 for the header, +1 for 1-based lines
            raise RerankResultsError(
                f"{path}, line {line}: {col} is {table[col].iloc[line - 2]!r}, not a number. "
                f"Re-run `{RESULTS_COMMAND}`."
            )
        table[col] = values.astype(int) if col in ("k", "n") else values.astype(float)
    return table


def load_rerank_results(folder: str | Path | None = None) -> RerankResults:
    """Read and check metrics.json and latency.csv written by :func:`run_rerank_eval`.

    Raises:
        RerankResultsMissing: the folder or metrics.json does not exist.
        RerankResultsError: a file is missing, not JSON/CSV, or lacks what the dashboard draws.
    """
    folder = Path(folder) if folder is not None else default_results_dir()
    metrics_path, latency_path = folder / "metrics.json", folder / "latency.csv"
    if not metrics_path.is_file():
        raise RerankResultsMissing(f"no reranking results in {folder}: run `{RESULTS_COMMAND}` to create them")
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise RerankResultsError(f"{metrics_path}: not UTF-8 text. Re-run `{RESULTS_COMMAND}`.") from None
    except json.JSONDecodeError as exc:
        raise RerankResultsError(
            f"{metrics_path}, line {exc.lineno}: not valid JSON ({exc.msg}). Re-run `{RESULTS_COMMAND}`."
        ) from None
    metrics = _check_metrics(metrics, metrics_path)
    if not latency_path.is_file():
        raise RerankResultsError(
            f"{latency_path}: not found (metrics.json is there, so the run was cut short or "
            f"the file was not committed). Re-run `{RESULTS_COMMAND}`."
        )
    return RerankResults(folder, metrics, _read_latency(latency_path))


def _reranker_label(key: str) -> str:
    try:
        return get_spec(key).display
    except KeyError:  # a reranker that is no longer registered still has its results shown, by key
        return key


def metrics_table(results: RerankResults) -> pd.DataFrame:
    """NDCG@10, MRR@10 and Recall@K per first stage and per first stage + reranker, one row per K.

    Recall@K of a reranked row is its first stage's: reranking re-orders the K candidates and
    cannot add or drop one. ``Δ NDCG@10`` is the reranked NDCG@10 minus the first stage's.
    """
    m = results.metrics
    rows = []
    for stage, fs in m["first_stage"].items():
        for k in m["ks"]:
            rows.append(
                {
                    "first stage": STAGE_LABELS.get(stage, stage),
                    "reranker": "— (first stage only)",
                    "K": k,
                    "NDCG@10": fs["ndcg@10"],
                    "MRR@10": fs["mrr@10"],
                    "Recall@K": fs.get(f"recall@{k}", np.nan),
                    "Δ NDCG@10": 0.0,
                }
            )
    for key, per_stage in m["reranked"].items():
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            fs = m["first_stage"].get(stage, {})
            for k, values in sorted(per_k.items(), key=lambda kv: int(kv[0])):
                rows.append(
                    {
                        "first stage": STAGE_LABELS.get(stage, stage),
                        "reranker": _reranker_label(key),
                        "K": int(k),
                        "NDCG@10": values["ndcg@10"],
                        "MRR@10": values.get("mrr@10", np.nan),
                        "Recall@K": fs.get(f"recall@{k}", np.nan),
                        "Δ NDCG@10": values["ndcg@10"] - fs.get("ndcg@10", np.nan),
                    }
                )
    return pd.DataFrame(rows, columns=["first stage", "reranker", "K", "NDCG@10", "MRR@10", "Recall@K", "Δ NDCG@10"])


def skipped_rerankers(results: RerankResults) -> dict[str, str]:
    """Rerankers the evaluation could not load, with why."""
    return {key: str(v["skipped"]) for key, v in results.metrics["reranked"].items() if "skipped" in v}


def quality_latency_points(results: RerankResults) -> pd.DataFrame:
    """One point per system and K for the quality-vs-latency plot: NDCG@10 and p50/p95 ms per query.

    Every latency is measured, never added up: :func:`run_rerank_eval` times each first stage
    with each reranker end to end per query (stage ``total_<first stage>``), and each first stage
    alone at the deepest K (rows with an empty reranker). A point whose timing is missing from
    latency.csv is left off the plot (it stays in the metrics table).

    Returns:
        ``system, first_stage, reranker, k, ndcg@10, p50_ms, p95_ms, latency`` ; first-stage-only
        systems have reranker "" and k = the deepest K; ``latency`` is always ``measured``.
    """
    m, lat = results.metrics, results.latency

    def timing(stage: str, reranker: str, k: int) -> np.ndarray | None:
        hit = lat[(lat["stage"] == stage) & (lat["reranker"] == reranker) & (lat["k"] == k)]
        return hit[["p50_ms", "p95_ms"]].iloc[0].to_numpy(dtype=float) if len(hit) else None

    deepest = max(m["ks"])
    points = []
    for stage, fs in m["first_stage"].items():
        got = timing(f"first_stage_{stage}", "", deepest)
        if got is not None:
            points.append(
                {
                    "system": f"{STAGE_LABELS.get(stage, stage)} alone",
                    "first_stage": stage,
                    "reranker": "",
                    "k": deepest,
                    "ndcg@10": fs["ndcg@10"],
                    "p50_ms": float(got[0]),
                    "p95_ms": float(got[1]),
                    "latency": "measured",
                }
            )
    for key, per_stage in m["reranked"].items():
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            for k_text, values in sorted(per_k.items(), key=lambda kv: int(kv[0])):
                k = int(k_text)
                total = timing(f"total_{stage}", key, k)
                if total is None:
                    continue  # no timing for this point: left off the plot, still in the table
                points.append(
                    {
                        "system": f"{STAGE_LABELS.get(stage, stage)} + {_reranker_label(key)}",
                        "first_stage": stage,
                        "reranker": key,
                        "k": k,
                        "ndcg@10": values["ndcg@10"],
                        "p50_ms": float(total[0]),
                        "p95_ms": float(total[1]),
                        "latency": "measured",
                    }
                )
    return pd.DataFrame(
        points, columns=["system", "first_stage", "reranker", "k", "ndcg@10", "p50_ms", "p95_ms", "latency"]
    )
