"""Score distributions as small multiples: one panel per category or one panel per model.

One box plot holding every model in every category stops being readable at a handful of
models (boxes a few pixels wide, category labels cut). Here each panel holds one category
(a box per model, in the model's fixed colour from :mod:`compsem.figures.palette`) or one model (a
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

from compsem.data.categories import category_info, sort_categories
from compsem.data.labels import labels_of
from compsem.figures._style import _axes, _figure, _grid_figure_layout, _label, _panel_line, cat_label, escape
from compsem.figures.palette import model_colors

#: Ways to split the chart: one panel per category, or one per model.
FACETS = ("category", "model")
_HOVER = (
    "<b>%{customdata[0]}</b> · %{customdata[4]}<br>A: %{customdata[1]}<br>B: %{customdata[2]}"
    "<br>score %{customdata[5]:.3f} · raw %{customdata[3]}<extra>%{fullData.name}</extra>"
)


def _is_control(cat: str) -> bool:
    return category_info(cat).role in ("positive_control", "negative_control", "near_miss")


def _title(cat: str) -> str:
    return cat_label(cat) + (" (control)" if _is_control(cat) else "")


def _custom(part: pd.DataFrame) -> list[list]:
    # rows of Python values: the score stays a number the hover template can format
    return [
        [escape(p, 40), escape(a), escape(b), f"{r:.4g}", _title(c), float(s)]
        for p, a, b, r, c, s in zip(
            part["pair_id"], part["sentence_a"], part["sentence_b"], part["raw_score"], part["category"], part["score"]
        )
    ]


def distribution_facets(results: pd.DataFrame, threshold: float, by: str = "category", columns: int = 3) -> go.Figure:
    """Box plots of the score with every pair as a point, in one panel per category or per model.

    Args:
        results: tidy results (``pair_id, category, sentence_a, sentence_b, model, raw_score, score``);
            the ``model_label`` column (:mod:`compsem.data.labels`), where present, names the models.
        threshold: drawn as a dashed line in every panel.
        by: ``"category"`` (a panel per category, a box per model) or ``"model"`` (a panel per
            model, a horizontal box per category).
        columns: panels per row.

    Returns:
        The figure; each model keeps its colour from :func:`compsem.figures.palette.model_color`.
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
    # Why plain dicts (figures._style._grid_figure_layout and _figure, no Plotly validation): with a
    # dozen models this figure has ~120 boxes carrying every pair's text for the hover; validating those
    # lists, and one add_hline per panel (each walks every subplot), were most of a selection change on
    # the Distributions page. tests/test_facets.py validates the figure again and checks it is unchanged.
    where = results.groupby(["model", "category"], sort=False).indices
    traces: list[dict] = []
    shapes: list[dict] = []
    for i, panel in enumerate(panels):
        xa, ya = _axes(i)
        for model, cat in [(m, panel) for m in models] if by == "category" else [(panel, c) for c in cats]:
            at = where.get((model, cat))
            if at is None:
                continue
            part = results.iloc[at]
            box = dict(
                type="box",
                name=_label(model, labels),
                legendgroup=model,
                customdata=_custom(part),
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                hoveron="points",
                marker=dict(color=colors[model], size=4, opacity=0.7),
                line=dict(color=colors[model], width=1.5),
                hovertemplate=_HOVER,
                xaxis=xa,
                yaxis=ya,
            )
            if by == "category":
                box.update(x=[box["name"]] * len(part), y=part["score"].to_numpy(), showlegend=i == 0)
            else:  # the panel title names the model
                box.update(y=[_title(cat)] * len(part), x=part["score"].to_numpy(), showlegend=False, orientation="h")
            traces.append(box)
        shapes.append(_panel_line(xa, ya, "y" if by == "category" else "x", threshold, width=1.2))
    if by == "category":
        xaxes: dict = dict(showticklabels=False)
        yaxes: dict = dict(range=[-0.05, 1.05])
    else:
        order = [_title(c) for c in cats]
        xaxes = dict(range=[-0.05, 1.05], showticklabels=True, tickvals=[0, 0.5, 1])
        yaxes = dict(categoryorder="array", categoryarray=order[::-1], range=[-0.6, len(order) - 0.4], automargin=True)
    layout = _grid_figure_layout(
        rows,
        cols,
        titles,
        (by == "model", True),
        shapes,
        [],
        min(0.3 / rows, 0.12),
        0.04 if by == "category" else 0.03,
        xaxes=xaxes,
        yaxes=yaxes,
    )
    for note in layout.get("annotations", []):  # the panel titles
        note.setdefault("font", {})["size"] = 13
    if by == "category":
        for r in range(rows):  # the first panel of each row names the score axis
            layout["yaxis" + ("" if r == 0 else str(r * cols + 1))]["title"] = dict(text="score", standoff=4)
    title = f"Score per pair: one panel per {by}, every point a pair (dashed: threshold {threshold:g})"
    fig = _figure(traces, layout, title, (250 if by == "category" else 300) * rows + 150)
    fig.update_layout(
        boxgap=0.25,
        showlegend=by == "category",
        legend=dict(orientation="h", yanchor="top", y=-0.3 / rows, x=0, xanchor="left"),
    )
    return fig


__all__ = ["FACETS", "distribution_facets"]
