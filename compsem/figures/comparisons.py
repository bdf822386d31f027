"""Comparisons: effect sizes, the study against this run, the four training objectives."""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from compsem.data.categories import sort_categories
from compsem.data.formatting import format_pvalue
from compsem.data.labels import labels_of
from compsem.figures._style import _base, _control_bands, _figure, _grid_figure, _is_control, _label, cat_label
from compsem.figures.palette import NEUTRAL, model_color, model_colors


def effect_size_heatmap(table: pd.DataFrame, reference: str = "", cap: float = 3.0) -> go.Figure:
    """Cohen's d per row (model or family) x category against a reference, marked by significance.

    Args:
        table: ``row, category, cohens_d, holm_pvalue, significant`` (+ optional ``mean, reference_mean``).
        reference: what the rows are compared with, for the title.
        cap: the colour scale saturates at +-cap (the cell text keeps the exact d).
    """
    cats = sort_categories(table["category"].unique())
    rows = list(dict.fromkeys(table["row"]))
    z: list[list[float]] = []
    text: list[list[str]] = []
    custom: list[list[list[str]]] = []
    for row in rows:
        sub = table[table["row"] == row].set_index("category")
        rz: list[float] = []
        rt: list[str] = []
        rc: list[list[str]] = []
        for c in cats:
            if c not in sub.index or pd.isna(sub.loc[c, "cohens_d"]):
                rz.append(np.nan)
                rt.append("")
                rc.append(["—", "—", "—"])
                continue
            rec = sub.loc[c]
            d, p = float(rec["cohens_d"]), rec["holm_pvalue"]
            star = "*" if bool(rec["significant"]) else ""
            rz.append(d)
            rt.append(f"{d:+.2f}{star}")
            rc.append(
                [
                    format_pvalue(p),
                    f"{rec['mean']:.3f}" if "mean" in rec and pd.notna(rec.get("mean")) else "—",
                    f"{rec['reference_mean']:.3f}"
                    if "reference_mean" in rec and pd.notna(rec.get("reference_mean"))
                    else "—",
                ]
            )
        z.append(rz)
        text.append(rt)
        custom.append(rc)
    finite = [abs(v) for r in z for v in r if v == v]
    bound = min(max(finite + [1.0]), cap)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[cat_label(c) for c in cats],
            y=[html.escape(r, quote=False) for r in rows],
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            colorscale="RdBu_r",
            zmid=0,
            zmin=-bound,
            zmax=bound,
            colorbar=dict(title=dict(text="Cohen's d", side="top"), lenmode="pixels", len=max(150, 40 * len(rows))),
            hovertemplate="%{y} · %{x}<br>d = %{z:.2f} · Holm p = %{customdata[0]}"
            "<br>mean %{customdata[1]} vs reference %{customdata[2]}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    title = (
        "Cohen's d against "
        + (reference or "the reference")
        + " (blue: scores lower than the reference; * Holm-corrected p < 0.05)"
    )
    return _base(fig, title, height=max(320, 170 + 46 * len(rows)))  # a few family rows still get a readable colour bar


#: The study's statistics, in panel order, with the name a reader sees.
STUDY_STATISTICS = {
    "rate": "share ≥ threshold",
    "mean": "mean score",
    "sd": "SD of scores",
    "min": "lowest score",
    "max": "highest score",
    "cohens_d": "Cohen's d (cross- vs bi-encoders)",
}


def study_label(model: str, labels: Mapping[str, str] | None = None) -> str:
    """A study row's model as a reader names it: ``family:bi-encoder`` reads "bi-encoders (family)".

    Example:
        >>> study_label("family:cross-encoder")
        'cross-encoders (family)'
    """
    text = str(model)
    if text.startswith("family:"):
        return f"{text.split(':', 1)[1]}s (family)"
    return (labels or {}).get(text, text)


