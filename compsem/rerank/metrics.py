"""IR metrics of ranked lists, computed by ranx (NDCG@k, MRR@k, Recall@k...)."""

from __future__ import annotations

from collections.abc import Sequence


def evaluate_rankings(
    qrels: dict[str, dict[str, int]], rankings: dict[str, list[tuple[int, float]]], metrics: Sequence[str]
) -> dict[str, float]:
    """Mean metrics over queries with ranx (e.g. ``ndcg@10``, ``mrr@10``, ``recall@100``).

    Scores are replaced by descending rank-derived values so ranx sees exactly our order.
    """
    from ranx import Qrels, Run, evaluate

    run_dict = {}
    for qid, ranked in rankings.items():
        n = len(ranked)
        run_dict[qid] = {str(doc): float(n - i) for i, (doc, _) in enumerate(ranked)} or {"-1": 0.0}
    result = evaluate(Qrels(qrels), Run(run_dict), list(metrics), make_comparable=True)
    if isinstance(result, float):
        result = {metrics[0]: result}
    return {m: float(v) for m, v in result.items()}
