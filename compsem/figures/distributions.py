"""Score distributions per category and model, every pair a point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from compsem.data.categories import sort_categories
from compsem.data.labels import labels_of
from compsem.figures._style import _base, _control_bands, _is_control, _label, cat_label, escape
from compsem.figures.palette import model_colors


def distributions(results: pd.DataFrame, threshold: float, kind: str = "box") -> go.Figure:
    """Score distribution per category and model, every pair a point; hover shows the pair.

    Args:
        results: tidy results (``pair_id, category, sentence_a, sentence_b, model, raw_score, score``);
            the ``model_label`` column (:mod:`compsem.data.labels`), where present, names the models.
        threshold: drawn as a dashed line.
        kind: ``"box"`` or ``"violin"``.
    """
    labels = labels_of(results)
    cats = sort_categories(results["category"].unique())
    # "(control)" on a second line: one long tick label is what Plotly cuts first
    x_labels = {c: cat_label(c) + ("<br>(control)" if _is_control(c) else "") for c in cats}
    models = list(dict.fromkeys(results["model"]))
    colors = model_colors(models)
    fig = go.Figure()
    for model in models:
        sub = results[results["model"] == model]
        custom = np.column_stack(
            [
                [escape(p, 40) for p in sub["pair_id"]],
                [escape(a) for a in sub["sentence_a"]],
                [escape(b) for b in sub["sentence_b"]],
                [f"{r:.4g}" for r in sub["raw_score"]],
            ]
        )
        common = dict(
            x=[x_labels[c] for c in sub["category"]],
            y=sub["score"],
            name=_label(model, labels),
            customdata=custom,
            marker=dict(color=colors[model], size=5, opacity=0.7),
            line=dict(color=colors[model]),
            legendgroup=model,
            hovertemplate="<b>%{customdata[0]}</b> · %{x}<br>A: %{customdata[1]}<br>B: %{customdata[2]}"
            "<br>score %{y:.3f} · raw %{customdata[3]}<extra>%{fullData.name}</extra>",
        )
        if kind == "violin":
            fig.add_trace(
                go.Violin(
                    **common,
                    points="all",
                    pointpos=0,
                    jitter=0.4,
                    box_visible=True,
                    spanmode="hard",
                    scalemode="width",
                    hoveron="points",
                )
            )
        else:
            fig.add_trace(go.Box(**common, boxpoints="all", jitter=0.5, pointpos=0, hoveron="points"))
    order = [x_labels[c] for c in cats]
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    shapes = _control_bands(cats)
    shapes.append(
        dict(
            type="line",
            xref="paper",
            x0=0,
            x1=1,
            yref="y",
            y0=threshold,
            y1=threshold,
            line=dict(dash="dash", color="#444"),
        )
    )
    fig.update_layout(
        shapes=shapes,
        annotations=[
            dict(
                xref="paper",
                x=0,
                yref="y",
                y=threshold,
                showarrow=False,
                text=f"threshold {threshold:g}",
                xanchor="left",
                yanchor="bottom",
            )
        ],
    )
    fig.update_layout(boxmode="group", violinmode="group", yaxis=dict(title="score (0-1)", range=[-0.05, 1.05]))
    return _base(fig, "Score per pair, by category and model (shaded: control categories, for reference)", height=560)
