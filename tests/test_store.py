"""compsem.store.score_store: look up (found / missing), compute the missing with progress, adopt.

The score store is the one way into the cache.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from compsem.models.specs import ModelSpec, Resolution
from compsem.scorers import PairScores
from compsem.store.score_store import ScoreStore
from compsem.store.sqlite import CachedScore, ScoreCache

RES = Resolution(ModelSpec("m/fake", "cross-encoder", "general", "model-activation"), "local", fingerprint="fp")
PAIRS = [("a", "b"), ("b", "a"), ("c", "d")]


class Counting:
    """A scorer that counts what it is asked: score = len(A) + len(B) / 10, relevance = len(B)."""

    fingerprint = "fp"
    resolution = RES

    def __init__(self):
        self.asked: list[tuple[str, str]] = []
        self.messages = ["loaded"]

    def predict(self, pairs, batch_size=32, progress=None):
        self.asked += pairs
        s = np.array([len(a) + len(b) / 10 for a, b in pairs], dtype=float)
        if progress:
            progress(len(pairs))
        return PairScores(s, s / 2, [f'{{"n": {i}}}' for i in range(len(pairs))], "made up")

    def relevance(self, pairs, batch_size=32, progress=None):
        self.asked += pairs
        return np.array([float(len(b)) for _, b in pairs])


def test_lookup_says_found_and_missing(tmp_path):
    store = ScoreStore(tmp_path)
    assert store.lookup(RES, PAIRS).missing == PAIRS
    store.cache.put_many("m/fake", "fp", PAIRS[:1], [CachedScore(1.0, 0.5, "{}")])
    found = store.lookup(RES, [*PAIRS, PAIRS[0]])  # a duplicate is asked about once
    assert found.pairs == tuple(PAIRS) and found.missing == PAIRS[1:]
    assert found.found == {("a", "b"): CachedScore(1.0, 0.5, "{}")}
    assert store.lookup(RES, PAIRS, "relevance").missing == PAIRS  # another measure, another row
    with pytest.raises(ValueError, match="unknown measure"):
        store.lookup(RES, PAIRS, "loudness")


def test_compute_missing_loads_only_when_needed_and_reports_progress(tmp_path):
    store, scorer, seen = ScoreStore(tmp_path), Counting(), []
    store.cache.put_many("m/fake", "fp", PAIRS[:1], [CachedScore(9.0, 9.0, "{}")])
    filled = store.compute_missing(store.lookup(RES, PAIRS), lambda: scorer, progress=lambda *a: seen.append(a))
    assert (filled.cached, filled.computed, filled.normalization, filled.messages) == (1, 2, "made up", ("loaded",))
    assert scorer.asked == PAIRS[1:]  # the stored pair was not scored again
    assert filled.scores[("a", "b")].score == 9.0 and filled.scores[("c", "d")].score == pytest.approx(0.55)
    assert seen == [("m/fake", 1, 3), ("m/fake", 3, 3)]

    def no_loading():
        raise AssertionError("everything is stored: nothing may be loaded")

    again = ScoreStore(tmp_path).compute_missing(ScoreStore(tmp_path).lookup(RES, PAIRS), no_loading)
    assert (again.cached, again.computed) == (3, 0) and dict(again.scores) == dict(filled.scores)


def test_refreshing_computes_everything_and_replaces_what_was_stored(tmp_path):
    store, scorer = ScoreStore(tmp_path), Counting()
    store.cache.put_many("m/fake", "fp", PAIRS[:1], [CachedScore(9.0, 9.0, "{}")])
    fresh = store.refreshing()
    filled = fresh.compute_missing(fresh.lookup(RES, PAIRS), lambda: scorer)
    assert filled.computed == 3 and scorer.asked == PAIRS
    assert store.lookup(RES, PAIRS[:1]).found[("a", "b")].score == pytest.approx(0.55)


def test_a_store_that_is_off_keeps_nothing(tmp_path):
    off = ScoreStore.off()
    filled = off.compute_missing(off.lookup(RES, PAIRS), Counting)
    assert filled.computed == 3 and off.cache is None and off.recovered == []
    assert off.adopt(RES, {("a", "b"): CachedScore(1.0, 1.0, "{}")}) == 0


def test_relevance_is_stored_under_the_rerank_key_as_before(tmp_path):
    store = ScoreStore(tmp_path)
    filled = store.compute_missing(store.lookup(RES, PAIRS, "relevance"), Counting)
    assert [filled.scores[p].score for p in PAIRS] == [1.0, 1.0, 1.0]
    # the rows older caches hold: "<key>#rerank", raw score = score, no raw output
    assert ScoreCache(tmp_path).get_many("m/fake#rerank", "fp", PAIRS)[("c", "d")] == CachedScore(1.0, 1.0, "{}")
    assert store.lookup(RES, PAIRS).missing == PAIRS  # the similarity score is another measure


def test_adopt_keeps_stored_rows_and_needs_a_fingerprint(tmp_path):
    store = ScoreStore(tmp_path)
    store.cache.put_many("m/fake", "fp", PAIRS[:1], [CachedScore(9.0, 9.0, "{}")])
    made = {p: CachedScore(1.0, 0.25, '{"x": 1}') for p in PAIRS}
    assert store.adopt(RES, made) == 2
    got = store.lookup(RES, PAIRS).found
    assert got[("a", "b")].score == 9.0 and got[("c", "d")] == CachedScore(1.0, 0.25, '{"x": 1}')
    assert store.adopt(RES, made) == 0
    nowhere = Resolution(RES.spec, "needs download", "m/fake", "")
    assert store.adopt(nowhere, made) == 0 and store.lookup(nowhere, PAIRS).missing == PAIRS


def test_a_model_without_fingerprint_is_computed_but_not_stored(tmp_path):
    nowhere = Resolution(RES.spec, "needs download", "m/fake", "")

    class Unpinned(Counting):
        fingerprint = ""

    store = ScoreStore(tmp_path)
    assert store.compute_missing(store.lookup(nowhere, PAIRS), Unpinned).computed == 3
    assert store.cache.count() == 0


def test_the_storage_layer_imports_no_model_code():
    code = (
        "import sys, compsem.store.sqlite, compsem.store.score_store; "
        "print(sorted(m for m in sys.modules if m.startswith('compsem')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    loaded = out.stdout.strip()
    assert "compsem.store.sqlite" in loaded, out.stderr
    assert (
        "compsem.models.registry" not in loaded and "compsem.scorers" not in loaded and "compsem.scoring" not in loaded
    )
