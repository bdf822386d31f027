"""compsem.models.card: the typed card reads, validates and writes back the committed cards byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compsem.models.card import CARD_NAME, CardError, ModelCard, read_card, write_card

SHIPPED = sorted((Path(__file__).resolve().parent.parent / "compsem" / "models").glob(f"*/{CARD_NAME}"))


def test_the_shipped_cards_are_there():
    # MiniLM-L6: the four objectives, SICK-NLI with minimal-edit augmentation, and issue 21's
    # SICK-NLI + role swaps and equivalence head + role swaps; MPNet-base: sick-nli, mrpc and sick-nli
    # with minimal-edit augmentation, and issue 21's recipe (b): sick-nli + role swaps
    assert len(SHIPPED) == 11


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_shipped_cards_load_and_write_back_byte_identical(path, tmp_path):
    text = path.read_text(encoding="utf-8")
    card = ModelCard.read(path)
    assert card.key == f"compsem/{path.parent.name}" and card.is_adapter
    backbone = "all-mpnet-base-v2" if path.parent.name.startswith("mpnet-base-") else "all-MiniLM-L6-v2"
    assert card.base_key == f"sentence-transformers/{backbone}"
    # 3 epochs from a fresh adapter, or issue 21's recipes: 1 epoch continuing a 3-epoch adapter
    assert card.epochs == 3 or (card.epochs == 1 and card.get("init_from", {}).get("key"))
    assert card.to_json() == text
    assert ModelCard.from_dict(card.to_dict()) == card
    card.write(tmp_path)
    assert (tmp_path / CARD_NAME).read_bytes() == path.read_bytes()
    assert (tmp_path / "README.md").read_bytes() == (path.parent / "README.md").read_bytes()  # and its README
    (tmp_path / "again").mkdir()
    write_card(tmp_path / "again", read_card(path))
    assert (tmp_path / "again" / CARD_NAME).read_bytes() == path.read_bytes()  # from the dict form too


def test_fields_without_an_attribute_are_kept_in_order():
    data = {
        "key": "compsem/x",
        "id2label": {"0": "contradiction"},
        "num_labels": 3,
        "augmentation": {"n": 2},
        "objective_family": "nli",
    }
    card = ModelCard.from_dict(data, required=("key",))
    assert card.extra == {"id2label": {"0": "contradiction"}, "augmentation": {"n": 2}}
    assert list(card.to_dict()) == list(data) and card.to_dict() == data
    assert card["augmentation"] == {"n": 2} and card.get("absent", 7) == 7 and "id2label" in card
    assert dict(card) == data and list(card) == list(data) and len(card) == len(data)
    with pytest.raises(KeyError):
        card["absent"]  # noqa: B018 - the lookup is the test


def test_a_card_made_in_code_writes_only_what_it_was_given():
    card = ModelCard(key="compsem/y", objective="stsb", epochs=2)
    assert card.to_dict() == {"key": "compsem/y", "objective": "stsb", "epochs": 2}


@pytest.mark.parametrize(
    "data, message",
    [
        ([1, 2], "a card must be a JSON object, not list"),
        ({"objective": "x"}, "missing field(s) key"),
        ({"key": "k", "objective": "x"}, "missing field(s) metrics, targets, epochs, score_definition, data"),
        (
            {
                "key": "k",
                "objective": "x",
                "metrics": [],
                "targets": {},
                "epochs": 1,
                "score_definition": "",
                "data": {"split_sizes": {}},
            },
            "metrics must be a JSON object",
        ),
        (
            {
                "key": "k",
                "objective": "x",
                "metrics": {},
                "targets": {},
                "epochs": True,
                "score_definition": "",
                "data": {"split_sizes": {}},
            },
            "epochs must be an integer",
        ),
        (
            {
                "key": "k",
                "objective": "x",
                "metrics": {},
                "targets": {},
                "epochs": 1,
                "score_definition": "",
                "data": {},
            },
            "data.split_sizes must be a JSON object",
        ),
    ],
)
def test_validation_says_what_is_wrong(data, message):
    with pytest.raises(CardError, match="compsem train") as err:
        ModelCard.from_dict(data, source="here.json")
    assert str(err.value).startswith("here.json: ") and message in str(err.value)


def test_the_registry_needs_less_than_a_full_card():
    from compsem.models.card import REGISTRY_FIELDS

    card = ModelCard.from_dict(
        {"key": "compsem/t", "objective_family": "nli", "num_labels": 3}, required=REGISTRY_FIELDS
    )
    assert card.num_labels == 3 and card.label == "" and card.metrics == {}
    with pytest.raises(CardError, match="objective_family"):
        ModelCard.from_dict({"key": "compsem/t"}, required=REGISTRY_FIELDS)


def test_read_errors_name_the_file(tmp_path):
    path = tmp_path / CARD_NAME
    path.write_text("{ half", encoding="utf-8")
    with pytest.raises(CardError, match="not valid JSON") as err:
        ModelCard.read(path)
    assert str(path) in str(err.value)
    with pytest.raises(CardError, match="cannot be read"):
        ModelCard.read(tmp_path / "absent.json")


def test_write_card_checks_a_dict_before_writing(tmp_path):
    with pytest.raises(CardError, match="missing field"):
        write_card(tmp_path, {"key": "compsem/z"})
    assert not (tmp_path / CARD_NAME).exists()
    card = json.loads(SHIPPED[0].read_text(encoding="utf-8"))
    write_card(tmp_path, card)
    assert json.loads((tmp_path / CARD_NAME).read_text(encoding="utf-8")) == card
