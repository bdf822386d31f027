"""A run's files rendered from its :class:`~compsem.analysis.Analysis`: summary, comparison, Markdown report.

Pure: takes the tables :func:`compsem.analysis.analyze` computed once and returns dicts and
strings; nothing here computes a statistic, and :mod:`compsem.reports.files` writes the files.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd

from compsem import __version__
from compsem.analysis import COMPARISON_METHOD, Analysis
from compsem.analysis.grid import grid_markdown
from compsem.data.categories import ADVERSARIAL, category_label, sort_categories
from compsem.data.formatting import format_pvalue, markdown_text
from compsem.models.registry import get_spec
from compsem.stats.inference import BOOTSTRAP_MAX_N


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

    out = {"python": platform.python_version(), "compsem": __version__}
    for name in ("torch", "sentence-transformers", "transformers", "onnxruntime", "numpy", "scipy", "pandas"):
        try:
            out[name.replace("-", "_")] = version(name)
        except PackageNotFoundError:
            out[name.replace("-", "_")] = "not installed"
    return out


def summary_dict(analysis: Analysis, meta: dict | None = None) -> dict:
    """Per model x category statistics and failure rates at each threshold (``summary.json``).

    ``meta``: the run's metadata; its ``versions`` (else those of this process) close it.
    """
    desc, rates, with_ci = analysis.describe, analysis.rates, analysis.with_ci
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
                    for t, tab in with_ci.items()
                    if cell in tab.index
                }
        per.append(row)
    meta = meta or {}
    out = {
        "meta": {**meta, "versions": meta.get("versions") or versions()},
        "models": _records(analysis.models),
        "per_model_category": per,
        "definitions": {
            "rate_at_threshold": "share of pairs with score >= threshold: a failure rate for categories a good "
            "similarity model scores low, a pass rate for positive controls",
            "sd": "sample standard deviation (ddof = 1)",
            "mean_ci95, rate_ci95_at_threshold": "percentile bootstrap 95% intervals, 1000 resamples, seed 0",
        },
    }
    if analysis.roc_auc is not None:
        out["roc_auc_vs_positive_controls"] = _records(analysis.roc_auc)
        if analysis.calibrated is not None:
            out["calibrated_thresholds"] = _records(analysis.calibrated)
    if analysis.grid is not None:
        out["grid"] = {
            "threshold": analysis.thresholds[0],
            "findings": list(analysis.grid_findings),
            "rows": _records(analysis.grid),
        }
    return out


def comparison_dict(comparisons: Mapping[str, pd.DataFrame | str]) -> dict:
    """Family comparisons per category (``comparison.json``): the study's section 4.3, plus variants.

    ``comparisons``: :attr:`Analysis.comparisons` (or :func:`compsem.analysis.comparison_tables`).
    """
    out: dict = {"method": dict(COMPARISON_METHOD)}
    for name, table in comparisons.items():
        out[name] = {"skipped": table} if isinstance(table, str) else _records(table)
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
    """A GitHub-flavoured Markdown table; every header and cell is literal text (:func:`markdown_text`).

    So a ``|`` never splits a cell, and HTML or link syntax in a category name or a model label is shown,
    not rendered: each row has exactly as many cells as the header.
    """
    cols = list(df.columns)
    lines = ["| " + " | ".join(markdown_text(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(markdown_text(v) for v in row) + " |")
    return "\n".join(lines)


def _label(model: str) -> str:
    try:
        return get_spec(model).display
    except KeyError:
        return model


def grid_section(analysis: Analysis) -> list[str]:
    """The lines of report.md's grid section under its heading: the size/data findings, then the grid table.

    Empty when the run has no grid (no trained adapter with its bi-encoder). The README's generated
    block (:mod:`compsem.reports.readme`) holds these same lines.
    """
    if analysis.grid is None:
        return []
    return [
        *[f"- {markdown_text(s)}" for s in analysis.grid_findings],
        "",
        grid_markdown(analysis.grid, analysis.grid_cells, analysis.thresholds[0]).rstrip("\n"),
    ]


def report_markdown(analysis: Analysis, meta: dict | None = None) -> str:
    """The readable report of a run (``report.md``): the study's tables for the models that ran."""
    meta = meta or {}
    thresholds, cats = analysis.thresholds, analysis.categories
    parts = ["# compsem report", ""]
    esc = markdown_text  # every text from a pair file, a model card or the file system is literal
    parts.append(
        f"Pairs: {esc(meta.get('pairs_source', '?'))} ({esc(meta.get('n_pairs', analysis.n_pairs))} pairs). "
        f"Models: {analysis.n_models}. Thresholds: {', '.join(f'{t:g}' for t in thresholds)}. "
        f"Created {esc(meta.get('created', ''))}."
        + (
            f" Confidence intervals over more than {BOOTSTRAP_MAX_N:,} pairs are normal approximations "
            "(mean ± 1.96·s/√n), not the percentile bootstrap: the two agree closely at that size."
            if int(meta.get("n_pairs", analysis.n_pairs)) > BOOTSTRAP_MAX_N
            else ""
        )
    )
    if meta.get("skipped"):
        parts += ["", "Skipped models:"] + [f"- {esc(k)}: {esc(v)}" for k, v in meta["skipped"].items()]
    parts += _truncation_lines(meta.get("truncated"))
    parts += ["", "## Findings", ""]
    if analysis.findings_error is None:
        parts += [f"- {esc(s)}" for s in analysis.findings]
    else:
        parts.append(f"_No findings: {esc(analysis.findings_error)}_")

    parts += [
        "",
        "## Models",
        "",
        markdown_table(analysis.models[["label", "model", "kind", "objective", "normalization"]]),
    ]
    parts += [
        "",
        "Bi-encoder scores are cosine similarities (no rescaling, as in the study). Cross-encoder scores "
        "apply the activation the model declares to its raw logit, once; the raw output is kept in "
        f"`all_pair_results.{'parquet' if meta.get('pair_files') == 'parquet' else 'csv'}`.",
        "",
    ]

    desc = analysis.describe
    parts += ["## Mean ± SD per model and category", ""]
    wide = desc.assign(cell=[f"{_fmt(m)} ± {_fmt(s)}" for m, s in zip(desc["mean"], desc["sd"])])
    parts.append(_wide_table(wide, "cell", cats))

    rates = analysis.rates
    for t in thresholds:
        sub = rates[np.isclose(rates["threshold"], t)]
        sub = sub.assign(cell=[f"{100 * r:.0f}%" for r in sub["rate"]])
        parts += [
            "",
            f"## Share of pairs scoring ≥ {t:g}",
            "",
            "Failure rate for adversarial, near-miss and negative-control categories; pass rate for positive controls.",
            "",
            _wide_table(sub, "cell", cats),
        ]

    comparison = comparison_dict(analysis.comparisons)
    for name, title in (
        ("bi_encoder_vs_cross_encoder", "Bi-encoders vs cross-encoders"),
        (
            "bi_encoder_vs_cross_encoder_without_retrieval",
            "Bi-encoders vs cross-encoders without retrieval-trained models (objective 'retrieval'; "
            "the study's 4.3 left out MS MARCO but kept the BGE reranker)",
        ),
        ("bi_encoder_vs_baselines", "Bi-encoders vs lexical baselines"),
    ):
        table = comparison.get(name)
        if not isinstance(table, list) or not table:
            continue
        df = pd.DataFrame(table)
        view = pd.DataFrame(
            {
                "category": [category_label(c) for c in df["category"]],
                "reference mean": [_fmt(v) for v in df["reference_mean"]],
                "other mean": [_fmt(v) for v in df["other_mean"]],
                "difference": [_fmt(v) for v in df["difference"]],
                "Cohen's d": [_fmt(v, 2) for v in df["cohens_d"]],
                "Mann-Whitney p (Holm)": [_pvalue(v) for v in df["holm_pvalue_mw"]],
                "Wilcoxon p (Holm)": [_pvalue(v) for v in df["holm_pvalue_wilcoxon"]],
            }
        )
        parts += ["", f"## {title}", "", markdown_table(view)]

    if analysis.grid is not None:
        parts += ["", "## Does data or size fix it? Backbone × objective grid", "", *grid_section(analysis)]

    if analysis.family_rates is not None:
        fam = analysis.family_rates
        fam = fam[fam["category"].isin(ADVERSARIAL)]
        rows = []
        for (kind, t), grp in fam.groupby(["kind", "threshold"], sort=False):
            row = {"family ≥ threshold": f"{kind} ≥ {t:g}"}
            row.update({category_label(c): f"{100 * r:.0f}%" for c, r in zip(grp["category"], grp["mean_rate"])})
            rows.append(row)
        parts += [
            "",
            "## Family failure rates (mean over models, as in the study's 4.4)",
            "",
            markdown_table(pd.DataFrame(rows).fillna("—")),
        ]

    if analysis.roc_auc is not None:
        auc = analysis.roc_auc
        auc = auc.assign(cell=[_fmt(v, 2) for v in auc["auc"]])
        parts += [
            "",
            "## ROC-AUC: positive controls vs each category (threshold-free; 1 = perfect separation)",
            "",
            _wide_table(auc, "cell", sort_categories(auc["category"].unique())),
        ]
        if analysis.calibrated is not None:
            cal = analysis.calibrated
            view = pd.DataFrame(
                {
                    "model": [_label(m) for m in cal["model"]],
                    "threshold": [_fmt(v) for v in cal["threshold"]],
                    "Youden J": [_fmt(v) for v in cal["youden_j"]],
                    "TPR": [_fmt(v) for v in cal["tpr"]],
                    "FPR": [_fmt(v) for v in cal["fpr"]],
                }
            )
            parts += ["", "## Calibrated thresholds (max Youden J on the controls)", "", markdown_table(view)]
    v = meta.get("versions") or versions()
    parts += [
        "",
        "---",
        "",
        "Produced by compsem "
        + esc(v.get("compsem", ""))
        + " with "
        + esc(", ".join(f"{k} {val}" for k, val in v.items() if k != "compsem"))
        + ".",
        "",
    ]
    return "\n".join(parts)


