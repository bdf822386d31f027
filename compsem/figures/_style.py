"""compsem's look shared by every figure: the template, fonts, titles, escaping, subplot grids, threshold lines."""

from __future__ import annotations

import copy
import html
import textwrap
from collections.abc import Mapping, Sequence
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from compsem.data.categories import category_info, category_label

KIND_COLORS = {"bi-encoder": "#d62728", "cross-encoder": "#1f77b4", "baseline": "#7f7f7f"}
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
)
_FONT = dict(family="Inter, Arial, sans-serif", size=13)


def escape(text: object, width: int = 70, limit: int = 300) -> str:
    """Text safe for a Plotly label: HTML-escaped, cut at ``limit`` characters, wrapped with ``<br>``.

    Example:
        >>> escape("<b>bold</b>")
        '&lt;b&gt;bold&lt;/b&gt;'
    """
    return _escape(str(text), width, limit)


@lru_cache(maxsize=65536)
def _escape(s: str, width: int, limit: int) -> str:
    # cached: the same sentences are drawn on every re-render, and wrapping them is not free
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    lines = textwrap.wrap(s, width=width, break_long_words=True, replace_whitespace=False) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def cat_label(name: str) -> str:
    """Category label for an axis, escaped (custom category names come from user files)."""
    return html.escape(category_label(str(name)), quote=False)


def _label(model: str, labels: Mapping[str, str] | None) -> str:
    return html.escape((labels or {}).get(model, model), quote=False)


def _colors(items: Sequence[str]) -> dict[str, str]:
    """Colours by position, for things that are not models (reranking systems); models use compsem.figures.palette."""
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(items)}


#: compsem's look, set on each figure by :func:`_base` (Plotly's global default is never changed).
TEMPLATE = "plotly_white"
_TEMPLATE = pio.templates[TEMPLATE]


def _apply_template(fig: go.Figure) -> None:
    """Give ``fig`` compsem's template without validating it again.

    ``update_layout(template=...)`` validates the whole template: measured 6 ms per figure on a
    quiet machine and 20-35 ms under load, which alone broke the dashboard's 300 ms re-render
    budget on pages with several charts. The template is one of Plotly's own, already valid, so
    it is set with validation switched off for that one assignment - what Plotly itself does
    when it applies ``plotly.io.templates.default`` to a new figure (about 0.5 ms).
    """
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = _TEMPLATE
    finally:
        layout._validate = validate


#: Characters per title line: Plotly cuts a long title at the chart's edge instead of wrapping it, and a
#: chart in the main column at 1000 px is about 650 px wide.
TITLE_WIDTH = 72


def _base_layout(title: str, height: int = 460) -> dict:
    """The layout every figure shares: the wrapped, escaped title, height, font, margins, legend, hover labels."""
    lines = textwrap.wrap(title, TITLE_WIDTH) or [""]
    top = 54 + 20 * len(lines)  # the first line starts below the modebar
    return dict(
        title=dict(
            text="<br>".join(html.escape(line, quote=False) for line in lines),
            x=0.01,
            xanchor="left",
            yref="container",
            y=1 - 44 / (height + 20 * (len(lines) - 1)),
            yanchor="top",
        ),
        height=height + 20 * (len(lines) - 1),
        font=_FONT,
        margin=dict(l=10, r=10, t=top, b=10),
        legend=dict(orientation="h", y=-0.18),
        hoverlabel=dict(align="left"),
    )


def _base(fig: go.Figure, title: str, height: int = 460) -> go.Figure:
    fig.update_layout(**_base_layout(title, height))
    _apply_template(fig)
    return fig


def _is_control(cat: str) -> bool:
    return category_info(cat).role in ("positive_control", "negative_control", "near_miss")


@lru_cache(maxsize=64)
def _grid_layout(
    rows: int, cols: int, titles: tuple[str, ...], shared: bool | tuple[bool, bool], v_space: float, h_space: float
) -> dict:
    """Layout of a subplot grid (axes domains, titles), built once per shape: make_subplots is slow.

    ``shared``: whether the panels share their axes, for both or as ``(x, y)``.
    """
    shared_x, shared_y = shared if isinstance(shared, tuple) else (shared, shared)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        shared_xaxes=shared_x,
        shared_yaxes=shared_y,
        vertical_spacing=v_space,
        horizontal_spacing=h_space,
    )
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)  # the default template: _base sets compsem's, without validating it again
    return layout


def _axes(i: int) -> tuple[str, str]:
    """Trace axis names of the i-th (0-based) subplot: ``("x", "y")``, ``("x2", "y2")``..."""
    n = "" if i == 0 else str(i + 1)
    return f"x{n}", f"y{n}"


