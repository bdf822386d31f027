"""What every statistic shares: the input check of the tidy results and small helpers.

Private to :mod:`compsem.stats`; the constants are re-exported there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from compsem.data.categories import Category, category_info, sort_categories
from compsem.data.labels import LABEL_COLUMN

#: Columns every function here needs in the tidy results.
REQUIRED_COLUMNS: tuple[str, ...] = ("pair_id", "category", "model", "kind", "objective", "score")
#: Families in the order tables and sentences list them; other kinds follow alphabetically.
KIND_ORDER: tuple[str, ...] = ("bi-encoder", "cross-encoder", "baseline")
#: Significance level of :func:`effect_size_table`'s ``significant`` column (after Holm).
ALPHA = 0.05
#: pandas' default text type (Arrow-backed, NaN for missing): what a column of Python strings becomes in a frame.
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


class _LazyScipyStats:
    """``scipy.stats``, imported on first use: it is half a second of import that the dashboard's
    landing page (rates, means, findings) never needs; only the rank tests do."""

    def __getattr__(self, name: str):
        from scipy import stats

        return getattr(stats, name)


_sps = _LazyScipyStats()


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
    # Only the columns statistics read: sentences, raw outputs and a pair file's own columns would be
    # copied by every filter. Text columns end up in pandas' text type ("str", Arrow-backed, as pandas 3
    # infers it from Python strings): hashing, grouping, comparing and filtering a million rows is 2-10x
    # faster there than over Python objects. A column already of that type is taken as it is (no copy),
    # so preparing a prepared frame costs almost nothing; any other column is converted as before.
    keep = [c for c in (*REQUIRED_COLUMNS, "expected", LABEL_COLUMN) if c in df.columns and c != "score"]
    data = pd.DataFrame(
        {c: df[c] if df[c].dtype == _TEXT else df[c].to_numpy(dtype=object) for c in keep}, index=df.index
    )
    data["score"] = score
    if score.hasnans:
        data = data[score.notna().to_numpy()]
    if data.empty:
        raise ValueError("results hold no scores: every score is NaN")
    return data


def prepare_results(df: pd.DataFrame) -> pd.DataFrame:
    """The tidy results as every statistic here reads them: a checked copy of the columns they use.

    Rows whose score is NaN are dropped; the key columns (``pair_id, category, model, kind, objective``,
    ``expected`` and ``model_label`` where present) hold Python objects and ``score`` floats. Every
    function of :mod:`compsem.stats` gives the same table for this frame as for the results themselves,
    and preparing a prepared frame costs little: a caller that computes many tables of one large
    result (:class:`compsem.analysis.ThresholdFree`) prepares it once and passes this frame.

    Raises:
        ValueError: the results cannot be read (a missing column, no rows, scores that are not numbers).

    Example:
        >>> prepare_results(results)["score"].dtype  # doctest: +SKIP
        dtype('float64')
    """
    return _prepare(df)


def _category_info(data: pd.DataFrame) -> dict[str, Category]:
    """Category object per category, honouring a stated ``expected`` for custom categories."""
    out: dict[str, Category] = {}
    # Stated directions per category, from the rows that state one (usually none: built-in
    # categories know theirs), so the common case is one pass over the categories.
    said: dict[str, set[str]] = {}
    if "expected" in data.columns:
        # distinct (category, expected) first: a Python loop over every row cost ~4 ms per table
        distinct = data[["category", "expected"]].drop_duplicates()  # vectorised: a million rows in ~0.1 s
        for cat, v in zip(distinct["category"].tolist(), distinct["expected"].tolist()):
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


def _cells(data: pd.DataFrame, cats: list[str]):
    """(model, category, scores) for every model (in order of appearance) and category in ``cats`` that has scores."""
    # Row positions per cell (in row order) into the score column, not a sub-frame per cell.
    score = data["score"].to_numpy()
    where = data.groupby(["model", "category"], sort=False).indices
    for model in _models(data):
        for cat in cats:
            at = where.get((model, cat))
            if at is not None:
                yield model, cat, score[at]


def _model_meta(data: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """(kind, objective) per model, from its first row."""
    first = data.drop_duplicates("model")
    return {m: (k, o) for m, k, o in zip(first["model"], first["kind"], first["objective"])}


def _kinds(data: pd.DataFrame) -> list[str]:
    present = set(pd.unique(data["kind"]))
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
    present = set(pd.unique(data["category"]))
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
    present = set(pd.unique(data["model"]))
    unknown = [m for m in out if m not in present]
    if unknown:
        raise ValueError(f"{name} names model(s) not in the results: {', '.join(unknown)}")
    return out
