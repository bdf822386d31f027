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


# -- rows whose checksum holds but whose value is not a score (issue 22, item 4) ---------------------
JACCARD = Resolution(
    ModelSpec("baseline/token-jaccard", "baseline", "lexical", "lexical"), "builtin", fingerprint="jaccard-v1"
)
PAIR = ("the cat sat", "the cat ran")


def _forge(cache: ScoreCache, model: str, fingerprint: str, pair, raw, score, raw_output) -> None:
    """Overwrite a stored row with these values AND a checksum that matches them (a foreign writer)."""
    import sqlite3

    from compsem.store.recovery import checksum
    from compsem.store.sqlite import score_key

    key = score_key(model, fingerprint, *pair)
    raw_c = float("nan") if raw is None else raw
    score_c = float("nan") if score is None else score
    with sqlite3.connect(cache.path) as conn:
        conn.execute(
            "UPDATE scores SET raw_score = ?, score = ?, raw_output = ?, checksum = ? WHERE key = ?",
            (raw, score, raw_output, checksum(key, raw_c, score_c, raw_output), key),
        )
        assert conn.total_changes == 1


class Jaccard:
    fingerprint = "jaccard-v1"
    resolution = JACCARD

    def __init__(self):
        self.asked = 0

    def predict(self, pairs, batch_size=32, progress=None):
        self.asked += len(pairs)
        return PairScores(np.full(len(pairs), 0.5), np.full(len(pairs), 0.5), ['{"similarity": 0.5}'] * len(pairs), "")


@pytest.mark.parametrize(
    ("raw", "score", "raw_output", "why"),
    [
        (0.5, None, "{}", "score is nan"),  # NaN is stored as NULL
        (None, 0.5, "{}", "raw_score is nan"),
        (0.5, float("inf"), "{}", "score is inf"),
        (float("-inf"), 0.5, "{}", "raw_score is -inf"),
        (0.5, "0.5x", "{}", "score is str"),
        (0.5, b"\x00\x01", "{}", "score is bytes"),
        (0.5, 5.0, "{}", "outside the model's range 0..1"),
        (0.5, -0.25, "{}", "outside the model's range 0..1"),
        (0.5, 0.5, "not json", "raw_output is not JSON"),
    ],
)
def test_a_row_with_a_valid_checksum_but_no_valid_score_is_damage_recomputed(tmp_path, raw, score, raw_output, why):
    with ScoreStore(tmp_path) as store:
        first = Jaccard()
        store.compute_missing(store.lookup(JACCARD, [PAIR]), lambda: first)
        _forge(store.cache, JACCARD.spec.key, JACCARD.fingerprint, PAIR, raw, score, raw_output)
    with ScoreStore(tmp_path) as store:
        found = store.lookup(JACCARD, [PAIR])
        assert found.missing == [PAIR]  # not served
        assert len(store.recovered) == 1 and "1 damaged cache row(s)" in store.recovered[0]
        assert why in store.recovered[0], store.recovered
        again = Jaccard()
        filled = store.compute_missing(found, lambda: again)
        assert again.asked == 1 and filled.scores[PAIR].score == 0.5  # recomputed
    with ScoreStore(tmp_path) as store:
        assert store.lookup(JACCARD, [PAIR]).found[PAIR] == CachedScore(0.5, 0.5, '{"similarity": 0.5}')
        assert store.recovered == []  # the damaged row was replaced


@pytest.mark.parametrize("score", [1.0000000000000002, -2.2e-16, 1.0, 0.0])
def test_a_score_past_its_range_by_rounding_alone_is_served(tmp_path, score):
    # TF-IDF cosine of identical texts is 1.0000000000000002: rounding, not damage
    with ScoreStore(tmp_path) as store:
        store.compute_missing(store.lookup(JACCARD, [PAIR]), Jaccard)
        _forge(store.cache, JACCARD.spec.key, JACCARD.fingerprint, PAIR, score, score, "{}")
    with ScoreStore(tmp_path) as store:
        assert store.lookup(JACCARD, [PAIR]).found[PAIR].score == score and store.recovered == []


def test_the_range_is_the_models_own():
    spec = ModelSpec("x", "cross-encoder", "general", "model-activation")
    assert spec.score_bounds() == (float("-inf"), float("inf"))  # declared activation unknown before loading
    assert ModelSpec("x", "bi-encoder", "general", "cosine").score_bounds() == (-1.0, 1.0)
    assert ModelSpec("x", "cross-encoder", "nli", "mutual-entailment", num_labels=3).score_bounds() == (0.0, 1.0)
    assert ModelSpec("x", "cross-encoder", "sts", "model-activation", adapter="a").score_bounds() == (0.0, 1.0)
    assert ModelSpec("x", "cross-encoder", "sts", "model-activation", adapter="a").score_bounds("relevance") == (
        float("-inf"),
        float("inf"),
    )
