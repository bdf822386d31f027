"""Looking at a large run: a stated sample for point charts, and a pair table searched and paged server-side.

A run of 100,000 pairs × several models is a million rows. Statistics read every row; a chart of
every point or a table of every row would not fit a browser, and building either takes seconds.
So the dashboard draws point charts from :func:`sample_pairs` (the same pairs for every model,
every category kept, the size stated) and shows the pair table one :func:`page_of` at a time, after
:func:`search_pairs` and :func:`sort_pairs` ran on the whole table in pandas.

Example:
    >>> sample = sample_pairs(results, max_points=6_000)  # doctest: +SKIP
    >>> sample.note  # doctest: +SKIP
    'Drawn from a random sample of 2,000 of 100,000 pairs (every category kept); statistics use every pair.'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Point charts draw at most this many points (pairs × models) before they switch to a sample.
MAX_POINTS = 6_000
#: Each category keeps at least this many pairs in a sample (or all it has), so a small one stays visible.
MIN_PER_CATEGORY = 30
#: Rows on one page of the pairs browser.
PAGE_SIZE = 100


@dataclass(frozen=True)
class PlotSample:
    """Rows of a results frame chosen for a point chart.

    Attributes:
        frame: the rows to draw (all rows of the chosen pairs, for every model).
        n_pairs: distinct pairs in the full frame.
        n_shown: distinct pairs in ``frame``.
    """

    frame: pd.DataFrame
    n_pairs: int
    n_shown: int

    @property
    def sampled(self) -> bool:
        """True when ``frame`` holds fewer pairs than the full frame."""
        return self.n_shown < self.n_pairs

    @property
    def note(self) -> str:
        """The sentence to print beside the chart ("" when every pair is drawn)."""
        if not self.sampled:
            return ""
        return (
            f"Drawn from a random sample of {self.n_shown:,} of {self.n_pairs:,} pairs (every category kept, "
            "the same pairs for every model); the tables and statistics use every pair."
        )


def sample_pairs(
    results: pd.DataFrame, max_points: int = MAX_POINTS, seed: int = 0, min_per_category: int = MIN_PER_CATEGORY
) -> PlotSample:
    """A reproducible sample of whole pairs (every model's row of each) with at most ``max_points`` rows.

    Pairs are drawn per category in proportion to its size, but at least ``min_per_category`` (or all
    it has), so a rare category stays on the chart; the same ``seed`` gives the same pairs.

    Args:
        results: tidy results (``pair_id``, ``category``, ``model`` ...).
        max_points: the most rows (pairs × models) to keep; a frame this small comes back whole.
        seed: the random generator's seed.
        min_per_category: the floor per category.

    Raises:
        ValueError: ``max_points`` or ``min_per_category`` below 1, or a frame without
            ``pair_id``, ``category`` or ``model``.
    """
    if max_points < 1 or min_per_category < 1:
        raise ValueError("max_points and min_per_category must be at least 1")
    missing = [c for c in ("pair_id", "category", "model") if c not in results.columns]
    if missing:
        raise ValueError(f"the results have no column {', '.join(missing)}")
    pairs = results[["pair_id", "category"]].drop_duplicates("pair_id")
    n_pairs = len(pairs)
    if len(results) <= max_points:
        return PlotSample(results, n_pairs, n_pairs)
    per_pair = max(1, math.ceil(len(results) / max(n_pairs, 1)))  # rows per pair: the models
    budget = max(1, max_points // per_pair)
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    for _cat, ids in pairs.groupby("category", sort=True)["pair_id"]:
        want = min(len(ids), max(min_per_category, round(budget * len(ids) / n_pairs)))
        chosen.append(rng.choice(ids.to_numpy(), size=want, replace=False))
    keep = np.concatenate(chosen) if chosen else np.array([], dtype=object)
    frame = results[results["pair_id"].isin(keep)]
    return PlotSample(frame, n_pairs, len(keep))


def search_pairs(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose ``pair_id`` or sentences contain ``query`` (plain text, case-insensitive; empty keeps all)."""
    q = (query or "").strip().casefold()
    if not q:
        return table
    hit = np.zeros(len(table), dtype=bool)
    for col in ("pair_id", "sentence_a", "sentence_b"):
        if col in table.columns:
            hit |= table[col].astype(str).str.casefold().str.contains(q, regex=False).to_numpy()
    return table[hit]


def sort_pairs(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """``table`` sorted by ``by``: numbers largest first, text A to Z (stable; an unknown column keeps the order)."""
    if by not in table.columns:
        return table
    numeric = pd.api.types.is_numeric_dtype(table[by])
    return table.sort_values(by, ascending=not numeric, kind="stable")


@dataclass(frozen=True)
class PairPage:
    """One page of a (searched, sorted) pair table.

    Attributes:
        rows: the page's rows.
        page: its number, from 1 (clamped into range).
        pages: how many pages there are (at least 1).
        total: rows over all pages.
        page_size: rows per page.
    """

    rows: pd.DataFrame
    page: int
    pages: int
    total: int
    page_size: int

    @property
    def caption(self) -> str:
        """``Rows 101-200 of 3,456 (page 2 of 35)``."""
        if not self.total:
            return "No rows"
        first = (self.page - 1) * self.page_size + 1
        last = first + len(self.rows) - 1
        return f"Rows {first:,}-{last:,} of {self.total:,} (page {self.page:,} of {self.pages:,})"


def page_of(table: pd.DataFrame, page: int, page_size: int = PAGE_SIZE) -> PairPage:
    """Page ``page`` (from 1) of ``table``; a page past either end gives the first or last.

    Raises:
        ValueError: ``page_size`` below 1.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    total = len(table)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, int(page)), pages)
    start = (page - 1) * page_size
    return PairPage(table.iloc[start : start + page_size], page, pages, total, page_size)


__all__ = [
    "MAX_POINTS",
    "MIN_PER_CATEGORY",
    "PAGE_SIZE",
    "PairPage",
    "PlotSample",
    "page_of",
    "sample_pairs",
    "search_pairs",
    "sort_pairs",
]
