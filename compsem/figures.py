"""Plotly figures of compsem's results: functions that take tables and return ``go.Figure``.

No Streamlit here, and no statistics: every function draws a table that
:mod:`compsem.stats` (or :mod:`compsem.study`) computed. Text that came from a user
(sentences, pair ids, custom category names) is HTML-escaped before it reaches a
hover label or an axis, because Plotly renders a subset of HTML in those places:
``<b>`` typed by a user must show as ``<b>``, not as bold.

Example:
    >>> import pandas as pd
    >>> fig = effect_size_heatmap(pd.DataFrame({"row": ["m"], "category": ["negation"], "cohens_d": [-2.0],
    ...                                         "holm_pvalue": [0.001], "significant": [True]}))
    >>> fig.data[0].zmid
    0
"""

from __future__ import annotations

import copy
import html
import math
import textwrap
from functools import lru_cache
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from compsem.categories import category_info, category_label, sort_categories
from compsem.formatting import format_pvalue
from compsem.palette import model_colors

#: Colours per model family, reused so a family looks the same on every chart.
KIND_COLORS = {"bi-encoder": "#d62728", "cross-encoder": "#1f77b4", "baseline": "#7f7f7f"}
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d")
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
    """Colours by position, for things that are not models (reranking systems); models use compsem.palette."""
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(items)}


#: compsem's look. Applied as Plotly's default template when the default is still Plotly's own
#: (a user's choice is left alone): a default template costs ~3 ms per figure, while
#: ``update_layout(template=...)`` validates the whole template again, ~20-35 ms per figure,
#: which alone broke the dashboard's 300 ms re-render budget on pages with several charts.
TEMPLATE = "plotly_white"
if pio.templates.default == "plotly":
    pio.templates.default = TEMPLATE


#: Characters per title line: Plotly cuts a long title at the chart's edge instead of wrapping it, and a
#: chart in the main column at 1000 px is about 650 px wide.
TITLE_WIDTH = 72


def _base(fig: go.Figure, title: str, height: int = 460) -> go.Figure:
    lines = textwrap.wrap(title, TITLE_WIDTH) or [""]
    top = 54 + 20 * len(lines)  # the first line starts below the modebar
    fig.update_layout(title=dict(text="<br>".join(html.escape(line, quote=False) for line in lines), x=0.01,
                                 xanchor="left", yref="container", y=1 - 44 / (height + 20 * (len(lines) - 1)),
                                 yanchor="top"),
                      height=height + 20 * (len(lines) - 1), font=_FONT,
                      margin=dict(l=10, r=10, t=top, b=10), legend=dict(orientation="h", y=-0.18),
                      hoverlabel=dict(align="left"))
    if pio.templates.default != TEMPLATE:  # someone chose another default: still draw compsem's look
        fig.update_layout(template=TEMPLATE)
    return fig


def _is_control(cat: str) -> bool:
    return category_info(cat).role in ("positive_control", "negative_control", "near_miss")


@lru_cache(maxsize=64)
def _grid_layout(rows: int, cols: int, titles: tuple[str, ...], shared: bool, v_space: float, h_space: float
                 ) -> dict:
    """Layout of a subplot grid (axes domains, titles), built once per shape: make_subplots is slow."""
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles), shared_xaxes=shared, shared_yaxes=shared,
                        vertical_spacing=v_space, horizontal_spacing=h_space)
    return fig.layout.to_plotly_json()


def _axes(i: int) -> tuple[str, str]:
    """Trace axis names of the i-th (0-based) subplot: ``("x", "y")``, ``("x2", "y2")``..."""
    n = "" if i == 0 else str(i + 1)
    return f"x{n}", f"y{n}"


def _grid_figure(traces: list[dict], rows: int, cols: int, titles: Sequence[str], shared: bool,
                 shapes: list[dict], annotations: list[dict], v_space: float, h_space: float = 0.06) -> go.Figure:
    layout = copy.deepcopy(_grid_layout(rows, cols, tuple(titles), shared, round(v_space, 4), h_space))
    layout["shapes"] = shapes
    layout["annotations"] = list(layout.get("annotations", [])) + annotations
    return go.Figure(data=traces, layout=layout)


