"""One file to share: a standalone HTML report of a ``compsem run`` folder.

The report holds the findings story (:mod:`compsem.analysis.story`; then, when the run holds a
``--augment role-swaps`` adapter and the adapter it continued from, what that recipe fixes and costs,
:mod:`compsem.analysis.recipes_story`), the failure-rate table with
95% CIs, the Cohen's d heatmap of the family comparisons and the score distributions, as
interactive Plotly charts. Plotly's JavaScript is embedded once, so the file opens from
disk with no server and no internet.

Everything comes from the run folder's files: ``all_pair_results.csv`` (pair-level scores),
``summary.json`` (rates, CIs, calibrated thresholds, models, metadata) and
``comparison.json`` (Cohen's d and Holm-corrected p-values). Nothing is scored again.
Every text that comes from a pair file or a model name is escaped with :func:`html.escape`.

Example:
    >>> write_html_report(Path("runs/latest"), Path("report.html"))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from compsem import figures
from compsem.analysis import story
from compsem.analysis.recipes_story import CHANGE_RULE, RECIPE_AUGMENT, RECIPES_TITLE, RecipeStory, recipe_stories
from compsem.analysis.story_parts import ExamplePair, Finding
from compsem.data.categories import category_label, sort_categories
from compsem.data.formatting import format_pvalue
from compsem.data.labels import with_labels
from compsem.figures import facets
from compsem.figures import story as story_figures
from compsem.figures.palette import model_color
from compsem.models.registry import UnknownModelError, get_spec
from compsem.reports.files import atomic_write_text
from compsem.reports.run_folder import COMPARISONS, RunData, load_run, parse_comparison
from compsem.reports.summary import headline_rows, summary_paragraph
from compsem.stats import is_thin, thin_categories, thin_sample_note


# -- pieces ---------------------------------------------------------------------------------------
def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


#: How the report gets plotly.js: ``inline`` puts it in the file (opens offline, ~4.8 MB more); ``cdn`` loads it
#: from cdn.plot.ly when the file is opened (a small file for an email; needs the internet to draw charts).
PLOTLY_MODES = ("inline", "cdn")


class _Charts:
    """Plotly figures as HTML fragments; the first one carries plotly.js (or its CDN link), the others reuse it."""

    def __init__(self, plotly: str = "inline") -> None:
        if plotly not in PLOTLY_MODES:
            raise ValueError(f"plotly must be one of {', '.join(PLOTLY_MODES)}, not {plotly!r}")
        self.count = 0
        self.plotly = plotly

    def __call__(self, fig: go.Figure, name: str) -> str:
        config = {
            "displaylogo": False,
            "responsive": True,
            "toImageButtonOptions": {"format": "png", "filename": f"compsem-{name}", "scale": 2},
        }
        out = pio.to_html(
            fig,
            include_plotlyjs=(True if self.plotly == "inline" else "cdn") if self.count == 0 else False,
            full_html=False,
            config=config,
            div_id=f"chart-{name}",
            default_width="100%",
        )
        self.count += 1
        return f'<div class="chart">{out}</div>'


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    """An HTML table; cells must already be escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="table-wrap"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div>"
    )


def _example_html(ex: ExamplePair, threshold: float) -> str:
    scores = "".join(
        f'<div class="score"><span class="model">{_e(label)}</span><span class="value">{score:.3f}</span>'
        f'<span class="verdict">{"≥" if score >= threshold else "<"} {threshold:g}: '
        f"{'similar' if score >= threshold else 'different'}</span></div>"
        for _m, label, score in ex.scores
    )
    return (
        f'<div class="example"><div class="why">Example pair {_e(ex.pair_id)} '
        f"({_e(category_label(ex.category))}): {_e(ex.rule)}</div>"
        f'<div class="sent"><b>A</b> {_e(ex.sentence_a)}</div><div class="sent"><b>B</b> '
        f'{_e(ex.sentence_b)}</div><div class="scores">{scores}</div></div>'
    )


