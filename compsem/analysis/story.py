"""The findings story: from "here is the problem" to "here is what fixes it", computed from the results.

:func:`story_findings` turns the tidy results into four to six :class:`Finding` objects, in
the order a presenter tells them:

1. the bi-encoder cannot tell an edit from a paraphrase;
2. mean pooling behaves like a bag of words (when the bag-of-embeddings baseline ran);
3. which cross-encoder (objective) lowers which failure rate;
4. the edit that stays hardest even for the best cross-encoder;
5. the price on true paraphrases;
6. why one fixed threshold misleads (calibrated thresholds per model).

Each finding (:class:`compsem.analysis.story_parts.Finding`) has one sentence whose every number
comes from :mod:`compsem.stats`, the data of one small chart, and one example pair from the results
chosen by a stated rule, with the
scores of the bi-encoder and of the best cross-encoder side by side. A finding whose data
are missing (no cross-encoder, no controls) is left out, and sentences say so when a
result is negative. The dashboard's Findings page and the HTML report both draw these.

"Best cross-encoder" = the cross-encoder with the lowest mean failure rate over the
adversarial categories at the threshold (ties: lower mean adversarial score;
:func:`compsem.analysis.story_parts.best_cross_encoder`).

Pure: no Streamlit, no I/O.

Example:
    >>> story_findings(results, 0.5)[0].title  # doctest: +SKIP
    'The bi-encoder cannot tell an edit from a paraphrase'
"""

from __future__ import annotations

import math

import pandas as pd

from compsem import stats
from compsem.analysis.story_parts import (
    BAG_BASELINE,
    Finding,
    _chart,
    _ci_rows,
    _example,
    _label,
    _lead_bi_encoder,
    _scores_by_pair,
    best_cross_encoder,
)
from compsem.data.categories import category_info, category_label, sort_categories
from compsem.data.labels import labels_of