def _hline(i: int, y: float, dash: str, color: str) -> dict:
    xa, ya = _axes(i)
    return dict(type="line", xref=f"{xa} domain", x0=0, x1=1, yref=ya, y0=y, y1=y,
                line=dict(dash=dash, color=color, width=1.5))


def _vline(i: int, x: float, dash: str, color: str) -> dict:
    xa, ya = _axes(i)
    return dict(type="line", yref=f"{ya} domain", y0=0, y1=1, xref=xa, x0=x, x1=x,
                line=dict(dash=dash, color=color, width=1.5))


def add_threshold(fig: go.Figure, threshold: float | None, axis: str = "y") -> go.Figure:
    """Draw the threshold on every panel of ``fig`` (a horizontal line for ``axis="y"``, vertical for ``"x"``).

    Lets a threshold-free figure be built once and the moving threshold be added per view.
    """
    if threshold is None:
        return fig
    panels = list(dict.fromkeys((t.xaxis or "x", t.yaxis or "y") for t in fig.data))
    lines = []
    for xa, ya in panels:
        if axis == "y":
            lines.append(dict(type="line", xref=f"{xa} domain", x0=0, x1=1, yref=ya, y0=threshold, y1=threshold,
                              line=dict(dash="dash", color="#444", width=1.5)))
        else:
            lines.append(dict(type="line", yref=f"{ya} domain", y0=0, y1=1, xref=xa, x0=threshold, x1=threshold,
                              line=dict(dash="dash", color="#444", width=1.5)))
    fig.update_layout(shapes=list(fig.layout.shapes) + lines)
    return fig


def family_rate_heatmap(table: pd.DataFrame, threshold: float) -> go.Figure:
    """Headline: share of pairs scoring >= threshold per family x category (the study's 4.4).

    Args:
        table: :func:`compsem.stats.family_failure_rates` at one threshold.
        threshold: the threshold, for the title.
    """
    cats = sort_categories(table["category"].unique())
    kinds = list(dict.fromkeys(table["kind"]))
    z, text, custom = [], [], []
    for kind in kinds:
        sub = table[table["kind"] == kind].set_index("category")
        z.append([float(sub["mean_rate"].get(c, np.nan)) for c in cats])
        text.append([f"{100 * sub['mean_rate'][c]:.0f}%" if c in sub.index else "" for c in cats])
        custom.append([[int(sub["n_models"].get(c, 0)), sub["meaning"].get(c, "").replace("_", " ")] for c in cats])
    fig = go.Figure(go.Heatmap(
        z=z, x=[cat_label(c) for c in cats], y=kinds, text=text, texttemplate="%{text}", customdata=custom,
        colorscale="Reds", zmin=0, zmax=1, colorbar=dict(title="share ≥ t", tickformat=".0%"),
        hovertemplate="%{y} · %{x}<br>%{customdata[1]}: %{z:.0%} (mean over %{customdata[0]} model(s))"
                      "<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _base(fig, f"Share of pairs scoring ≥ {threshold:g}, mean over each family's models "
                      "(failure rate; pass rate for positive controls)", height=120 + 60 * len(kinds))


def distributions(results: pd.DataFrame, threshold: float, labels: Mapping[str, str] | None = None,
                  kind: str = "box") -> go.Figure:
    """Score distribution per category and model, every pair a point; hover shows the pair.

    Args:
        results: tidy results (``pair_id, category, sentence_a, sentence_b, model, raw_score, score``).
        threshold: drawn as a dashed line.
        labels: model key -> display label.
        kind: ``"box"`` or ``"violin"``.
    """
    cats = sort_categories(results["category"].unique())
    # "(control)" on a second line: one long tick label is what Plotly cuts first
    x_labels = {c: cat_label(c) + ("<br>(control)" if _is_control(c) else "") for c in cats}
    models = list(dict.fromkeys(results["model"]))
    colors = model_colors(models)
    fig = go.Figure()
    for model in models:
        sub = results[results["model"] == model]
        custom = np.column_stack([
            [escape(p, 40) for p in sub["pair_id"]], [escape(a) for a in sub["sentence_a"]],
            [escape(b) for b in sub["sentence_b"]], [f"{r:.4g}" for r in sub["raw_score"]],
        ])
        common = dict(x=[x_labels[c] for c in sub["category"]], y=sub["score"], name=_label(model, labels),
                      customdata=custom, marker=dict(color=colors[model], size=5, opacity=0.7),
                      line=dict(color=colors[model]), legendgroup=model,
                      hovertemplate="<b>%{customdata[0]}</b> · %{x}<br>A: %{customdata[1]}<br>B: %{customdata[2]}"
                                    "<br>score %{y:.3f} · raw %{customdata[3]}<extra>%{fullData.name}</extra>")
        if kind == "violin":
            fig.add_trace(go.Violin(**common, points="all", pointpos=0, jitter=0.4, box_visible=True,
                                    spanmode="hard", scalemode="width", hoveron="points"))
        else:
            fig.add_trace(go.Box(**common, boxpoints="all", jitter=0.5, pointpos=0, hoveron="points"))
    order = [x_labels[c] for c in cats]
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    shapes = [dict(type="rect", xref="x", x0=i - 0.5, x1=i + 0.5, yref="paper", y0=0, y1=1, fillcolor="#eeeeee",
                   opacity=0.5, layer="below", line_width=0) for i, c in enumerate(cats) if _is_control(c)]
    shapes.append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=threshold, y1=threshold,
                       line=dict(dash="dash", color="#444")))
    fig.update_layout(shapes=shapes, annotations=[dict(xref="paper", x=0, yref="y", y=threshold, showarrow=False,
                                                       text=f"threshold {threshold:g}", xanchor="left",
                                                       yanchor="bottom")])
    fig.update_layout(boxmode="group", violinmode="group", yaxis=dict(title="score (0-1)", range=[-0.05, 1.05]))
    return _base(fig, "Score per pair, by category and model (shaded: control categories, for reference)",
                 height=560)


