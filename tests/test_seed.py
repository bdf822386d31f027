"""compsem.store.seed: the shipped scores of the bundled pairs, adopted only under an equal fingerprint.

The fast tests build small seeds in tmp; ``test_the_shipped_seed_*`` read the one compsem ships; the slow one
rescores a sample of its pairs with the shipped models and compares.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import replace

import pandas as pd
import pytest

from compsem.data.pairs import bundled_pairs_path, check_pairs, load_pairs
from compsem.models.registry import offline_models, resolve
from compsem.models.specs import ModelSpec, Resolution
from compsem.scoring import build_seed, score_pairs
from compsem.store.score_store import ScoreStore
from compsem.store.seed import SEED_FILE, load_seed, parse_seed, seed_document, write_seed
from compsem.store.sqlite import NORMALIZATION_VERSION, CachedScore

RES = Resolution(ModelSpec("m/fake", "cross-encoder", "general", "model-activation"), "local", fingerprint="fp-1")
PAIRS = [("a", "b"), ("b", "a"), ("c", "d")]


def seed_with(tmp_path, fingerprint="fp-1", model="m/fake", score=0.25):
    rows = {p: CachedScore(float(i), score + i, f'{{"i": {i}}}') for i, p in enumerate(PAIRS[:2])}
    doc = seed_document(PAIRS, [(model, fingerprint, rows)], made_with="test", created="2026-12-06", pairs_sha256="x")
    return load_seed(write_seed(doc, tmp_path / "seed.json.gz"))


def test_a_seed_round_trips_and_is_adopted_under_an_equal_fingerprint_only(tmp_path):
    seed = seed_with(tmp_path)
    assert len(seed) == 2 and seed.made_with == "test"
    store = ScoreStore(tmp_path / "cache", seed=seed)
    found = store.lookup(RES, PAIRS)
    assert found.found == {
        ("a", "b"): CachedScore(0.0, 0.25, '{"i": 0}'),
        ("b", "a"): CachedScore(1.0, 1.25, '{"i": 1}'),
    }
    assert found.seeded == {("a", "b"), ("b", "a")} and found.missing == [("c", "d")]
    # any change of the fingerprint (weights, adapter, backend, device) misses the seed
    for other in ("fp-2", "fp-1+device:cuda", "fp-1 ", ""):
        miss = store.lookup(replace(RES, fingerprint=other), PAIRS)
        assert miss.found == {} and miss.seeded == frozenset(), other
    other_model = Resolution(replace(RES.spec, key="m/other"), "local", fingerprint="fp-1")
    assert store.lookup(other_model, PAIRS).found == {}


def test_the_cache_wins_over_the_seed_and_seed_rows_are_never_written_to_it(tmp_path):
    store = ScoreStore(tmp_path / "cache", seed=seed_with(tmp_path))
    store.cache.put_many("m/fake", "fp-1", [("a", "b")], [CachedScore(9.0, 0.9, "{}")])
    found = store.lookup(RES, PAIRS)
    assert found.found[("a", "b")].score == 0.9 and found.seeded == {("b", "a")}
    assert store.cache.count("m/fake") == 1


def test_a_store_that_does_not_read_or_refreshes_ignores_the_seed(tmp_path):
    seed = seed_with(tmp_path)
    assert ScoreStore(tmp_path / "cache", seed=seed).refreshing().lookup(RES, PAIRS).found == {}
    assert ScoreStore(tmp_path / "cache", seed=False).lookup(RES, PAIRS).found == {}


def test_seed_env_off_or_another_file(tmp_path, monkeypatch):
    path = tmp_path / "seed.json.gz"
    seed_with(tmp_path)
    monkeypatch.setenv("COMPSEM_SEED", str(path))
    assert ScoreStore(tmp_path / "cache").seed.source == str(path)
    monkeypatch.setenv("COMPSEM_SEED", "off")
    assert len(ScoreStore(tmp_path / "cache").seed) == 0


@pytest.mark.parametrize(
    "content",
    [b"not gzip", gzip.compress(b"{not json"), gzip.compress(b'{"format": "other"}'), gzip.compress(b"[]")],
)
def test_a_damaged_or_foreign_seed_is_ignored_not_fatal(tmp_path, content):
    path = tmp_path / "seed.json.gz"
    path.write_bytes(content)
    assert len(load_seed(path)) == 0
    assert len(load_seed(tmp_path / "absent.json.gz")) == 0


def test_a_seed_of_another_normalization_version_holds_nothing():
    doc = seed_document(PAIRS, [("m", "fp", {})], made_with="", created="", pairs_sha256="")
    assert doc["normalization_version"] == NORMALIZATION_VERSION
    assert len(parse_seed({**doc, "normalization_version": "0"}).models) == 0
    with pytest.raises(ValueError, match="scores for"):
        parse_seed({**doc, "models": [{**doc["models"][0], "score": [0.5]}]})
    with pytest.raises(ValueError, match="no fingerprint"):
        seed_document(PAIRS, [("m", "", {})], made_with="", created="", pairs_sha256="")


def test_score_pairs_takes_seeded_scores_and_counts_them(tmp_path):
    pairs = load_pairs()
    check = check_pairs(bundled_pairs_path())
    doc = build_seed(pairs, ["token-jaccard"], pairs_sha256=check.sha256, created="2026-12-06")
    doc["models"][0]["score"] = [0.123] * len(doc["models"][0]["score"])  # marked: these can only come from the seed
    seed = load_seed(write_seed(doc, tmp_path / "seed.json.gz"))
    run = score_pairs(pairs, ["token-jaccard"], cache=ScoreStore(tmp_path / "cache", seed=seed))
    assert run.seeded == run.cached == len(pairs) and run.scored == 0
    assert (run.results["score"] == 0.123).all()
    assert "from the shipped seed" in run.summary()


# -- the seed compsem ships -----------------------------------------------------------------------------
def _shipped():
    seed = load_seed(SEED_FILE)
    assert len(seed), f"{SEED_FILE} is missing or unreadable: run `compsem cache seed --write`"
    return seed


def test_the_shipped_seed_covers_every_offline_model_under_its_current_fingerprint():
    """Fails when a model, adapter or fingerprint recipe changed: rerun `compsem cache seed --write`."""
    seed = _shipped()
    n = len(load_pairs())
    for key in offline_models():
        res = resolve(key, backend="torch")
        assert seed.covers(key, res.fingerprint), f"{key} ({res.fingerprint}) is not in the seed"
        assert len(seed.models[(key, res.fingerprint)].scores) == n
    assert seed.pairs_sha256 == check_pairs(bundled_pairs_path()).sha256


def test_the_shipped_seed_is_small():
    assert SEED_FILE.stat().st_size < 1_000_000


@pytest.mark.slow
def test_the_shipped_seed_equals_what_the_shipped_models_compute(tmp_path):
    """Three pairs per model (the first, a middle and the last), rescored with no cache and no seed."""
    seed = _shipped()
    pairs = load_pairs()
    sample = pairs.iloc[[0, len(pairs) // 2, len(pairs) - 1]]
    fresh = score_pairs(sample, offline_models(), cache=ScoreStore.off())
    assert not fresh.failed, fresh.failed
    for key, rows in fresh.results.groupby("model"):
        res = resolve(key, backend="torch")
        stored = seed.get_many(key, res.fingerprint, zip(rows["sentence_a"], rows["sentence_b"]))
        want = pd.Series([stored[(a, b)].score for a, b in zip(rows["sentence_a"], rows["sentence_b"])])
        raw = pd.Series([stored[(a, b)].raw_score for a, b in zip(rows["sentence_a"], rows["sentence_b"])])
        assert (want - rows["score"].to_numpy()).abs().max() <= 1e-5, key
        assert (raw - rows["raw_score"].to_numpy()).abs().max() <= 1e-5, key
    assert json.loads(gzip.decompress(SEED_FILE.read_bytes()))["format"] == "compsem-seed/1"
