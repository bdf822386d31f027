"""compsem.scorers: the class choice and softmax shared by similarity scoring and reranking."""

from __future__ import annotations

import json

import numpy as np
import pytest

from compsem.models.specs import ModelSpec, Resolution
from compsem.scorers import CrossEncoderScorer, softmax

PAIRS = [("A man plays.", "Someone plays."), ("A dog runs.", "No dog runs."), ("x", "y")]
LOGITS = np.array([[-1.0, 3.0, 0.5], [2.5, -0.5, 0.0], [0.0, 0.0, 0.0]])


def fake_cross_encoder(
    labels: list[str], normalization: str = "mutual-entailment", logits: np.ndarray = LOGITS
) -> CrossEncoderScorer:
    """A CrossEncoderScorer whose model is a table of logits (the class logic is what is tested)."""
    spec = ModelSpec("m/nli", "cross-encoder", "nli", normalization, num_labels=len(labels))
    scorer = CrossEncoderScorer.__new__(CrossEncoderScorer)
    scorer.resolution, scorer.spec = Resolution(spec, "local", fingerprint="fp"), spec
    scorer.num_labels, scorer.labels, scorer.activation_name = len(labels), labels, "Identity"
    table = {p: row for p, row in zip(PAIRS, logits)}
    scorer._raw_logits = lambda pairs, batch_size: np.array([table.get(p, logits[-1]) for p in pairs], dtype=float)
    return scorer


def test_softmax_rows_sum_to_one_and_match_the_formula():
    p = softmax(LOGITS)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], np.exp(LOGITS[0]) / np.exp(LOGITS[0]).sum())


def test_relevance_of_an_nli_model_is_p_entailment_one_direction():
    scorer = fake_cross_encoder(["contradiction", "entailment", "neutral"])
    assert scorer.target_class == 1
    rel = scorer.relevance(PAIRS)
    np.testing.assert_allclose(rel, softmax(LOGITS)[:, 1])
    # the same number predict() calls P(entailment|A,B) (its raw output keeps the A,B logits)
    one_way = fake_cross_encoder(["contradiction", "entailment", "neutral"], normalization="model-activation")
    out = one_way.predict(PAIRS)
    np.testing.assert_allclose(out.score, rel)
    assert json.loads(out.raw_output[0])["logits_ab"] == list(LOGITS[0])


def test_without_an_entailment_class_the_last_class_is_the_score():
    scorer = fake_cross_encoder(["label_0", "label_1", "label_2"], normalization="model-activation")
    assert scorer.target_class == 2
    np.testing.assert_allclose(scorer.relevance(PAIRS), softmax(LOGITS)[:, 2])
    np.testing.assert_allclose(scorer.predict(PAIRS).score, softmax(LOGITS)[:, 2])


def test_relevance_of_a_one_output_model_is_its_logit():
    logits = np.array([1.5, -2.0, 0.25])
    scorer = fake_cross_encoder(["label_0"], normalization="model-activation", logits=logits)
    np.testing.assert_allclose(scorer.relevance(PAIRS), logits)
    assert scorer.relevance([]).shape == (0,)


@pytest.mark.slow
def test_relevance_ranks_like_the_activated_score_on_a_shipped_adapter():
    from compsem.scorers import load_scorer

    scorer = load_scorer("compsem/minilm-l6-stsb")
    pairs = [("A man plays a guitar.", d) for d in ("A man plays music.", "A cat sleeps.", "A man plays a guitar.")]
    rel, score = scorer.relevance(pairs), scorer.predict(pairs).score
    assert list(np.argsort(-rel)) == list(np.argsort(-score))
