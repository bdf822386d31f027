"""compsem.rerank.results: saved evaluation results read back, checked, turned into tables and plot points.

Also home of :func:`write_rerank_results`, the hand-made results folder other tests use."""

from __future__ import annotations

import pytest

RERANKER = "compsem/minilm-l6-stsb"


def write_rerank_results(folder, ks=(10, 20), fusion: bool = False) -> None:
    """A small metrics.json + latency.csv laid out exactly as run_rerank_eval writes them (numbers made up).

    ``fusion=False`` writes the layout from before score fusion existed (still read); ``True`` adds the
    fused entries and their timings: weighted fusion = reranked + 0.05 at w = 0.3, RRF = reranked + 0.02.
    """
    import json

    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    first = {"bm25": (0.40, 0.35), "dense": (0.60, 0.55), "hybrid": (0.62, 0.57)}
    metrics = {
        "dataset": "tiny hand-made evaluation",
        "n_queries": 3,
        "corpus_size": 96,
        "ks": list(ks),
        "first_stage": {
            s: {"ndcg@10": n, "mrr@10": m, **{f"recall@{k}": min(1.0, 0.5 + k / 100) for k in ks}}
            for s, (n, m) in first.items()
        },
        "reranked": {
            RERANKER: {
                s: {str(k): {"ndcg@10": n + 0.1 + k / 1000, "mrr@10": m + 0.1} for k in ks}
                for s, (n, m) in first.items()
            },
            "cross-encoder/quora-roberta-large": {
                "skipped": "cross-encoder/quora-roberta-large cannot score new text here: offline"
            },
        },
        "latency_setup": {"queries_timed": 2, "repeats": 1, "threads": 2, "note": "one query at a time"},
    }
    if fusion:
        metrics["fusion"] = {
            "normalisation": "min-max per query over the K candidates",
            "weight_grid": [0.0, 0.5, 1.0],
            "selection_metric": "ndcg@10",
            "selection": "SICK TRIAL entailment pairs as queries: 3 queries",
            "selection_queries": 3,
            "rrf_k": 60,
        }
        for per_k in metrics["reranked"][RERANKER].values():
            for values in per_k.values():
                values["weighted_fusion"] = {
                    "ndcg@10": values["ndcg@10"] + 0.05,
                    "mrr@10": values["mrr@10"] + 0.05,
                    "weight": 0.3,
                    "trial_ndcg@10": 0.7,
                    "trial_ndcg@10_by_weight": [0.6, 0.7, 0.65],
                }
                values["rrf_fusion"] = {"ndcg@10": values["ndcg@10"] + 0.02, "mrr@10": values["mrr@10"] + 0.02}
    rows = []
    for k in ks:
        for i, stage in enumerate(("bm25", "dense", "hybrid")):
            rows += [
                {
                    "reranker": RERANKER,
                    "k": k,
                    "stage": f"first_stage_{stage}",
                    "n": 2,
                    "p50_ms": 2.0 + i,
                    "p95_ms": 3.0 + i,
                },
                {
                    "reranker": RERANKER,
                    "k": k,
                    "stage": f"rerank_{stage}",
                    "n": 2,
                    "p50_ms": 10.0 * k,
                    "p95_ms": 12.0 * k,
                },
                {
                    "reranker": RERANKER,
                    "k": k,
                    "stage": f"total_{stage}",
                    "n": 2,
                    "p50_ms": 10.0 * k + 2.5 + i,
                    "p95_ms": 12.0 * k + 3.5 + i,
                },
            ]
            if fusion:  # the fusion step adds 0.1 ms (weighted) and 0.2 ms (RRF) to the same query's total
                rows += [
                    {
                        "reranker": RERANKER,
                        "k": k,
                        "stage": f"total_{method}_{stage}",
                        "n": 2,
                        "p50_ms": 10.0 * k + 2.5 + i + extra,
                        "p95_ms": 12.0 * k + 3.5 + i + extra,
                    }
                    for method, extra in (("weighted", 0.1), ("rrf", 0.2))
                ]
    for i, stage in enumerate(("bm25", "dense", "hybrid")):  # each first stage alone, at the deepest K
        rows.append(
            {
                "reranker": "",
                "k": max(ks),
                "stage": f"first_stage_{stage}",
                "n": 2,
                "p50_ms": 30.0 + i,
                "p95_ms": 40.0 + i,
            }
        )
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (folder / "latency.csv").write_text(pd.DataFrame(rows).to_csv(index=False))


