"""The run's summary (JSON-ready dicts) and its Markdown report, built from the tidy results.

Pure: takes the tidy DataFrame, returns dicts and strings; :mod:`compsem.export` writes them.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from compsem import stats
from compsem.formatting import format_pvalue
from compsem.categories import ADVERSARIAL, category_info, category_label, sort_categories
from compsem.registry import get_spec


def _clean(value):
    """JSON-safe scalars: NaN and infinities become None, numpy types become Python types.

    Floats keep 6 *significant* digits, not 6 decimals: a p-value of 3e-12 must not become 0.
    """
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(f"{float(value):.6g}")
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def versions() -> dict[str, str]:
    """Versions of what produced the numbers (a report without them cannot be reproduced).

    Read from the installed distributions' metadata, not by importing them: importing torch
    just to print its version would cost a warm run (nothing to score) most of its time.
    """
    from importlib.metadata import PackageNotFoundError, version

    from compsem import __version__

    out = {"python": platform.python_version(), "compsem": __version__}
    for name in ("torch", "sentence-transformers", "transformers", "onnxruntime", "numpy", "scipy", "pandas"):
        try:
            out[name.replace("-", "_")] = version(name)
        except PackageNotFoundError:
            out[name.replace("-", "_")] = "not installed"
    return out


def model_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per model in the results: kind, objective, normalization."""
    rows = []
    for key in dict.fromkeys(results["model"]):
        try:
            spec = get_spec(key)
            rows.append({"model": key, "label": spec.display, "kind": spec.kind, "objective": spec.objective,
                         "normalization": spec.normalization})
        except KeyError:
            sub = results[results["model"] == key].iloc[0]
            rows.append({"model": key, "label": key, "kind": sub["kind"], "objective": sub["objective"],
                         "normalization": "?"})
    return pd.DataFrame(rows)


@dataclass
class RunTables:
    """Every statistics table a run's summary, comparison and report share, each computed once.

    ``summary.json``, ``comparison.json`` and ``report.md`` show the same tables in three
    forms; computing them once (:func:`compute_tables`) and handing them to all three keeps a
    warm run, where nothing is scored, from spending its time recomputing statistics.
    Tables are computed on first use, so a caller asking for one file pays only for its tables.
    """

    results: pd.DataFrame
    thresholds: tuple[float, ...]
    _done: dict = field(default_factory=dict, repr=False)

    def _get(self, name: str, make):
        if name not in self._done:
            self._done[name] = make()
        return self._done[name]

    @property
    def desc(self) -> pd.DataFrame:
        return self._get("desc", lambda: stats.describe_scores(self.results))

    @property
    def rates(self) -> pd.DataFrame:
        return self._get("rates", lambda: stats.failure_rates(self.results, list(self.thresholds)))

    @property
    def with_ci(self) -> dict[float, pd.DataFrame]:
        # Bootstrap 95% CIs: the mean's once, the rate's at every threshold (same seed per cell).
        return self._get("with_ci", lambda: {
            float(t): stats.describe_with_ci(self.results, float(t)).set_index(["model", "category"])
            for t in self.thresholds})

    @property
    def comparison(self) -> dict:
        return self._get("comparison", lambda: _comparison(self.results))

    @property
    def roc_auc(self) -> pd.DataFrame:
        return self._get("roc_auc", lambda: stats.roc_auc_by_category(self.results))

    @property
    def calibrated(self) -> pd.DataFrame:
        return self._get("calibrated", lambda: stats.calibrated_thresholds(self.results))

    @property
    def family_rates(self) -> pd.DataFrame:
        return self._get("family_rates", lambda: stats.family_failure_rates(self.results, list(self.thresholds)))


def compute_tables(results: pd.DataFrame, thresholds: Sequence[float]) -> RunTables:
    """The shared tables of one run (computed lazily, each at most once)."""
    return RunTables(results, tuple(float(t) for t in thresholds))


def _tables(results: pd.DataFrame, thresholds: Sequence[float], tables: RunTables | None) -> RunTables:
    if tables is not None and tables.results is results and tables.thresholds == tuple(float(t) for t in thresholds):
        return tables
    return compute_tables(results, thresholds)


