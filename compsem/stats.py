"""Failure rates, effect sizes, significance tests, confidence intervals and findings.

Pure functions over the tidy results (one row per pair x model): no I/O, no widgets, no
models. The columns read are ``pair_id, category, model, kind, objective, score`` and,
when present, ``expected`` (``low``/``high``, the direction of a custom category).

Conventions used throughout:

* ``score`` is the normalized 0-1 score every threshold applies to. A row whose score is
  NaN (a pair a model could not score) is left out of every statistic, and ``n`` counts
  the scores actually used. An infinite score is refused: it means a normalization bug.
* A pair "scores at or above t" when ``score >= t``. For a category a good similarity
  model scores low (adversarial, near-miss, negative controls) that share is a *failure
  rate*; for positive controls (expected high) it is a *pass rate*.
* Rows come out models in order of first appearance, categories in
  :func:`compsem.categories.sort_categories` order, thresholds in the order given.
* Statistical functions return small frozen result objects with named fields.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pair_id": ["a", "b"], "category": ["negation"] * 2, "model": ["m"] * 2,
    ...                    "kind": ["bi-encoder"] * 2, "objective": ["general"] * 2, "score": [0.9, 0.4]})
    >>> failure_rates(df, 0.5)["rate"].item()
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from compsem.categories import Category, category_info, category_label, sort_categories

#: Columns every function here needs in the tidy results.
REQUIRED_COLUMNS: tuple[str, ...] = ("pair_id", "category", "model", "kind", "objective", "score")
#: Families in the order tables and sentences list them; other kinds follow alphabetically.
KIND_ORDER: tuple[str, ...] = ("bi-encoder", "cross-encoder", "baseline")
#: Significance level of :func:`effect_size_table`'s ``significant`` column (after Holm).
ALPHA = 0.05


class _LazyScipyStats:
    """``scipy.stats``, imported on first use: it is half a second of import that the dashboard's
    landing page (rates, means, findings) never needs; only the rank tests do."""

    def __getattr__(self, name: str):
        from scipy import stats

        return getattr(stats, name)


_sps = _LazyScipyStats()


# -- result types ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EffectSize:
    """Cohen's d of sample x against sample y.

    Attributes:
        d: (mean_x - mean_y) / pooled_sd; see :func:`cohens_d` for the degenerate cases.
        mean_x: mean of x.
        mean_y: mean of y.
        pooled_sd: pooled sample standard deviation (NaN when n_x + n_y < 3).
        n_x: number of values of x used (NaN dropped).
        n_y: number of values of y used (NaN dropped).
    """

    d: float
    mean_x: float
    mean_y: float
    pooled_sd: float
    n_x: int
    n_y: int


@dataclass(frozen=True)
class TestResult:
    """A two-sided significance test with its effect size.

    Attributes:
        statistic: the test statistic (which one is stated by the function that returns it).
        pvalue: two-sided p-value.
        effect_size: rank-biserial correlation in [-1, 1]; positive when x tends to be larger.
        n: number of observations used (both samples, or the number of complete pairs).
    """

    __test__ = False  # a library class, not a pytest test class (the name starts with "Test")

    statistic: float
    pvalue: float
    effect_size: float
    n: int


@dataclass(frozen=True)
class ConfidenceInterval:
    """A bootstrap confidence interval.

    Attributes:
        low: lower bound.
        high: upper bound.
        estimate: the statistic on the data as observed.
        n: number of values used (NaN dropped).
        confidence: nominal coverage, e.g. 0.95.
        method: how the interval was obtained, in words.
    """

    low: float
    high: float
    estimate: float
    n: int
    confidence: float
    method: str


# -- input checks and shared helpers ---------------------------------------------------------
def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of the results: numeric finite scores, NaN-score rows removed."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"results must be a pandas DataFrame, not {type(df).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"results are missing column(s): {', '.join(missing)}")
    if df.empty:
        raise ValueError("results are empty: score at least one model on at least one pair first")
    try:
        score = pd.to_numeric(df["score"], errors="raise").astype(float)
    except (TypeError, ValueError):
        raise ValueError("column score must hold numbers") from None
    if np.isinf(score.to_numpy()).any():
        raise ValueError("column score holds infinite values; scores must be finite (0-1 after normalization)")
    # Only the columns statistics read, as plain Python objects: sentences, raw outputs and a pair
    # file's own columns would be copied by every filter, and Arrow-backed strings make each
    # comparison and take several times slower (this is what keeps a dashboard re-render fast).
    keep = [c for c in (*REQUIRED_COLUMNS, "expected") if c in df.columns and c != "score"]
    data = pd.DataFrame({c: df[c].to_numpy(dtype=object) for c in keep}, index=df.index).assign(score=score)
    data = data[score.notna().to_numpy()]
    if data.empty:
        raise ValueError("results hold no scores: every score is NaN")
    return data


def _category_info(data: pd.DataFrame) -> dict[str, Category]:
    """Category object per category, honouring a stated ``expected`` for custom categories."""
    out: dict[str, Category] = {}
    # Stated directions per category, from the rows that state one (usually none: built-in
    # categories know theirs), so the common case is one pass over the categories.
    said: dict[str, set[str]] = {}
    if "expected" in data.columns:
        for cat, v in zip(data["category"], data["expected"]):
            if isinstance(v, str) and v.strip():
                said.setdefault(str(cat), set()).add(v.strip().lower())
    for cat in pd.unique(data["category"]):
        stated = said.get(str(cat), set())
        if stated - {"low", "high"}:
            bad = ", ".join(sorted(stated - {"low", "high"}))
            raise ValueError(f"category {cat!r} has expected value(s) {bad}; use 'low' or 'high'")
        if len(stated) > 1:
            raise ValueError(f"category {cat!r} is expected both low and high; state one direction per category")
        out[str(cat)] = category_info(str(cat), next(iter(stated), None))  # type: ignore[arg-type]
    return out


def _meaning(info: Category) -> str:
    return "pass_rate" if info.expected == "high" else "failure_rate"


def _is_meaning_change(info: Category) -> bool:
    """Adversarial categories, and custom categories a good model scores low."""
    return info.role == "adversarial" or (info.role == "custom" and info.expected == "low")


def _models(data: pd.DataFrame) -> list[str]:
    return list(pd.unique(data["model"]))


def _model_meta(data: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """(kind, objective) per model, from its first row."""
    first = data.drop_duplicates("model")
    return {m: (k, o) for m, k, o in zip(first["model"], first["kind"], first["objective"])}


def _kinds(data: pd.DataFrame) -> list[str]:
    present = set(data["kind"])
    return [k for k in KIND_ORDER if k in present] + sorted(present - set(KIND_ORDER))


def _finite(value: float, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return out


def _thresholds(thresholds: float | Iterable[float]) -> list[float]:
    if isinstance(thresholds, (int, float, np.number, str)):
        thresholds = [thresholds]
    out = list(dict.fromkeys(_finite(t, "threshold") for t in thresholds))
    if not out:
        raise ValueError("give at least one threshold")
    return out


def _objectives(exclude: str | Iterable[str]) -> set[str]:
    return {exclude} if isinstance(exclude, str) else set(exclude)


def _sample(values: Iterable[float], name: str) -> np.ndarray:
    """1-D float array without NaN; refuses empty samples."""
    try:
        arr = np.asarray(values if hasattr(values, "__len__") else list(values), dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise ValueError(f"{name} is empty (after dropping NaN); a test needs at least one value")
    return arr


def _select_categories(data: pd.DataFrame, categories: Sequence[str] | None) -> list[str]:
    present = set(data["category"])
    if categories is None:
        return sort_categories(present)
    if isinstance(categories, str):
        categories = [categories]
    cats = list(dict.fromkeys(categories))
    if not cats:
        raise ValueError("give at least one category, or None for all of them")
    unknown = [c for c in cats if c not in present]
    if unknown:
        raise ValueError(f"category(ies) not in the results: {', '.join(map(str, unknown))}")
    return sort_categories(cats)


def _check_models(data: pd.DataFrame, models: Sequence[str], name: str) -> list[str]:
    if isinstance(models, str):
        models = [models]
    out = list(dict.fromkeys(models))
    if not out:
        raise ValueError(f"{name} is empty; give at least one model key")
    present = set(data["model"])
    unknown = [m for m in out if m not in present]
    if unknown:
        raise ValueError(f"{name} names model(s) not in the results: {', '.join(unknown)}")
    return out


# -- descriptive statistics ------------------------------------------------------------------
def describe_scores(df: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD, median and range of the score per model x category.

    ``sd`` is the sample standard deviation sqrt(sum_i (s_i - mean)^2 / (n - 1)), with s_i the
    scores of the model in the category and n their number; NaN when n < 2.

    Args:
        df: tidy results.

    Returns:
        Columns ``model, kind, objective, category, n, mean, sd, median, min, max``.

    Example:
        >>> describe_scores(df)[["model", "category", "n", "mean", "sd"]]  # doctest: +SKIP
    """
    data = _prepare(df)
    meta = _model_meta(data)
    cats = sort_categories(data["category"].unique())
    groups = {key: grp["score"].to_numpy() for key, grp in data.groupby(["model", "category"], sort=False)}
    rows = []
    for model in _models(data):
        for cat in cats:
            s = groups.get((model, cat))
            if s is None:
                continue
            rows.append({
                "model": model, "kind": meta[model][0], "objective": meta[model][1], "category": cat,
                "n": int(s.size), "mean": float(s.mean()), "sd": float(s.std(ddof=1)) if s.size > 1 else math.nan,
                "median": float(np.median(s)), "min": float(s.min()), "max": float(s.max()),
            })
    return pd.DataFrame(rows, columns=["model", "kind", "objective", "category", "n", "mean", "sd", "median",
                                       "min", "max"])