def _truncation_lines(truncated: object) -> list[str]:
    """The report's warning about pairs a model read only in part (``meta["truncated"]``), or nothing."""
    if not isinstance(truncated, dict) or not truncated:
        return []
    lines = [
        "",
        "**Truncated pairs.** These models read only the beginning of some pairs, so a difference after "
        "that point cannot change their score:",
    ]
    for model, t in truncated.items():
        t = t if isinstance(t, dict) else {}
        lines.append(
            f"- {markdown_text(_label(str(model)))}: {markdown_text(t.get('truncated', '?'))} of "
            f"{markdown_text(t.get('pairs', '?'))} pairs are longer than {markdown_text(t.get('max_tokens', '?'))} "
            f"{markdown_text(t.get('unit', 'tokens'))}"
        )
    return lines


def _wide_table(long: pd.DataFrame, value: str, cats: Sequence[str]) -> str:
    models = list(dict.fromkeys(long["model"]))
    rows = []
    for m in models:
        sub = long[long["model"] == m].set_index("category")[value]
        row = {"model": _label(m)}
        row.update({category_label(c): sub.get(c, "—") for c in cats})
        rows.append(row)
    return markdown_table(pd.DataFrame(rows))


__all__ = [
    "comparison_dict",
    "grid_section",
    "markdown_table",
    "report_markdown",
    "summary_dict",
    "versions",
]