def rate_heatmap(table: pd.DataFrame, labels: Mapping[str, str] | None = None, title: str = "") -> go.Figure:
    """Model x category share of pairs >= threshold, each cell with its 95% bootstrap CI.

    Args:
        table: rows with ``model, category, rate, rate_ci_low, rate_ci_high, n, meaning`` and a
            ``threshold`` column (the threshold each model was read at).
    """
    cats = sort_categories(table["category"].unique())
    models = list(dict.fromkeys(table["model"]))
    z, text, custom = [], [], []
    for model in models:
        sub = table[table["model"] == model].set_index("category")
        row_z, row_t, row_c = [], [], []
        for c in cats:
            if c not in sub.index:
                row_z.append(np.nan), row_t.append(""), row_c.append(["", "", "", "", ""])
                continue
            r = sub.loc[c]
            row_z.append(float(r["rate"]))
            row_t.append(f"{100 * r['rate']:.0f}%<br>[{100 * r['rate_ci_low']:.0f}–{100 * r['rate_ci_high']:.0f}]")
            row_c.append([f"{100 * r['rate_ci_low']:.0f}%", f"{100 * r['rate_ci_high']:.0f}%", int(r["n"]),
                          str(r["meaning"]).replace("_", " "), f"{float(r['threshold']):.3g}"])
        z.append(row_z), text.append(row_t), custom.append(row_c)
    fig = go.Figure(go.Heatmap(
        z=z, x=[cat_label(c) for c in cats], y=[_label(m, labels) for m in models], text=text,
        texttemplate="%{text}", customdata=custom, colorscale="Reds", zmin=0, zmax=1,
        colorbar=dict(title="share ≥ t", tickformat=".0%"),
        hovertemplate="%{y} · %{x}<br>%{customdata[3]} at t = %{customdata[4]}: %{z:.0%}"
                      "<br>95% CI %{customdata[0]}–%{customdata[1]} (n = %{customdata[2]})<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _base(fig, title or "Share of pairs scoring ≥ threshold, with 95% bootstrap CI",
                 height=160 + 46 * len(models))


def rate_curves(curves: pd.DataFrame, threshold: float | None, labels: Mapping[str, str] | None = None,
                marks: Mapping[str, float] | None = None) -> go.Figure:
    """Share of pairs >= t as t goes from 0 to 1, one panel per category, one line per model.

    Args:
        curves: :func:`compsem.stats.failure_rates` over a grid of thresholds.
        threshold: the chosen threshold (a vertical line), or None.
        marks: model -> its own threshold (calibrated), drawn as a marker on its curve.
    """
    cats = sort_categories(curves["category"].unique())
    models = list(dict.fromkeys(curves["model"]))
    colors = model_colors(models)
    cols = 3
    rows = math.ceil(len(cats) / cols)
    groups = {key: grp.sort_values("threshold") for key, grp in curves.groupby(["model", "category"], sort=False)}
    traces, shapes = [], []
    for i, cat in enumerate(cats):
        xa, ya = _axes(i)
        for model in models:
            sub = groups.get((model, cat))
            if sub is None or sub.empty:
                continue
            name = _label(model, labels)
            traces.append(dict(type="scatter", x=sub["threshold"].to_numpy(), y=sub["rate"].to_numpy(), mode="lines",
                               name=name, legendgroup=model, showlegend=i == 0, xaxis=xa, yaxis=ya,
                               line=dict(color=colors[model], width=2),
                               hovertemplate=f"{name}<br>t = %{{x:.2f}}: %{{y:.0%}}<extra>{cat_label(cat)}</extra>"))
            if marks and model in marks and not math.isnan(marks[model]):
                t_m = marks[model]
                y_m = float(sub["rate"].to_numpy()[np.abs(sub["threshold"].to_numpy() - t_m).argmin()])
                traces.append(dict(type="scatter", x=[t_m], y=[y_m], mode="markers", legendgroup=model,
                                   showlegend=False, xaxis=xa, yaxis=ya,
                                   marker=dict(color=colors[model], size=9, symbol="diamond"),
                                   hovertemplate=f"{name}: calibrated t = {t_m:.3f}<extra></extra>"))
        if threshold is not None:
            shapes.append(_vline(i, threshold, "dash", "#444"))
    fig = _grid_figure(traces, rows, cols, [cat_label(c) for c in cats], True, shapes, [],
                       0.12 / max(rows - 1, 1) + 0.04)
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%")
    fig.update_xaxes(range=[0, 1])
    return _base(fig, "Share of pairs scoring ≥ t as the threshold t moves (dashed: chosen threshold; "
                      "◆: calibrated threshold)", height=240 * rows + 120)


def calibration(results: pd.DataFrame, thresholds: Mapping[str, float] | None = None,
                labels: Mapping[str, str] | None = None, threshold: float | None = None) -> go.Figure:
    """Raw model output against the 0-1 score, one panel per model, coloured by category.

    Shows why one threshold does not fit all models: a logit, a cosine and a probability
    live on different scales, and the same 0-1 score can mean different things.

    Args:
        results: tidy results with ``raw_score`` and ``score``.
        thresholds: model -> calibrated threshold (horizontal dotted line).
        threshold: the shared threshold (horizontal dashed line).
    """
    models = list(dict.fromkeys(results["model"]))
    cats = sort_categories(results["category"].unique())
    cat_colors = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cats)}
    cols = min(3, max(len(models), 1))
    rows = math.ceil(len(models) / cols)
    groups = dict(tuple(results.groupby(["model", "category"], sort=False)))
    traces, shapes, notes = [], [], []
    for i, model in enumerate(models):
        xa, ya = _axes(i)
        for cat in cats:
            part = groups.get((model, cat))
            if part is None or part.empty:
                continue
            custom = np.column_stack([[escape(a, 60, 160) for a in part["sentence_a"]],
                                      [escape(b, 60, 160) for b in part["sentence_b"]]])
            traces.append(dict(
                type="scatter", x=part["raw_score"].to_numpy(), y=part["score"].to_numpy(), mode="markers",
                name=cat_label(cat), legendgroup=cat, showlegend=i == 0, xaxis=xa, yaxis=ya,
                marker=dict(color=cat_colors[cat], size=5, opacity=0.7), customdata=custom,
                hovertemplate="raw %{x:.4g} → score %{y:.3f}<br>A: %{customdata[0]}<br>B: %{customdata[1]}"
                              f"<extra>{cat_label(cat)}</extra>"))
        if threshold is not None:
            shapes.append(_hline(i, threshold, "dash", "#444"))
        if thresholds and model in thresholds and not math.isnan(thresholds[model]):
            t_m = thresholds[model]
            shapes.append(_hline(i, t_m, "dot", "#2ca02c"))
            notes.append(dict(xref=f"{xa} domain", x=1, yref=ya, y=t_m, text=f"calibrated {t_m:.2f}",
                              showarrow=False, xanchor="right", yanchor="top", font=dict(size=11, color="#2ca02c")))
    fig = _grid_figure(traces, rows, cols, [_label(m, labels) for m in models], False, shapes, notes,
                       0.14 / max(rows - 1, 1) + 0.05)
    fig.update_yaxes(range=[-0.05, 1.05])
    fig.update_xaxes(title_text="raw output", title_font_size=11)
    return _base(fig, "Raw model output vs normalized 0-1 score (dashed: chosen threshold; dotted green: "
                      "the model's calibrated threshold)", height=280 * rows + 130)


