"""Failure rates, effect sizes, significance tests, confidence intervals and findings.

Pure functions over the tidy results (one row per pair x model): no I/O, no widgets, no
models. The columns read are ``pair_id, category, model, kind, objective, score`` and,
when present, ``expected`` (``low``/``high``, the direction of a custom category).

Three layers, as in ``scipy.stats``, one module each, all re-exported here:

* :mod:`~compsem.stats.inference` - tests and intervals on plain samples: :func:`cohens_d`,
  :func:`mann_whitney`, :func:`wilcoxon_paired`, :func:`holm`, :func:`bootstrap_ci` (percentile
  bootstrap through ``scipy.stats.bootstrap``); :mod:`~compsem.stats.batched` - the same intervals
  for every cell of a table at once (:func:`mean_and_rate_cis`, :func:`mean_cis`).
* model x category tables - :mod:`~compsem.stats.tables` (means, failure rates, CIs, best and
  worst), :mod:`~compsem.stats.separation` (ROC-AUC, calibrated thresholds) and
  :mod:`~compsem.stats.compare` (model and family comparisons, effect sizes).
* :mod:`~compsem.stats.findings` - the sentences read off those tables.

The named tables a run writes and the dashboard shows are read from one
:class:`compsem.analysis.Analysis`, which calls these functions once each.

Conventions used throughout:

* ``score`` is the normalized 0-1 score every threshold applies to. A row whose score is
  NaN (a pair a model could not score) is left out of every statistic, and ``n`` counts
  the scores actually used. An infinite score is refused: it means a normalization bug.
* A pair "scores at or above t" when ``score >= t``. For a category a good similarity
  model scores low (adversarial, near-miss, negative controls) that share is a *failure
  rate*; for positive controls (expected high) it is a *pass rate*.
* Rows come out models in order of first appearance, categories in
  :func:`compsem.data.categories.sort_categories` order, thresholds in the order given.
* Statistical functions return small frozen result objects with named fields.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pair_id": ["a", "b"], "category": ["negation"] * 2, "model": ["m"] * 2,
    ...                    "kind": ["bi-encoder"] * 2, "objective": ["general"] * 2, "score": [0.9, 0.4]})
    >>> failure_rates(df, 0.5)["rate"].item()
    0.5
"""

from __future__ import annotations

from compsem.stats._common import ALPHA, KIND_ORDER, REQUIRED_COLUMNS, prepare_results
from compsem.stats.batched import mean_and_rate_cis, mean_cis
from compsem.stats.compare import effect_rows, effect_size_table, family_comparison, model_comparison
from compsem.stats.findings import findings, objective_findings
from compsem.stats.inference import (
    ConfidenceInterval,
    EffectSize,
    TestResult,
    bootstrap_ci,
    cohens_d,
    holm,
    mann_whitney,
    mean_and_rate_ci,
    wilcoxon_paired,
)
from compsem.stats.sample_size import (
    MIN_PAIRS,
    is_thin,
    min_pairs_or_default,
    pairs_per_category,
    thin_categories,
    thin_sample_note,
)
from compsem.stats.separation import calibrated_thresholds, roc_auc_by_category
from compsem.stats.tables import (
    best_and_worst,
    cell_mean_cis,
    describe_scores,
    describe_with_ci,
    failure_rates,
    failure_rates_at,
    family_failure_rates,
    pair_table,
    rates_with_ci,
)

__all__ = [
    "MIN_PAIRS",
    "is_thin",
    "pairs_per_category",
    "thin_categories",
    "thin_sample_note",
    "ALPHA",
    "KIND_ORDER",
    "REQUIRED_COLUMNS",
    "ConfidenceInterval",
    "EffectSize",
    "TestResult",
    "best_and_worst",
    "bootstrap_ci",
    "calibrated_thresholds",
    "cell_mean_cis",
    "cohens_d",
    "describe_scores",
    "describe_with_ci",
    "effect_rows",
    "effect_size_table",
    "failure_rates",
    "failure_rates_at",
    "family_comparison",
    "family_failure_rates",
    "findings",
    "holm",
    "mann_whitney",
    "mean_and_rate_ci",
    "mean_and_rate_cis",
    "mean_cis",
    "min_pairs_or_default",
    "model_comparison",
    "objective_findings",
    "pair_table",
    "prepare_results",
    "rates_with_ci",
    "roc_auc_by_category",
    "wilcoxon_paired",
]
