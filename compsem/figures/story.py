"""The small chart of each finding (:class:`compsem.analysis.story_parts.Finding`): bars with 95% CIs,
one colour per model.

No Streamlit; used by the dashboard's Findings page and by the HTML report.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from compsem.analysis.story_parts import Finding
from compsem.figures._style import _figure, _panel_line
from compsem.figures.palette import model_color

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
    traces: list[dict] = []
    # one trace per (model, label): the reranking finding draws one reranker's colour over several first stages
    for model, label in dict.fromkeys(zip(chart["model"], chart["label"])):
        part = chart[(chart["model"] == model) & (chart["label"] == label)]
        name = html.escape(str(part["label"].iloc[0]), quote=False)
        value = part["value"].to_numpy(dtype=float)
        trace = dict(
            type="bar",
            name=name,
            marker=dict(
                color=model_color(model),
                pattern=dict(
                    shape=[
                        # hatched: true paraphrases among edit kinds (a chart of one category needs no marking)
                        "/" if c == "positive_control" and chart["category"].nunique() > 1 else ""
                        for c in part["category"]
                    ]
                ),
            ),
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"{name}<br>%{{{'y' if horizontal else 'x'}}}: "
            f"%{{{'x' if horizontal else 'y'}:{fmt}}}<extra></extra>",
        )
        # bar labels only where they stay legible (one or two bars per group); the hover has the value
        if horizontal or chart["model"].nunique() <= 2:
            trace["text"] = [format(v, fmt) for v in value]
        if not np.isnan(part["low"].to_numpy(dtype=float)).all():
            trace["error_x" if horizontal else "error_y"] = dict(
                type="data",
                symmetric=False,
                array=part["high"].to_numpy(dtype=float) - value,
                arrayminus=value - part["low"].to_numpy(dtype=float),
                thickness=1.2,
                width=3,
                color="#333",
            )
        if horizontal:
            trace.update(y=[name] * len(part), x=value, orientation="h")
        else:
            trace.update(x=[html.escape(str(x), quote=False) for x in part["x"]], y=value)
        traces.append(trace)
    axis = dict(
        range=[0, 1.12],
        title=dict(
            text={
                "mean": "mean score",
                "rate": "share of pairs ≥ threshold",
                "threshold": "threshold",
                "ndcg": "NDCG@10",
            }[finding.value_kind]
        ),
    )
    if finding.value_kind == "rate":
        axis["tickformat"] = ".0%"
    if horizontal:
        layout: dict = dict(
            xaxis=axis, yaxis=dict(autorange="reversed", automargin=True), showlegend=False, bargap=0.25
        )
        size = height or 110 + 30 * chart["label"].nunique()
    else:
        layout = dict(yaxis=axis, xaxis=dict(automargin=True), barmode="group", bargap=0.2, bargroupgap=0.05)
        size = height or 380
    if finding.reference_line is not None:  # what add_vline / add_hline draw (tests/test_story.py)
        layout["shapes"] = [_panel_line("x", "y", "x" if horizontal else "y", float(finding.reference_line), width=1.2)]
    # built from plain dicts without Plotly's validation (as figures._style._figure explains): the Findings
    # page draws six or seven of these on every re-render; the test validates them again
    fig = _figure(traces, layout, finding.chart_title, size)
    fig.update_layout(margin_r=30, title_font_size=14)
    return fig


__all__ = ["finding_figure"]
