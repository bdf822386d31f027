"""What ``compsem rerank-eval`` wrote, read back and checked, and the tables and points the dashboard draws."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
#: How a reranked list was ordered: the reranker alone, or its scores fused with the first stage's.
FUSION_METHODS = ("none", "weighted", "rrf")
FUSION_LABELS = {
    "none": "none (reranker order)",
    "weighted": "weighted (w chosen on TRIAL)",
    "rrf": "RRF (k = 60)",
}
#: metrics.json key of each fusion method inside a reranked entry
FUSION_KEYS = {"weighted": "weighted_fusion", "rrf": "rrf_fusion"}


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
                for method, field in FUSION_KEYS.items():
                    fused = values.get(field)
                    if fused is None:
                        continue  # written before fusion existed
                    where = f"reranker {key!r}, first stage {stage!r}, K {k}, {field}"
                    if not isinstance(fused, dict) or not all(_is_number(fused.get(m)) for m in ("ndcg@10", "mrr@10")):
                        raise bad(f"{where}: lacks numeric ndcg@10 and mrr@10")
                    if method == "weighted" and not (_is_number(fused.get("weight")) and 0 <= fused["weight"] <= 1):
                        raise bad(f"{where}: 'weight' must be a number between 0 and 1")
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


def _fused(values: dict) -> list[tuple[str, dict]]:
    """(method, its metrics) of one reranked entry: the reranker's own order, then each fusion it holds."""
    out = [("none", values)]
    out += [(m, values[f]) for m, f in FUSION_KEYS.items() if isinstance(values.get(f), dict)]
    return out