# -- the story -----------------------------------------------------------------------------------
def story_findings(
    results: pd.DataFrame,
    threshold: float,
    n_resamples: int = 1000,
    *,
    described: pd.DataFrame | None = None,
    roc_auc: pd.DataFrame | None = None,
    calibrated: pd.DataFrame | None = None,
) -> list[Finding]:
    """The findings, in story order, computed from the tidy results at ``threshold``.

    Args:
        results: tidy results (``pair_id, category, sentence_a, sentence_b, model, kind, objective, score``);
            the ``model_label`` column (:mod:`compsem.data.labels`), where present, names the models.
        threshold: the 0-1 threshold for rates.
        n_resamples: bootstrap resamples of the CIs in the charts.
        described: :func:`compsem.stats.describe_with_ci` of ``results`` at ``threshold`` when already
            computed (the dashboard's :class:`compsem.analysis.AtThreshold` has it); else computed here.
        roc_auc: :func:`compsem.stats.roc_auc_by_category` of ``results`` when already computed.
        calibrated: :func:`compsem.stats.calibrated_thresholds` of ``results`` when already computed
            (an empty table where they cannot be calibrated).

    Returns:
        Up to six findings; an empty list when the results have no adversarial category. Categories with
        fewer than :data:`compsem.stats.MIN_PAIRS` pairs are left out (see :func:`compsem.stats.thin_sample_note`).

    Raises:
        ValueError: results that :mod:`compsem.stats` refuses (empty, missing columns...).
    """
    labels = labels_of(results)
    t = float(threshold)
    # a category with too few pairs tells no story: it is left out (the caller shows stats.thin_sample_note)
    thin = stats.thin_categories(results)
    if thin:
        results = results[~results["category"].isin(thin)]
        if results.empty:
            return []
        described = None if described is None else described[~described["category"].isin(thin)]
        roc_auc = None if roc_auc is None else roc_auc[~roc_auc["category"].isin(thin)]
    desc = described if described is not None else stats.describe_with_ci(results, t, n_resamples=n_resamples)
    kinds = dict(zip(desc["model"], desc["kind"]))
    cats = sort_categories(desc["category"].unique())
    adv = [c for c in cats if category_info(c).role == "adversarial"]
    if not adv:
        return []
    cell = desc.set_index(["model", "category"])
    bi = _lead_bi_encoder(kinds)
    best = best_cross_encoder(results, t)
    lead = bi or next(iter(kinds))
    shown = [m for m in (lead, best) if m]
    out: list[Finding] = []
    lead_scores = _scores_by_pair(results, lead)
    best_scores = _scores_by_pair(results, best) if best else None
    gap = (lead_scores - best_scores) if best_scores is not None else lead_scores

    # 1. the problem: edits score like (or above) paraphrases
    if (lead, "positive_control") in cell.index:
        pos = float(cell.at[(lead, "positive_control"), "mean"])
        higher = [c for c in adv if (lead, c) in cell.index and cell.at[(lead, c), "mean"] > pos]
        # ROC-AUC is per model, so the lead's rows of the whole table are its own table
        auc_table = roc_auc if roc_auc is not None else stats.roc_auc_by_category(results[results["model"] == lead])
        auc = auc_table[auc_table["model"] == lead].set_index("category")["auc"]
        worst = min((c for c in adv if c in auc.index), key=lambda c: float(auc[c]))
        name = _label(labels, lead)
        if higher:
            listed = ", ".join(f"{category_label(c).lower()} {cell.at[(lead, c), 'mean']:.3f}" for c in higher)
            sentence = (
                f"{name} scores {len(higher)} of {len(adv)} kinds of meaning-changing edit higher on average "
                f"than true paraphrases ({pos:.3f}): {listed}. Its ROC-AUC of paraphrases against "
                f"{category_label(worst).lower()} is {auc[worst]:.2f} (0.5 = chance, 1 = perfect)."
            )
        else:
            sentence = (
                f"{name} scores every kind of edit below true paraphrases on average ({pos:.3f}); its "
                f"weakest separation, paraphrases against {category_label(worst).lower()}, has ROC-AUC "
                f"{auc[worst]:.2f} (0.5 = chance, 1 = perfect)."
            )
        title = (
            "The bi-encoder cannot tell an edit from a paraphrase"
            if higher or auc[worst] < 0.7
            else "The bi-encoder separates edits from paraphrases"
        )
        rule = (
            "the edited pair the bi-encoder scores highest above the best cross-encoder"
            if best
            else "the edited pair the bi-encoder scores highest"
        )
        out.append(
            Finding(
                "edit_vs_paraphrase",
                title,
                sentence,
                _chart(_ci_rows(desc, [lead], adv + ["positive_control"], labels, "mean")),
                "mean",
                f"{name}: mean score per category, with 95% CI (last bar: true paraphrases)",
                _example(results, adv, gap, rule, shown, labels),
            )
        )

    # 2. why: mean pooling behaves like a bag of words
    if bi and BAG_BASELINE in kinds:
        bag_rate = float(desc[(desc["model"] == BAG_BASELINE) & desc["category"].isin(adv)]["rate"].mean())
        bi_rate = float(desc[(desc["model"] == bi) & desc["category"].isin(adv)]["rate"].mean())
        swap = (
            (
                f", and scores entity swaps {cell.at[(BAG_BASELINE, 'entity_swap'), 'mean']:.3f} on average (the "
                "same words in another order)"
            )
            if (BAG_BASELINE, "entity_swap") in cell.index
            else ""
        )
        sentence = (
            f"Averaging MiniLM's input word embeddings, with no transformer layer at all, fails {bag_rate:.0%} "
            f"of edits at {t:g} (mean over edit kinds), against {bi_rate:.0%} for {_label(labels, bi)}"
            f"{swap}."
        )
        title = (
            "Mean pooling behaves like a bag of words"
            if bag_rate >= bi_rate - 0.1
            else "The transformer layers add something over a bag of words"
        )
        swap_cats = ["entity_swap"] if "entity_swap" in adv else adv
        bag_scores = _scores_by_pair(results, BAG_BASELINE)
        shown_bag = [bi, BAG_BASELINE] + ([best] if best else [])
        out.append(
            Finding(
                "bag_of_words",
                title,
                sentence,
                _chart(_ci_rows(desc, [bi, BAG_BASELINE], adv, labels, "mean")),
                "mean",
                "Mean score per edit kind, with 95% CI: bi-encoder vs bag of embeddings",
                _example(
                    results,
                    swap_cats,
                    bag_scores + lead_scores / 1000,
                    "the pair the bag of embeddings scores highest (ties: the bi-encoder's score)",
                    shown_bag,
                    labels,
                ),
                t,
            )
        )

    if best is not None:  # what cross-encoders fix, what they do not, and at what price
        assert best_scores is not None  # computed above whenever there is a best cross-encoder
        best_name = _label(labels, best)
        best_obj = str(results.loc[results["model"] == best, "objective"].iloc[0])
        ces = [m for m, k in kinds.items() if k == "cross-encoder"]

        # 3. the fix: which cross-encoder lowers which failure rate
        lowest_by_cat: dict[str, list[str]] = {}
        for c in adv:
            rates = {m: float(cell.at[(m, c), "rate"]) for m in ces if (m, c) in cell.index}
            if not rates:
                continue
            m_best = min(rates, key=lambda m: (rates[m], float(cell.at[(m, c), "mean"])))
            ref = f" (bi-encoder {cell.at[(lead, c), 'rate']:.0%})" if bi and (lead, c) in cell.index else ""
            lowest_by_cat.setdefault(m_best, []).append(f"{category_label(c).lower()} {rates[m_best]:.0%}{ref}")
        parts = [f"{_label(labels, m)} on {', '.join(items)}" for m, items in lowest_by_cat.items()]
        others = [m for m in ces if m != best]
        other_txt = ""
        if others:
            means = [float(desc[(desc["model"] == m) & desc["category"].isin(adv)]["rate"].mean()) for m in others]
            spread = (
                f"{min(means):.0%}"
                if f"{min(means):.0%}" == f"{max(means):.0%}"
                else f"{min(means):.0%}-{max(means):.0%}"
            )
            best_mean = float(desc[(desc["model"] == best) & desc["category"].isin(adv)]["rate"].mean())
            verdict = (
                ": cross-attention alone is not enough, the objective decides" if min(means) - best_mean >= 0.2 else ""
            )
            other_txt = (
                f" The other {len(others)} cross-encoder(s) fail {spread} of edits on average, against "
                f"{best_mean:.0%} for {best_name}{verdict}."
            )
        sentence = (
            f"Lowest failure rate at {t:g} per kind of edit: "
            + "; ".join(parts)
            + f". Best overall: {best_name} ({best_obj} objective)."
            + other_txt
        )
        improve = {
            c: float(cell.at[(lead, c), "rate"] - cell.at[(best, c), "rate"])
            for c in adv
            if (lead, c) in cell.index and (best, c) in cell.index
        }
        fixed_cat = max(improve, key=lambda c: improve[c]) if improve else adv[0]
        out.append(
            Finding(
                "objective",
                "Which objective fixes which failure",
                sentence,
                _chart(_ci_rows(desc, ([bi] if bi else []) + ces, adv, labels, "rate")),
                "rate",
                f"Failure rate at {t:g} per edit kind, with 95% CI",
                _example(
                    results,
                    [fixed_cat],
                    gap,
                    f"the {category_label(fixed_cat).lower()} pair "
                    f"(the edit {best_name} improves most) "
                    "with the largest gap between the two models",
                    shown,
                    labels,
                ),
                t,
            )
        )

        # 4. what stays hard
        hard = max(
            adv,
            key=lambda c: (
                (float(cell.at[(best, c), "rate"]), float(cell.at[(best, c), "mean"]))
                if (best, c) in cell.index
                else (-1.0, -1.0)
            ),
        )
        h_rate, h_mean = float(cell.at[(best, hard), "rate"]), float(cell.at[(best, hard), "mean"])
        lowest = min(ces, key=lambda m: float(cell.at[(m, hard), "rate"]) if (m, hard) in cell.index else 2.0)
        low_rate = float(cell.at[(lowest, hard), "rate"])
        if low_rate >= 0.5:
            others_txt = (
                "no other cross-encoder does better"
                if lowest == best
                else f"the lowest rate of any cross-encoder is {low_rate:.0%} ({_label(labels, lowest)})"
            )
            sentence = (
                f"No cross-encoder handles {category_label(hard).lower()}: "
                f"even {best_name} keeps {h_rate:.0%} of "
                f"these pairs at or above {t:g} (mean {h_mean:.3f}); {others_txt}."
            )
            title = f"No objective handles {category_label(hard).lower()}"
        else:
            sentence = (
                f"{category_label(hard)} stays hardest for {best_name}: "
                f"{h_rate:.0%} of these pairs at or above "
                f"{t:g} (mean {h_mean:.3f}); {_label(labels, lowest)} gets it down to {low_rate:.0%}."
            )
            title = f"{category_label(hard)} stays hardest"
        out.append(
            Finding(
                "hardest",
                title,
                sentence,
                _chart(_ci_rows(desc, list(kinds), [hard], labels, "rate")),
                "rate",
                f"{category_label(hard)}: failure rate at {t:g} per model, with 95% CI",
                _example(
                    results,
                    [hard],
                    best_scores,
                    f"the {category_label(hard).lower()} pair {best_name} scores highest",
                    shown,
                    labels,
                ),
                t,
            )
        )

        # 5. the price on paraphrases
        if (best, "positive_control") in cell.index:
            p_best = float(cell.at[(best, "positive_control"), "rate"])
            p_ref = (
                float(cell.at[(lead, "positive_control"), "rate"]) if (lead, "positive_control") in cell.index else None
            )
            ref_txt = f", against {p_ref:.0%} for {_label(labels, lead)}" if p_ref is not None else ""
            if p_ref is not None and p_best < p_ref:
                sentence = (
                    f"The price: {best_name} lets only {p_best:.0%} of true paraphrases "
                    f"reach {t:g}{ref_txt}: it rejects edits partly by rejecting rewordings too."
                )
                title = "The price: paraphrases are rejected too"
            else:
                sentence = f"No price on paraphrases: {best_name} passes {p_best:.0%} of them at {t:g}{ref_txt}."
                title = "Paraphrases still pass"
            out.append(
                Finding(
                    "price",
                    title,
                    sentence,
                    _chart(_ci_rows(desc, list(kinds), ["positive_control"], labels, "rate")),
                    "rate",
                    f"True paraphrases: pass rate at {t:g} per model, with 95% CI",
                    _example(
                        results,
                        ["positive_control"],
                        -best_scores,
                        f"the paraphrase {best_name} scores lowest",
                        shown,
                        labels,
                    ),
                    t,
                )
            )

    # 6. one threshold misleads
    try:
        cal = (calibrated if calibrated is not None else stats.calibrated_thresholds(results)).dropna(
            subset=["threshold"]
        )
    except ValueError:
        cal = pd.DataFrame()
    if len(cal) >= 2:
        lo, hi = cal.loc[cal["threshold"].idxmin()], cal.loc[cal["threshold"].idxmax()]
        sentence = (
            f"One threshold does not fit all: the threshold that best separates each model's paraphrases from "
            f"its unrelated and near-miss pairs (max Youden J) ranges from {lo['threshold']:.3f} "
            f"({_label(labels, lo['model'])}) to {hi['threshold']:.3f} ({_label(labels, hi['model'])})."
        )
        rows = [
            {
                "model": m,
                "label": _label(labels, m),
                "category": "",
                "x": _label(labels, m),
                "value": float(v),
                "low": math.nan,
                "high": math.nan,
            }
            for m, v in zip(cal["model"], cal["threshold"])
        ]
        judge = best or lead  # without a cross-encoder, the bi-encoder's verdict
        judge_scores = best_scores if best_scores is not None else lead_scores
        t_best = dict(zip(cal["model"], cal["threshold"])).get(judge, math.nan)
        flip = None
        if not math.isnan(t_best):
            lo_t, hi_t = sorted((t_best, t))
            inside = judge_scores[(judge_scores >= lo_t) & (judge_scores < hi_t)]
            cats_flip = ["positive_control"] if t_best < t else adv
            flip = _example(
                results,
                cats_flip,
                inside,
                f"a pair whose verdict from {_label(labels, judge)} changes "
                "between "
                f"{t:g} and its calibrated threshold {t_best:.3f}",
                shown,
                labels,
            )
        out.append(
            Finding(
                "threshold",
                "One threshold misleads",
                sentence,
                _chart(rows),
                "threshold",
                f"Calibrated threshold per model (dashed: {t:g})",
                flip,
                t,
            )
        )
    return out[:6]