def _merge(into: dict, update: Mapping) -> None:
    """``update`` merged into ``into`` as ``update_layout`` merges: nested dicts key by key, other values replaced."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _figure(traces: list[dict], layout: dict, title: str, height: int) -> go.Figure:
    """A figure from plain trace and layout dicts with :func:`_base`'s look, built without Plotly's validation.

    Why unvalidated: Plotly validates every property of every trace on construction; for the
    subplot grids (80-160 traces: a line or a point cloud per model x category) that was about
    80% of building the rate curves and the calibration panels, the two costliest steps of a
    selection change on the Failure rates page. The dicts are compsem's own literals; Plotly
    builds its own templates this way (``_validate=False``). ``tests/test_figures.py`` rebuilds
    each such figure with validation and checks that it is the same figure. Changes made to the
    returned figure (a threshold line, a caller's update) are validated as usual.
    """
    if not layout.get("shapes"):  # Plotly drops an empty list when it validates; so does this
        layout.pop("shapes", None)
    _merge(layout, _base_layout(title, height))
    fig = go.Figure(data=traces, layout=layout, _validate=False)
    fig._validate = True
    fig.layout._validate = True
    for trace in fig.data:
        trace._validate = True
    _apply_template(fig)
    return fig


def _grid_figure_layout(
    rows: int,
    cols: int,
    titles: Sequence[str],
    shared: bool | tuple[bool, bool],
    shapes: list[dict],
    annotations: list[dict],
    v_space: float,
    h_space: float = 0.06,
    *,
    xaxes: Mapping | None = None,
    yaxes: Mapping | None = None,
) -> dict:
    """The layout dict of a subplot grid: :func:`_grid_layout`'s, with ``shapes``, extra ``annotations``,
    and ``xaxes`` / ``yaxes`` on every x / y axis of the grid, as ``update_xaxes`` / ``update_yaxes`` would."""
    layout = copy.deepcopy(_grid_layout(rows, cols, tuple(titles), shared, v_space, h_space))
    layout["shapes"] = shapes
    if annotations:
        layout["annotations"] = list(layout.get("annotations", [])) + annotations
    for key in list(layout):
        extra = xaxes if key.startswith("xaxis") else yaxes if key.startswith("yaxis") else None
        if extra:
            _merge(layout[key], extra)
    return layout


def _grid_figure(
    traces: list[dict],
    rows: int,
    cols: int,
    titles: Sequence[str],
    shared: bool | tuple[bool, bool],
    shapes: list[dict],
    annotations: list[dict],
    v_space: float,
    h_space: float = 0.06,
    *,
    title: str,
    height: int,
    xaxes: Mapping | None = None,
    yaxes: Mapping | None = None,
) -> go.Figure:
    """A subplot grid of ``traces`` (plain dicts) on :func:`_grid_figure_layout`, through :func:`_figure`."""
    layout = _grid_figure_layout(
        rows, cols, titles, shared, shapes, annotations, round(v_space, 4), h_space, xaxes=xaxes, yaxes=yaxes
    )
    return _figure(traces, layout, title, height)


def _control_bands(cats: Sequence[str]) -> list[dict]:
    """A light band behind each control category (positive, negative, near-miss) on a category x-axis."""
    return [
        dict(
            type="rect",
            xref="x",
            x0=i - 0.5,
            x1=i + 0.5,
            yref="paper",
            y0=0,
            y1=1,
            fillcolor="#eeeeee",
            opacity=0.5,
            layer="below",
            line=dict(width=0),
        )
        for i, c in enumerate(cats)
        if _is_control(c)
    ]


def _panel_line(
    xa: str, ya: str, axis: str, value: float, *, dash: str = "dash", color: str = "#444", width: float = 1.5
) -> dict:
    """A line across the panel on axes ``xa``/``ya`` at ``value``: horizontal for ``axis="y"`` (what
    ``add_hline`` draws there), vertical for ``axis="x"`` (``add_vline``)."""
    line = dict(dash=dash, color=color, width=width)
    if axis == "y":
        return dict(type="line", xref=f"{xa} domain", x0=0, x1=1, yref=ya, y0=value, y1=value, line=line)
    return dict(type="line", yref=f"{ya} domain", y0=0, y1=1, xref=xa, x0=value, x1=value, line=line)


def _hline(i: int, y: float, dash: str, color: str) -> dict:
    return _panel_line(*_axes(i), "y", y, dash=dash, color=color)


def _vline(i: int, x: float, dash: str, color: str) -> dict:
    return _panel_line(*_axes(i), "x", x, dash=dash, color=color)


def add_threshold(fig: go.Figure, threshold: float | None, axis: str = "y") -> go.Figure:
    """Draw the threshold on every panel of ``fig`` (a horizontal line for ``axis="y"``, vertical for ``"x"``).

    Lets a threshold-free figure be built once and the moving threshold be added per view.
    """
    if threshold is None:
        return fig
    panels = list(dict.fromkeys((t.xaxis or "x", t.yaxis or "y") for t in fig.data))
    lines = [_panel_line(xa, ya, axis, threshold) for xa, ya in panels]
    fig.update_layout(shapes=list(fig.layout.shapes) + lines)
    return fig
