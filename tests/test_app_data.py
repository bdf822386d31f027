"""compsem.app.data: the score-cache lookups are kept per model and give what one score_pairs run gives.

Called outside a running app (Streamlit's caches work without one); each test uses a pair-set key of its own.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest

from compsem.app import data
from compsem.cache import ScoreCache
from compsem.pairs import load_pairs
from compsem.scoring import score_pairs

PAIRS = Path(__file__).parent / "data" / "app_pairs.csv"
JACCARD, TFIDF = "baseline/token-jaccard", "baseline/tfidf-cosine"


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_per_model_parts_assemble_the_frame_one_score_pairs_run_gives(cache_dir):
    pairs = load_pairs(PAIRS)
    with ScoreCache(cache_dir) as cache:
        expected = score_pairs(pairs, [TFIDF, JACCARD], cache=cache).results
    sha = uuid.uuid4().hex
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert errors == {}
    pd.testing.assert_frame_equal(frame, expected)
    # an alias of a model already in the frame adds nothing (score_pairs skips it too)
    again, _ = data.cached_results(sha, (TFIDF, JACCARD, "token-jaccard"), str(cache_dir), pairs)
    pd.testing.assert_frame_equal(again, expected)
    alone, _ = data.cached_results(sha, (JACCARD,), str(cache_dir), pairs)
    pd.testing.assert_frame_equal(alone, expected[expected["model"] == JACCARD].reset_index(drop=True))


def test_scores_stored_later_are_read_after_forget_cached_scores(cache_dir):
    pairs = load_pairs(PAIRS)
    sha = uuid.uuid4().hex
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [TFIDF], cache=cache)
    assert data.missing_counts(sha, (TFIDF, JACCARD), str(cache_dir), pairs) == {TFIDF: 0, JACCARD: len(pairs)}
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert set(frame["model"]) == {TFIDF} and "not scored yet" in errors[JACCARD]
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [JACCARD], cache=cache)
    data.forget_cached_scores()  # what the dashboard does after its Score button
    assert data.missing_counts(sha, (TFIDF, JACCARD), str(cache_dir), pairs) == {TFIDF: 0, JACCARD: 0}
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert list(dict.fromkeys(frame["model"])) == [TFIDF, JACCARD] and errors == {}
