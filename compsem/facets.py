"""Score distributions as small multiples: one panel per category or one panel per model.

One box plot holding every model in every category stops being readable at a handful of
models (boxes a few pixels wide, category labels cut). Here each panel holds one category
(a box per model, in the model's fixed colour from :mod:`compsem.palette`) or one model (a
horizontal box per category), so 12 models stay readable at 1000 px.

No Streamlit and no statistics here; user text is escaped like in :mod:`compsem.figures`.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pair_id": ["p"], "category": ["negation"], "sentence_a": ["a"], "sentence_b": ["b"],
    ...                    "model": ["m"], "raw_score": [0.9], "score": [0.9]})
    >>> len(distribution_facets(df, 0.5).data)
    1
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from compsem.categories import category_info, sort_categories
from compsem.figures._style import _base, _label, cat_label, escape
from compsem.labels import labels_of
from compsem.palette import model_colors

#: Ways to split the chart: one panel per category, or one per model.
FACETS = ("category", "model")
_HOVER = ("<b>%{customdata[0]}</b> · %{customdata[4]}<br>A: %{customdata[1]}<br>B: %{customdata[2]}"
          "<br>score %{customdata[5]:.3f} · raw %{customdata[3]}<extra>%{fullData.name}</extra>")


#: Build traces without Plotly's validation (see :func:`distribution_facets`); tests switch it on to compare.
_VALIDATE = False


def _threshold_line(fig: go.Figure, row: int, col: int, axis: str, value: float) -> dict:
    """The dashed line ``add_hline`` (axis "y") or ``add_vline`` (axis "x") would add to one panel."""
    ref = fig.get_subplot(row, col)
    xa, ya = ref.xaxis.plotly_name.replace("axis", ""), ref.yaxis.plotly_name.replace("axis", "")
    line = dict(color="#444", dash="dash", width=1.2)
    if axis == "y":
        return dict(type="line", xref=f"{xa} domain", x0=0, x1=1, yref=ya, y0=value, y1=value, line=line)
    return dict(type="line", yref=f"{ya} domain", y0=0, y1=1, xref=xa, x0=value, x1=value, line=line)


def _is_control(cat: str) -> bool:
    return category_info(cat).role in ("positive_control", "negative_control", "near_miss")


def _title(cat: str) -> str:
    return cat_label(cat) + (" (control)" if _is_control(cat) else "")


def _custom(part: pd.DataFrame) -> list[list]:
    # rows of Python values: the score stays a number the hover template can format
    return [[escape(p, 40), escape(a), escape(b), f"{r:.4g}", _title(c), float(s)]
            for p, a, b, r, c, s in zip(part["pair_id"], part["sentence_a"], part["sentence_b"], part["raw_score"],
                                        part["category"], part["score"])]


def distribution_facets(results: pd.DataFrame, threshold: float, by: str = "category", columns: int = 3
                        ) -> go.Figure:
    """Box plots of the score with every pair as a point, in one panel per category or per model.

    Args:
        results: tidy results (``pair_id, category, sentence_a, sentence_b, model, raw_score, score``);
            the ``model_label`` column (:mod:`compsem.labels`), where present, names the models.
        threshold: drawn as a dashed line in every panel.
        by: ``"category"`` (a panel per category, a box per model) or ``"model"`` (a panel per
            model, a horizontal box per category).
        columns: panels per row.

    Returns:
        The figure; each model keeps its colour from :func:`compsem.palette.model_color`.
    """
    if by not in FACETS:
        raise ValueError(f"by must be one of {', '.join(FACETS)}, not {by!r}")
    labels = labels_of(results)
    cats = sort_categories(results["category"].unique())
    models = list(dict.fromkeys(results["model"]))
    colors = model_colors(models)
    panels = cats if by == "category" else models
    cols = max(1, min(columns, len(panels)))
    rows = max(1, math.ceil(len(panels) / cols))
    titles = [_title(c) for c in cats] if by == "category" else [_label(m, labels) for m in models]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, shared_xaxes=by == "model",
                        shared_yaxes=True, vertical_spacing=min(0.3 / rows, 0.12),
                        horizontal_spacing=0.04 if by == "category" else 0.03)
    groups = {key: grp for key, grp in results.groupby(["model", "category"], sort=False)}
    # Why unvalidated traces and one batch of shapes: with a dozen models this figure has ~120 boxes
    # carrying every pair's text for the hover, and Plotly's per-property validation of those lists
    # plus one add_hline per panel (each walks every subplot) were most of a selection change on the
    # Distributions page. The dicts are compsem's literals; tests/test_facets.py checks the figure
    # equals the validated build.
    shapes: list[dict] = []
    for i, panel in enumerate(panels):
        r, c = i // cols + 1, i % cols + 1
        if by == "category":
            for model in models:
                part = groups.get((model, panel))
                if part is None:
                    continue
                name = _label(model, labels)
                fig.add_trace(go.Box(
                    x=[name] * len(part), y=part["score"].to_numpy(), name=name, legendgroup=model,
                    showlegend=i == 0, customdata=_custom(part), boxpoints="all", jitter=0.5, pointpos=0,
                    hoveron="points", marker=dict(color=colors[model], size=4, opacity=0.7),
                    line=dict(color=colors[model], width=1.5), hovertemplate=_HOVER, _validate=_VALIDATE),
                    row=r, col=c)
            shapes.append(_threshold_line(fig, r, c, "y", threshold))
        else:
            for cat in cats:
                part = groups.get((panel, cat))
                if part is None:
                    continue
                fig.add_trace(go.Box(
                    y=[_title(cat)] * len(part), x=part["score"].to_numpy(), name=_label(panel, labels),
                    legendgroup=panel, showlegend=False,  # the panel title names the model
                    orientation="h", customdata=_custom(part), boxpoints="all", jitter=0.5, pointpos=0,
                    hoveron="points", marker=dict(color=colors[panel], size=4, opacity=0.7),
                    line=dict(color=colors[panel], width=1.5),
                    hovertemplate=_HOVER, _validate=_VALIDATE), row=r, col=c)
            shapes.append(_threshold_line(fig, r, c, "x", threshold))
    fig.update_layout(shapes=shapes)
    if by == "category":
        fig.update_xaxes(showticklabels=False)
        fig.update_yaxes(range=[-0.05, 1.05])
        for rr in range(1, rows + 1):
            fig.update_yaxes(title_text="score", title_standoff=4, row=rr, col=1)
    else:
        fig.update_xaxes(range=[-0.05, 1.05])
        order = [_title(c) for c in cats]
        fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], range=[-0.6, len(order) - 0.4],
                         automargin=True)
        fig.update_xaxes(showticklabels=True, tickvals=[0, 0.5, 1])
    fig.update_annotations(font_size=13)
    title = (f"Score per pair: one panel per {by}, every point a pair (dashed: threshold {threshold:g})")
    fig = _base(fig, title, height=(250 if by == "category" else 300) * rows + 150)
    fig.update_layout(boxgap=0.25, showlegend=by == "category",
                      legend=dict(orientation="h", yanchor="top", y=-0.3 / rows, x=0, xanchor="left"))
    return fig


__all__ = ["FACETS", "distribution_facets"]
