"""The reranking lab: quality against latency."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from compsem.figures._style import _base, _colors


def rerank_quality_latency(points: pd.DataFrame, latency: str = "p50") -> go.Figure:
    """NDCG@10 against latency per query, one line per first stage + reranker, points labelled by K.

    Each first stage alone is one diamond (it has no K to vary). Filled markers are timed end to
    end; a point whose ``latency`` is anything but ``measured`` is drawn open, so an estimate
    can never pass for a measurement.

    Args:
        points: :func:`compsem.rerank.quality_latency_points` output.
        latency: ``"p50"`` or ``"p95"``: which percentile is on the x axis.
    """
    if latency not in ("p50", "p95"):
        raise ValueError(f"latency must be 'p50' or 'p95', not {latency!r}")
    col = f"{latency}_ms"
    systems = list(dict.fromkeys(points["system"]))
    colors = _colors(systems)
    fig = go.Figure()
    for system in systems:
        part = points[points["system"] == system].sort_values("k")
        alone = (part["reranker"] == "").all()
        name = html.escape(str(system), quote=False)
        how = [str(h) for h in part["latency"]]
        symbols = ["diamond" if alone else "circle" if h == "measured" else "circle-open" for h in how]
        # a list of rows, not np.column_stack: that would turn the numbers into strings, which hover cannot format
        custom = [
            list(r)
            for r in zip(
                part["k"].astype(int).tolist(),
                part["p50_ms"].astype(float).tolist(),
                part["p95_ms"].astype(float).tolist(),
                how,
            )
        ]
        fig.add_trace(
            go.Scatter(
                x=part[col],
                y=part["ndcg@10"],
                name=name,
                mode="markers" if alone else "lines+markers+text",
                text=None if alone else [f"K={k}" for k in part["k"]],
                textposition="top center",
                line=dict(color=colors[system], width=2),
                customdata=custom,
                marker=dict(color=colors[system], size=12 if alone else 9, symbol=symbols, line=dict(width=2)),
                hovertemplate=(
                    f"{name}<br>"
                    + ("" if alone else "K = %{customdata[0]}<br>")
                    + "NDCG@10 %{y:.3f}<br>p50 %{customdata[1]:.1f} ms · p95 %{customdata[2]:.1f} ms"
                    "<br>latency: %{customdata[3]}<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(type="log", title_text=f"{latency} latency per query (ms, log scale)")
    fig.update_yaxes(title_text="NDCG@10", rangemode="tozero")
    # kept short: a long Plotly title is cut, not wrapped; the page's caption explains the markers
    return _base(fig, f"NDCG@10 vs {latency} latency per query (labels: K reranked; ◆ first stage alone)", height=520)
