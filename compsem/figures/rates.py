"""Failure (pass) rates: the family heatmap, the model x category heatmap, rate-vs-threshold curves, calibration."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from compsem.data.categories import sort_categories
from compsem.data.labels import labels_of
from compsem.figures._style import _axes, _base, _grid_figure, _hline, _label, _vline, cat_label, escape
from compsem.figures.palette import NEUTRAL, category_symbols, model_colors
from compsem.stats.sample_size import is_thin

#: The rate heatmaps' colour bar: colour is how bad a cell is, whichever way its share reads.
BADNESS_COLORBAR = dict(
    title=dict(text="how bad<br>(failure rate;<br>1 − pass rate)", side="top"),
    tickvals=[0, 0.5, 1],
    ticktext=["good", "", "bad"],
    lenmode="pixels",
    len=160,
)


def badness(rate: object, meaning: object) -> float:
    """A cell's colour value: a failure rate as it is, a pass rate (positive controls) as 1 - pass rate.

    Example:
        >>> badness(1.0, "pass_rate"), badness(0.8, "failure_rate")
        (0.0, 0.8)
    """
    try:
        value = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return 1.0 - value if str(meaning) == "pass_rate" else value


def family_rate_heatmap(table: pd.DataFrame, threshold: float) -> go.Figure:
    """Headline: share of pairs scoring >= threshold per family x category (the study's 4.4).

    Args:
        table: :func:`compsem.stats.family_failure_rates` at one threshold.
        threshold: the threshold, for the title.
    """
    cats = sort_categories(table["category"].unique())
    kinds = list(dict.fromkeys(table["kind"]))
    z: list[list[float]] = []
    text: list[list[str]] = []
    custom: list[list[list[object]]] = []
    for kind in kinds:
        sub = table[table["kind"] == kind].set_index("category")
        # colour is how bad a cell is: a failure rate as it is, a pass rate as 1 - pass (a 100% pass is good, not red)
        z.append([badness(sub["mean_rate"].get(c, np.nan), sub["meaning"].get(c, "")) for c in cats])
        text.append([f"{100 * sub['mean_rate'][c]:.0f}%" if c in sub.index else "" for c in cats])
        custom.append([[int(sub["n_models"].get(c, 0)), sub["meaning"].get(c, "").replace("_", " ")] for c in cats])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[cat_label(c) for c in cats],
            y=kinds,
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            colorscale="Reds",
            zmin=0,
            zmax=1,
            colorbar=BADNESS_COLORBAR,
            hovertemplate="%{y} · %{x}<br>%{customdata[1]}: %{text} (mean over %{customdata[0]} model(s))"
            "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _base(
        fig,
        f"Share of pairs scoring ≥ {threshold:g}, mean over each family's models "
        "(failure rate; pass rate for positive controls)",
        height=120 + 60 * len(kinds),
    )


def rate_heatmap(table: pd.DataFrame, labels: Mapping[str, str] | None = None, title: str = "") -> go.Figure:
    """Model x category share of pairs >= threshold, each cell with its 95% bootstrap CI.

    Args:
        table: rows with ``model, category, rate, rate_ci_low, rate_ci_high, n, meaning`` and a
            ``threshold`` column (the threshold each model was read at); ``model_label``, where
            present, names the models.
        labels: model key -> display name, overriding the table's (the objectives page's short names).
        title: the figure's title (a default when empty).
    """
    labels = labels_of(table, labels)
    cats = sort_categories(table["category"].unique())
    models = list(dict.fromkeys(table["model"]))
    # One pass over the rows into a (model, category) lookup, not a sub-frame and a row Series per cell:
    # this heatmap is redrawn on every threshold change.
    cells: dict[tuple, tuple] = {}
    for key in zip(
        table["model"],
        table["category"],
        table["rate"].to_numpy(),
        table["rate_ci_low"].to_numpy(),
        table["rate_ci_high"].to_numpy(),
        table["n"].to_numpy(),
        table["meaning"],
        table["threshold"].to_numpy(),
    ):
        cells.setdefault(key[:2], key[2:])
    z: list[list[float]] = []
    text: list[list[str]] = []
    custom: list[list[list[object]]] = []
    for model in models:
        row_z: list[float] = []
        row_t: list[str] = []
        row_c: list[list[object]] = []
        for c in cats:
            cell = cells.get((model, c))
            if cell is None:
                row_z.append(np.nan)
                row_t.append("")
                row_c.append(["", "", "", "", "", ""])
                continue
            rate, low, high, n, meaning, t = cell
            row_z.append(badness(rate, meaning))
            if is_thin(n):  # compsem.stats.sample_size: a handful of pairs gets no interval
                row_t.append(f"{100 * rate:.0f}%<br>n = {int(n)}")
                row_c.append(
                    [
                        "not shown: too few pairs",
                        "",
                        int(n),
                        str(meaning).replace("_", " "),
                        f"{float(t):.3g}",
                        f"{100 * rate:.0f}%",
                    ]
                )
            else:
                row_t.append(f"{100 * rate:.0f}%<br>[{100 * low:.0f}–{100 * high:.0f}]")
                row_c.append(
                    [
                        f"{100 * low:.0f}%–{100 * high:.0f}%",
                        "",
                        int(n),
                        str(meaning).replace("_", " "),
                        f"{float(t):.3g}",
                        f"{100 * rate:.0f}%",
                    ]
                )
        z.append(row_z)
        text.append(row_t)
        custom.append(row_c)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[cat_label(c) for c in cats],
            y=[_label(m, labels) for m in models],
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            colorscale="Reds",
            zmin=0,
            zmax=1,
            colorbar=BADNESS_COLORBAR,
            hovertemplate="%{y} · %{x}<br>%{customdata[3]} at t = %{customdata[4]}: %{customdata[5]}"
            "<br>95% CI %{customdata[0]} (n = %{customdata[2]})<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _base(
        fig, title or "Share of pairs scoring ≥ threshold, with 95% bootstrap CI", height=160 + 46 * len(models)
    )


def rate_curves(curves: pd.DataFrame, threshold: float | None, marks: Mapping[str, float] | None = None) -> go.Figure:
    """Share of pairs >= t as t goes from 0 to 1, one panel per category, one line per model.

    Args:
        curves: :func:`compsem.stats.failure_rates` over a grid of thresholds (``model_label``, where
            present, names the models).
        threshold: the chosen threshold (a vertical line), or None.
        marks: model -> its own threshold (calibrated), drawn as a marker on its curve.
    """
    labels = labels_of(curves)
    cats = sort_categories(curves["category"].unique())
    models = list(dict.fromkeys(curves["model"]))
    colors = model_colors(models)
    cols = 3
    rows = math.ceil(len(cats) / cols)
    # Row positions per (model, category) and two numeric columns, not a sorted sub-frame per line: this
    # figure is rebuilt on every selection change.
    where = curves.groupby(["model", "category"], sort=False).indices
    all_t, all_rate = curves["threshold"].to_numpy(), curves["rate"].to_numpy()
    traces, shapes = [], []
    for i, cat in enumerate(cats):
        xa, ya = _axes(i)
        for model in models:
            rows_at = where.get((model, cat))
            if rows_at is None or not len(rows_at):
                continue
            rows_at = rows_at[np.argsort(all_t[rows_at], kind="stable")]
            ts, rates = all_t[rows_at], all_rate[rows_at]
            name = _label(model, labels)
            traces.append(
                dict(
                    type="scatter",
                    x=ts,
                    y=rates,
                    mode="lines",
                    name=name,
                    legendgroup=model,
                    showlegend=i == 0,
                    xaxis=xa,
                    yaxis=ya,
                    line=dict(color=colors[model], width=1.8),
                    opacity=0.85,
                    hovertemplate=f"{name}<br>t = %{{x:.2f}}: %{{y:.0%}}<extra>{cat_label(cat)}</extra>",
                )
            )
            if marks and model in marks and not math.isnan(marks[model]):
                t_m = marks[model]
                y_m = float(rates[np.abs(ts - t_m).argmin()])
                traces.append(
                    dict(
                        type="scatter",
                        x=[t_m],
                        y=[y_m],
                        mode="markers",
                        legendgroup=model,
                        showlegend=False,
                        xaxis=xa,
                        yaxis=ya,
                        marker=dict(color=colors[model], size=9, symbol="diamond"),
                        hovertemplate=f"{name}: calibrated t = {t_m:.3f}<extra></extra>",
                    )
                )
        if threshold is not None:
            shapes.append(_vline(i, threshold, "dash", "#444"))
    fig = _grid_figure(
        traces,
        rows,
        cols,
        [cat_label(c) for c in cats],
        True,
        shapes,
        [],
        0.12 / max(rows - 1, 1) + 0.04,
        title="Share of pairs scoring ≥ t as the threshold t moves (dashed: chosen threshold; ◆: calibrated "
        "threshold). Click a model in the legend to see it alone.",
        height=240 * rows + 120,
        xaxes=dict(range=[0, 1]),
        yaxes=dict(range=[-0.03, 1.03], tickformat=".0%"),
    )
    # with a dozen models the lines overlap: one click on a legend entry isolates that model (double click: hide it)
    fig.update_layout(legend=dict(itemclick="toggleothers", itemdoubleclick="toggle"))
    return fig


def calibration(
    results: pd.DataFrame, thresholds: Mapping[str, float] | None = None, threshold: float | None = None
) -> go.Figure:
    """Raw model output against the 0-1 score, one panel per model, a marker symbol per category.

    Categories are told apart by symbol, in the model's own colour, never by other models' colours.

    Shows why one threshold does not fit all models: a logit, a cosine and a probability
    live on different scales, and the same 0-1 score can mean different things.

    Args:
        results: tidy results with ``raw_score`` and ``score`` (``model_label``, where present, names the panels).
        thresholds: model -> calibrated threshold (horizontal dotted line).
        threshold: the shared threshold (horizontal dashed line).
    """
    labels = labels_of(results)
    models = list(dict.fromkeys(results["model"]))
    cats = sort_categories(results["category"].unique())
    symbols = category_symbols(cats)
    colours = model_colors(models)
    cols = min(3, max(len(models), 1))
    rows = math.ceil(len(models) / cols)
    # Row positions per (model, category) and the four columns drawn, not a sub-frame of every column per panel.
    where = results.groupby(["model", "category"], sort=False).indices
    raw, score = results["raw_score"].to_numpy(), results["score"].to_numpy()
    sentence_a, sentence_b = results["sentence_a"].to_numpy(), results["sentence_b"].to_numpy()
    traces, shapes, notes = [], [], []
    for i, model in enumerate(models):
        xa, ya = _axes(i)
        for cat in cats:
            part = where.get((model, cat))
            if part is None or not len(part):
                continue
            custom = np.column_stack(
                [[escape(a, 60, 160) for a in sentence_a[part]], [escape(b, 60, 160) for b in sentence_b[part]]]
            )
            traces.append(
                dict(
                    type="scatter",
                    x=raw[part],
                    y=score[part],
                    mode="markers",
                    name=cat_label(cat),
                    legendgroup=cat,
                    showlegend=False,
                    xaxis=xa,
                    yaxis=ya,
                    marker=dict(color=colours[model], symbol=symbols[cat], size=6, opacity=0.7),
                    customdata=custom,
                    hovertemplate="raw %{x:.4g} → score %{y:.3f}<br>A: %{customdata[0]}<br>B: %{customdata[1]}"
                    f"<extra>{cat_label(cat)}</extra>",
                )
            )
        if threshold is not None:
            shapes.append(_hline(i, threshold, "dash", "#444"))
        if thresholds and model in thresholds and not math.isnan(thresholds[model]):
            t_m = thresholds[model]
            shapes.append(_hline(i, t_m, "dot", "#2ca02c"))
            notes.append(
                dict(
                    xref=f"{xa} domain",
                    x=1,
                    yref=ya,
                    y=t_m,
                    text=f"calibrated {t_m:.2f}",
                    showarrow=False,
                    xanchor="right",
                    yanchor="top",
                    font=dict(size=11, color="#2ca02c"),
                )
            )
    # the legend names the symbols in a neutral grey: a colour on this chart always means the panel's model
    traces += [
        dict(
            type="scatter",
            x=[None],
            y=[None],
            mode="markers",
            name=cat_label(cat),
            legendgroup=cat,
            showlegend=True,
            marker=dict(color=NEUTRAL, symbol=symbols[cat], size=8),
            hoverinfo="skip",
        )
        for cat in cats
    ]
    return _grid_figure(
        traces,
        rows,
        cols,
        [_label(m, labels) for m in models],
        False,
        shapes,
        notes,
        0.14 / max(rows - 1, 1) + 0.05,
        title="Raw model output vs normalized 0-1 score (dashed: chosen threshold; dotted green: "
        "the model's calibrated threshold)",
        height=280 * rows + 130,
        xaxes=dict(title=dict(text="raw output", font=dict(size=11))),
        yaxes=dict(range=[-0.05, 1.05]),
    )