_RATE_COLUMNS = ["model", "kind", "objective", "category", "threshold", "n", "n_at_or_above", "rate", "meaning"]


def _rates_table(data: pd.DataFrame, thresholds_for: Mapping[str, list[float]]) -> pd.DataFrame:
    meta = _model_meta(data)
    info = _category_info(data)
    cats = sort_categories(info)
    groups = {key: grp["score"].to_numpy() for key, grp in data.groupby(["model", "category"], sort=False)}
    rows = []
    for model in _models(data):
        for cat in cats:
            s = groups.get((model, cat))
            if s is None:
                continue
            for t in thresholds_for[model]:
                k = int((s >= t).sum())
                rows.append({"model": model, "kind": meta[model][0], "objective": meta[model][1], "category": cat,
                             "threshold": t, "n": int(s.size), "n_at_or_above": k, "rate": k / s.size,
                             "meaning": _meaning(info[cat])})
    return pd.DataFrame(rows, columns=_RATE_COLUMNS)


def failure_rates(df: pd.DataFrame, thresholds: float | Sequence[float]) -> pd.DataFrame:
    """Share of pairs scoring at or above each threshold, per model x category x threshold.

    rate = k / n, with n the number of scored pairs of the model in the category and k the
    number of them with score >= t (the comparison is inclusive, as in the study). The
    ``meaning`` column says how to read it: ``failure_rate`` for categories expected low,
    ``pass_rate`` for categories expected high (positive controls).

    Args:
        df: tidy results.
        thresholds: one threshold or several; any finite numbers (a repeated one is used once).

    Returns:
        Long table with ``model, kind, objective, category, threshold, n, n_at_or_above, rate, meaning``.

    Example:
        Three negation scores 0.9, 0.5, 0.2 at t = 0.5 give n = 3, n_at_or_above = 2, rate = 2/3.
    """
    data = _prepare(df)
    ts = _thresholds(thresholds)
    return _rates_table(data, {m: ts for m in _models(data)})


