"""compsem.app.data: the score-cache lookups are kept per model and give what one score_pairs run gives.

Called outside a running app (Streamlit's caches work without one); each test uses a pair-set key of its own.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest

from compsem.app import data
from compsem.data.pairs import load_pairs
from compsem.scoring import score_pairs
from compsem.store.sqlite import ScoreCache

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


def test_scores_written_by_another_process_are_read_at_the_next_lookup(cache_dir):
    import subprocess
    import sys

    pairs = load_pairs(PAIRS)
    sha = uuid.uuid4().hex
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [TFIDF], cache=cache)
    assert data.missing_counts(sha, (TFIDF, JACCARD), str(cache_dir), pairs) == {TFIDF: 0, JACCARD: len(pairs)}
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert set(frame["model"]) == {TFIDF} and "not scored yet" in errors[JACCARD]
    version = data.store_version(str(cache_dir))
    assert data.store_version(str(cache_dir)) == version  # reading changes nothing
    code = (
        "import sys; from compsem.store.sqlite import ScoreCache; from compsem.data.pairs import load_pairs; "
        "from compsem.scoring import score_pairs; "
        f"c = ScoreCache({str(cache_dir)!r}); score_pairs(load_pairs({str(PAIRS)!r}), [{JACCARD!r}], cache=c); "
        "c.close()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert data.store_version(str(cache_dir)) != version
    # no forget_cached_scores(): the lookups are keyed by the store's version
    assert data.missing_counts(sha, (TFIDF, JACCARD), str(cache_dir), pairs) == {TFIDF: 0, JACCARD: 0}
    frame, errors = data.cached_results(sha, (TFIDF, JACCARD), str(cache_dir), pairs)
    assert list(dict.fromkeys(frame["model"])) == [TFIDF, JACCARD] and errors == {}


def test_failures_and_empty_pair_sets_are_what_score_pairs_gives(cache_dir):
    pairs = load_pairs(PAIRS)
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [TFIDF, JACCARD], cache=cache)
    sha = uuid.uuid4().hex
    models = ("no-such/model", JACCARD, "token-jaccard", TFIDF)
    with ScoreCache(cache_dir) as cache:
        expected = score_pairs(pairs, list(models), cache=cache)
    frame, errors = data.cached_results(sha, models, str(cache_dir), pairs)
    pd.testing.assert_frame_equal(frame, expected.results)
    assert errors == {m.model: m.error for m in expected.failed} and "no-such/model" in errors
    empty = pairs.iloc[:0]
    with ScoreCache(cache_dir) as cache:
        expected = score_pairs(empty, [JACCARD, TFIDF], cache=cache).results
    frame, _ = data.cached_results(uuid.uuid4().hex, (JACCARD, TFIDF), str(cache_dir), empty)
    pd.testing.assert_frame_equal(frame, expected)


def test_each_backend_keeps_its_own_lookups(cache_dir):
    pairs = load_pairs(PAIRS)
    sha = uuid.uuid4().hex
    minilm = "sentence-transformers/all-MiniLM-L6-v2"
    with ScoreCache(cache_dir) as cache:
        score_pairs(pairs, [JACCARD], cache=cache)
    assert data.missing_counts(sha, (minilm, JACCARD), str(cache_dir), pairs, "torch")[minilm] == len(pairs)
    assert data.missing_counts(sha, (minilm, JACCARD), str(cache_dir), pairs, "onnx-int8") == {
        minilm: len(pairs),
        JACCARD: 0,
    }  # a baseline has no transformer: one set of scores serves both