def metrics_table(results: RerankResults) -> pd.DataFrame:
    """NDCG@10, MRR@10 and Recall@K per first stage and per first stage + reranker (+ fusion), one row per K.

    Recall@K of a reranked row is its first stage's: reranking and fusion re-order the K candidates
    and cannot add or drop one. ``Δ NDCG@10`` is the row's NDCG@10 minus the first stage's. ``fusion``
    says how the reranked list was ordered (:data:`FUSION_LABELS`); ``weight`` is the reranker weight
    of weighted fusion, chosen on SICK TRIAL (empty for other rows).
    """
    m = results.metrics
    rows = []
    for stage, fs in m["first_stage"].items():
        for k in m["ks"]:
            rows.append(
                {
                    "first stage": STAGE_LABELS.get(stage, stage),
                    "reranker": "— (first stage only)",
                    "fusion": "—",
                    "weight": np.nan,
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
                for method, got in _fused(values):
                    rows.append(
                        {
                            "first stage": STAGE_LABELS.get(stage, stage),
                            "reranker": _reranker_label(key),
                            "fusion": FUSION_LABELS[method],
                            "weight": got.get("weight", np.nan) if method == "weighted" else np.nan,
                            "K": int(k),
                            "NDCG@10": got["ndcg@10"],
                            "MRR@10": got.get("mrr@10", np.nan),
                            "Recall@K": fs.get(f"recall@{k}", np.nan),
                            "Δ NDCG@10": got["ndcg@10"] - fs.get("ndcg@10", np.nan),
                        }
                    )
    return pd.DataFrame(
        rows,
        columns=["first stage", "reranker", "fusion", "weight", "K", "NDCG@10", "MRR@10", "Recall@K", "Δ NDCG@10"],
    )


def fusion_summary(results: RerankResults) -> pd.DataFrame:
    """With and without fusion side by side: one row per reranker, first stage and K.

    Returns:
        ``reranker, first stage, K``, then NDCG@10 and MRR@10 of the first stage alone
        (``first``), reranked (``reranked``), weighted fusion (``weighted``, with its TRIAL-chosen
        ``w``) and RRF (``rrf``); NaN where a run wrote no fusion.
    """
    m = results.metrics
    rows = []
    for key, per_stage in m["reranked"].items():
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            fs = m["first_stage"].get(stage, {})
            for k, values in sorted(per_k.items(), key=lambda kv: int(kv[0])):
                row = {"reranker": key, "first stage": stage, "K": int(k)}
                weighted, rrf = values.get("weighted_fusion") or {}, values.get("rrf_fusion") or {}
                for metric in ("ndcg@10", "mrr@10"):
                    name = metric.upper()  # ndcg@10 -> NDCG@10
                    row[f"{name} first"] = fs.get(metric, np.nan)
                    row[f"{name} reranked"] = values.get(metric, np.nan)
                    row[f"{name} weighted"] = weighted.get(metric, np.nan)
                    row[f"{name} rrf"] = rrf.get(metric, np.nan)
                row["w"] = weighted.get("weight", np.nan)
                rows.append(row)
    columns = ["reranker", "first stage", "K"]
    columns += [f"{m} {v}" for m in ("NDCG@10", "MRR@10") for v in ("first", "reranked", "weighted", "rrf")]
    return pd.DataFrame(rows, columns=[*columns, "w"])


def fusion_note(results: RerankResults) -> str:
    """One sentence on how the fused rows were made (normalisation, weight grid and selection set, RRF k).

    Empty when the results hold no fusion (written before it existed).
    """
    setup = results.metrics.get("fusion")
    if not isinstance(setup, dict):
        return ""
    grid = setup.get("weight_grid") or []
    span = f"{min(grid):g} to {max(grid):g} in {len(grid)} steps" if grid else "a grid"
    return (
        "Weighted fusion: w · reranker + (1 − w) · first stage, each score normalised "
        f"{setup.get('normalisation', '')}; "
        f"w (the reranker's share, {span}) chosen by {setup.get('selection_metric', 'ndcg@10')} on "
        f"{setup.get('selection', 'SICK TRIAL queries')}. RRF: 1 / (k + rank) summed over the two orders, "
        f"k = {setup.get('rrf_k', 60)}, nothing tuned."
    )


def skipped_rerankers(results: RerankResults) -> dict[str, str]:
    """Rerankers the evaluation could not load, with why."""
    return {key: str(v["skipped"]) for key, v in results.metrics["reranked"].items() if "skipped" in v}


def quality_latency_points(results: RerankResults) -> pd.DataFrame:
    """One point per system and K for the quality-vs-latency plot: NDCG@10 and p50/p95 ms per query.

    Every latency is measured, never added up: :func:`run_rerank_eval` times each first stage
    with each reranker end to end per query (stage ``total_<first stage>``), and each first stage
    alone at the deepest K (rows with an empty reranker). A point whose timing is missing from
    latency.csv is left off the plot (it stays in the metrics table).

    A fused system (``fusion`` ``weighted`` or ``rrf``) is timed the same way with its fusion step
    (stages ``total_weighted_<s>`` and ``total_rrf_<s>``).

    Returns:
        ``system, first_stage, reranker, fusion, k, ndcg@10, p50_ms, p95_ms, latency`` ; first-stage-only
        systems have reranker and fusion "" and k = the deepest K; reranked ones fusion ``none``,
        ``weighted`` or ``rrf``; ``latency`` is always ``measured``.
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
                    "fusion": "",
                    "k": deepest,
                    "ndcg@10": fs["ndcg@10"],
                    "p50_ms": float(got[0]),
                    "p95_ms": float(got[1]),
                    "latency": "measured",
                }
            )
    suffix = {"none": "", "weighted": " + weighted fusion", "rrf": " + RRF fusion"}
    timed_as = {"none": "total_{}", "weighted": "total_weighted_{}", "rrf": "total_rrf_{}"}
    for key, per_stage in m["reranked"].items():
        if "skipped" in per_stage:
            continue
        for stage, per_k in per_stage.items():
            for k_text, values in sorted(per_k.items(), key=lambda kv: int(kv[0])):
                k = int(k_text)
                for method, measured in _fused(values):
                    total = timing(timed_as[method].format(stage), key, k)
                    if total is None:
                        continue  # no timing for this point: left off the plot, still in the table
                    points.append(
                        {
                            "system": f"{STAGE_LABELS.get(stage, stage)} + {_reranker_label(key)}{suffix[method]}",
                            "first_stage": stage,
                            "reranker": key,
                            "fusion": method,
                            "k": k,
                            "ndcg@10": measured["ndcg@10"],
                            "p50_ms": float(total[0]),
                            "p95_ms": float(total[1]),
                            "latency": "measured",
                        }
                    )
    return pd.DataFrame(
        points,
        columns=["system", "first_stage", "reranker", "fusion", "k", "ndcg@10", "p50_ms", "p95_ms", "latency"],
    )


def points_for(points: pd.DataFrame, fusion: Sequence[str]) -> pd.DataFrame:
    """The first stages alone plus the reranked systems whose ``fusion`` is one of ``fusion`` (:data:`FUSION_METHODS`).

    Raises:
        ValueError: an unknown method.
    """
    unknown = [f for f in fusion if f not in FUSION_METHODS]
    if unknown:
        raise ValueError(f"unknown fusion {unknown[0]!r}; choose from {', '.join(FUSION_METHODS)}")
    keep = (points["reranker"] == "") | points["fusion"].isin(list(fusion))
    return points[keep].reset_index(drop=True)