def effect_size_heatmap(table: pd.DataFrame, reference: str = "", cap: float = 3.0) -> go.Figure:
    """Cohen's d per row (model or family) x category against a reference, marked by significance.

    Args:
        table: ``row, category, cohens_d, holm_pvalue, significant`` (+ optional ``mean, reference_mean``).
        reference: what the rows are compared with, for the title.
        cap: the colour scale saturates at +-cap (the cell text keeps the exact d).
    """
    cats = sort_categories(table["category"].unique())
    rows = list(dict.fromkeys(table["row"]))
    z, text, custom = [], [], []
    for row in rows:
        sub = table[table["row"] == row].set_index("category")
        rz, rt, rc = [], [], []
        for c in cats:
            if c not in sub.index or pd.isna(sub.loc[c, "cohens_d"]):
                rz.append(np.nan), rt.append(""), rc.append(["—", "—", "—"])
                continue
            rec = sub.loc[c]
            d, p = float(rec["cohens_d"]), rec["holm_pvalue"]
            star = "*" if bool(rec["significant"]) else ""
            rz.append(d), rt.append(f"{d:+.2f}{star}")
            rc.append([format_pvalue(p),
                       f"{rec['mean']:.3f}" if "mean" in rec and pd.notna(rec.get("mean")) else "—",
                       f"{rec['reference_mean']:.3f}" if "reference_mean" in rec
                       and pd.notna(rec.get("reference_mean")) else "—"])
        z.append(rz), text.append(rt), custom.append(rc)
    finite = [abs(v) for r in z for v in r if v == v]
    bound = min(max(finite + [1.0]), cap)
    fig = go.Figure(go.Heatmap(
        z=z, x=[cat_label(c) for c in cats], y=[html.escape(r, quote=False) for r in rows], text=text,
        texttemplate="%{text}", customdata=custom, colorscale="RdBu_r", zmid=0, zmin=-bound, zmax=bound,
        colorbar=dict(title="Cohen's d"),
        hovertemplate="%{y} · %{x}<br>d = %{z:.2f} · Holm p = %{customdata[0]}"
                      "<br>mean %{customdata[1]} vs reference %{customdata[2]}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    title = "Cohen's d against " + (reference or "the reference") + \
            " (blue: scores lower than the reference; * Holm-corrected p < 0.05)"
    return _base(fig, title, height=170 + 46 * len(rows))


def text_pair_bars(table: pd.DataFrame, threshold: float) -> go.Figure:
    """Each model's score of a free-text pair, (A, B) and (B, A) side by side.

    Args:
        table: ``label, kind, score, score_reversed`` per model.
        threshold: dashed line; bars at or above it mean "similar".
    """
    labels = [html.escape(str(x), quote=False) for x in table["label"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=table["score"], name="score(A, B)", marker_color="#1f77b4",
                         text=[f"{s:.3f}" for s in table["score"]], textposition="outside",
                         hovertemplate="%{x}<br>score(A, B) = %{y:.4f}<extra></extra>"))
    fig.add_trace(go.Bar(x=labels, y=table["score_reversed"], name="score(B, A)", marker_color="#ff7f0e",
                         text=[f"{s:.3f}" for s in table["score_reversed"]], textposition="outside",
                         hovertemplate="%{x}<br>score(B, A) = %{y:.4f}<extra></extra>"))
    fig.add_hline(y=threshold, line_dash="dash", line_color="#444", annotation_text=f"threshold {threshold:g}",
                  annotation_position="top left")
    fig.update_layout(barmode="group", yaxis=dict(title="score (0-1)", range=[0, 1.12]))
    return _base(fig, "Score of your pair per model, in both orders (symmetric models score both orders alike)",
                 height=440)


def variant_heatmap(table: pd.DataFrame) -> go.Figure:
    """Score of (A, variant of A) per model x variant.

    Args:
        table: ``label`` (model), ``variant``, ``score``.
    """
    variants = list(dict.fromkeys(table["variant"]))
    models = list(dict.fromkeys(table["label"]))
    z = [[float(table[(table["label"] == m) & (table["variant"] == v)]["score"].iloc[0])
          if len(table[(table["label"] == m) & (table["variant"] == v)]) else np.nan for v in variants]
         for m in models]
    fig = go.Figure(go.Heatmap(z=z, x=[html.escape(v, quote=False) for v in variants],
                               y=[html.escape(m, quote=False) for m in models], zmin=0, zmax=1,
                               colorscale="Reds", texttemplate="%{z:.2f}",
                               hovertemplate="%{y} · %{x}: %{z:.3f}<extra></extra>",
                               colorbar=dict(title="score")))
    fig.update_yaxes(autorange="reversed")
    return _base(fig, "Score of (A, edited A): a robust model scores every edit low", height=160 + 40 * len(models))


def study_scatter(table: pd.DataFrame) -> go.Figure:
    """Reported vs measured figures, one point each; on the diagonal means reproduced.

    Args:
        table: :func:`compsem.study.compare_with_study` rows with a measurement.
    """
    sub = table.dropna(subset=["measured"])
    fig = go.Figure()
    for stat in dict.fromkeys(sub["statistic"]):
        part = sub[sub["statistic"] == stat]
        custom = np.column_stack([part["section"], [html.escape(m, quote=False) for m in part["model"]],
                                  [cat_label(c) for c in part["category"]], part["scale"],
                                  [html.escape(m, quote=False)[:120] for m in part["measured_models"]]])
        fig.add_trace(go.Scatter(x=part["reported"], y=part["measured"], mode="markers", name=stat,
                                 customdata=custom, marker=dict(size=8, opacity=0.75),
                                 hovertemplate="§%{customdata[0]} %{customdata[1]} · %{customdata[2]} ("
                                               "%{customdata[3]})<br>reported %{x:.3f} · measured %{y:.3f}"
                                               "<br>measured with: %{customdata[4]}<extra>%{fullData.name}</extra>"))
    values = pd.concat([sub["reported"], sub["measured"]]) if len(sub) else pd.Series([0.0, 1.0])
    lo, hi = float(min(values.min(), 0)), float(max(values.max(), 1))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", line=dict(dash="dot", color="#999"),
                             name="reproduced (y = x)", hoverinfo="skip"))
    fig.update_layout(xaxis_title="reported by the study", yaxis_title="measured by compsem")
    return _base(fig, "Study figures vs this run (points on the diagonal are reproduced)", height=480)