def test_load_rerank_results_tables_and_points(tmp_path):
    from compsem import rerank

    write_rerank_results(tmp_path)
    res = rerank.load_rerank_results(tmp_path)
    assert res.metrics["ks"] == [10, 20] and list(res.latency.columns) == list(rerank.LATENCY_COLUMNS)
    alone = res.latency[res.latency["reranker"] == ""]  # an empty reranker cell reads back as "", not NaN
    assert set(alone["stage"]) == {"first_stage_bm25", "first_stage_dense", "first_stage_hybrid"}
    assert rerank.skipped_rerankers(res) == {
        "cross-encoder/quora-roberta-large": "cross-encoder/quora-roberta-large cannot score new text here: offline"
    }

    table = rerank.metrics_table(res)
    assert len(table) == 3 * 2 + 3 * 2  # (first stage alone + with the reranker) x 2 K
    row = table[(table["first stage"] == "BM25") & (table["K"] == 20) & (table["reranker"] != "— (first stage only)")]
    assert row["NDCG@10"].item() == pytest.approx(0.52)
    assert row["Δ NDCG@10"].item() == pytest.approx(0.12)
    assert row["Recall@K"].item() == pytest.approx(0.7)  # the first stage's recall@20: reranking keeps the set

    points = rerank.quality_latency_points(res)
    # 3 first stages alone + 3 pipelines x 2 K
    assert points["system"].nunique() == 6 and len(points) == 3 + 3 * 2
    at = points.set_index(["first_stage", "reranker", "k"])
    assert at.loc[("bm25", RERANKER, 10), "p50_ms"] == pytest.approx(102.5)  # the measured total, not a sum
    assert at.loc[("dense", RERANKER, 10), "p50_ms"] == pytest.approx(103.5)
    assert at.loc[("hybrid", RERANKER, 20), "p95_ms"] == pytest.approx(240 + 3.5 + 2)
    assert (points["latency"] == "measured").all()
    assert at.loc[("dense", "", 20), "p50_ms"] == pytest.approx(31.0)

    # A point without its own timing is left off the plot, never pieced together from other rows.
    import dataclasses

    partial = dataclasses.replace(
        res, latency=res.latency[~((res.latency["stage"] == "total_dense") & (res.latency["k"] == 20))]
    )
    fewer = rerank.quality_latency_points(partial).set_index(["first_stage", "reranker", "k"])
    assert ("dense", RERANKER, 20) not in fewer.index and ("dense", RERANKER, 10) in fewer.index


def test_fused_results_become_rows_points_a_summary_and_a_note(tmp_path):
    from compsem import rerank

    write_rerank_results(tmp_path, fusion=True)
    res = rerank.load_rerank_results(tmp_path)

    table = rerank.metrics_table(res)
    assert len(table) == 3 * 2 + 3 * 2 * 3  # first stages alone + (reranked, weighted, RRF) per stage and K
    mine = table[(table["first stage"] == "BM25") & (table["K"] == 20)].set_index("fusion")
    assert mine.loc[rerank.FUSION_LABELS["none"], "NDCG@10"] == pytest.approx(0.52)
    assert mine.loc[rerank.FUSION_LABELS["weighted"], "NDCG@10"] == pytest.approx(0.57)
    assert mine.loc[rerank.FUSION_LABELS["weighted"], "Δ NDCG@10"] == pytest.approx(0.17)
    assert mine.loc[rerank.FUSION_LABELS["weighted"], "weight"] == pytest.approx(0.3)
    assert mine.loc[rerank.FUSION_LABELS["rrf"], "MRR@10"] == pytest.approx(0.35 + 0.1 + 0.02)
    assert table.loc[table["fusion"] != rerank.FUSION_LABELS["weighted"], "weight"].isna().all()
    assert list(mine["Recall@K"]) == pytest.approx([0.7] * 4)  # fusion re-orders the same K candidates

    points = rerank.quality_latency_points(res).set_index(["first_stage", "reranker", "fusion", "k"])
    assert len(points) == 3 + 3 * 2 * 3
    assert points.loc[("bm25", RERANKER, "weighted", 10), "p50_ms"] == pytest.approx(102.6)  # its own timing
    assert points.loc[("bm25", RERANKER, "rrf", 10), "ndcg@10"] == pytest.approx(0.53)
    assert points.loc[("bm25", RERANKER, "rrf", 10), "system"].endswith("+ RRF fusion")
    only_rrf = rerank.points_for(rerank.quality_latency_points(res), ["rrf"])
    assert set(only_rrf["fusion"]) == {"", "rrf"} and len(only_rrf) == 3 + 3 * 2  # first stages stay
    with pytest.raises(ValueError, match="unknown fusion 'mean'"):
        rerank.points_for(points.reset_index(), ["mean"])

    summary = rerank.fusion_summary(res)
    assert len(summary) == 3 * 2
    row = summary[(summary["first stage"] == "dense") & (summary["K"] == 10)].iloc[0]
    assert row["NDCG@10 first"] == pytest.approx(0.60) and row["NDCG@10 reranked"] == pytest.approx(0.71)
    assert row["NDCG@10 weighted"] == pytest.approx(0.76) and row["NDCG@10 rrf"] == pytest.approx(0.73)
    assert row["MRR@10 weighted"] == pytest.approx(0.70) and row["w"] == pytest.approx(0.3)

    note = rerank.fusion_note(res)
    assert "min-max per query" in note and "0 to 1 in 3 steps" in note and "k = 60" in note and "TRIAL" in note


