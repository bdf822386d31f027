"""Issue 21's shipped adapters load from the repository, score new text, and carry honest cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from compsem.models import registry
from compsem.models.card import read_card

MODELS = Path(__file__).resolve().parent.parent / "compsem" / "models"
RECIPES = {
    "compsem/minilm-l6-sick-nli-role-swaps": ("sick-nli", "compsem/minilm-l6-sick-nli-minimal-edits"),
    "compsem/minilm-l6-equivalence-role-swaps": ("equivalence", "compsem/minilm-l6-mrpc"),
    "compsem/mpnet-base-sick-nli-role-swaps": ("sick-nli", "compsem/mpnet-base-sick-nli-minimal-edits"),
}


@pytest.mark.parametrize("key", RECIPES)
def test_cards_record_recipe_data_and_start(key):
    objective, start = RECIPES[key]
    folder = MODELS / key.split("/", 1)[1]
    card = read_card(folder / "compsem_card.json")
    assert card["objective"] == objective and card["method"] == "lora"
    assert card["init_from"]["key"] == start and len(card["init_from"]["adapter_sha256"]) == 64
    aug = card["augmentation"]
    assert aug["name"] == "role-swaps" and aug["counts"]["role-swap"] > 0 and aug["counts"]["voice"] > 0
    assert aug["rows_added"] == sum(aug["counts"].values())
    assert all(set(e) == {"row", "rule", "label"} for e in aug["examples"])  # no dataset text in the repository
    assert "--augment role-swaps" in card["command"] and f"--init-from {start}" in card["command"]
    assert "/work/" not in (folder / "compsem_card.json").read_text() + (folder / "README.md").read_text()
    assert (folder / "adapter_model.safetensors").stat().st_size <= 10_000_000
    assert any(k.startswith("test_") for k in card["metrics"])  # the test split was scored (once, after training)


@pytest.mark.slow
@pytest.mark.parametrize("key", RECIPES)
def test_adapters_resolve_from_the_repository_and_score(key):
    from compsem.scoring import score_text_pair

    res = registry.resolve(key)
    assert res.status == "packaged" and Path(res.location).parent == registry.shipped_models_dir(), res
    out, bad = score_text_pair("A dog is chasing a man.", "A man is being chased by a dog.", [key])
    assert not bad and 0.0 <= out[0].score <= 1.0


@pytest.mark.slow
def test_role_swaps_examples_regenerate_from_the_training_splits():
    from compsem.data import datasets as ds
    from compsem.data.variants.minimal_edits import normalize
    from compsem.training import train_data as td

    pytest.importorskip("spacy")
    folder = MODELS / "minilm-l6-sick-nli-role-swaps"
    try:
        examples = td.card_examples(folder)  # raises if the regenerated text differs from the card's digest
    except ds.DatasetError:
        pytest.skip("the datasets are not beside the checkout")
    card = read_card(folder / "compsem_card.json")
    assert [(e["row"], e["rule"]) for e in examples] == [
        (e["row"], e["rule"]) for e in card["augmentation"]["examples"]
    ]
    sick = ds.load_sick()
    mrpc_train = td.splits("mrpc", None, int(card["seed"]))["train"]
    train_sentences = set()
    for frame in (sick[sick["split"] == "train"], mrpc_train):
        train_sentences |= set(map(normalize, frame["sentence_a"])) | set(map(normalize, frame["sentence_b"]))
    for e in examples:  # every added pair starts from a training sentence
        assert normalize(e["sentence_a"]) in train_sentences or normalize(e["sentence_b"]) in train_sentences, e