__all__ = ["KIND_COLORS", "add_threshold", "calibration", "distributions", "effect_size_heatmap", "escape",
           "family_rate_heatmap",
           "rate_curves", "rate_heatmap", "study_scatter", "text_pair_bars", "variant_heatmap"]




def objective_bars(table: pd.DataFrame, statistic: str = "mean", threshold: float | None = None,
                   labels: Mapping[str, str] | None = None, reference: str | None = None) -> go.Figure:
    """Per category, each model's mean score (or share >= threshold) side by side, with 95% bootstrap CIs.

    Built for "does the objective matter?": one bar per model in each category, the reference
    (the bi-encoder the trained models started from) first, hatched, in the bi-encoder colour.

    Args:
        table: :func:`compsem.objectives.comparison_table` (``model, category, n, mean,
            mean_ci_low, mean_ci_high, rate, rate_ci_low, rate_ci_high, meaning`` and, optionally,
            ``is_reference``).
        statistic: ``"mean"`` (mean score) or ``"rate"`` (share of pairs >= threshold).
        threshold: drawn as a dashed line on the mean chart; named in the title of the rate chart.
        labels: model key -> display label.
        reference: the reference model (default: the rows marked ``is_reference``).
    """
    if statistic not in ("mean", "rate"):
        raise ValueError(f"statistic must be 'mean' or 'rate', not {statistic!r}")
    value, low, high = (statistic, f"{statistic}_ci_low", f"{statistic}_ci_high")
    cats = sort_categories(table["category"].unique())
    x = [cat_label(c) + ("<br>(control)" if _is_control(c) else "") for c in cats]
    models = list(dict.fromkeys(table["model"]))
    if reference is None and "is_reference" in table.columns:
        refs = table.loc[table["is_reference"].astype(bool), "model"]
        reference = refs.iloc[0] if len(refs) else None
    if reference in models:  # the reference leads every group, whatever the row order
        models = [reference] + [m for m in models if m != reference]
    fig = go.Figure()
    colour = model_colors(models)
    for model in models:
        sub = table[table["model"] == model].set_index("category").reindex(cats)
        y = sub[value].to_numpy(dtype=float)
        is_ref = model == reference
        # rows of Python values, not np.column_stack: mixing in the text column would turn the CI bounds
        # into strings, which the hover template cannot format as numbers
        custom = [[int(n) if n == n else 0, float(lo), float(hi), str(m).replace("_", " ") if isinstance(m, str)
                   else ""] for n, lo, hi, m in zip(sub["n"], sub[low], sub[high], sub["meaning"])]
        fmt = ".0%" if statistic == "rate" else ".3f"
        fig.add_trace(go.Bar(
            x=x, y=y, name=_label(model, labels), customdata=custom,
            marker=dict(color=colour[model],
                        pattern=dict(shape="/" if is_ref else "")),
            error_y=dict(type="data", symmetric=False, array=sub[high].to_numpy(dtype=float) - y,
                         arrayminus=y - sub[low].to_numpy(dtype=float), thickness=1.2, width=3, color="#333"),
            hovertemplate=f"%{{x}} · {_label(model, labels)}<br>"
                          + ("mean score" if statistic == "mean" else "%{customdata[3]}")
                          + f": %{{y:{fmt}}}<br>95% CI %{{customdata[1]:{fmt}}}–%{{customdata[2]:{fmt}}} "
                            "(n = %{customdata[0]})<extra></extra>"))
    shapes = [dict(type="rect", xref="x", x0=i - 0.5, x1=i + 0.5, yref="paper", y0=0, y1=1, fillcolor="#eeeeee",
                   opacity=0.5, layer="below", line_width=0) for i, c in enumerate(cats) if _is_control(c)]
    fig.update_layout(shapes=shapes, barmode="group", bargap=0.18, bargroupgap=0.04)
    fig.update_xaxes(categoryorder="array", categoryarray=x)
    if statistic == "mean":
        fig.update_yaxes(title_text="mean score (0-1)", range=[0, 1.05])
        if threshold is not None:
            fig.add_hline(y=threshold, line_dash="dash", line_color="#444", annotation_text=f"threshold {threshold:g}",
                          annotation_position="top left")
        title = "Mean score per category and model, with 95% bootstrap CI (hatched: the reference)"
    else:
        fig.update_yaxes(title_text="share of pairs ≥ threshold", range=[0, 1.05], tickformat=".0%")
        at = f"{threshold:g}" if threshold is not None else "the threshold"
        title = f"Share of pairs ≥ {at}: failure rate (pass rate for positive controls), with 95% bootstrap CI"
    return _base(fig, title, height=500)