def _finding_html(i: int, finding: Finding, charts: _Charts, threshold: float) -> str:
    parts = [
        f'<section class="finding"><h3>{i}. {_e(finding.title)}</h3><p>{_e(finding.sentence)}</p>',
        charts(story_figures.finding_figure(finding), f"finding-{finding.key}"),
    ]
    parts += [f'<p class="note">{_e(n)}</p>' for n in finding.notes]
    if finding.example is not None:
        parts.append(_example_html(finding.example, threshold))
    return "".join(parts) + "</section>"


def _recipe_stories(results: pd.DataFrame, threshold: float) -> list[RecipeStory]:
    """The run's ``--augment role-swaps`` recipes against their starting adapters, when the run holds both."""
    cards = {}
    for key in results["model"].unique():
        try:
            card = get_spec(str(key)).card
        except UnknownModelError:
            continue
        if card is not None:
            cards[str(key)] = card
    try:
        return recipe_stories(results, cards, threshold)
    except ValueError:
        return []


def _recipes_html(i: int, stories: Sequence[RecipeStory], charts: _Charts, threshold: float) -> str:
    parts = [
        f'<section class="finding"><h3>{i}. {_e(RECIPES_TITLE)}</h3>'
        f"<p>Each adapter trained with <code>compsem train --augment {_e(RECIPE_AUGMENT)}</code> against the adapter "
        f"it continued from, at {threshold:g}. Fixed or worse: {_e(CHANGE_RULE)}.</p>"
    ]
    for recipe in stories:
        finding = recipe.finding()
        parts += [
            f"<h4>{_e(recipe.label)}</h4><p>{_e(recipe.sentence)}</p>",
            charts(story_figures.finding_figure(finding), finding.key),
        ]
        parts += [_example_html(ex, threshold) for ex in (recipe.fix_example, recipe.cost_example) if ex is not None]
    return "".join(parts) + "</section>"


def _headline(run: RunData, threshold: float, found: list[Finding]) -> str:
    """The summary paragraph and the headline table (:mod:`compsem.reports.summary`)."""
    rows = headline_rows(run.summary, run.labels, threshold)
    meta = run.summary.get("meta", {})
    cats = run.results["category"].nunique()
    text = summary_paragraph(rows, meta.get("n_pairs", "?"), cats, threshold, [f.title for f in found])

    def share(v: float | None) -> str:
        return "—" if v is None else f"{v:.0%}"

    table = _table(
        [
            "model",
            "kind",
            f"edited pairs scored similar (≥ {threshold:g}; lower is better)",
            "paraphrases scored similar (higher is better)",
        ],
        [
            [
                f'<span class="swatch" style="background:{model_color(r.model)}"></span>{_e(r.label)}',
                _e(r.kind),
                share(r.edits_similar),
                share(r.paraphrases_similar),
            ]
            for r in rows
        ],
        "headline",
    )
    return f'<h2>Summary</h2><p class="summary">{_e(text)}</p>{table}'


def _rate_table(run: RunData, threshold: float) -> str:
    cells = run.info.cells
    key = f"{threshold:g}"
    cats = sort_categories(dict.fromkeys(r.category for r in cells))
    models = list(dict.fromkeys(r.model for r in cells))
    cell = {(r.model, r.category): r for r in cells}
    rows = []
    for m in models:
        row = [_e(run.labels.get(m, m))]
        for c in cats:
            r = cell.get((m, c))
            rate = r.rates.get(key) if r is not None else None
            ci = r.cis.get(key) if r is not None else None
            if rate is None:
                row.append("—")
                continue
            text = f"{100 * rate:.0f}%"
            n = r.n if r is not None else None
            if n is not None and is_thin(n):  # compsem.stats.sample_size: no interval from a handful of pairs
                text += f'<br><span class="ci">n = {int(n)}: too few pairs for a CI</span>'
            elif ci and None not in ci:
                low, high = ci
                text += f'<br><span class="ci">[{100 * (low or 0):.0f}–{100 * (high or 0):.0f}]</span>'
            row.append(text)
        rows.append(row)
    header = ["model"] + [_e(category_label(c)) for c in cats]
    return _table(header, rows, "rates")


