"""compsem.models.adapters: an adapter is scored only with the files its card records (on tmp copies)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compsem.models import adapters, registry
from compsem.models.adapters import ADAPTER_CONFIG, ADAPTER_WEIGHTS, AdapterError
from compsem.models.card import CARD_NAME

SLUG = "minilm-l6-stsb"
KEY = f"compsem/{SLUG}"


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch) -> Path:
    """A copy of a shipped adapter folder, and the registry's shipped folder pointed at the copy."""
    folder = tmp_path / SLUG
    shutil.copytree(registry.shipped_models_dir() / SLUG, folder)
    monkeypatch.setattr(registry, "shipped_models_dir", lambda: tmp_path)
    return folder


def _edit_card(folder: Path, edit) -> None:
    card = json.loads((folder / CARD_NAME).read_text(encoding="utf-8"))
    edit(card)
    (folder / CARD_NAME).write_text(json.dumps(card, indent=2), encoding="utf-8")


def _flip_byte(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if at is None else at
    data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_copy_resolves_like_the_shipped_adapter(shipped_copy):
    res = registry.resolve(KEY)
    assert res.status == "packaged" and res.location == str(shipped_copy), res


def test_a_card_without_an_adapter_hash_is_refused_and_names_the_card(shipped_copy):
    """Item 1: a tampered weight file with the card's hash removed is never scored."""
    _flip_byte(shipped_copy / ADAPTER_WEIGHTS)
    _edit_card(shipped_copy, lambda card: card["adapter"].pop("sha256"))
    res = registry.resolve(KEY)
    assert res.status == "unavailable" and not res.usable
    assert "records no adapter.sha256" in res.reason and str(shipped_copy / CARD_NAME) in res.reason
    assert "\n" not in res.reason


@pytest.mark.parametrize("facts", [None, {}, {"sha256": ""}, {"sha256": 12}, {"sha256": "abc"}])
def test_check_adapter_refuses_every_card_that_cannot_vouch_for_the_weights(shipped_copy, facts):
    card = json.loads((shipped_copy / CARD_NAME).read_text(encoding="utf-8"))
    if facts is None:
        card.pop("adapter")
    else:
        card["adapter"] = facts
    backbone = registry.resolve("all-MiniLM-L6-v2").location
    with pytest.raises(AdapterError, match="records no adapter.sha256"):
        adapters.check_adapter(shipped_copy, card, backbone)


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("lora_alpha", 256, "lora_alpha 256"),
        ("r", 8, "r 8"),
        ("lora_dropout", 0.0, "lora_dropout 0.0"),
        ("target_modules", ["query", "value"], "target_modules"),
        ("modules_to_save", [], "modules_to_save"),
        ("peft_type", "IA3", "not LoRA"),
    ],
)
def test_an_adapter_config_unlike_the_card_is_refused(shipped_copy, field, value, named):
    """Item 2: adapter_config.json is checked against the settings the card records."""
    path = shipped_copy / ADAPTER_CONFIG
    config = json.loads(path.read_text(encoding="utf-8"))
    config[field] = value
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    res = registry.resolve(KEY)
    assert res.status == "unavailable" and named in res.reason and ADAPTER_CONFIG in res.reason, res


@pytest.mark.parametrize("text", ["{ not json", "[1, 2]", ""])
def test_an_adapter_config_that_is_not_a_json_object_is_refused_in_one_line(shipped_copy, text):
    (shipped_copy / ADAPTER_CONFIG).write_text(text, encoding="utf-8")
    res = registry.resolve(KEY)
    assert res.status == "unavailable" and ADAPTER_CONFIG in res.reason and "\n" not in res.reason


def test_a_recorded_config_hash_is_checked(shipped_copy):
    """Cards written from now on record adapter_config.json's SHA-256; any edit to it is refused."""
    sha = adapters.file_sha256(shipped_copy / ADAPTER_CONFIG)
    _edit_card(shipped_copy, lambda card: card["adapter"].update(config_sha256=sha))
    assert registry.resolve(KEY).usable
    path = shipped_copy / ADAPTER_CONFIG
    path.write_text(path.read_text(encoding="utf-8").replace('"use_dora": false', '"use_dora": true'))
    res = registry.resolve(KEY)
    assert res.status == "unavailable" and "its card records " + sha[:16] in res.reason, res


def test_an_edited_config_the_card_does_not_record_changes_the_cache_key(shipped_copy):
    """A config field the card does not record (here use_rslora) still changes outputs: a new key, not old scores."""
    before = registry.resolve(KEY).fingerprint
    path = shipped_copy / ADAPTER_CONFIG
    path.write_text(path.read_text(encoding="utf-8").replace('"use_rslora": false', '"use_rslora": true'))
    after = registry.resolve(KEY)
    assert after.usable and after.fingerprint != before