__all__ += ["objective_bars"]


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
        custom = [list(r) for r in zip(part["k"].astype(int).tolist(), part["p50_ms"].astype(float).tolist(),
                                       part["p95_ms"].astype(float).tolist(), how)]
        fig.add_trace(go.Scatter(
            x=part[col], y=part["ndcg@10"], name=name, mode="markers" if alone else "lines+markers+text",
            text=None if alone else [f"K={k}" for k in part["k"]], textposition="top center",
            line=dict(color=colors[system], width=2), customdata=custom,
            marker=dict(color=colors[system], size=12 if alone else 9, symbol=symbols, line=dict(width=2)),
            hovertemplate=(f"{name}<br>" + ("" if alone else "K = %{customdata[0]}<br>") +
                           "NDCG@10 %{y:.3f}<br>p50 %{customdata[1]:.1f} ms · p95 %{customdata[2]:.1f} ms"
                           "<br>latency: %{customdata[3]}<extra></extra>")))
    fig.update_xaxes(type="log", title_text=f"{latency} latency per query (ms, log scale)")
    fig.update_yaxes(title_text="NDCG@10", rangemode="tozero")
    # kept short: a long Plotly title is cut, not wrapped; the page's caption explains the markers
    return _base(fig, f"NDCG@10 vs {latency} latency per query (labels: K reranked; ◆ first stage alone)", height=520)


__all__ += ["rerank_quality_latency"]