def comparison_frame(comparison: dict) -> pd.DataFrame:
    """The family comparisons of ``comparison.json`` as rows for :func:`compsem.figures.effect_size_heatmap`.

    ``comparison`` is checked first (:func:`compsem.reports.run_folder.parse_comparison`).

    Raises:
        RunFolderError: a comparison that does not fit the schema.
    """
    checked = parse_comparison(comparison)
    frames = []
    for name, title in COMPARISONS.items():
        if name not in checked:
            continue
        df = pd.DataFrame(list(checked[name]))
        p = pd.to_numeric(df["holm_pvalue_mw"], errors="coerce")
        frames.append(
            pd.DataFrame(
                {
                    "row": title,
                    "category": df["category"],
                    "cohens_d": pd.to_numeric(df["cohens_d"], errors="coerce"),
                    "holm_pvalue": p,
                    "significant": p < 0.05,
                    "mean": pd.to_numeric(df["other_mean"], errors="coerce"),
                    "reference_mean": pd.to_numeric(df["reference_mean"], errors="coerce"),
                    "wilcoxon": pd.to_numeric(df["holm_pvalue_wilcoxon"], errors="coerce"),
                }
            )
        )
    cols = ["row", "category", "cohens_d", "holm_pvalue", "significant", "mean", "reference_mean", "wilcoxon"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def _effect_section(run: RunData, charts: _Charts) -> str:
    table = comparison_frame(run.comparison)
    if table.empty:
        return "<p>Only one model family in this run, so there is no family comparison.</p>"
    out = [charts(figures.effect_size_heatmap(table, "bi-encoders"), "effect-sizes")]
    rows = [
        [
            _e(r.row),
            _e(category_label(r.category)),
            "—" if pd.isna(r.cohens_d) else f"{r.cohens_d:+.2f}",
            format_pvalue(r.holm_pvalue),
            format_pvalue(r.wilcoxon),
        ]
        for r in table.itertuples(index=False)
    ]
    out.append(_table(["comparison", "category", "Cohen's d", "Mann-Whitney p (Holm)", "Wilcoxon p (Holm)"], rows))
    return "".join(out)


def _calibration_table(run: RunData) -> str:
    cal = run.info.calibrated
    if not cal:
        return ""

    def num(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    rows = [
        [_e(run.labels.get(r.model, r.model)), num(r.threshold), num(r.youden_j), num(r.tpr), num(r.fpr)] for r in cal
    ]
    return (
        "<h2>Calibrated thresholds</h2><p>Per model, the threshold with the largest Youden J between paraphrases "
        "and unrelated or near-miss pairs.</p>" + _table(["model", "threshold", "Youden J", "TPR", "FPR"], rows)
    )


STYLE = """
body{font-family:Inter,Arial,sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1240px;margin:0 auto;padding:24px 28px 60px;background:#fff;box-sizing:border-box}
h1{font-size:1.9em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{margin-bottom:.3em} p{line-height:1.5} .meta{color:#666;font-size:.9em}
.finding{margin:1.6em 0 2.2em} .chart{width:100%;overflow:hidden}
.example{border:1px solid #ddd;border-radius:8px;padding:10px 14px;background:#fcfcfc}
.example .why{color:#666;font-size:.88em;margin-bottom:6px} .sent{margin:3px 0;overflow-wrap:anywhere}
.scores{display:flex;flex-wrap:wrap;gap:18px;margin-top:8px}
.score{display:flex;flex-direction:column} .score .model{font-size:.85em;color:#555}
.score .value{font-size:1.5em;font-weight:600}
.table-wrap{overflow-x:auto} table{border-collapse:collapse;font-size:.88em;margin:.6em 0}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top} th{background:#f2f2f2}
td{white-space:nowrap} table.rates td,table.headline td:first-child{white-space:normal;min-width:5em}
.summary{font-size:1.05em;max-width:60em} .note{color:#666;font-size:.88em}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:baseline}
.score .verdict{font-size:.8em;color:#666}
.ci{color:#777;font-size:.9em} .thin{border-left:4px solid #b8a000;background:#fffbe6;padding:8px 12px}
"""


def render_html(
    run: RunData,
    title: str = "compsem report",
    *,
    plotly: str = "inline",
    extra_findings: Sequence[Finding] = (),
) -> str:
    """The whole report as one HTML page.

    Args:
        run: the run folder's contents (:func:`~compsem.reports.run_folder.load_run`).
        title: the page title.
        plotly: ``inline`` (plotly.js inside the file: opens offline) or ``cdn`` (a link: a far smaller file).
        extra_findings: findings that do not come from the pairs (the reranking lab's), numbered after the story.
    """
    info = run.info
    thresholds = run.thresholds
    t = thresholds[0]
    shown = with_labels(run.results, run.labels)  # the names summary.json gives, carried in the frame
    charts = _Charts(plotly)
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Pairs: {_e(info.pairs_source)} ({_e(info.n_pairs)} pairs) · '
        f"models: {run.results['model'].nunique()} · thresholds: {_e(', '.join(f'{x:g}' for x in thresholds))} · "
        f"created {_e(info.created)}. Every number below comes from this run's files "
        "(all_pair_results.csv, summary.json, comparison.json).</p>",
    ]
    try:
        found = story.story_findings(shown, t)
        failed = ""
    except ValueError as exc:
        found, failed = [], f"<p>No findings: {_e(exc)}</p>"
    body.append(_headline(run, t, found))
    body.append(f"<h2>Findings at threshold {t:g}</h2>" + failed)
    thin = thin_categories(run.results)
    if thin:
        body.append(f'<p class="thin">{_e(thin_sample_note(thin))}</p>')
    if not found:
        body.append("<p>The run holds no adversarial category with enough pairs, so there is no story to tell.</p>")
    body += [_finding_html(i, f, charts, t) for i, f in enumerate([*found, *extra_findings], 1)]
    recipes = _recipe_stories(shown, t)
    if recipes:
        body.append(_recipes_html(len(found) + len(extra_findings) + 1, recipes, charts, t))
    body.append("<h2>Failure rates with 95% CIs</h2>")
    for x in thresholds:
        body.append(
            f"<h3>Share of pairs scoring ≥ {x:g}</h3><p>A failure rate for categories a good model scores "
            "low; a pass rate for positive controls. Brackets: percentile-bootstrap 95% CI.</p>"
        )
        body.append(_rate_table(run, x))
    body.append("<h2>Effect sizes (Cohen's d against bi-encoders)</h2>")
    body.append(_effect_section(run, charts))
    body.append("<h2>Score distributions</h2><p>Every point is a pair; hover it to read the pair.</p>")
    body.append(charts(facets.distribution_facets(shown, t, by="category"), "distributions"))
    body.append(_calibration_table(run))
    versions = dict(info.versions)
    body.append(
        '<p class="meta">Produced by compsem '
        + _e(versions.get("compsem", ""))
        + " with "
        + _e(", ".join(f"{k} {v}" for k, v in versions.items() if k != "compsem"))
        + ".</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body><main>"
        + "\n".join(body)
        + "</main></body></html>\n"
    )


def write_html_report(
    run_dir: Path,
    out: Path,
    title: str = "compsem report",
    *,
    plotly: str = "inline",
    extra_findings: Sequence[Finding] = (),
) -> Path:
    """Read ``run_dir`` and write the report to ``out`` (atomically). Returns ``out``.

    The file is made readable like any file the user creates (the umask applies): it is meant to be shared.
    ``plotly`` and ``extra_findings``: as :func:`render_html`.
    """
    page = render_html(load_run(Path(run_dir)), title, plotly=plotly, extra_findings=extra_findings)
    path = atomic_write_text(Path(out), page)
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)
    return path


__all__ = ["PLOTLY_MODES", "comparison_frame", "render_html", "write_html_report"]
