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
from compsem.figures._style import _base, _figure, _is_control, _label, cat_label
from compsem.figures.palette import model_colors


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
            colorbar=dict(title="Cohen's d"),
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
    return _base(fig, title, height=170 + 46 * len(rows))


def study_scatter(table: pd.DataFrame) -> go.Figure:
    """Reported vs measured figures, one point each; on the diagonal means reproduced.

    Args:
        table: :func:`compsem.analysis.study.compare_with_study` rows with a measurement.
    """
    sub = table.dropna(subset=["measured"])
    fig = go.Figure()
    for stat in dict.fromkeys(sub["statistic"]):
        part = sub[sub["statistic"] == stat]
        custom = np.column_stack(
            [
                part["section"],
                [html.escape(m, quote=False) for m in part["model"]],
                [cat_label(c) for c in part["category"]],
                part["scale"],
                [html.escape(m, quote=False)[:120] for m in part["measured_models"]],
            ]
        )
        fig.add_trace(
            go.Scatter(
                x=part["reported"],
                y=part["measured"],
                mode="markers",
                name=stat,
                customdata=custom,
                marker=dict(size=8, opacity=0.75),
                hovertemplate="§%{customdata[0]} %{customdata[1]} · %{customdata[2]} ("
                "%{customdata[3]})<br>reported %{x:.3f} · measured %{y:.3f}"
                "<br>measured with: %{customdata[4]}<extra>%{fullData.name}</extra>",
            )
        )
    values = pd.concat([sub["reported"], sub["measured"]]) if len(sub) else pd.Series([0.0, 1.0])
    lo, hi = float(min(values.min(), 0)), float(max(values.max(), 1))
    fig.add_trace(
        go.Scatter(
            x=[lo, hi],
            y=[lo, hi],
            mode="lines",
            line=dict(dash="dot", color="#999"),
            name="reproduced (y = x)",
            hoverinfo="skip",
        )
    )
    fig.update_layout(xaxis_title="reported by the study", yaxis_title="measured by compsem")
    return _base(fig, "Study figures vs this run (points on the diagonal are reproduced)", height=480)


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
    shapes = [
        dict(
            type="rect",
            xref="x",
            x0=i - 0.5,
            x1=i + 0.5,
            yref="paper",
            y0=0,
            y1=1,
            fillcolor="#eeeeee",
            opacity=0.5,
            layer="below",
            line=dict(width=0),
        )
        for i, c in enumerate(cats)
        if _is_control(c)
    ]
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
