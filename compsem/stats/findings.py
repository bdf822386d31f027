"""Narrative findings: plain-English sentences read off the tables, every number computed.

One place for the dashboard's prose: :func:`findings` (the Overview page, over the tidy
results) and :func:`objective_findings` (the objectives page, over
:func:`compsem.analysis.objective_comparison.comparison_table`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from compsem.data.categories import ADVERSARIAL, category_label, sort_categories
from compsem.data.labels import labels_of
from compsem.stats._common import _category_info, _finite, _is_meaning_change, _kinds, _model_meta, _models, _prepare
from compsem.stats.sample_size import thin_categories, thin_sample_note
from compsem.stats.tables import _rates_table


def _plural(kind: str) -> str:
    return kind if kind.endswith("s") else kind + "s"


def _n_models(n: int, kind: str) -> str:
    return f"{n} {kind} model" + ("" if n == 1 else "s")


def findings(df: pd.DataFrame, threshold: float, min_pairs: int | None = None) -> list[str]:
    """A few plain-English sentences about the results at a threshold, every number computed.

    Up to five sentences, each only when the data support it:

    1. the adversarial category the lead family (bi-encoders if present, else the first
       family) fails most at the threshold, with its mean failure rate over the family's
       models and the family's mean score;
    2. whether cross-encoders lower that failure rate (both rates and mean scores);
    3. the adversarial category that stays hardest for cross-encoders;
    4. the positive-control pass rate of each family;
    5. any model whose mean score on adversarial pairs exceeds its mean on positive controls
       (a model that tracks topic rather than meaning, like the study's MS-MARCO cross-encoder).

    A category with fewer than :data:`compsem.stats.sample_size.MIN_PAIRS` pairs is left out, and a
    first sentence names it (:func:`compsem.stats.sample_size.thin_sample_note`).

    "Adversarial" here includes custom categories expected low. Family rates are means over
    the family's models of each model's rate, as in the study's 4.4; mean scores pool all
    pair x model scores. With one model or one family fewer sentences come back; when
    nothing applies, one sentence says so.

    Args:
        df: tidy results.
        threshold: finite threshold.
        min_pairs: fewest pairs a category needs to be in a sentence (1: every category; default:
            :func:`compsem.stats.sample_size.min_pairs_default`).

    Returns:
        List of sentences.

    Example:
        ``findings(df, 0.5)[0]`` -> "At threshold 0.5, bi-encoders fail most on Entity swap: ..."
    """
    data = _prepare(df)
    t = _finite(threshold, "threshold")
    names = labels_of(df)  # display names where the frame carries them (the dashboard); keys otherwise
    # categories with too few pairs say so and are left out of every sentence (compsem.stats.sample_size)
    thin = thin_categories(data, min_pairs)
    caveat = [thin_sample_note(thin, min_pairs)] if thin else []
    if thin:
        data = data[~data["category"].isin(thin)]
        if data.empty:
            return caveat
    info = _category_info(data)
    rates = _rates_table(data, {m: [t] for m in _models(data)})
    targets = [c for c in sort_categories(info) if _is_meaning_change(info[c])]
    kinds = _kinds(data)
    out: list[str] = []

    # Grouped once, looked up per sentence (a boolean filter per lookup made this the slowest
    # part of a dashboard re-render).
    fam_rates = {
        key: (float(g["rate"].mean()), int(g["model"].nunique()))
        for key, g in rates.groupby(["kind", "category"], sort=False)
    }
    fam_scores = data.groupby(["kind", "category"], sort=False)["score"].mean().to_dict()

    def family(kind: str, cat: str) -> tuple[float, float, int] | None:
        """(mean rate over models, pooled mean score, number of models), None without data."""
        if (kind, cat) not in fam_rates:
            return None
        rate, n_models = fam_rates[(kind, cat)]
        return rate, float(fam_scores[(kind, cat)]), n_models

    def hardest(kind: str) -> tuple[str, tuple[float, float, int]] | None:
        found = [(c, f) for c in targets if (f := family(kind, c)) is not None]
        return max(found, key=lambda cf: (cf[1][0], cf[1][1])) if found else None

    lead = kinds[0]
    lead_hard = hardest(lead)
    if lead_hard:
        cat, (rate, mean, n) = lead_hard
        out.append(
            f"At threshold {t:g}, {_plural(lead)} fail most on {category_label(cat)}: on average {rate:.0%} "
            f"of its pairs score at or above {t:g} across {_n_models(n, lead)} (mean score {mean:.3f})."
        )
    if lead == "bi-encoder" and "cross-encoder" in kinds:
        if lead_hard and (cross := family("cross-encoder", lead_hard[0])) is not None:
            cat, (b_rate, b_mean, _) = lead_hard
            c_rate, c_mean, c_n = cross
            if c_rate < b_rate:
                out.append(
                    f"Cross-encoders lower the {category_label(cat)} failure rate from {b_rate:.0%} to "
                    f"{c_rate:.0%} (mean score {b_mean:.3f} to {c_mean:.3f}, "
                    f"{_n_models(c_n, 'cross-encoder')})."
                )
            else:
                out.append(
                    f"Cross-encoders do not lower the {category_label(cat)} failure rate: {c_rate:.0%} against "
                    f"{b_rate:.0%} for bi-encoders (mean score {c_mean:.3f} against {b_mean:.3f})."
                )
        cross_hard = hardest("cross-encoder")
        if cross_hard:
            cat, (rate, mean, n) = cross_hard
            out.append(
                f"The hardest adversarial category for cross-encoders is {category_label(cat)}: on average "
                f"{rate:.0%} of its pairs score at or above {t:g} (mean score {mean:.3f})."
            )
    if "positive_control" in info:
        parts = [f"{f[0]:.0%} for {_plural(k)}" for k in kinds if (f := family(k, "positive_control")) is not None]
        out.append(
            f"Positive controls (true paraphrases) pass at {t:g} (share scoring at or above it, mean over "
            f"models): {', '.join(parts)}."
        )
    if "positive_control" in info and targets:
        meta = _model_meta(data)
        inverted = []
        # 0 adversarial, 1 positive control, 2 neither: small integers group faster than a million strings
        side = np.where(data["category"].isin(targets), 0, np.where(data["category"] == "positive_control", 1, 2))
        means = data.groupby([data["model"], side], sort=False)["score"].mean().to_dict()
        for model in _models(data):
            adv, pos = means.get((model, 0)), means.get((model, 1))
            if adv is not None and pos is not None and adv > pos:
                inverted.append((model, float(adv), float(pos)))
        if len(inverted) == 1:
            model, a, p = inverted[0]
            kind, objective = meta[model]
            out.append(
                f"{names.get(model, model)} ({kind}, {objective} objective) scores adversarial pairs higher on average "
                f"({a:.3f}) than its own positive controls ({p:.3f}): its score tracks topic, not meaning."
            )
        elif inverted:
            listed = "; ".join(f"{names.get(m, m)} {a:.3f} vs {p:.3f}" for m, a, p in inverted)
            out.append(
                f"{len(inverted)} models score adversarial pairs higher on average than their own positive "
                f"controls, so their scores track topic, not meaning ({listed})."
            )
    if not out:
        out.append(
            f"{data['model'].nunique()} model(s) scored {data['pair_id'].nunique()} pair(s); the results hold "
            "no adversarial categories or positive controls to summarise."
        )
    return caveat + out


def objective_findings(table: pd.DataFrame, labels: Mapping[str, str] | None, threshold: float) -> list[str]:
    """Two to four sentences read off :func:`~compsem.analysis.objective_comparison.comparison_table` (or none).

    1. Which objective rejects negation best (lowest mean), with its rate and the reference's.
    2. Which objective scores entity swaps highest (the one most fooled by swapped roles).
    3. Per objective, in how many adversarial categories it scores significantly below the
       reference (d < 0, Holm p < 0.05), and where one scores significantly above it (worse).
    4. The price: the lowest positive-control pass rate among the objectives, against the reference's.

    Sentences whose category is not in the table are skipped. ``labels`` (model key -> short name,
    e.g. :func:`compsem.analysis.objective_comparison.objective_labels`) overrides the table's ``model_label`` column;
    with neither, a model reads as its key.
    """
    if table.empty or not table["is_reference"].any():
        return []
    others = list(dict.fromkeys(table.loc[~table["is_reference"], "model"]))
    if not others:
        return []
    reference = table.loc[table["is_reference"], "model"].iloc[0]
    name = labels_of(table, labels).name
    t = f"{threshold:g}"
    out: list[str] = []

    def rows(cat: str) -> tuple[pd.DataFrame, pd.Series | None]:
        sub = table[table["category"] == cat]
        ref = sub[sub["is_reference"]]
        return sub[~sub["is_reference"]], (ref.iloc[0] if len(ref) else None)

    neg, neg_ref = rows("negation")
    if len(neg):
        best = neg.loc[neg["mean"].idxmin()]
        vs = f", against {neg_ref['rate']:.0%} for the {name(reference)}" if neg_ref is not None else ""
        out.append(
            f"{name(best['model'])} rejects negation best: mean score {best['mean']:.2f}, "
            f"{best['rate']:.0%} of negated pairs at or above {t}{vs}."
        )
    swap, swap_ref = rows("entity_swap")
    if len(swap):
        worst = swap.loc[swap["mean"].idxmax()]
        verb = "still scores entity swaps high" if worst["rate"] >= 0.5 else "scores entity swaps highest"
        vs = f" ({name(reference)}: {swap_ref['rate']:.0%})" if swap_ref is not None else ""
        sentence = (
            f"{name(worst['model'])} {verb}: mean {worst['mean']:.2f}, {worst['rate']:.0%} of "
            f"swapped-role pairs at or above {t}{vs}"
        )
        least = swap.loc[swap["rate"].idxmin()]
        if len(swap) > 1 and least["rate"] >= 0.5:  # not one objective rejects most swaps: worth saying
            sentence += (
                f"; no objective rejects swapped roles, even {name(least['model'])} keeps "
                f"{least['rate']:.0%} at or above {t}"
            )
        out.append(sentence + ".")
    adv = [c for c in ADVERSARIAL if c in set(table["category"])]
    if adv:
        sub = table[table["category"].isin(adv) & ~table["is_reference"]]
        lower = {m: int(((g["cohens_d"] < 0) & g["significant"]).sum()) for m, g in sub.groupby("model", sort=False)}
        ranked = sorted(others, key=lambda m: -lower.get(m, 0))
        parts = ", ".join(f"{name(m)} {lower.get(m, 0)}/{len(adv)}" for m in ranked)
        sentence = (
            f"Adversarial categories where an objective scores significantly lower than the "
            f"{name(reference)} (Cohen's d < 0, Holm-corrected p < 0.05): {parts}"
        )
        # the opposite direction matters too: an objective can make a category worse than its starting point
        higher = sub[(sub["cohens_d"] > 0) & sub["significant"]]
        if len(higher):
            worse = "; ".join(
                f"{name(m)} on {', '.join(category_label(c).lower() for c in g['category'])}"
                for m, g in higher.groupby("model", sort=False)
            )
            sentence += f"; significantly higher than the {name(reference)} (worse): {worse}"
        out.append(sentence + ".")
    pos, pos_ref = rows("positive_control")
    if len(pos):
        low = pos.loc[pos["rate"].idxmin()]
        ref_rate = f" ({name(reference)}: {pos_ref['rate']:.0%})" if pos_ref is not None else ""
        if pos_ref is not None and low["rate"] < pos_ref["rate"]:
            out.append(
                f"The price: {name(low['model'])} lets only {low['rate']:.0%} of true paraphrases "
                f"(positive controls) reach {t}{ref_rate}."
            )
        else:
            out.append(
                f"Paraphrases still pass: every objective scores at least {low['rate']:.0%} of the "
                f"positive controls at or above {t}{ref_rate}."
            )
    return out[:4]
