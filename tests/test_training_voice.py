"""Active ↔ passive rewrites keep who did what (sentences written for these tests)."""

from __future__ import annotations

import pytest

pytest.importorskip("spacy")
pytest.importorskip("lemminflect")

from compsem.training.syntax import load_parser  # noqa: E402
from compsem.training.voice import rewrite_voice, to_active, to_passive  # noqa: E402


@pytest.fixture(scope="module")
def nlp():
    return load_parser()


@pytest.mark.parametrize(
    ("active", "passive"),
    [
        ("A girl is painting a fence.", "A fence is being painted by a girl."),
        ("Two girls painted the fence.", "The fence was painted by two girls."),
        ("The chef has cooked the noodles.", "The noodles have been cooked by the chef."),
        ("The committee will approve the plan.", "The plan will be approved by the committee."),
        ("The boy rides a horse.", "A horse is ridden by the boy."),
    ],
)
def test_active_to_passive_keeps_agent_and_patient(nlp, active, passive):
    assert to_passive(nlp(active)) == passive


@pytest.mark.parametrize(
    ("passive", "active"),
    [
        ("A fence is being painted by a girl.", "A girl is painting a fence."),
        ("The fence was painted by two girls.", "Two girls painted the fence."),
        ("The letters are sorted by a clerk.", "A clerk sorts the letters."),
        ("The report was read by him on Monday.", "He read the report on Monday."),
    ],
)
def test_passive_to_active_keeps_agent_and_patient(nlp, passive, active):
    assert to_active(nlp(passive)) == active


@pytest.mark.parametrize(
    "sentence",
    [
        "A girl is not painting a fence.",  # negation: skipped
        "The children are playing in the park.",  # no object
        "A man took a walk.",  # light verb: "a walk was taken by a man" is not a fair positive
        "The ball was kicked.",  # passive without a by-phrase: no agent to move
    ],
)
def test_rewrites_skip_what_they_cannot_do_safely(nlp, sentence):
    assert rewrite_voice(nlp(sentence)) is None


def test_round_trip_returns_the_sentence(nlp):
    passive = rewrite_voice(nlp("A dog is chasing a cat."))
    assert passive == "A cat is being chased by a dog."
    assert rewrite_voice(nlp(passive)) == "A dog is chasing a cat."