def build_summary(results: pd.DataFrame, thresholds: Sequence[float], meta: dict | None = None,
                  tables: RunTables | None = None) -> dict:
    """Per model x category statistics and failure rates at each threshold (``summary.json``).

    ``tables``: the run's :class:`RunTables`, when the comparison and report use them too.
    """
    tab = _tables(results, thresholds, tables)
    desc, rates, with_ci = tab.desc, tab.rates, tab.with_ci
    per = []
    for row in _records(desc):
        cell = (row["model"], row["category"])
        sub = rates[(rates["model"] == row["model"]) & (rates["category"] == row["category"])]
        row["meaning"] = sub["meaning"].iloc[0] if len(sub) else None
        row["rate_at_threshold"] = {f"{t:g}": _clean(r) for t, r in zip(sub["threshold"], sub["rate"])}
        if with_ci:
            first = next(iter(with_ci.values()))
            if cell in first.index:
                row["mean_ci95"] = [_clean(first.at[cell, "mean_ci_low"]), _clean(first.at[cell, "mean_ci_high"])]
                row["rate_ci95_at_threshold"] = {
                    f"{t:g}": [_clean(tab.at[cell, "rate_ci_low"]), _clean(tab.at[cell, "rate_ci_high"])]
                    for t, tab in with_ci.items() if cell in tab.index}
        per.append(row)
    out = {
        "meta": {**(meta or {}), "versions": versions()},
        "models": _records(model_table(results)),
        "per_model_category": per,
        "definitions": {
            "rate_at_threshold": "share of pairs with score >= threshold: a failure rate for categories a good "
            "similarity model scores low, a pass rate for positive controls",
            "sd": "sample standard deviation (ddof = 1)",
            "mean_ci95, rate_ci95_at_threshold": "percentile bootstrap 95% intervals, 1000 resamples, seed 0",
        },
    }
    if "positive_control" in set(results["category"]):
        out["roc_auc_vs_positive_controls"] = _records(tab.roc_auc)
        if {"negative_control", "near_miss_control"} & set(results["category"]):
            out["calibrated_thresholds"] = _records(tab.calibrated)
    return out


def build_comparison(results: pd.DataFrame, tables: RunTables | None = None) -> dict:
    """Family comparisons per category (``comparison.json``): the study's section 4.3, plus variants."""
    if tables is not None and tables.results is results:
        return tables.comparison
    return _comparison(results)


def _comparison(results: pd.DataFrame) -> dict:
    kinds = set(results["kind"])
    out: dict = {"method": {
        "cohens_d": "other family vs reference family over all pair x model scores, pooled SD",
        "mann_whitney": "two-sided, all pair x model scores of each family",
        "wilcoxon": "two-sided signed-rank, paired on pairs (per pair: mean over the family's models)",
        "holm": "Holm-Bonferroni across the categories of each table",
    }}
    comparisons = []
    if {"bi-encoder", "cross-encoder"} <= kinds:
        comparisons.append(("bi_encoder_vs_cross_encoder", "bi-encoder", "cross-encoder", ()))
        if "retrieval" in set(results.loc[results["kind"] == "cross-encoder", "objective"]):
            comparisons.append(("bi_encoder_vs_cross_encoder_without_retrieval", "bi-encoder", "cross-encoder",
                                ("retrieval",)))
    if {"bi-encoder", "baseline"} <= kinds:
        comparisons.append(("bi_encoder_vs_baselines", "bi-encoder", "baseline", ()))
    for name, ref, other, exclude in comparisons:
        try:
            table = stats.family_comparison(results, reference=ref, other=other, exclude_objectives=exclude)
        except ValueError as exc:
            out[name] = {"skipped": str(exc)}
            continue
        out[name] = _records(table)
    if not comparisons:
        out["note"] = "only one model family in this run; family comparisons need two"
    return out


# -- Markdown ------------------------------------------------------------------------------
def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def _pvalue(p) -> str:
    return format_pvalue(p)


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table; pipes in cells are escaped."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def _label(model: str) -> str:
    try:
        return get_spec(model).display
    except KeyError:
        return model