FIRST_STAGE_ONLY = "— (first stage only)"


def _system(row: pd.Series) -> str:
    """A reranked row's name: the reranker, plus its score fusion when the list was fused (``fusion`` column)."""
    fusion = str(row.get("fusion", "none") or "none")
    return str(row["reranker"]) if fusion.startswith("none") or fusion == "—" else f"{row['reranker']} + {fusion}"


def rerank_finding(metrics: pd.DataFrame, dataset: str = "") -> Finding | None:
    """The reranking lab's result as a finding: does a cross-encoder over a first stage beat the best first stage?

    Args:
        metrics: :func:`compsem.rerank.metrics_table` (``first stage, reranker, K, NDCG@10, ...``; a
            ``fusion`` column, when there, names the score fusion of a fused row).
        dataset: how the evaluation set was built, for the sentence.

    Returns:
        None when there is no reranked run to compare.
    """
    if metrics is None or metrics.empty:
        return None
    alone = metrics[metrics["reranker"] == FIRST_STAGE_ONLY].drop_duplicates("first stage")
    reranked = metrics[metrics["reranker"] != FIRST_STAGE_ONLY]
    if alone.empty or reranked.empty:
        return None
    top_stage = alone.loc[alone["NDCG@10"].idxmax()]
    top_run = reranked.loc[reranked["NDCG@10"].idxmax()]
    lift = reranked.loc[reranked["Δ NDCG@10"].idxmax()]
    diff = float(top_run["NDCG@10"] - top_stage["NDCG@10"])
    where = ""
    run_txt = f"{_system(top_run)} over {top_run['first stage']}'s top {int(top_run['K'])}"
    if diff > 0:
        fused = _system(top_run) != str(top_run["reranker"])
        title = f"Reranking{' fused with the first stage' if fused else ''} beats the best first stage"
        sentence = (
            f"In the reranking lab{where}, {run_txt} reaches NDCG@10 {top_run['NDCG@10']:.3f}, "
            f"{diff:+.3f} over the best first stage alone ({top_stage['first stage']}, "
            f"{top_stage['NDCG@10']:.3f})."
        )
    else:
        title = "Reranking does not beat the best first stage"
        sentence = (
            f"In the reranking lab{where}, the best first stage alone ({top_stage['first stage']}) reaches "
            f"NDCG@10 {top_stage['NDCG@10']:.3f} and the best reranked run ({run_txt}) "
            f"{top_run['NDCG@10']:.3f} "
            f"({diff:+.3f}): a negative result. Reranking does lift {lift['first stage']} by "
            f"{lift['Δ NDCG@10']:+.3f} ({_system(lift)}, K = {int(lift['K'])})."
        )
    rows = []
    for stage in alone["first stage"]:
        base = alone[alone["first stage"] == stage].iloc[0]
        rows.append(
            {  # "model" names what the bar's colour is: the first stage alone, or the reranker (its model colour)
                "model": str(stage),
                "label": f"{stage} alone",
                "category": "",
                "x": f"{stage} alone",
                "value": float(base["NDCG@10"]),
                "low": math.nan,
                "high": math.nan,
            }
        )
        mine = reranked[reranked["first stage"] == stage]
        if len(mine):
            best = mine.loc[mine["NDCG@10"].idxmax()]
            label = f"{stage} + {_system(best)}, K={int(best['K'])}"
            rows.append(
                {
                    "model": str(best["reranker"]),
                    "label": label,
                    "category": "",
                    "x": label,
                    "value": float(best["NDCG@10"]),
                    "low": math.nan,
                    "high": math.nan,
                }
            )
    return Finding(
        "rerank",
        title,
        sentence,
        _chart(rows),
        "ndcg",
        "NDCG@10: each first stage alone and with its best reranker",
        None,
        None,
        (
            "From the saved `compsem rerank-eval` results, not from the pairs in view"
            + (f": {dataset}." if dataset else "."),
        ),
    )


__all__ = [
    "rerank_finding",
    "story_findings",
]
