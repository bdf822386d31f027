"""Plotly figures of compsem's results: functions that take tables and return ``go.Figure``.

No Streamlit here, and no statistics: every function draws a table that
:mod:`compsem.stats` (or :mod:`compsem.analysis.study`) computed. Text that came from a user
(sentences, pair ids, custom category names) is HTML-escaped before it reaches a
hover label or an axis, because Plotly renders a subset of HTML in those places:
``<b>`` typed by a user must show as ``<b>``, not as bold.

One module per chart family (rates, distributions, comparisons, free text, rerank); the shared
look is :mod:`compsem.figures._style`. Every figure carries compsem's template itself: importing
this package changes no Plotly default.

Example:
    >>> import pandas as pd
    >>> fig = effect_size_heatmap(pd.DataFrame({"row": ["m"], "category": ["negation"], "cohens_d": [-2.0],
    ...                                         "holm_pvalue": [0.001], "significant": [True]}))
    >>> fig.data[0].zmid
    0
"""

from compsem.figures._style import KIND_COLORS, TEMPLATE, add_threshold, escape
from compsem.figures.comparisons import effect_size_heatmap, objective_bars, study_scatter
from compsem.figures.distributions import distributions
from compsem.figures.free_text import text_pair_bars, variant_heatmap
from compsem.figures.rates import calibration, family_rate_heatmap, rate_curves, rate_heatmap
from compsem.figures.rerank import rerank_quality_latency

__all__ = [
    "KIND_COLORS",
    "TEMPLATE",
    "add_threshold",
    "calibration",
    "distributions",
    "effect_size_heatmap",
    "escape",
    "family_rate_heatmap",
    "objective_bars",
    "rate_curves",
    "rate_heatmap",
    "rerank_quality_latency",
    "study_scatter",
    "text_pair_bars",
    "variant_heatmap",
]