def render_report(results: pd.DataFrame, thresholds: Sequence[float], meta: dict | None = None,
                  tables: RunTables | None = None) -> str:
    """The readable report of a run: the study's tables for the models that ran."""
    tab = _tables(results, thresholds, tables)
    meta = meta or {}
    cats = sort_categories(results["category"].unique())
    parts = ["# compsem report", ""]
    parts.append(f"Pairs: {meta.get('pairs_source', '?')} ({meta.get('n_pairs', results['pair_id'].nunique())} pairs). "
                 f"Models: {results['model'].nunique()}. Thresholds: {', '.join(f'{t:g}' for t in thresholds)}. "
                 f"Created {meta.get('created', '')}.")
    if meta.get("skipped"):
        parts += ["", "Skipped models:"] + [f"- `{k}`: {v}" for k, v in meta["skipped"].items()]
    parts += ["", "## Findings", ""]
    try:
        parts += [f"- {s}" for s in stats.findings(results, float(thresholds[0]))]
    except ValueError as exc:
        parts.append(f"_No findings: {exc}_")

    parts += ["", "## Models", "", markdown_table(model_table(results)[["label", "model", "kind", "objective",
                                                                        "normalization"]])]
    parts += ["", "Bi-encoder scores are cosine similarities (no rescaling, as in the study). Cross-encoder scores "
              "apply the activation the model declares to its raw logit, once; the raw output is kept in "
              "`all_pair_results.csv`.", ""]

    desc = tab.desc
    parts += ["## Mean ± SD per model and category", ""]
    wide = desc.assign(cell=[f"{_fmt(m)} ± {_fmt(s)}" for m, s in zip(desc["mean"], desc["sd"])])
    parts.append(_wide_table(wide, "cell", cats))

    rates = tab.rates
    for t in thresholds:
        sub = rates[np.isclose(rates["threshold"], t)]
        sub = sub.assign(cell=[f"{100 * r:.0f}%" for r in sub["rate"]])
        parts += ["", f"## Share of pairs scoring ≥ {t:g}", "",
                  "Failure rate for adversarial, near-miss and negative-control categories; pass rate for positive "
                  "controls.", "", _wide_table(sub, "cell", cats)]

    comparison = tab.comparison
    for name, title in (("bi_encoder_vs_cross_encoder", "Bi-encoders vs cross-encoders"),
                        ("bi_encoder_vs_cross_encoder_without_retrieval",
                         "Bi-encoders vs cross-encoders without retrieval-trained models (objective 'retrieval'; "
                         "the study's 4.3 left out MS MARCO but kept the BGE reranker)"),
                        ("bi_encoder_vs_baselines", "Bi-encoders vs lexical baselines")):
        table = comparison.get(name)
        if not isinstance(table, list) or not table:
            continue
        df = pd.DataFrame(table)
        view = pd.DataFrame({
            "category": [category_label(c) for c in df["category"]],
            "reference mean": [_fmt(v) for v in df["reference_mean"]],
            "other mean": [_fmt(v) for v in df["other_mean"]],
            "difference": [_fmt(v) for v in df["difference"]],
            "Cohen's d": [_fmt(v, 2) for v in df["cohens_d"]],
            "Mann-Whitney p (Holm)": [_pvalue(v) for v in df["holm_pvalue_mw"]],
            "Wilcoxon p (Holm)": [_pvalue(v) for v in df["holm_pvalue_wilcoxon"]],
        })
        parts += ["", f"## {title}", "", markdown_table(view)]

    if {"bi-encoder", "cross-encoder"} <= set(results["kind"]):
        fam = tab.family_rates
        fam = fam[fam["category"].isin(ADVERSARIAL)]
        rows = []
        for (kind, t), grp in fam.groupby(["kind", "threshold"], sort=False):
            row = {"family ≥ threshold": f"{kind} ≥ {t:g}"}
            row.update({category_label(c): f"{100 * r:.0f}%" for c, r in zip(grp["category"], grp["mean_rate"])})
            rows.append(row)
        parts += ["", "## Family failure rates (mean over models, as in the study's 4.4)", "",
                  markdown_table(pd.DataFrame(rows).fillna("—"))]

    if "positive_control" in set(results["category"]):
        auc = tab.roc_auc
        auc = auc.assign(cell=[_fmt(v, 2) for v in auc["auc"]])
        parts += ["", "## ROC-AUC: positive controls vs each category (threshold-free; 1 = perfect separation)", "",
                  _wide_table(auc, "cell", sort_categories(auc["category"].unique()))]
        if {"negative_control", "near_miss_control"} & set(results["category"]):
            cal = tab.calibrated
            view = pd.DataFrame({"model": [_label(m) for m in cal["model"]],
                                 "threshold": [_fmt(v) for v in cal["threshold"]],
                                 "Youden J": [_fmt(v) for v in cal["youden_j"]],
                                 "TPR": [_fmt(v) for v in cal["tpr"]], "FPR": [_fmt(v) for v in cal["fpr"]]})
            parts += ["", "## Calibrated thresholds (max Youden J on the controls)", "", markdown_table(view)]
    v = versions()
    parts += ["", "---", "", "Produced by compsem " + v.get("compsem", "") + " with " +
              ", ".join(f"{k} {val}" for k, val in v.items() if k != "compsem") + ".", ""]
    return "\n".join(parts)


def _wide_table(long: pd.DataFrame, value: str, cats: Sequence[str]) -> str:
    models = list(dict.fromkeys(long["model"]))
    rows = []
    for m in models:
        sub = long[long["model"] == m].set_index("category")[value]
        row = {"model": _label(m)}
        row.update({category_label(c): sub.get(c, "—") for c in cats})
        rows.append(row)
    return markdown_table(pd.DataFrame(rows))


__all__ = ["RunTables", "compute_tables", "build_summary", "build_comparison", "render_report", "markdown_table", "versions", "model_table",
           "category_info"]
