"""The role-swaps augmentation: rules, labels, caps, and training splits as the only source."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("spacy")
pytest.importorskip("lemminflect")

from test_datasets import make_data_dir  # noqa: E402

from compsem.data.variants.minimal_edits import normalize  # noqa: E402
from compsem.models.adapters import NLI_ID2LABEL  # noqa: E402
from compsem.training import role_swap_augment as rsa  # noqa: E402
from compsem.training import train_data as td  # noqa: E402

ID = {v: k for k, v in NLI_ID2LABEL.items()}
HEADER = (
    "pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\tentailment_AB\tentailment_BA\t"
    "sentence_A_original\tsentence_B_original\tsentence_A_dataset\tsentence_B_dataset\tSemEval_set"
)
# (A, B, label, AB, BA, split): sentences written for this test
SICK_ROWS = [
    ("A girl is pushing a boy", "A girl is shoving a boy", "ENTAILMENT", "A_entails_B", "B_entails_A", "TRAIN"),
    (
        "The man is kicking the ball",
        "The man is not kicking the ball",
        "CONTRADICTION",
        "A_contradicts_B",
        "B_contradicts_A",
        "TRAIN",
    ),
    ("A dog is chasing a cat", "A cat is sleeping", "NEUTRAL", "A_neutral_B", "B_neutral_A", "TRAIN"),
    ("A nurse is hugging a boy", "A nurse is holding a boy", "ENTAILMENT", "A_entails_B", "B_neutral_A", "TEST"),
    (
        "A farmer is feeding a horse",
        "A farmer is giving food to a horse",
        "ENTAILMENT",
        "A_entails_B",
        "B_entails_A",
        "TRIAL",
    ),
]


def sick_frame(rows, split="train") -> pd.DataFrame:
    return pd.DataFrame([{"sentence_a": a, "sentence_b": b, "split": split} for a, b, *_ in rows])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = make_data_dir(tmp_path_factory.mktemp("ds"))
    lines = [HEADER] + [
        f"{i}\t{a}\t{b}\t{lab}\t3.0\t{ab}\t{ba}\tx\tx\tHAND\tHAND\t{split}"
        for i, (a, b, lab, ab, ba, split) in enumerate(SICK_ROWS, start=1)
    ]
    (root / "sick" / "SICK.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_sources_must_come_from_training_splits():
    rsa.require_training_rows(pd.DataFrame({"split": ["train", "train"]}))
    with pytest.raises(ValueError, match="training splits only"):
        rsa.require_training_rows(pd.DataFrame({"split": ["train", "test"]}))
    with pytest.raises(ValueError, match="'split' column"):
        rsa.require_training_rows(pd.DataFrame({"sentence": ["x"]}))
    mrpc = pd.DataFrame({"sentence_a": ["x"], "sentence_b": ["y"], "label": [1.0], "split": ["train"]})
    with pytest.raises(ValueError, match="training splits only"):
        rsa.training_sentences(sick_frame(SICK_ROWS[3:4], split="test"), mrpc)


def _added(made: rsa.RoleSwapSplit) -> pd.DataFrame:
    return made.frame[made.frame["rule"] != "original"]


def test_rules_labels_and_protection_on_written_sentences(data_dir):
    sick = sick_frame(SICK_ROWS[:3])
    mrpc = pd.DataFrame(
        {
            "sentence_a": ["The senator met the governor on Friday."],
            "sentence_b": ["On Friday the senator met the governor."],
            "label": [1.0],
            "split": ["train"],
        }
    )
    train = sick.drop(columns="split").assign(label=ID["neutral"])
    protected = {normalize("A cat is chasing a dog")}  # as if a test pair held this swap
    made = rsa.augment_role_swaps(
        3, train, sick_train=sick, mrpc_train=mrpc, protected=protected, seed=1, data_dir=data_dir
    )
    added = _added(made)
    pairs = {
        (normalize(a), normalize(b)): (rule, label)
        for a, b, rule, label in zip(added["sentence_a"], added["sentence_b"], added["rule"], added["label"])
    }
    assert pairs[("a girl is pushing a boy", "a boy is pushing a girl")] == ("role-swap", ID["neutral"])
    assert pairs[("a boy is pushing a girl", "a girl is pushing a boy")] == ("role-swap", ID["neutral"])
    assert pairs[("a girl is pushing a boy", "a boy is being pushed by a girl")] == ("voice", ID["entailment"])
    assert pairs[("a girl is pushing a boy", "a girl is being pushed by a boy")] == ("swap-voice", ID["neutral"])
    assert pairs[("the senator met the governor on friday", "the governor met the senator on friday")][0] == "role-swap"
    assert pairs[("on friday the senator met the governor", "the senator met the governor on friday")] == (
        "mrpc-positive",
        ID["entailment"],
    )
    every = set(added["sentence_a"].map(normalize)) | set(added["sentence_b"].map(normalize))
    assert "the ball is kicking the man" not in every  # animacy filter: no implausible swap
    assert not every & protected and made.skipped_protected >= 1
    assert made.counts["role-swap"] == (added["rule"] == "role-swap").sum()
    facts = made.card_facts()
    assert facts["name"] == "role-swaps" and facts["rows_added"] == len(added)
    assert all(set(e) == {"row", "rule", "label"} for e in facts["examples"])  # no dataset text on a card
    assert {e["rule"] for e in made.examples} == {r for r, n in made.counts.items() if n}


def test_equivalence_labels_are_binary_without_mrpc_rule(data_dir):
    sick = sick_frame(SICK_ROWS[:3])
    mrpc = pd.DataFrame({"sentence_a": ["a"], "sentence_b": ["a b"], "label": [1.0], "split": ["train"]})
    made = rsa.augment_role_swaps(
        1,
        sick.drop(columns="split").assign(label=0.0),
        sick_train=sick,
        mrpc_train=mrpc,
        protected=set(),
        seed=1,
        data_dir=data_dir,
    )
    added = _added(made)
    assert set(added.loc[added["rule"] == "role-swap", "label"]) == {0.0}
    assert set(added.loc[added["rule"] == "voice", "label"]) == {1.0}
    assert "mrpc-positive" not in made.counts  # MRPC already is the equivalence objective's data


def test_for_objective_reads_only_training_splits(data_dir):
    data = td.splits("sick-nli", data_dir)
    made = rsa.for_objective(3, data["train"], data, data_dir, seed=42)
    added = _added(made)
    every = set(added["sentence_a"].map(normalize)) | set(added["sentence_b"].map(normalize))
    assert "a boy is pushing a girl" in every  # the TRAIN sentence is swapped
    for held_out in (
        "a nurse is hugging a boy",
        "a boy is hugging a nurse",
        "a horse is feeding a farmer",
        "a horse is being fed by a farmer",
    ):
        assert held_out not in every  # TEST / TRIAL sentences are never a source
    reversed_mutual = added[added["rule"] == "sick-mutual"]
    assert list(zip(reversed_mutual["sentence_a"], reversed_mutual["sentence_b"])) == [
        ("A girl is shoving a boy", "A girl is pushing a boy")
    ]  # TRAIN's mutual pair only, not TRIAL's
    assert made.sources["sick"] == 6 - 0 and made.original_rows == len(data["train"])
