"""Free text: one pair's scores per model in both orders, and every edit of sentence A."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from compsem.data.formatting import format_score
from compsem.figures._style import _base, _figure, _panel_line, escape
from compsem.figures.palette import NEUTRAL, model_color


def text_pair_bars(table: pd.DataFrame, threshold: float) -> go.Figure:
    """Each model's score of a free-text pair: one horizontal bar per model and order, in the model's colour.

    Horizontal, so full model names fit on the y axis and every value label has its own line at the
    end of its bar (labels never share a line, so they cannot run into each other). (A, B) is solid;
    (B, A) is hatched and drawn only for models that read order (cross-encoders) - for a symmetric
    model it would repeat the same number. The threshold is a dashed line, named above the plot
    area, not on the bars.

    Args:
        table: ``model, label, kind, score, score_reversed`` per model (``model`` optional: the label's
            colour is used without it).
        threshold: the dashed line; bars at or above it mean "similar".
    """
    keys = table["model"] if "model" in table.columns else table["label"]
    # wrapped at 22 characters: on a phone the names would otherwise take the width the bars need
    names = [escape(x, width=22) for x in table["label"]]
    colours = [model_color(str(k)) for k in keys]
    ordered = table["kind"].astype(str).eq("cross-encoder").to_numpy()
    rows = len(table)
    traces: list[dict] = []
    for order, column, pattern in (("A, B", "score", ""), ("B, A", "score_reversed", "/")):
        values = table[column].to_numpy(dtype=float)
        shown = values if order == "A, B" else np.where(ordered, values, np.nan)
        traces.append(
            dict(
                type="bar",
                orientation="h",
                y=names,
                x=shown,
                name=f"score({order})",
                marker=dict(color=colours, pattern=dict(shape=pattern, fillmode="overlay", fgcolor="#ffffff")),
                text=["" if v != v else format_score(v) for v in shown],
                textposition="outside",
                constraintext="none",  # Plotly shrinks an outside label to the bar's thickness otherwise: unreadable
                cliponaxis=False,
                textfont=dict(size=12),
                hovertemplate=f"%{{y}}<br>score({order}) = %{{x:.3f}}<extra></extra>",
                showlegend=False,
            )
        )
    # legend entries for the two orders, in neutral grey: the colour of a bar is always its model
    for order, pattern in (("A, B", ""), ("B, A (cross-encoders only)", "/")):
        traces.append(
            dict(
                type="bar",
                orientation="h",
                x=[None],
                y=[None],
                name=f"score({order})",
                marker=dict(color=NEUTRAL, pattern=dict(shape=pattern, fillmode="overlay", fgcolor="#ffffff")),
                showlegend=True,
                hoverinfo="skip",
            )
        )
    layout: dict = dict(
        barmode="group",
        bargap=0.2,
        bargroupgap=0.0,
        xaxis=dict(title=dict(text="score (0-1)"), range=[0, 1.15], tickvals=[0, 0.25, 0.5, 0.75, 1]),
        yaxis=dict(autorange="reversed", automargin=True, categoryorder="array", categoryarray=names),
        legend=dict(orientation="h", y=-0.12 - 0.4 / max(rows, 1), x=0),
        shapes=[_panel_line("x", "y", "x", float(threshold))],
        annotations=[
            dict(
                x=float(threshold),
                xref="x",
                y=1,
                yref="paper",
                yanchor="bottom",
                showarrow=False,
                text=f"threshold {threshold:g}",
                font=dict(size=12, color="#444"),
            )
        ],
    )
    height = 200 + (72 if ordered.any() else 44) * rows  # room for two 12 px labels per row when (B, A) is drawn
    fig = _figure(
        traces, layout, "Score of your pair per model (hatched: the order B, A, for models that read order)", height
    )
    fig.update_layout(margin_r=44)  # room for the last value label right of a full bar
    return fig


def variant_heatmap(table: pd.DataFrame) -> go.Figure:
    """Score of (A, variant of A) per model x variant.

    Args:
        table: ``label`` (model), ``variant``, ``score``.
    """
    variants = list(dict.fromkeys(table["variant"]))
    models = list(dict.fromkeys(table["label"]))
    z = [
        [
            float(table[(table["label"] == m) & (table["variant"] == v)]["score"].iloc[0])
            if len(table[(table["label"] == m) & (table["variant"] == v)])
            else np.nan
            for v in variants
        ]
        for m in models
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[html.escape(v, quote=False) for v in variants],
            y=[html.escape(m, quote=False) for m in models],
            zmin=0,
            zmax=1,
            colorscale="Reds",
            texttemplate="%{z:.2f}",
            hovertemplate="%{y} · %{x}: %{z:.3f}<extra></extra>",
            colorbar=dict(title="score"),
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _base(fig, "Score of (A, edited A): a robust model scores every edit low", height=160 + 40 * len(models))
