"""Minimal-edit augmentation: every rule through the split, the labels, the split's hygiene."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compsem.data.variants.minimal_edits import normalize
from compsem.training import augment as aug
from compsem.training.objectives import get_objective


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.mark.parametrize("rule", list(aug.RULES))
def test_no_rule_returns_the_original_or_an_empty_sentence(rule):
    sentences = [
        "A man is chasing a dog",
        "Two women are dancing before the show",
        "Some kids are playing",
        "",
        "   ",
        "!!!",
        "A",
        "Ünïcode is 𝔣𝔲𝔫 here",
    ]
    for s in sentences:
        out = aug.RULES[rule].edit(s, rng())
        assert out is None or (out.strip() and normalize(out) != normalize(s))


TRAIN = pd.DataFrame(
    {
        "sentence_a": [
            "A man is chasing a dog",
            "Two women are dancing",
            "A boy is kicking a ball",
            "Some kids are playing in the yard",
            "A cat is sleeping",
        ],
        "sentence_b": [
            "A dog is running",
            "Women are dancing",
            "A child is kicking a ball",
            "Kids are playing",
            "A cat is resting",
        ],
        "label": [2, 1, 1, 1, 1],
    }
)


def test_augmented_split_keeps_originals_adds_labelled_edits_and_never_protected_sentences():
    protected = {
        normalize("A boy is kicking a ball"),
        normalize("A ball is kicking a boy"),
        normalize("A dog is not running"),
    }
    made = aug.augment_training_split(
        get_objective("sick-nli"),
        TRAIN,
        seed=1,
        protected=protected,
        mutual_pairs=[("Two women are dancing", "Women are dancing")],
    )
    frame = made.frame
    assert frame.iloc[: len(TRAIN)][["sentence_a", "sentence_b", "label"]].equals(TRAIN)
    added = frame.iloc[len(TRAIN) :]
    assert len(added) == sum(made.counts.values()) > 0
    sentences = set(map(normalize, pd.concat([added.sentence_a, added.sentence_b])))
    assert not sentences & protected
    pairs = list(zip(frame.sentence_a.map(normalize), frame.sentence_b.map(normalize)))
    assert len(pairs) == len(set(pairs)), "no duplicate pairs"
    assert all(normalize(a) != normalize(b) for a, b in zip(added.sentence_a, added.sentence_b))
    by_rule = dict(zip(added.rule, added.label))
    assert by_rule["negation"] == 0 and by_rule["role-swap"] == 2 and by_rule["hedge"] == 2  # ids of NLI_ID2LABEL
    swap = added[added.rule == "role-swap"]
    assert ("A man is chasing a dog", "A dog is chasing a man") in set(zip(swap.sentence_a, swap.sentence_b))
    rows = set(zip(added.sentence_a, added.sentence_b, added.label))
    assert ("Women are dancing", "Two women are dancing", 1) in rows
    facts = made.card_facts()
    assert facts["rows_added"] == len(added) and facts["original_rows"] == len(TRAIN)
    assert all("sentence_a" not in e for e in facts["examples"]), "no dataset text on the card"
    assert facts["examples_sha256"] == aug.examples_digest(made.examples)


def test_augmentation_is_seeded():
    a = aug.augment_training_split(get_objective("sick-nli"), TRAIN, seed=3, protected=set())
    b = aug.augment_training_split(get_objective("sick-nli"), TRAIN, seed=3, protected=set())
    assert a.frame.equals(b.frame) and a.examples == b.examples


def test_paraphrase_objective_labels_edits_zero_and_similarity_scales_are_refused():
    made = aug.augment_training_split(get_objective("mrpc"), TRAIN.assign(label=1.0), seed=0, protected=set())
    assert set(made.frame.iloc[len(TRAIN) :].label) == {0.0}
    with pytest.raises(ValueError, match="similarity scale"):
        aug.augment_training_split(get_objective("stsb"), TRAIN.assign(label=0.5), seed=0, protected=set())
