"""The small chart of each finding (:class:`compsem.story.Finding`): bars with 95% CIs, one colour per model.

No Streamlit; used by the dashboard's Findings page and by the HTML report.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from compsem.figures._style import _base
from compsem.palette import model_color
from compsem.story import Finding

_FORMATS = {"mean": ".3f", "rate": ".0%", "threshold": ".3f", "ndcg": ".3f"}


def finding_figure(finding: Finding, height: int | None = None) -> go.Figure:
    """Bars of ``finding.chart``: grouped by category with one bar per model, or one bar per model.

    A chart holding one category (or none: per-model values such as thresholds) is drawn as
    horizontal bars with the model names on the y axis, where long names have room; a chart
    over several categories is drawn as vertical bars grouped by category.
    """
    chart = finding.chart
    fmt = _FORMATS.get(finding.value_kind, ".3f")
    horizontal = chart["x"].nunique() == 1 or finding.value_kind in ("threshold", "ndcg")
    fig = go.Figure()
    for model in dict.fromkeys(chart["model"]):
        part = chart[chart["model"] == model]
        name = html.escape(str(part["label"].iloc[0]), quote=False)
        value = part["value"].to_numpy(dtype=float)
        err = None
        if not np.isnan(part["low"].to_numpy(dtype=float)).all():
            err = dict(type="data", symmetric=False, array=part["high"].to_numpy(dtype=float) - value,
                       arrayminus=value - part["low"].to_numpy(dtype=float), thickness=1.2, width=3, color="#333")
        cats = [html.escape(str(x), quote=False) for x in part["x"]]
        # bar labels only where they stay legible (one or two bars per group); the hover has the value
        labelled = horizontal or chart["model"].nunique() <= 2
        # hatched: true paraphrases among edit kinds (a chart of one category needs no marking)
        patterns = ["/" if c == "positive_control" and chart["category"].nunique() > 1 else ""
                    for c in part["category"]]
        common = dict(name=name, marker=dict(color=model_color(model), pattern=dict(shape=patterns)),
                      text=[format(v, fmt) for v in value] if labelled else None,
                      textposition="outside", cliponaxis=False,
                      hovertemplate=f"{name}<br>%{{{'y' if horizontal else 'x'}}}: "
                                    f"%{{{'x' if horizontal else 'y'}:{fmt}}}<extra></extra>")
        if horizontal:
            fig.add_trace(go.Bar(y=[name] * len(part), x=value, orientation="h", error_x=err, **common))
        else:
            fig.add_trace(go.Bar(x=cats, y=value, error_y=err, **common))
    axis = dict(range=[0, 1.12], tickformat=".0%" if finding.value_kind == "rate" else None,
                title_text={"mean": "mean score", "rate": "share of pairs ≥ threshold",
                            "threshold": "threshold", "ndcg": "NDCG@10"}[finding.value_kind])
    if horizontal:
        fig.update_xaxes(**axis)
        fig.update_yaxes(autorange="reversed", automargin=True)
        fig.update_layout(showlegend=False, bargap=0.25)
        n = chart["model"].nunique()
        size = height or 110 + 30 * n
    else:
        fig.update_yaxes(**axis)
        fig.update_xaxes(automargin=True)
        fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05)
        size = height or 380
    if finding.reference_line is not None:
        line = dict(line_dash="dash", line_color="#444", line_width=1.2)
        (fig.add_vline(x=finding.reference_line, **line) if horizontal
         else fig.add_hline(y=finding.reference_line, **line))
    fig = _base(fig, finding.chart_title, height=size)
    fig.update_layout(margin=dict(l=10, r=30, b=10), title_font_size=14)
    return fig


__all__ = ["finding_figure"]