def failure_rates_at(df: pd.DataFrame, thresholds_by_model: Mapping[str, float]) -> pd.DataFrame:
    """Like :func:`failure_rates`, but each model is read at its own threshold.

    For the "calibrated thresholds" view: pass ``dict(zip(cal.model, cal.threshold))`` from
    :func:`calibrated_thresholds`. Keys for models not in the results are ignored.

    Args:
        df: tidy results.
        thresholds_by_model: model key -> finite threshold; every model in the results needs one.

    Returns:
        The columns of :func:`failure_rates`, one threshold per model.

    Example:
        ``failure_rates_at(df, {"m1": 0.5, "m2": 0.83})``
    """
    data = _prepare(df)
    if not isinstance(thresholds_by_model, Mapping):
        raise ValueError("thresholds_by_model must map model keys to thresholds")
    missing = [m for m in _models(data) if m not in thresholds_by_model]
    if missing:
        raise ValueError(f"no threshold given for model(s): {', '.join(missing)}")
    per = {m: [_finite(thresholds_by_model[m], f"threshold for {m}")] for m in _models(data)}
    return _rates_table(data, per)


def family_failure_rates(df: pd.DataFrame, thresholds: float | Sequence[float],
                         exclude_objectives: str | Iterable[str] = ()) -> pd.DataFrame:
    """Failure (pass) rates per family (``kind``) x category x threshold: the study's section 4.4.

    mean_rate = (1/M) sum_m k_m / n_m, the mean over the family's M models of each model's rate
    (how the study averages); pooled_rate = sum_m k_m / sum_m n_m, all pair x model scores
    pooled. k_m and n_m are as in :func:`failure_rates`. The two agree when every model scored
    the same pairs.

    Args:
        df: tidy results.
        thresholds: one threshold or several.
        exclude_objectives: training objectives whose models are left out of every family,
            e.g. ``("retrieval",)`` for the study's "non-retrieval cross-encoders".

    Returns:
        ``kind, category, threshold, mean_rate, pooled_rate, n_models, meaning``.

    Example:
        Model A 1 of 2 pairs, model B 3 of 3 pairs at or above t: mean_rate = (0.5 + 1) / 2 = 0.75,
        pooled_rate = 4 / 5 = 0.8.
    """
    data = _prepare(df)
    ts = _thresholds(thresholds)
    drop = _objectives(exclude_objectives)
    kept = data[~data["objective"].isin(drop)]
    if kept.empty:
        raise ValueError(f"no models left after excluding objective(s) {', '.join(sorted(drop))}")
    rates = _rates_table(kept, {m: ts for m in _models(kept)})
    # One groupby instead of a filter per cell: this runs on every slider move in the dashboard.
    cells = {key: grp for key, grp in rates.groupby(["kind", "category", "threshold"], sort=False)}
    rows = []
    for kind in _kinds(kept):
        cats = sort_categories({c for (k, c, _t) in cells if k == kind})
        for cat in cats:
            for t in ts:
                sub = cells.get((kind, cat, t))
                if sub is None:
                    continue
                rate, k, n = sub["rate"].to_numpy(), sub["n_at_or_above"].to_numpy(), sub["n"].to_numpy()
                rows.append({"kind": kind, "category": cat, "threshold": t, "mean_rate": float(rate.mean()),
                             "pooled_rate": float(k.sum() / n.sum()),
                             "n_models": int(len(set(sub["model"]))), "meaning": sub["meaning"].iloc[0]})
    return pd.DataFrame(rows, columns=["kind", "category", "threshold", "mean_rate", "pooled_rate", "n_models",
                                       "meaning"])


# -- effect sizes and tests ------------------------------------------------------------------
def cohens_d(x: Iterable[float], y: Iterable[float]) -> EffectSize:
    """Cohen's d of x against y with the pooled standard deviation.

    d = (mean_x - mean_y) / s_p,  s_p = sqrt(((n_x - 1) s_x^2 + (n_y - 1) s_y^2) / (n_x + n_y - 2)),
    with n_x, n_y the sample sizes and s_x^2, s_y^2 the sample variances (ddof = 1; a sample
    of one contributes (n - 1) s^2 = 0). NaN values are dropped first.

    Degenerate cases: when s_p = 0 (every value of x equal, every value of y equal) d is 0 if
    the means are equal and +inf / -inf otherwise (complete separation); when
    n_x + n_y < 3, s_p is undefined and both s_p and d are NaN.

    Args:
        x: first sample (e.g. cross-encoder scores).
        y: second sample (e.g. bi-encoder scores).

    Returns:
        :class:`EffectSize`.

    Raises:
        ValueError: if either sample is empty.

    Example:
        x = [1, 2, 3], y = [4, 5, 6]: s_x = s_y = 1, s_p = 1, d = (2 - 5) / 1 = -3.
    """
    a, b = _sample(x, "x"), _sample(y, "y")
    nx, ny = a.size, b.size
    mx, my = float(a.mean()), float(b.mean())
    if nx + ny < 3:
        return EffectSize(math.nan, mx, my, math.nan, nx, ny)
    if a.min() == a.max() and b.min() == b.max():  # exact test: a float mean of equal values may be off by an ulp
        return EffectSize(0.0 if a[0] == b[0] else math.copysign(math.inf, a[0] - b[0]), mx, my, 0.0, nx, ny)
    ss = float(((a - mx) ** 2).sum() + ((b - my) ** 2).sum())  # (n_x-1)s_x^2 + (n_y-1)s_y^2
    sp = math.sqrt(ss / (nx + ny - 2))
    return EffectSize((mx - my) / sp, mx, my, sp, nx, ny)


def _u_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """U of x: the number of (x_i, y_j) with x_i > y_j, ties counting 1/2 (via midranks)."""
    ranks = _sps.rankdata(np.concatenate([x, y]))
    return float(ranks[: x.size].sum() - x.size * (x.size + 1) / 2)


