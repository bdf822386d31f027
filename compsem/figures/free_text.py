"""Free text: one pair's scores per model in both orders, and every edit of sentence A."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from compsem.figures._style import _base


def text_pair_bars(table: pd.DataFrame, threshold: float) -> go.Figure:
    """Each model's score of a free-text pair, (A, B) and (B, A) side by side.

    Args:
        table: ``label, kind, score, score_reversed`` per model.
        threshold: dashed line; bars at or above it mean "similar".
    """
    labels = [html.escape(str(x), quote=False) for x in table["label"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=table["score"],
            name="score(A, B)",
            marker_color="#1f77b4",
            text=[f"{s:.3f}" for s in table["score"]],
            textposition="outside",
            hovertemplate="%{x}<br>score(A, B) = %{y:.4f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=table["score_reversed"],
            name="score(B, A)",
            marker_color="#ff7f0e",
            text=[f"{s:.3f}" for s in table["score_reversed"]],
            textposition="outside",
            hovertemplate="%{x}<br>score(B, A) = %{y:.4f}<extra></extra>",
        )
    )
    fig.add_hline(
        y=threshold,
        line_dash="dash",
        line_color="#444",
        annotation_text=f"threshold {threshold:g}",
        annotation_position="top left",
    )
    fig.update_layout(barmode="group", yaxis=dict(title="score (0-1)", range=[0, 1.12]))
    return _base(
        fig, "Score of your pair per model, in both orders (symmetric models score both orders alike)", height=440
    )


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
