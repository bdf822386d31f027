"""The one-click sentence edits: each rule on the study's kind of sentence, and a clear refusal."""

from __future__ import annotations

import pytest

from compsem.data.variants import (
    VARIANTS,
    add_hedge,
    all_variants,
    change_number,
    flip_before_after,
    negate,
    swap_entities,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The patient has diabetes.", "The patient does not have diabetes."),
        ("The patient does not have diabetes.", "The patient has diabetes."),
        ("The server is responding to requests.", "The server is not responding to requests."),
        ("The drug cures cancer.", "The drug does not cure cancer."),
        ("The patch fixes the leak.", "The patch does not fix the leak."),
        ("The witness saw the defendant.", "The witness did not see the defendant."),
        ("Google acquired YouTube.", "Google never acquired YouTube."),
        ("Take 5 mg of aspirin daily.", "Do not take 5 mg of aspirin daily."),
        ("The bank can't approve the loan.", "The bank can approve the loan."),
    ],
)
def test_negate(text, expected):
    assert negate(text) == expected


def test_negate_twice_restores_a_simple_sentence():
    assert negate(negate("The contract allows early termination.")) == "The contract allows early termination."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Google acquired YouTube.", "YouTube acquired Google."),
        ("Norway defeated Brazil in the final.", "Brazil defeated Norway in the final."),
        (
            "Dr. Patel replaced Dr. Nguyen as head of cardiology.",
            "Dr. Nguyen replaced Dr. Patel as head of cardiology.",
        ),
        ("The landlord sued the tenant.", "The tenant sued the landlord."),
        ("The pharmacist called the surgeon about the dosage.", "The surgeon called the pharmacist about the dosage."),
        ("The patch fixes the memory leak.", "The memory leak fixes the patch."),
    ],
)
def test_swap_entities(text, expected):
    assert swap_entities(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Take 5 mg of aspirin daily.", "Take 50 mg of aspirin daily."),
        ("Take 5mg of aspirin daily.", "Take 50mg of aspirin daily."),
        ("Give the child 2.5 ml of syrup.", "Give the child 25 ml of syrup."),
        ("The fee is 1,000 dollars.", "The fee is 10,000 dollars."),
        ("Wait 0 days.", "Wait 10 days."),
        ("Take two tablets.", "Take twenty tablets."),
        ("Take it twice a day.", "Take it ten times a day."),
    ],
)
def test_change_number(text, expected):
    assert change_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Apply sunscreen before going outside.", "Apply sunscreen after going outside."),
        ("After the meeting, send the notes.", "Before the meeting, send the notes."),
        ("The results came earlier than expected.", "The results came later than expected."),
        ("Eat prior to the test.", "Eat following the test."),
    ],
)
def test_flip_before_after(text, expected):
    assert flip_before_after(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The drug cures cancer.", "The drug may cure cancer."),
        ("The server is down.", "The server may be down."),
        ("The merger will increase profits.", "The merger might increase profits."),
        ("Google acquired YouTube.", "Google may have acquired YouTube."),
        ("The patient has diabetes.", "The patient may have diabetes."),
        ("Take 5 mg of aspirin daily.", "Perhaps take 5 mg of aspirin daily."),
    ],
)
def test_add_hedge(text, expected):
    assert add_hedge(text) == expected


@pytest.mark.parametrize(
    "fn, text, message",
    [
        (swap_entities, "The patient has diabetes.", "no two named entities found"),
        (change_number, "The patient has diabetes.", "no number found"),
        (flip_before_after, "The patient has diabetes.", "no before/after found"),
        (add_hedge, "The drug may cure cancer.", "already hedged"),
        (negate, "مرحبا بالعالم", "no verb found"),
        (negate, "   ", "no text found"),
    ],
)
def test_refusals_say_what_was_not_found(fn, text, message):
    with pytest.raises(ValueError, match=message):
        fn(text)


def test_markup_and_emoji_pass_through_as_plain_text():
    out = change_number("<b>Take 5 mg</b> 😀")
    assert out == "<b>Take 50 mg</b> 😀"


def test_all_variants_reports_each_edit_or_its_reason():
    out = all_variants("Take 5 mg before meals.")
    assert [v.label for v in out] == list(VARIANTS)
    by_label = {v.label: v for v in out}
    assert by_label["Change a number"].text == "Take 50 mg before meals."
    assert by_label["Before ↔ after"].text == "Take 5 mg after meals."
    assert by_label["Swap entities"].text == "" and "no two named entities" in by_label["Swap entities"].error