def mann_whitney(x: Iterable[float], y: Iterable[float]) -> TestResult:
    """Two-sided Mann-Whitney U test of x against y, with the rank-biserial correlation.

    statistic = U_x = #{(i, j): x_i > y_j} + 1/2 #{(i, j): x_i = y_j}, the U of the first
    sample (what ``scipy.stats.mannwhitneyu(x, y)`` returns); the p-value is scipy's with its
    defaults (exact for small samples without ties, else normal approximation with continuity
    correction). effect_size r = 2 U_x / (n_x n_y) - 1, in [-1, 1]: +1 when every x exceeds
    every y, -1 when every y exceeds every x. n = n_x + n_y. NaN values are dropped first.

    Args:
        x: first sample.
        y: second sample.

    Returns:
        :class:`TestResult`.

    Raises:
        ValueError: if either sample is empty.

    Example:
        x = [1, 2, 3], y = [4, 5, 6]: U_x = 0, r = -1, exact p = 2 / C(6, 3) = 0.1.
    """
    a, b = _sample(x, "x"), _sample(y, "y")
    if np.unique(np.concatenate([a, b])).size == 1:  # every value tied: no evidence either way
        return TestResult(a.size * b.size / 2, 1.0, 0.0, a.size + b.size)
    res = _sps.mannwhitneyu(a, b, alternative="two-sided")
    u = float(res.statistic)
    return TestResult(u, float(res.pvalue), 2 * u / (a.size * b.size) - 1, a.size + b.size)


def wilcoxon_paired(x: Iterable[float], y: Iterable[float]) -> TestResult:
    """Two-sided Wilcoxon signed-rank test on paired samples, with the matched-pairs rank-biserial r.

    With differences d_i = x_i - y_i, zero differences are dropped (scipy's default
    ``zero_method="wilcox"``) and the rest ranked by |d_i| (midranks for ties). T+ and T- are
    the rank sums of the positive and negative differences. statistic = min(T+, T-) (what
    ``scipy.stats.wilcoxon(x, y)`` returns for a two-sided test), pvalue is scipy's with its
    defaults, effect_size r = (T+ - T-) / (T+ + T-): +1 when every non-zero difference is
    positive (x larger). n = number of complete pairs. A pair with NaN on either side is
    dropped. When every difference is zero there is no evidence of a shift: statistic 0,
    pvalue 1.0, effect_size 0.

    Args:
        x: first sample (e.g. per-pair cross-encoder means).
        y: second sample, same length, paired by position.

    Returns:
        :class:`TestResult`.

    Raises:
        ValueError: if the lengths differ or no complete pair is left.

    Example:
        Differences 1, -2, 3, 4, 0: the zero is dropped, ranks 1, 2, 3, 4; T+ = 8, T- = 2,
        statistic = 2, r = (8 - 2) / 10 = 0.6.
    """
    try:
        a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("x and y must hold numbers") from None
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError("x and y must be one-dimensional")
    if a.size != b.size:
        raise ValueError(f"paired samples must have the same length, got {a.size} and {b.size}")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size == 0:
        raise ValueError("no complete pairs (after dropping NaN); a paired test needs at least one")
    diff = a - b
    nonzero = diff[diff != 0]
    if nonzero.size == 0:
        return TestResult(0.0, 1.0, 0.0, int(a.size))
    ranks = _sps.rankdata(np.abs(nonzero))
    t_plus, t_minus = float(ranks[nonzero > 0].sum()), float(ranks[nonzero < 0].sum())
    res = _sps.wilcoxon(a, b, alternative="two-sided")
    return TestResult(float(res.statistic), float(res.pvalue), (t_plus - t_minus) / (t_plus + t_minus), int(a.size))


def holm(pvalues: Iterable[float]) -> np.ndarray:
    """Holm-Bonferroni step-down adjusted p-values.

    With the m non-NaN p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value of
    the i-th is  p~_(i) = min(1, max_{j <= i} (m - j + 1) p_(j)),  so adjusted values never
    decrease along the order and never exceed 1. Reject H_(i) at level alpha when
    p~_(i) < alpha. NaN stays NaN and does not count towards m.

    Args:
        pvalues: p-values in [0, 1] (NaN allowed).

    Returns:
        Adjusted p-values in the input order.

    Raises:
        ValueError: if a p-value is outside [0, 1].

    Example:
        [0.01, 0.04, 0.03, 0.005] -> sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 =
        0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06 -> [0.03, 0.06, 0.06, 0.02].
    """
    try:
        p = np.asarray(list(pvalues), dtype=float)
    except (TypeError, ValueError):
        raise ValueError("p-values must be numbers") from None
    if p.ndim != 1:
        raise ValueError("p-values must be a flat sequence")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    m = int(ok.sum())
    if m == 0:
        return out
    idx = np.flatnonzero(ok)
    order = np.argsort(p[idx], kind="stable")
    stepped = (m - np.arange(m)) * p[idx][order]
    adjusted = np.minimum(1.0, np.maximum.accumulate(stepped))
    out[idx[order]] = adjusted
    return out


# -- family and model comparisons ------------------------------------------------------------
_COMPARISON_COLUMNS = ["category", "reference_mean", "other_mean", "difference", "cohens_d", "mw_statistic",
                       "mw_pvalue", "mw_rank_biserial", "wilcoxon_statistic", "wilcoxon_pvalue",
                       "wilcoxon_rank_biserial", "n_reference_models", "n_other_models", "n_reference_scores",
                       "n_other_scores", "n_pairs", "holm_pvalue_mw", "holm_pvalue_wilcoxon"]