def test_results_from_before_fusion_still_read_without_fused_rows(tmp_path):
    from compsem import rerank

    write_rerank_results(tmp_path)
    res = rerank.load_rerank_results(tmp_path)
    assert set(rerank.metrics_table(res)["fusion"]) == {"—", rerank.FUSION_LABELS["none"]}
    assert rerank.fusion_summary(res)["NDCG@10 weighted"].isna().all()
    assert rerank.fusion_note(res) == ""


def _fused_entry(folder):
    import json

    metrics = json.loads((folder / "metrics.json").read_text())
    return metrics, metrics["reranked"][RERANKER]["bm25"]["10"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda e: e["weighted_fusion"].update(weight=1.5), "weighted_fusion: 'weight' must be a number between 0"),
        (lambda e: e["weighted_fusion"].pop("weight"), "weighted_fusion: 'weight' must be"),
        (lambda e: e["rrf_fusion"].update({"ndcg@10": "high"}), "rrf_fusion: lacks numeric ndcg@10"),
        (lambda e: e.update(rrf_fusion=[0.5]), "rrf_fusion: lacks numeric"),
    ],
)
def test_broken_fusion_entries_give_a_clear_error(tmp_path, damage, message):
    import json

    from compsem import rerank

    write_rerank_results(tmp_path, fusion=True)
    metrics, entry = _fused_entry(tmp_path)
    damage(entry)
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    with pytest.raises(rerank.RerankResultsError, match=message):
        rerank.load_rerank_results(tmp_path)


def test_missing_rerank_results_say_how_to_make_them(tmp_path):
    from compsem import rerank

    with pytest.raises(rerank.RerankResultsMissing, match="compsem rerank-eval --out results/rerank"):
        rerank.load_rerank_results(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda f: (f / "metrics.json").write_text('{"ks": [10],\n "first_stage": '),
            r"metrics.json, line 2: not valid JSON",
        ),
        (lambda f: (f / "metrics.json").write_text('{"ks": [10], "reranked": {}}'), "missing 'first_stage'"),
        (lambda f: (f / "metrics.json").write_text('{"ks": [], "first_stage": {}, "reranked": {}}'), "'ks' must be"),
        (lambda f: (f / "metrics.json").write_bytes(b"\xff\xfe{"), "not UTF-8"),
        (lambda f: (f / "latency.csv").unlink(), "latency.csv: not found"),
        (lambda f: (f / "latency.csv").write_text("reranker,k,stage\nx,10,rerank\n"), "missing column.*p50_ms"),
        (
            lambda f: (f / "latency.csv").write_text(
                "reranker,k,stage,n,p50_ms,p95_ms\nx,10,rerank,2,1.0,2.0\nx,20,rerank,2,fast,2.0\n"
            ),
            r"latency.csv, line 3: p50_ms is 'fast', not a number",
        ),
    ],
)
def test_broken_rerank_results_give_a_clear_error(tmp_path, damage, message):
    from compsem import rerank

    write_rerank_results(tmp_path)
    damage(tmp_path)
    with pytest.raises(rerank.RerankResultsError, match=message) as info:
        rerank.load_rerank_results(tmp_path)
    assert not isinstance(info.value, rerank.RerankResultsMissing)