def study_scatter(table: pd.DataFrame, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Reported vs measured figures, one panel per statistic (each on its own scale); on the diagonal means reproduced.

    A rate (0-1), a mean, an SD and a Cohen's d (-15 to 0) share no scale, so one scatter put most
    points in one corner: each statistic has its own panel, its own axes and its own diagonal.
    Points are coloured by model (families in grey, as diamonds).

    Args:
        table: :func:`compsem.analysis.study.compare_with_study` rows (those without a measurement are skipped).
        labels: model key -> display name (the table's ``model_label`` column when it has one).
    """
    labels = labels_of(table, labels)
    sub = table.dropna(subset=["measured", "reported"])
    stats_present = [s for s in STUDY_STATISTICS if s in set(sub["statistic"])] + [
        s for s in dict.fromkeys(sub["statistic"]) if s not in STUDY_STATISTICS
    ]
    if not stats_present:
        stats_present = ["mean"]
    cols = min(3, len(stats_present))
    rows = -(-len(stats_present) // cols)
    traces: list[dict] = []
    shapes: list[dict] = []
    seen: set[str] = set()
    for i, stat in enumerate(stats_present):
        xa, ya = f"x{i + 1 if i else ''}", f"y{i + 1 if i else ''}"
        part = sub[sub["statistic"] == stat]
        values = pd.concat([part["reported"], part["measured"]]).astype(float)
        lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        pad = (hi - lo) * 0.08 or 0.05
        lo, hi = lo - pad, hi + pad
        shapes.append(
            dict(type="line", xref=xa, yref=ya, x0=lo, y0=lo, x1=hi, y1=hi, line=dict(dash="dot", color="#999"))
        )
        for model in dict.fromkeys(part["model"]):
            rows_m = part[part["model"] == model]
            family = str(model).startswith("family:")
            name = html.escape(study_label(model, labels), quote=False)
            custom = [
                [str(sec), cat_label(c), str(sc), html.escape(str(m), quote=False)[:120] or "—"]
                for sec, c, sc, m in zip(
                    rows_m["section"], rows_m["category"], rows_m["scale"], rows_m["measured_models"]
                )
            ]
            traces.append(
                dict(
                    type="scatter",
                    x=rows_m["reported"].astype(float).tolist(),
                    y=rows_m["measured"].astype(float).tolist(),
                    mode="markers",
                    name=name,
                    legendgroup=str(model),
                    showlegend=str(model) not in seen,
                    xaxis=xa,
                    yaxis=ya,
                    customdata=custom,
                    marker=dict(
                        size=9,
                        opacity=0.8,
                        color=NEUTRAL if family else model_color(str(model)),
                        symbol="diamond" if family else "circle",
                    ),
                    hovertemplate=f"{name} · %{{customdata[1]}}<br>§%{{customdata[0]}} "
                    f"{html.escape(STUDY_STATISTICS.get(stat, stat), quote=False)} (%{{customdata[2]}})"
                    "<br>reported %{x:.3f} · measured %{y:.3f}<br>measured with: %{customdata[3]}<extra></extra>",
                )
            )
            seen.add(str(model))
    titles = [STUDY_STATISTICS.get(str(s), str(s)) for s in stats_present]
    return _grid_figure(
        traces,
        rows,
        cols,
        titles,
        False,
        shapes,
        [],
        0.16 / max(rows - 1, 1) + 0.06,
        0.08,
        title="Study figures vs this run, one panel per statistic (x: reported, y: measured; dotted: reproduced)",
        height=300 * rows + 140,
        xaxes=dict(title=dict(text="reported", font=dict(size=11))),
        yaxes=dict(title=dict(text="measured", font=dict(size=11))),
    )


def objective_bars(
    table: pd.DataFrame,
    statistic: str = "mean",
    threshold: float | None = None,
    labels: Mapping[str, str] | None = None,
    reference: str | None = None,
) -> go.Figure:
    """Per category, each model's mean score (or share >= threshold) side by side, with 95% bootstrap CIs.

    Built for "does the objective matter?": one bar per model in each category, the reference
    (the bi-encoder the trained models started from) first, hatched, in the bi-encoder colour.

    Args:
        table: :func:`compsem.analysis.objective_comparison.comparison_table` (``model, category, n, mean,
            mean_ci_low, mean_ci_high, rate, rate_ci_low, rate_ci_high, meaning`` and, optionally,
            ``is_reference``).
        statistic: ``"mean"`` (mean score) or ``"rate"`` (share of pairs >= threshold).
        threshold: drawn as a dashed line on the mean chart; named in the title of the rate chart.
        labels: model key -> display name, overriding the table's ``model_label`` (the objectives page's
            short names).
        reference: the reference model (default: the rows marked ``is_reference``).
    """
    if statistic not in ("mean", "rate"):
        raise ValueError(f"statistic must be 'mean' or 'rate', not {statistic!r}")
    value, low, high = (statistic, f"{statistic}_ci_low", f"{statistic}_ci_high")
    labels = labels_of(table, labels)
    cats = sort_categories(table["category"].unique())
    x = [cat_label(c) + ("<br>(control)" if _is_control(c) else "") for c in cats]
    models = list(dict.fromkeys(table["model"]))
    if reference is None and "is_reference" in table.columns:
        refs = table.loc[table["is_reference"].astype(bool), "model"]
        reference = refs.iloc[0] if len(refs) else None
    if reference in models:  # the reference leads every group, whatever the row order
        models = [reference] + [m for m in models if m != reference]
    traces = []
    colour = model_colors(models)
    for model in models:
        sub = table[table["model"] == model].set_index("category").reindex(cats)
        y = sub[value].to_numpy(dtype=float)
        is_ref = model == reference
        # rows of Python values, not np.column_stack: mixing in the text column would turn the CI bounds
        # into strings, which the hover template cannot format as numbers
        custom = [
            [int(n) if n == n else 0, float(lo), float(hi), str(m).replace("_", " ") if isinstance(m, str) else ""]
            for n, lo, hi, m in zip(sub["n"], sub[low], sub[high], sub["meaning"])
        ]
        fmt = ".0%" if statistic == "rate" else ".3f"
        traces.append(
            dict(
                type="bar",
                x=x,
                y=y,
                name=_label(model, labels),
                customdata=custom,
                marker=dict(color=colour[model], pattern=dict(shape="/" if is_ref else "")),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=sub[high].to_numpy(dtype=float) - y,
                    arrayminus=y - sub[low].to_numpy(dtype=float),
                    thickness=1.2,
                    width=3,
                    color="#333",
                ),
                hovertemplate=f"%{{x}} · {_label(model, labels)}<br>"
                + ("mean score" if statistic == "mean" else "%{customdata[3]}")
                + f": %{{y:{fmt}}}<br>95% CI %{{customdata[1]:{fmt}}}–%{{customdata[2]:{fmt}}} "
                "(n = %{customdata[0]})<extra></extra>",
            )
        )
    # Plain dicts through _figure: the page redraws these bars on every change. The threshold line and its
    # label are what add_hline(annotation_position="top left") would add.
    shapes = _control_bands(cats)
    layout: dict = dict(
        barmode="group", bargap=0.18, bargroupgap=0.04, xaxis=dict(categoryorder="array", categoryarray=x)
    )
    if statistic == "mean":
        layout["yaxis"] = dict(title=dict(text="mean score (0-1)"), range=[0, 1.05])
        if threshold is not None:
            shapes.append(
                dict(
                    type="line",
                    xref="x domain",
                    x0=0,
                    x1=1,
                    yref="y",
                    y0=threshold,
                    y1=threshold,
                    line=dict(color="#444", dash="dash"),
                )
            )
            layout["annotations"] = [
                dict(
                    showarrow=False,
                    text=f"threshold {threshold:g}",
                    x=0,
                    xanchor="left",
                    xref="x domain",
                    y=threshold,
                    yanchor="bottom",
                    yref="y",
                )
            ]
        title = "Mean score per category and model, with 95% bootstrap CI (hatched: the reference)"
    else:
        layout["yaxis"] = dict(title=dict(text="share of pairs ≥ threshold"), range=[0, 1.05], tickformat=".0%")
        at = f"{threshold:g}" if threshold is not None else "the threshold"
        title = f"Share of pairs ≥ {at}: failure rate (pass rate for positive controls), with 95% bootstrap CI"
    layout["shapes"] = shapes
    return _figure(traces, layout, title, height=500)
