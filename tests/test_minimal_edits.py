"""The six minimal edits of training sentences: each rule on hand-written sentences, and what it skips."""

from __future__ import annotations

import numpy as np
import pytest

from compsem.data.variants import minimal_edits as edits


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
    assert edits.edit_role_swap(sentence, rng()) == expected


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
    assert edits.edit_role_swap(sentence, rng()) is None


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("A woman is slicing an onion", "A woman is not slicing an onion"),
        ("Two kids are not playing outside", "Two kids are playing outside"),
    ],
)
def test_negation_adds_or_removes_not(sentence, expected):
    assert edits.edit_negation(sentence, rng()) == expected


@pytest.mark.parametrize("sentence", ["A red car", "There is no man riding a horse", "Nobody is singing"])
def test_negation_skips(sentence):
    assert edits.edit_negation(sentence, rng()) is None


def test_number_changes_count_words_and_digits():
    out = edits.edit_number("Two dogs are running", rng())
    assert out is not None and out.endswith(" dogs are running") and not out.startswith("Two")
    assert out.split()[0].lower() in {"three", "four"}
    digits = edits.edit_number("The train leaves at 7 from platform", rng())
    assert digits is not None and digits != "The train leaves at 7 from platform"
    assert edits.edit_number("A man is cooking", rng()) is None


def test_temporal_swaps_before_and_after_but_not_chases():
    assert edits.edit_temporal("She left before the storm", rng()) == "She left after the storm"
    assert edits.edit_temporal("After the game the fans sang", rng()) == "Before the game the fans sang"
    assert edits.edit_temporal("A dog is running after a ball", rng()) is None
    assert edits.edit_temporal("A dog is running", rng()) is None


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Some dogs are barking", "No dogs are barking"),
        ("Many people are dancing", "Few people are dancing"),
        ("Every child is smiling", "No child is smiling"),
    ],
)
def test_quantifier_contradicts(sentence, expected):
    assert edits.edit_quantifier(sentence, rng()) == expected


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
    assert edits.edit_quantifier(sentence, rng()) is None


def test_hedge_weakens_the_claim():
    out = edits.edit_hedge("A man is playing a guitar", rng())
    assert out in {
        "A man may be playing a guitar",
        "A man might be playing a guitar",
        "A man is probably playing a guitar",
        "A man is possibly playing a guitar",
    }
    assert edits.edit_hedge("A man is not playing", rng()) is None
    assert edits.edit_hedge("A guitar", rng()) is None
