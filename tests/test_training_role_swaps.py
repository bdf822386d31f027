"""Parse-based role swaps on sentences written for these tests (spaCy's small English pipeline)."""

from __future__ import annotations

import pytest

pytest.importorskip("spacy")
pytest.importorskip("lemminflect")

from compsem.training.role_swaps import compatible, noun_kind, swap_roles  # noqa: E402
from compsem.training.syntax import load_parser  # noqa: E402


@pytest.fixture(scope="module")
def nlp():
    return load_parser()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A girl is pushing a boy.", "A boy is pushing a girl."),
        ("The farmers are feeding a horse.", "A horse is feeding the farmers."),  # agreement follows the new subject
        ("A cat is biting two children.", "Two children are biting a cat."),
        ("She thanked him after the concert.", "He thanked her after the concert."),  # pronoun case
        ("The truck passed the bus on the bridge.", "The bus passed the truck on the bridge."),  # one kind: vehicles
        ("A puppy is jumping over a child.", "A child is jumping over a puppy."),  # role-bearing preposition
    ],
)
def test_swap_exchanges_subject_and_object(nlp, sentence, expected):
    assert swap_roles(nlp(sentence)) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The man is kicking the ball.",  # a ball has no kind that matches a man: implausible swap
        "A woman is slicing an onion.",
        "A teacher is reading a letter to the class.",
        "A boy is sitting with a dog.",  # "with" is symmetric: swapping keeps the meaning
        "The ball was kicked by the boy.",  # passive: not this rule's clause
        "A man is hugging a man.",  # same head noun on both sides
    ],
)
def test_implausible_or_unsafe_clauses_are_skipped(nlp, sentence):
    assert swap_roles(nlp(sentence)) is None


def test_kind_filter(nlp):
    doc = nlp("The nurse fed the puppy near the car while Google watched.")
    kinds = {t.text: noun_kind(t) for t in doc if t.pos_ in ("NOUN", "PROPN")}
    assert kinds["nurse"] == "person" and kinds["puppy"] == "animal" and kinds["car"] == "vehicle"
    assert compatible("person", "animal") and compatible("vehicle", "vehicle")
    assert not compatible("person", "vehicle") and not compatible("person", None) and not compatible(None, None)
