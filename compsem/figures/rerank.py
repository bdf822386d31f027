"""The reranking lab: quality against latency."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go

from compsem.figures._style import _base
from compsem.figures.palette import FIRST_STAGE_COLORS, NEUTRAL, model_color

#: How each first stage is drawn: colour encodes the reranker (a model), line dash and symbol the first stage.
STAGE_DASHES = {"bm25": "solid", "dense": "dash", "hybrid": "dot"}
STAGE_SYMBOLS = {"bm25": "circle", "dense": "square", "hybrid": "triangle-up"}
#: A first stage alone, by stage key (the palette holds them by display label).
STAGE_COLORS = dict(zip(("bm25", "dense", "hybrid"), FIRST_STAGE_COLORS.values()))


def log_ticks(values: pd.Series) -> list[float]:
    """Ticks 1, 2, 5 × 10^n covering ``values`` (positive numbers): a log axis with round labels and no stray ones.

    Example:
        >>> log_ticks(pd.Series([3.0, 40.0]))
        [2.0, 5.0, 10.0, 20.0, 50.0]
    """
    finite = [float(v) for v in values if v == v and v > 0]
    if not finite:
        return []
    low, high = min(finite), max(finite)
    ticks = [
        m * 10.0**e for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1) for m in (1, 2, 5)
    ]
    below = [t for t in ticks if t <= low]
    above = [t for t in ticks if t >= high]
    return [t for t in ticks if (below[-1] if below else low) <= t <= (above[0] if above else high)]


def rerank_quality_latency(points: pd.DataFrame, latency: str = "p50") -> go.Figure:
    """NDCG@10 against latency per query, one line per first stage + reranker, points labelled by K.

    Each first stage alone is one diamond (it has no K to vary). Filled markers are timed end to
    end; a point whose ``latency`` is anything but ``measured`` is drawn open, so an estimate
    can never pass for a measurement. Colour is the reranker's model colour (the same as on every
    other page); the first stage is the line dash and the marker symbol. K labels sit on the
    largest K only (the others are in the hover), so they do not pile up.

    Args:
        points: :func:`compsem.rerank.quality_latency_points` output.
        latency: ``"p50"`` or ``"p95"``: which percentile is on the x axis.
    """
    if latency not in ("p50", "p95"):
        raise ValueError(f"latency must be 'p50' or 'p95', not {latency!r}")
    col = f"{latency}_ms"
    systems = list(dict.fromkeys(points["system"]))
    fig = go.Figure()
    for system in systems:
        part = points[points["system"] == system].sort_values("k")
        alone = (part["reranker"] == "").all()
        stage = str(part["first_stage"].iloc[0]) if len(part) else ""
        colour = STAGE_COLORS.get(stage, NEUTRAL) if alone else model_color(str(part["reranker"].iloc[0]))
        name = html.escape(str(system), quote=False)
        how = [str(h) for h in part["latency"]]
        base = STAGE_SYMBOLS.get(stage, "circle")
        symbols = ["diamond" if alone else base if h == "measured" else f"{base}-open" for h in how]
        ks = part["k"].astype(int).tolist()
        labels = ["" if alone or i < len(ks) - 1 else f"K={k}" for i, k in enumerate(ks)]
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
                text=None if alone else labels,
                textposition="middle right",
                textfont=dict(size=11, color=colour),
                line=dict(color=colour, width=2, dash=STAGE_DASHES.get(stage, "solid")),
                customdata=custom,
                marker=dict(color=colour, size=12 if alone else 9, symbol=symbols, line=dict(width=2)),
                hovertemplate=(
                    f"{name}<br>"
                    + ("" if alone else "K = %{customdata[0]}<br>")
                    + "NDCG@10 %{y:.3f}<br>p50 %{customdata[1]:.1f} ms · p95 %{customdata[2]:.1f} ms"
                    "<br>latency: %{customdata[3]}<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(
        type="log",
        title_text=f"{latency} latency per query (ms, log scale)",
        tickvals=log_ticks(points[col]),
        minor=dict(ticks="", showgrid=False),
    )
    fig.update_yaxes(title_text="NDCG@10", rangemode="tozero")
    # kept short: a long Plotly title is cut, not wrapped; the page's caption explains the markers
    return _base(fig, f"NDCG@10 vs {latency} latency per query (label: largest K; ◆ first stage alone)", height=520)
