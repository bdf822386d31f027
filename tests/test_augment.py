"""Minimal-edit augmentation: each rule's edit on hand-written sentences, its skips, and the split's hygiene."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compsem.training import augment as aug
from compsem.training.train import get_objective


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("A man is chasing a dog", "A dog is chasing a man"),
        ("The girl is pushing two boys in the park", "Two boys are pushing the girl in the park"),
        ("Two cats are watching a bird.", "A bird is watching two cats"),
        ("A ball is being kicked by a boy", "A boy is being kicked by a ball"),
    ],
)
def test_role_swap_swaps_agent_and_patient(sentence, expected):
    assert aug.edit_role_swap(sentence, rng()) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "A man is sleeping",  # no object
        "A man is brushing his teeth",  # possessive object: not a determiner phrase
        "The dog is chasing the dog",  # swapping changes nothing
        "Somebody is slicing an onion with a knife and singing loudly while dancing",  # no determiner subject
    ],
)
def test_role_swap_skips_what_it_cannot_swap(sentence):
    assert aug.edit_role_swap(sentence, rng()) is None


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("A woman is slicing an onion", "A woman is not slicing an onion"),
        ("Two kids are not playing outside", "Two kids are playing outside"),
    ],
)
def test_negation_adds_or_removes_not(sentence, expected):
    assert aug.edit_negation(sentence, rng()) == expected


@pytest.mark.parametrize("sentence", ["A red car", "There is no man riding a horse", "Nobody is singing"])
def test_negation_skips(sentence):
    assert aug.edit_negation(sentence, rng()) is None


def test_number_changes_count_words_and_digits():
    out = aug.edit_number("Two dogs are running", rng())
    assert out is not None and out.endswith(" dogs are running") and not out.startswith("Two")
    assert out.split()[0].lower() in {"three", "four"}
    digits = aug.edit_number("The train leaves at 7 from platform", rng())
    assert digits is not None and digits != "The train leaves at 7 from platform"
    assert aug.edit_number("A man is cooking", rng()) is None


def test_temporal_swaps_before_and_after_but_not_chases():
    assert aug.edit_temporal("She left before the storm", rng()) == "She left after the storm"
    assert aug.edit_temporal("After the game the fans sang", rng()) == "Before the game the fans sang"
    assert aug.edit_temporal("A dog is running after a ball", rng()) is None
    assert aug.edit_temporal("A dog is running", rng()) is None


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Some dogs are barking", "No dogs are barking"),
        ("Many people are dancing", "Few people are dancing"),
        ("Every child is smiling", "No child is smiling"),
    ],
)
def test_quantifier_contradicts(sentence, expected):
    assert aug.edit_quantifier(sentence, rng()) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "All the men are running",  # "No the men" is not English
        "A few birds are singing",  # "a few" is not the bare quantifier
        "Some men are not swimming",  # would stack negations
        "A man is eating",  # no quantifier
    ],
)
def test_quantifier_skips(sentence):
    assert aug.edit_quantifier(sentence, rng()) is None


def test_hedge_weakens_the_claim():
    out = aug.edit_hedge("A man is playing a guitar", rng())
    assert out in {
        "A man may be playing a guitar",
        "A man might be playing a guitar",
        "A man is probably playing a guitar",
        "A man is possibly playing a guitar",
    }
    assert aug.edit_hedge("A man is not playing", rng()) is None
    assert aug.edit_hedge("A guitar", rng()) is None


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
        assert out is None or (out.strip() and aug.normalize(out) != aug.normalize(s))


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
        aug.normalize("A boy is kicking a ball"),
        aug.normalize("A ball is kicking a boy"),
        aug.normalize("A dog is not running"),
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
    sentences = set(map(aug.normalize, pd.concat([added.sentence_a, added.sentence_b])))
    assert not sentences & protected
    pairs = list(zip(frame.sentence_a.map(aug.normalize), frame.sentence_b.map(aug.normalize)))
    assert len(pairs) == len(set(pairs)), "no duplicate pairs"
    assert all(aug.normalize(a) != aug.normalize(b) for a, b in zip(added.sentence_a, added.sentence_b))
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
