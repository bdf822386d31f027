"""compsem.analysis.browse: the stated plot sample of a large run, and server-side search, sort and pages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compsem.analysis.browse import page_of, sample_pairs, search_pairs, sort_pairs


def results(n_pairs: int, models=("m1", "m2"), rare: int = 5) -> pd.DataFrame:
    """``n_pairs`` pairs (``rare`` of them in the category 'rare', the rest in 'common') × ``models``."""
    ids = [f"p{i:05d}" for i in range(n_pairs)]
    cats = ["rare" if i < rare else "common" for i in range(n_pairs)]
    rng = np.random.default_rng(1)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "pair_id": ids,
                    "category": cats,
                    "sentence_a": [f"A {i}" for i in range(n_pairs)],
                    "sentence_b": [f"B {i}" for i in range(n_pairs)],
                    "model": m,
                    "score": rng.random(n_pairs),
                }
            )
            for m in models
        ],
        ignore_index=True,
    )


def test_a_small_frame_is_drawn_whole_and_says_nothing():
    frame = results(100)
    sample = sample_pairs(frame, max_points=1000)
    assert sample.frame is frame and not sample.sampled and sample.note == ""


def test_a_large_frame_is_sampled_by_whole_pairs_with_every_category_and_the_size_stated():
    frame = results(10_000, rare=5)
    sample = sample_pairs(frame, max_points=2_000, min_per_category=30)
    assert sample.sampled and sample.n_pairs == 10_000
    assert len(sample.frame) <= 2_000 + 2 * 30  # the floor may add a rare category's pairs
    counts = sample.frame.groupby("pair_id")["model"].nunique()
    assert (counts == 2).all(), "every chosen pair keeps both models' rows"
    assert set(sample.frame["category"]) == {"rare", "common"}
    assert (sample.frame["category"] == "rare").sum() == 2 * 5  # a category under the floor keeps all it has
    assert sample.n_shown == sample.frame["pair_id"].nunique()
    assert f"{sample.n_shown:,} of 10,000 pairs" in sample.note


def test_the_sample_is_reproducible_and_the_seed_changes_it():
    frame = results(5_000)
    one, two = sample_pairs(frame, 1_000, seed=3), sample_pairs(frame, 1_000, seed=3)
    assert set(one.frame["pair_id"]) == set(two.frame["pair_id"])
    assert set(one.frame["pair_id"]) != set(sample_pairs(frame, 1_000, seed=4).frame["pair_id"])


def test_sample_arguments_are_checked():
    with pytest.raises(ValueError, match="at least 1"):
        sample_pairs(results(10), max_points=0)
    with pytest.raises(ValueError, match="no column model"):
        sample_pairs(results(10).drop(columns="model"))


def test_search_is_plain_text_case_insensitive_over_ids_and_both_sentences():
    table = pd.DataFrame(
        {"pair_id": ["x1", "x2", "y3"], "sentence_a": ["The Cat (sat).", "a", "b"], "sentence_b": ["c", "d", "DOG"]}
    )
    assert list(search_pairs(table, "cat (SAT")["pair_id"]) == ["x1"]  # no regex: the bracket is text
    assert list(search_pairs(table, " dog ")["pair_id"]) == ["y3"]
    assert list(search_pairs(table, "X")["pair_id"]) == ["x1", "x2"]
    assert search_pairs(table, "") is table


def test_sort_numbers_largest_first_text_a_to_z_unknown_column_unchanged():
    table = pd.DataFrame({"pair_id": ["b", "a", "c"], "d": [0.1, 0.9, 0.5]})
    assert list(sort_pairs(table, "d")["pair_id"]) == ["a", "c", "b"]
    assert list(sort_pairs(table, "pair_id")["pair_id"]) == ["a", "b", "c"]
    assert sort_pairs(table, "nope") is table


def test_pages_cover_every_row_once_and_clamp_out_of_range_numbers():
    table = pd.DataFrame({"i": range(250)})
    pages = [page_of(table, p, 100) for p in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [100, 100, 50]
    assert list(pd.concat([p.rows for p in pages])["i"]) == list(range(250))
    assert pages[2].caption == "Rows 201-250 of 250 (page 3 of 3)"
    assert page_of(table, 99, 100).page == 3 and page_of(table, -5, 100).page == 1
    empty = page_of(table.iloc[:0], 4, 100)
    assert (empty.page, empty.pages, empty.caption) == (1, 1, "No rows")
    with pytest.raises(ValueError, match="page_size"):
        page_of(table, 1, 0)