def model_comparison(df: pd.DataFrame, reference_models: Sequence[str], other_models: Sequence[str],
                     categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Compare two sets of models category by category (one model per set is fine).

    Per category, with R the pair x model scores of the reference models and O those of the
    other models:

    * reference_mean = mean(R), other_mean = mean(O), difference = reference_mean - other_mean;
    * cohens_d = :func:`cohens_d` (O, R): negative when the other models score lower;
    * mw_* = :func:`mann_whitney` (O, R) over all pair x model scores (statistic = U of O,
      rank-biserial negative when O is lower);
    * wilcoxon_* = :func:`wilcoxon_paired` on the pairs both sets scored, each pair's value
      being the mean over the set's models (statistic = min(T+, T-) of O - R);
    * holm_pvalue_mw / holm_pvalue_wilcoxon = :func:`holm` across the categories of the table.

    A category that one set did not score gets NaN statistics (and does not count in Holm).

    Args:
        df: tidy results.
        reference_models: model keys of the reference set.
        other_models: model keys of the set compared with it; disjoint from the reference.
        categories: categories to compare (default: every category the two sets scored).

    Returns:
        One row per category with ``category, reference_mean, other_mean, difference, cohens_d,
        mw_statistic, mw_pvalue, mw_rank_biserial, wilcoxon_statistic, wilcoxon_pvalue,
        wilcoxon_rank_biserial, n_reference_models, n_other_models, n_reference_scores,
        n_other_scores, n_pairs, holm_pvalue_mw, holm_pvalue_wilcoxon``.

    Example:
        ``model_comparison(df, ["sentence-transformers/all-MiniLM-L6-v2"], ["cross-encoder/stsb-roberta-large"])``
    """
    data = _prepare(df)
    ref = _check_models(data, reference_models, "reference_models")
    oth = _check_models(data, other_models, "other_models")
    both = sorted(set(ref) & set(oth))
    if both:
        raise ValueError(f"model(s) in both reference_models and other_models: {', '.join(both)}")
    data = data[data["model"].isin(ref + oth)]
    cats = _select_categories(data, categories)
    rows = []
    for cat in cats:
        sub = data[data["category"] == cat]
        r, o = sub[sub["model"].isin(ref)], sub[sub["model"].isin(oth)]
        row: dict = {c: math.nan for c in _COMPARISON_COLUMNS}
        row.update(category=cat, n_reference_models=int(r["model"].nunique()),
                   n_other_models=int(o["model"].nunique()), n_reference_scores=len(r), n_other_scores=len(o),
                   n_pairs=0)
        if len(r) and len(o):
            rs, os_ = r["score"].to_numpy(), o["score"].to_numpy()
            row.update(reference_mean=float(rs.mean()), other_mean=float(os_.mean()))
            row["difference"] = row["reference_mean"] - row["other_mean"]
            row["cohens_d"] = cohens_d(os_, rs).d
            mw = mann_whitney(os_, rs)
            row.update(mw_statistic=mw.statistic, mw_pvalue=mw.pvalue, mw_rank_biserial=mw.effect_size)
            r_pairs, o_pairs = r.groupby("pair_id")["score"].mean(), o.groupby("pair_id")["score"].mean()
            common = r_pairs.index.intersection(o_pairs.index)
            row["n_pairs"] = len(common)
            if len(common):
                w = wilcoxon_paired(o_pairs.loc[common].to_numpy(), r_pairs.loc[common].to_numpy())
                row.update(wilcoxon_statistic=w.statistic, wilcoxon_pvalue=w.pvalue,
                           wilcoxon_rank_biserial=w.effect_size)
        rows.append(row)
    table = pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)
    table["holm_pvalue_mw"] = holm(table["mw_pvalue"])
    table["holm_pvalue_wilcoxon"] = holm(table["wilcoxon_pvalue"])
    return table


def family_comparison(df: pd.DataFrame, *, reference: str = "bi-encoder", other: str = "cross-encoder",
                      exclude_objectives: str | Iterable[str] = (),
                      categories: Sequence[str] | None = None) -> pd.DataFrame:
    """The study's section 4.3 table: one model family against another, per category.

    Families are the models whose ``kind`` is ``reference`` / ``other``; the statistics are
    those of :func:`model_comparison` (cohens_d is other vs reference, so it is negative when
    the other family scores lower, like the study's -14.8 for negation).

    Args:
        df: tidy results.
        reference: kind of the reference family.
        other: kind of the family compared with it.
        exclude_objectives: objectives whose models are dropped from the *other* family only;
            ``("retrieval",)`` gives the "without retrieval-trained cross-encoders" variant.
        categories: categories to compare (default: all that both families scored).

    Returns:
        The table of :func:`model_comparison`.

    Raises:
        ValueError: if a family has no models (after the exclusion).

    Example:
        ``family_comparison(df, exclude_objectives=("retrieval",))``
    """
    data = _prepare(df)
    if reference == other:
        raise ValueError(f"reference and other are both {reference!r}; compare two different kinds")
    meta = _model_meta(data)
    drop = _objectives(exclude_objectives)
    ref = [m for m, (k, _) in meta.items() if k == reference]
    oth = [m for m, (k, o) in meta.items() if k == other and o not in drop]
    if not ref:
        raise ValueError(f"no {reference} models in the results")
    if not oth:
        why = f" after excluding objective(s) {', '.join(sorted(drop))}" if drop else ""
        raise ValueError(f"no {other} models in the results{why}")
    return model_comparison(data, ref, oth, categories)


def effect_size_table(df: pd.DataFrame, reference_models: Sequence[str],
                      categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Each other model against the reference models, per category (feeds a heatmap).

    For model m and category c, with X the scores of m and Y the pooled pair x model scores
    of the reference models in c: cohens_d = :func:`cohens_d` (X, Y), mw_pvalue =
    :func:`mann_whitney` (X, Y) p-value, holm_pvalue = :func:`holm` over the categories of
    model m, significant = holm_pvalue < 0.05 (False when NaN). Cells where either side has no
    scores are NaN.

    Args:
        df: tidy results.
        reference_models: model keys forming the reference (e.g. the bi-encoders).
        categories: categories to include (default: all).

    Returns:
        ``model, kind, objective, category, mean, reference_mean, cohens_d, mw_pvalue,
        holm_pvalue, significant, n, n_reference``.

    Raises:
        ValueError: if every model is a reference model.

    Example:
        ``effect_size_table(df, ["sentence-transformers/all-MiniLM-L6-v2"])``
    """
    data = _prepare(df)
    ref = _check_models(data, reference_models, "reference_models")
    others = [m for m in _models(data) if m not in ref]
    if not others:
        raise ValueError("every model is in reference_models; leave at least one model to compare")
    cats = _select_categories(data, categories)
    meta = _model_meta(data)
    rows = []
    for model in others:
        block = []
        for cat in cats:
            sub = data[data["category"] == cat]
            x = sub.loc[sub["model"] == model, "score"].to_numpy()
            y = sub.loc[sub["model"].isin(ref), "score"].to_numpy()
            row = {"model": model, "kind": meta[model][0], "objective": meta[model][1], "category": cat,
                   "mean": float(x.mean()) if x.size else math.nan,
                   "reference_mean": float(y.mean()) if y.size else math.nan,
                   "cohens_d": math.nan, "mw_pvalue": math.nan, "n": int(x.size), "n_reference": int(y.size)}
            if x.size and y.size:
                row["cohens_d"] = cohens_d(x, y).d
                row["mw_pvalue"] = mann_whitney(x, y).pvalue
            block.append(row)
        adjusted = holm([r["mw_pvalue"] for r in block])
        for row, p in zip(block, adjusted):
            row["holm_pvalue"] = float(p)
            row["significant"] = bool(p < ALPHA)  # NaN < 0.05 is False
        rows += block
    return pd.DataFrame(rows, columns=["model", "kind", "objective", "category", "mean", "reference_mean",
                                       "cohens_d", "mw_pvalue", "holm_pvalue", "significant", "n", "n_reference"])


# -- confidence intervals --------------------------------------------------------------------
def bootstrap_ci(values: Iterable[float], statistic: Literal["mean", "failure_rate"] = "mean",
                 threshold: float | None = None, n_resamples: int = 2000, confidence: float = 0.95,
                 seed: int | None = 0) -> ConfidenceInterval:
    """Percentile bootstrap confidence interval of a mean or of a failure rate.

    Draw B = n_resamples samples of size n with replacement from the n values (one
    ``numpy.random.default_rng(seed)`` index matrix of shape B x n, no loop), compute the
    statistic on each - the mean, or the failure rate (1/n) #{i: v_i >= threshold} - and take
    the (1 - confidence)/2 and (1 + confidence)/2 quantiles of the B results (linear
    interpolation) as low and high. NaN values are dropped first. Memory grows as B x n,
    fine for per-category samples (hundreds of scores).

    Args:
        values: the sample.
        statistic: ``"mean"`` or ``"failure_rate"`` (share at or above ``threshold``).
        threshold: required with ``"failure_rate"``, not allowed with ``"mean"``.
        n_resamples: number of bootstrap resamples B (>= 1).
        confidence: nominal coverage in (0, 1).
        seed: seed of the generator; the same seed gives the same interval.

    Returns:
        :class:`ConfidenceInterval`.

    Example:
        ``bootstrap_ci([0.9, 0.8, 0.95, 0.4], "failure_rate", threshold=0.5)`` has estimate 0.75.
    """
    arr = _sample(values, "values")
    if statistic not in ("mean", "failure_rate"):
        raise ValueError(f"statistic must be 'mean' or 'failure_rate', not {statistic!r}")
    if statistic == "failure_rate":
        if threshold is None:
            raise ValueError("statistic 'failure_rate' needs a threshold")
        t = _finite(threshold, "threshold")
    elif threshold is not None:
        raise ValueError("threshold is only used with statistic 'failure_rate'")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, not {n_resamples!r}")
    conf = _finite(confidence, "confidence")
    if not 0 < conf < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, not {confidence!r}")
    sample = arr if statistic == "mean" else (arr >= t).astype(float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, sample.size, size=(int(n_resamples), sample.size))
    boot = sample[idx].mean(axis=1)
    low, high = np.quantile(boot, [(1 - conf) / 2, (1 + conf) / 2])
    return ConfidenceInterval(float(low), float(high), float(sample.mean()), int(arr.size), conf,
                              "percentile bootstrap")


def describe_with_ci(df: pd.DataFrame, threshold: float, n_resamples: int = 1000, seed: int | None = 0
                     ) -> pd.DataFrame:
    """Mean score and rate at a threshold per model x category, each with a 95% bootstrap CI.

    The intervals are :func:`bootstrap_ci` (percentile, ``confidence=0.95``) of the mean and of
    the rate = share of scores >= threshold; every cell uses the same ``seed``, so a cell's
    interval does not depend on which other cells are in the table.

    Args:
        df: tidy results.
        threshold: finite threshold for the rate.
        n_resamples: bootstrap resamples per interval.
        seed: generator seed.

    Returns:
        ``model, kind, objective, category, n, mean, mean_ci_low, mean_ci_high, rate,
        rate_ci_low, rate_ci_high, meaning``.

    Example:
        ``describe_with_ci(df, 0.5)``
    """
    data = _prepare(df)
    t = _finite(threshold, "threshold")
    info = _category_info(data)
    meta = _model_meta(data)
    cats = sort_categories(info)
    groups = {key: grp["score"].to_numpy() for key, grp in data.groupby(["model", "category"], sort=False)}
    rows = []
    for model in _models(data):
        for cat in cats:
            s = groups.get((model, cat))
            if s is None:
                continue
            m = bootstrap_ci(s, "mean", n_resamples=n_resamples, seed=seed)
            r = bootstrap_ci(s, "failure_rate", threshold=t, n_resamples=n_resamples, seed=seed)
            rows.append({"model": model, "kind": meta[model][0], "objective": meta[model][1], "category": cat,
                         "n": m.n, "mean": m.estimate, "mean_ci_low": m.low, "mean_ci_high": m.high,
                         "rate": r.estimate, "rate_ci_low": r.low, "rate_ci_high": r.high,
                         "meaning": _meaning(info[cat])})
    return pd.DataFrame(rows, columns=["model", "kind", "objective", "category", "n", "mean", "mean_ci_low",
                                       "mean_ci_high", "rate", "rate_ci_low", "rate_ci_high", "meaning"])


# -- threshold-free separation and calibration ------------------------------------------------
def roc_auc_by_category(df: pd.DataFrame) -> pd.DataFrame:
    """ROC-AUC of telling positive controls from each meaning-changing category, per model.

    Positives (label 1) are the model's positive-control scores P, negatives (label 0) its
    scores N in one category that a good model scores low and that is not an unrelated-pair
    control: adversarial, near-miss, and custom categories expected low. Through the
    Mann-Whitney identity, AUC = U_P / (n_P n_N) with U_P = #{(p, q): p > q} + 1/2 #{p = q}
    over p in P, q in N: the probability that a random paraphrase outscores a random pair of
    the category (ties count half). 1 = perfect separation, 0.5 = chance; threshold-free.
    NaN when P or N is empty.

    Args:
        df: tidy results.

    Returns:
        ``model, kind, objective, category, auc, n_pos, n_neg``.

    Example:
        P = [0.9, 0.8, 0.5], N = [0.5, 0.1]: U_P = 2 + 2 + 0.5 + 1 = 5.5, AUC = 5.5 / 6 = 0.917.
    """
    data = _prepare(df)
    info = _category_info(data)
    meta = _model_meta(data)
    targets = [c for c in sort_categories(info) if info[c].role in ("adversarial", "near_miss")
               or (info[c].role == "custom" and info[c].expected == "low")]
    groups = {key: grp["score"].to_numpy() for key, grp in data.groupby(["model", "category"], sort=False)}
    rows = []
    for model in _models(data):
        pos = groups.get((model, "positive_control"), np.empty(0))
        for cat in targets:
            neg = groups.get((model, cat))
            if neg is None:
                continue
            auc = _u_statistic(pos, neg) / (pos.size * neg.size) if pos.size else math.nan
            rows.append({"model": model, "kind": meta[model][0], "objective": meta[model][1], "category": cat,
                         "auc": auc, "n_pos": int(pos.size), "n_neg": int(neg.size)})
    return pd.DataFrame(rows, columns=["model", "kind", "objective", "category", "auc", "n_pos", "n_neg"])


def calibrated_thresholds(df: pd.DataFrame) -> pd.DataFrame:
    """Per model, the threshold that best separates the controls (maximum Youden's J).

    Positives are the model's positive-control scores, negatives its negative-control and
    near-miss-control scores. A pair is predicted similar when score >= t. For each candidate
    t among the observed control scores, TPR(t) = #{positives >= t} / n_pos,
    FPR(t) = #{negatives >= t} / n_neg and J(t) = TPR(t) - FPR(t); the chosen t maximizes J.
    Ties in J go to the highest threshold (the strictest cut that does as well). A model
    without positives or without negatives gets a row of NaN.

    Args:
        df: tidy results.

    Returns:
        ``model, kind, objective, threshold, youden_j, tpr, fpr, n_pos, n_neg``.

    Raises:
        ValueError: if the results hold no positive controls, or neither negative nor near-miss controls.

    Example:
        Positives 0.9, 0.7, 0.6; negatives 0.65, 0.2, 0.1: J(0.7) = 2/3 - 0 and J(0.6) = 1 - 1/3
        tie at 2/3, so t = 0.7 (TPR 2/3, FPR 0).
    """
    data = _prepare(df)
    cats = set(data["category"])
    if "positive_control" not in cats:
        raise ValueError("calibrating a threshold needs positive_control pairs; the results have none")
    if not {"negative_control", "near_miss_control"} & cats:
        raise ValueError("calibrating a threshold needs negative_control or near_miss_control pairs; "
                         "the results have neither")
    meta = _model_meta(data)
    rows = []
    for model in _models(data):
        sub = data[data["model"] == model]
        pos = sub.loc[sub["category"] == "positive_control", "score"].to_numpy()
        neg = sub.loc[sub["category"].isin(["negative_control", "near_miss_control"]), "score"].to_numpy()
        row = {"model": model, "kind": meta[model][0], "objective": meta[model][1], "threshold": math.nan,
               "youden_j": math.nan, "tpr": math.nan, "fpr": math.nan, "n_pos": int(pos.size), "n_neg": int(neg.size)}
        if pos.size and neg.size:
            cand = np.unique(np.concatenate([pos, neg]))[::-1]  # highest first, so argmax keeps the highest on ties
            k_pos = (pos[None, :] >= cand[:, None]).sum(axis=1)
            k_neg = (neg[None, :] >= cand[:, None]).sum(axis=1)
            # J * n_pos * n_neg in integers, so equal J values tie exactly (2/3 - 0 vs 1 - 1/3 in floats do not)
            best = int(np.argmax(k_pos * neg.size - k_neg * pos.size))
            tpr, fpr = k_pos[best] / pos.size, k_neg[best] / neg.size
            row.update(threshold=float(cand[best]), youden_j=float(tpr - fpr), tpr=float(tpr), fpr=float(fpr))
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "kind", "objective", "threshold", "youden_j", "tpr", "fpr",
                                       "n_pos", "n_neg"])


