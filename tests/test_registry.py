"""compsem.models.registry: the table, aliases, resolution order, offline reasons, trust_remote_code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compsem.config import shipped_models_dir
from compsem.models import registry
from compsem.models.fingerprints import folder_fingerprint
from compsem.models.registry import UnknownModelError, get_spec, list_models, offline_models, resolve
from compsem.models.specs import REGISTRY

#: A whole safetensors file holding no tensor (8-byte header length, then the header): weights a folder may have.
EMPTY_SAFETENSORS = (8).to_bytes(8, "little") + b"{}      "

STUDY_BI = {
    "sentence-transformers/all-MiniLM-L6-v2",
    "BAAI/bge-large-en-v1.5",
    "nomic-ai/nomic-embed-text-v1.5",
    "mixedbread-ai/mxbai-embed-large-v1",
    "thenlper/gte-large",
}
STUDY_CE = {
    "cross-encoder/stsb-roberta-large",
    "cross-encoder/ms-marco-MiniLM-L-12-v2",
    "BAAI/bge-reranker-large",
    "cross-encoder/quora-roberta-large",
}


def test_table_holds_the_study_models_and_nli():
    by_key = {s.key: s for s in REGISTRY}
    assert {k for k, s in by_key.items() if s.study and s.kind == "bi-encoder"} == STUDY_BI
    assert {k for k, s in by_key.items() if s.study and s.kind == "cross-encoder"} == STUDY_CE
    nli = by_key["cross-encoder/nli-roberta-large"]
    assert nli.objective == "nli" and nli.normalization == "mutual-entailment" and not nli.study
    assert by_key["cross-encoder/ms-marco-MiniLM-L-12-v2"].objective == "retrieval"
    assert by_key["cross-encoder/quora-roberta-large"].objective == "duplicate"
    assert all(s.normalization == "cosine" for s in REGISTRY if s.kind == "bi-encoder")


def test_only_nomic_needs_remote_code_and_a_prefix():
    assert [s.key for s in REGISTRY if s.trust_remote_code] == ["nomic-ai/nomic-embed-text-v1.5"]
    assert get_spec("nomic-embed-text-v1.5").prompt == "search_query: "


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "ALL-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_alias_and_key_lookup(name: str):
    assert get_spec(name).key == "sentence-transformers/all-MiniLM-L6-v2"


def test_unknown_model_is_a_sentence_with_suggestions():
    with pytest.raises(UnknownModelError) as info:
        get_spec("minilm")
    text = str(info.value)
    assert "unknown model 'minilm'" in text and "all-MiniLM-L6-v2" in text
    with pytest.raises(UnknownModelError, match="not in the registry"):
        get_spec("someone/private-model")


def test_packaged_minilm_resolves_offline_with_the_known_weights():
    res = resolve("all-MiniLM-L6-v2")
    assert res.status == "packaged" and res.usable
    # FACTS.md: the package ships the hub file with this SHA-256; config and tokenizer files follow it.
    assert res.fingerprint.startswith("sha256:53aa51172d142c89+files:")
    assert res.fingerprint == folder_fingerprint(res.location)


def test_offline_hub_models_are_unavailable_with_one_line_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    res = resolve("BAAI/bge-large-en-v1.5")
    assert res.status == "unavailable" and not res.usable
    assert "offline" in res.reason and "\n" not in res.reason


def test_online_hub_models_need_download(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    res = resolve("cross-encoder/quora-roberta-large")
    assert res.status == "needs download" and res.location == "cross-encoder/quora-roberta-large"


def test_local_folder_wins_over_hub(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "models" / "thenlper__gte-large"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    res = resolve("gte-large")
    assert res.status == "local" and res.location == str(folder) and res.fingerprint.startswith("sha256:")


def test_hub_cache_is_used_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub = tmp_path / "hub"
    snap = hub / "models--thenlper--gte-large" / "snapshots" / ("a" * 40)
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    (hub / "models--thenlper--gte-large" / "refs").mkdir()
    (hub / "models--thenlper--gte-large" / "refs" / "main").write_text("a" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(hub))
    res = resolve("gte-large")
    assert res.status == "cached" and res.fingerprint == "rev:" + "a" * 40


def test_user_folder_never_gets_remote_code(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"id2label": {"0": "LABEL_0"}, "auto_map": {"x": "y"}}))
    spec = get_spec(str(tmp_path))
    assert spec.trust_remote_code is False and spec.kind == "cross-encoder"


def test_trained_models_join_from_their_card(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "models" / "minilm-l6-test"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    (folder / registry.TRAINED_CARD_NAME).write_text(
        json.dumps({"key": "compsem/minilm-l6-test", "objective_family": "nli", "num_labels": 3, "label": "T"})
    )
    spec = get_spec("minilm-l6-test")
    assert spec.kind == "cross-encoder" and spec.objective == "nli" and spec.normalization == "mutual-entailment"
    assert resolve(spec).status == "local"
    (folder / registry.TRAINED_CARD_NAME).write_text("{ half written")
    assert "compsem/minilm-l6-test" not in [s.key for s in registry.all_specs()]


def test_baselines_are_always_there():
    assert {"baseline/token-jaccard", "baseline/bag-of-embeddings"} <= set(offline_models())
    assert all(r.reason for r in list_models() if not r.usable)


def test_mpnet_is_a_packaged_bi_encoder_outside_the_study():
    spec = get_spec("all-mpnet-base-v2")
    assert spec.key == "sentence-transformers/all-mpnet-base-v2" and spec.kind == "bi-encoder"
    assert not spec.study and "Not one of the study's five" in spec.notes and not spec.trust_remote_code
    from compsem.models import assembly

    if assembly.parts_installed(assembly.MPNET):
        res = resolve(spec)
        assert res.status == "packaged" and res.fingerprint.startswith("sha256:78c0197b6159d926+files:"), res
        assert spec.key in offline_models()


def test_shipped_adapters_resolve_over_the_packaged_backbone():
    minilm = resolve("all-MiniLM-L6-v2")
    for slug in ("sick-nli", "sick-relatedness", "stsb", "mrpc"):
        res = resolve(f"compsem/minilm-l6-{slug}")
        assert res.status == "packaged" and res.spec.adapter, res
        assert Path(res.location).parent == shipped_models_dir()
        base, adapter = res.fingerprint.split("+adapter:")
        assert base == minilm.fingerprint and len(adapter) == 16
        assert res.spec.card["method"] == "lora" and res.spec.card["base_model"]["sha256"].startswith("53aa5117")
        text = (Path(res.location) / registry.TRAINED_CARD_NAME).read_text()
        assert "/work/" not in text and "/tmp/" not in text and "/home/" not in text  # no machine paths


# -- a card that cannot be read is named, with its problem (issue 22, item 5) ------------------------
@pytest.fixture
def shipped_copy(tmp_path, monkeypatch) -> Path:
    import shutil

    folder = tmp_path / "minilm-l6-stsb"
    shutil.copytree(registry.shipped_models_dir() / "minilm-l6-stsb", folder)
    monkeypatch.setattr(registry, "shipped_models_dir", lambda: tmp_path)
    return folder


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: "\ufeff\x00" + text, "not valid JSON"),
        (lambda text: text.replace('"num_labels": 1', '"num_labels": "one"'), "num_labels must be an integer"),
        (lambda text: text.replace('"num_labels": 1', '"num_labels": 0'), "num_labels must be at least 1"),
        (lambda text: text.replace('"max_length": 128', '"max_length": "long"'), "max_length must be a positive"),
        (lambda text: text.replace('"base_model": {', '"base_model": [], "was": {', 1), "base_model must be a JSON"),
        (lambda text: text.replace('"label": "', '"id2label": ["a"], "label": "', 1), "id2label must be a JSON object"),
        (lambda text: "[" + text + "]", "a card must be a JSON object"),
    ],
)
def test_a_shipped_card_that_cannot_be_read_is_named_with_its_problem(shipped_copy, edit, problem):
    path = shipped_copy / registry.TRAINED_CARD_NAME
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    for name in ("compsem/minilm-l6-stsb", "minilm-l6-stsb", "COMPSEM/MiniLM-L6-STSB"):
        with pytest.raises(registry.CardProblemError) as info:
            get_spec(name)
        text = str(info.value)
        assert str(path) in text and problem in text and "not in the registry" not in text and "\n" not in text
    assert [c.key for c in registry.broken_cards()] == ["compsem/minilm-l6-stsb"]
    assert "compsem/minilm-l6-stsb" not in offline_models()


def test_a_broken_local_card_is_named_by_the_cli_in_one_line(tmp_path, monkeypatch, capsys):
    from compsem.cli import main

    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "models" / "minilm-l6-mine"
    folder.mkdir(parents=True)
    (folder / registry.TRAINED_CARD_NAME).write_text('{"key": "compsem/minilm-l6-mine", "objective_family": ')
    pairs = Path(__file__).parent / "data" / "small_pairs.csv"
    code = main(["run", "--pairs", str(pairs), "--models", "compsem/minilm-l6-mine", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code != 0 and str(folder / registry.TRAINED_CARD_NAME) in err and "not valid JSON" in err
    assert "Traceback" not in err and "not in the registry" not in err