# -- headline tables and sentences -----------------------------------------------------------
def best_and_worst(df: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The best and the worst model per category at a threshold.

    For a category expected low, best = lowest failure rate (share of scores >= threshold),
    ties broken by the lower mean score; worst = highest failure rate, ties by the higher mean.
    For a category expected high (positive controls), best = highest pass rate, ties by the
    higher mean; worst = lowest, ties by the lower mean. Remaining ties go to the model that
    appears first in the results. With one model, best and worst are the same.

    Args:
        df: tidy results.
        threshold: finite threshold.

    Returns:
        ``category, meaning, threshold, best_model, best_rate, best_mean, worst_model,
        worst_rate, worst_mean, n_models``.

    Example:
        Negation rates A 0.2, B 0.0, C 0.0 with means 0.3, 0.1, 0.05: best C, worst A.
    """
    data = _prepare(df)
    t = _finite(threshold, "threshold")
    info = _category_info(data)
    rates = _rates_table(data, {m: [t] for m in _models(data)})
    means = data.groupby(["model", "category"], sort=False)["score"].mean()
    rows = []
    for cat in sort_categories(info):
        sub = rates[rates["category"] == cat]
        cands = [(m, float(r), float(means[(m, cat)])) for m, r in zip(sub["model"], sub["rate"])]
        sign = -1.0 if info[cat].expected == "high" else 1.0  # lower key = better
        best = min(cands, key=lambda c: (sign * c[1], sign * c[2]))
        worst = min(cands, key=lambda c: (-sign * c[1], -sign * c[2]))
        rows.append({"category": cat, "meaning": _meaning(info[cat]), "threshold": t,
                     "best_model": best[0], "best_rate": best[1], "best_mean": best[2],
                     "worst_model": worst[0], "worst_rate": worst[1], "worst_mean": worst[2],
                     "n_models": len(cands)})
    return pd.DataFrame(rows, columns=["category", "meaning", "threshold", "best_model", "best_rate", "best_mean",
                                       "worst_model", "worst_rate", "worst_mean", "n_models"])


def _plural(kind: str) -> str:
    return kind if kind.endswith("s") else kind + "s"


def _n_models(n: int, kind: str) -> str:
    return f"{n} {kind} model" + ("" if n == 1 else "s")


def findings(df: pd.DataFrame, threshold: float) -> list[str]:
    """A few plain-English sentences about the results at a threshold, every number computed.

    Up to five sentences, each only when the data support it:

    1. the adversarial category the lead family (bi-encoders if present, else the first
       family) fails most at the threshold, with its mean failure rate over the family's
       models and the family's mean score;
    2. whether cross-encoders lower that failure rate (both rates and mean scores);
    3. the adversarial category that stays hardest for cross-encoders;
    4. the positive-control pass rate of each family;
    5. any model whose mean score on adversarial pairs exceeds its mean on positive controls
       (a model that tracks topic rather than meaning, like the study's MS-MARCO cross-encoder).

    "Adversarial" here includes custom categories expected low. Family rates are means over
    the family's models of each model's rate, as in the study's 4.4; mean scores pool all
    pair x model scores. With one model or one family fewer sentences come back; when
    nothing applies, one sentence says so.

    Args:
        df: tidy results.
        threshold: finite threshold.

    Returns:
        List of sentences.

    Example:
        ``findings(df, 0.5)[0]`` -> "At threshold 0.5, bi-encoders fail most on Entity swap: ..."
    """
    data = _prepare(df)
    t = _finite(threshold, "threshold")
    info = _category_info(data)
    rates = _rates_table(data, {m: [t] for m in _models(data)})
    targets = [c for c in sort_categories(info) if _is_meaning_change(info[c])]
    kinds = _kinds(data)
    out: list[str] = []

    # Grouped once, looked up per sentence (a boolean filter per lookup made this the slowest
    # part of a dashboard re-render).
    fam_rates = {key: (float(g["rate"].mean()), int(g["model"].nunique()))
                 for key, g in rates.groupby(["kind", "category"], sort=False)}
    fam_scores = data.groupby(["kind", "category"], sort=False)["score"].mean().to_dict()

    def family(kind: str, cat: str) -> tuple[float, float, int] | None:
        """(mean rate over models, pooled mean score, number of models), None without data."""
        if (kind, cat) not in fam_rates:
            return None
        rate, n_models = fam_rates[(kind, cat)]
        return rate, float(fam_scores[(kind, cat)]), n_models

    def hardest(kind: str) -> tuple[str, tuple[float, float, int]] | None:
        found = [(c, f) for c in targets if (f := family(kind, c)) is not None]
        return max(found, key=lambda cf: (cf[1][0], cf[1][1])) if found else None

    lead = kinds[0]
    lead_hard = hardest(lead)
    if lead_hard:
        cat, (rate, mean, n) = lead_hard
        out.append(f"At threshold {t:g}, {_plural(lead)} fail most on {category_label(cat)}: on average {rate:.0%} "
                   f"of its pairs score at or above {t:g} across {_n_models(n, lead)} (mean score {mean:.3f}).")
    if lead == "bi-encoder" and "cross-encoder" in kinds:
        if lead_hard and (cross := family("cross-encoder", lead_hard[0])) is not None:
            cat, (b_rate, b_mean, _) = lead_hard
            c_rate, c_mean, c_n = cross
            if c_rate < b_rate:
                out.append(f"Cross-encoders lower the {category_label(cat)} failure rate from {b_rate:.0%} to "
                           f"{c_rate:.0%} (mean score {b_mean:.3f} to {c_mean:.3f}, "
                           f"{_n_models(c_n, 'cross-encoder')}).")
            else:
                out.append(f"Cross-encoders do not lower the {category_label(cat)} failure rate: {c_rate:.0%} against "
                           f"{b_rate:.0%} for bi-encoders (mean score {c_mean:.3f} against {b_mean:.3f}).")
        cross_hard = hardest("cross-encoder")
        if cross_hard:
            cat, (rate, mean, n) = cross_hard
            out.append(f"The hardest adversarial category for cross-encoders is {category_label(cat)}: on average "
                       f"{rate:.0%} of its pairs score at or above {t:g} (mean score {mean:.3f}).")
    if "positive_control" in info:
        parts = [f"{f[0]:.0%} for {_plural(k)}" for k in kinds if (f := family(k, "positive_control")) is not None]
        out.append(f"Positive controls (true paraphrases) pass at {t:g} (share scoring at or above it, mean over "
                   f"models): {', '.join(parts)}.")
    if "positive_control" in info and targets:
        meta = _model_meta(data)
        inverted = []
        side = np.where(data["category"].isin(targets), "adv",
                        np.where(data["category"] == "positive_control", "pos", ""))
        means = data.groupby([data["model"], side], sort=False)["score"].mean().to_dict()
        for model in _models(data):
            adv, pos = means.get((model, "adv")), means.get((model, "pos"))
            if adv is not None and pos is not None and adv > pos:
                inverted.append((model, float(adv), float(pos)))
        if len(inverted) == 1:
            model, a, p = inverted[0]
            kind, objective = meta[model]
            out.append(f"{model} ({kind}, {objective} objective) scores adversarial pairs higher on average "
                       f"({a:.3f}) than its own positive controls ({p:.3f}): its score tracks topic, not meaning.")
        elif inverted:
            listed = "; ".join(f"{m} {a:.3f} vs {p:.3f}" for m, a, p in inverted)
            out.append(f"{len(inverted)} models score adversarial pairs higher on average than their own positive "
                       f"controls, so their scores track topic, not meaning ({listed}).")
    if not out:
        out.append(f"{data['model'].nunique()} model(s) scored {data['pair_id'].nunique()} pair(s); the results hold "
                   "no adversarial categories or positive controls to summarise.")
    return out


__all__ = [
    "ALPHA", "KIND_ORDER", "REQUIRED_COLUMNS", "ConfidenceInterval", "EffectSize", "TestResult",
    "best_and_worst", "bootstrap_ci", "calibrated_thresholds", "cohens_d", "describe_scores", "describe_with_ci",
    "effect_size_table", "failure_rates", "failure_rates_at", "family_comparison", "family_failure_rates",
    "findings", "holm", "mann_whitney", "model_comparison", "roc_auc_by_category", "wilcoxon_paired",
]
