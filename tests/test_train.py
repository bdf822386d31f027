"""Smoke training on hand-made pairs: loss falls, the model saves, reloads, scores and registers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_datasets import make_data_dir

from compsem.models import adapters, registry
from compsem.models.backbones import card_backbone_path
from compsem.training import lora
from compsem.training import train as tr
from compsem.training import train_data as td
from compsem.training.objectives import OBJECTIVES, get_objective

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def ds_dir(tmp_path_factory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("ds"))


@pytest.fixture
def private_models(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "models"


def evaluate_trained(folder, data_dir) -> dict[str, float]:
    """Test-split metrics of a trained model folder (its card names the objective and seed)."""
    model, card = tr.load_trained(folder)
    obj = get_objective(card["objective"])
    data = td.splits(obj, data_dir, int(card["seed"]))
    return {k: round(float(v), 4) for k, v in td.metrics_for(model, obj, data["test"], "test").items()}


def test_objectives_table_is_consistent():
    assert set(OBJECTIVES) == {"sick-nli", "sick-relatedness", "stsb", "mrpc", "equivalence"}
    assert [o for o, obj in OBJECTIVES.items() if not obj.in_objective_study] == ["equivalence"]
    for obj in OBJECTIVES.values():
        assert obj.key == f"compsem/minilm-l6-{obj.name}"
        assert obj.num_labels == (3 if obj.family == "nli" else 1)
        assert obj.targets and obj.score_definition
    with pytest.raises(ValueError, match="unknown objective 'quora'"):
        get_objective("quora")


def test_splits_label_forms_and_seeded_mrpc_dev(ds_dir):
    nli = td.splits("sick-nli", ds_dir)
    assert set(nli["train"]["label"]) <= {0, 1, 2}
    rel = td.splits("sick-relatedness", ds_dir)
    assert rel["train"]["label"].between(0, 1).all()
    assert rel["dev"]["label"].max() == pytest.approx((4.6 - 1) / 4)
    sts = td.splits("stsb", ds_dir)
    assert sts["train"]["label"].max() == pytest.approx(0.96)
    a, b = td.splits("mrpc", ds_dir, seed=1), td.splits("mrpc", ds_dir, seed=1)
    assert len(a["dev"]) == 1 and len(a["train"]) == 11
    assert a["dev"].equals(b["dev"])


@pytest.mark.slow
def test_nli_smoke_adapter_saves_reloads_scores_and_registers(ds_dir, private_models):
    result = tr.train_cross_encoder("sick-nli", data_dir=ds_dir, epochs=3, batch_size=8, progress=False)
    assert result.folder == private_models / "minilm-l6-sick-nli"
    card = json.loads((result.folder / registry.TRAINED_CARD_NAME).read_text())
    for field in (
        "key",
        "label",
        "objective",
        "objective_family",
        "num_labels",
        "score_definition",
        "base_model",
        "data",
        "seed",
        "epochs",
        "batch_size",
        "learning_rate",
        "max_length",
        "train_seconds",
        "metrics",
        "targets",
        "met",
        "fingerprint",
        "command",
        "created",
        "versions",
        "method",
        "adapter",
        "dev_by_epoch",
    ):
        assert field in card, field
    assert card["method"] == "lora" and card["objective_family"] == "nli" and card["num_labels"] == 3
    assert card["adapter"]["config"]["r"] == 16 and card["adapter"]["bytes"] < 4_000_000
    assert card["adapter"]["trainable_parameters"] < card["adapter"]["total_parameters"] / 10
    assert card["base_model"]["sha256"] == adapters.backbone_sha256(tr.base_model_path())
    digest = adapters.adapter_digest(result.folder, card)  # every adapter file and the card, not the weights alone
    assert card["fingerprint"].endswith("+adapter:" + digest[:16])
    assert card["adapter"]["config_sha256"] == adapters.file_sha256(result.folder / adapters.ADAPTER_CONFIG)
    assert [e["epoch"] for e in card["dev_by_epoch"]] == [1, 2, 3]
    assert "test_accuracy" in card["metrics"] and "dev_accuracy" in card["metrics"]
    assert card["command"].startswith("compsem train --objective sick-nli --data ")
    assert str(ds_dir) not in json.dumps(card) and "/tmp/" not in json.dumps(card)  # no machine paths
    assert "/tmp/" not in (result.folder / "adapter_config.json").read_text()
    assert (result.folder / "README.md").read_text().startswith("# MiniLM-L6 SICK-NLI (trained)")
    assert not (result.folder / "_checkpoints").exists()
    assert not (result.folder / "model.safetensors").exists()  # an adapter, not a copy of the backbone

    # a model trained here replaces the shipped adapter of the same key, under its own fingerprint
    spec = registry.get_spec("compsem/minilm-l6-sick-nli")
    assert spec.kind == "cross-encoder" and spec.normalization == "mutual-entailment"
    res = registry.resolve(spec)
    assert res.status == "local" and res.fingerprint == card["fingerprint"], res
    from compsem.scorers.load import load_scorer

    out = load_scorer(res).predict([("A cat sleeps.", "A cat is asleep.")])
    assert 0.0 <= out.score[0] <= 1.0 and json.loads(out.raw_output[0])["labels"][1] == "entailment"
    assert evaluate_trained(result.folder, ds_dir) == {
        k: v for k, v in card["metrics"].items() if k.startswith("test_")
    }


@pytest.mark.slow
def test_adapter_training_is_deterministic_and_resumes_after_an_interruption(ds_dir, tmp_path):
    data = td.splits("stsb", ds_dir)["train"].iloc[:8]
    kwargs = dict(num_labels=1, epochs=2, seed=3, recipe=lora.LoraRecipe(batch_size=4))
    whole = lora.train_adapter(tr.base_model_path(), data, checkpoint_dir=tmp_path / "a", **kwargs)
    again = lora.train_adapter(tr.base_model_path(), data, checkpoint_dir=tmp_path / "b", **kwargs)
    assert whole.losses == again.losses

    class Interrupted(RuntimeError):
        pass

    def stop_in_epoch_two(model, tokenizer):
        if (tmp_path / "c" / "epoch-1").exists():
            raise Interrupted
        return {}

    with pytest.raises(Interrupted):
        lora.train_adapter(
            tr.base_model_path(), data, checkpoint_dir=tmp_path / "c", dev_metrics=stop_in_epoch_two, **kwargs
        )
    assert (tmp_path / "c" / "epoch-1").is_dir() and not (tmp_path / "c" / "epoch-2").exists()
    resumed = lora.train_adapter(tr.base_model_path(), data, checkpoint_dir=tmp_path / "c", **kwargs)
    assert resumed.resumed_from_epoch == 1
    assert resumed.losses == pytest.approx(whole.losses, rel=1e-6)
    pairs = [("A man runs.", "A man is running."), ("A man runs.", "A woman sleeps.")]
    np.testing.assert_allclose(
        lora.predict_logits(resumed.model, resumed.tokenizer, pairs),
        lora.predict_logits(whole.model, whole.tokenizer, pairs),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.slow
def test_full_fine_tune_stays_available_deterministic_and_keeps_sigmoid(ds_dir, tmp_path):
    from sentence_transformers.cross_encoder import CrossEncoder

    kwargs = dict(
        data_dir=ds_dir, epochs=1, batch_size=4, max_train_pairs=8, progress=False, evaluate_test=False, method="full"
    )
    a = tr.train_cross_encoder("stsb", out_dir=tmp_path / "a", seed=3, **kwargs)
    b = tr.train_cross_encoder("stsb", out_dir=tmp_path / "b", seed=3, **kwargs)
    # the same weights (the card's part of the key differs: training time and --out are in the card)
    assert a.card["fingerprint"].split("+card:")[0] == b.card["fingerprint"].split("+card:")[0]
    assert a.losses == b.losses
    assert a.card["key"] == "compsem/minilm-l6-stsb-full" and a.card["method"] == "full"
    model = CrossEncoder(str(a.folder))
    assert type(model.activation_fn).__name__ == "Sigmoid"
    score = float(np.asarray(model.predict([("A man runs.", "A man is running.")]))[0])
    assert 0.0 <= score <= 1.0
    assert a.card["objective_family"] == "sts" and a.card["data"]["split_sizes"]["train"] == 8


def test_unknown_method_is_refused(ds_dir):
    with pytest.raises(ValueError, match="unknown method 'qlora'"):
        tr.train_cross_encoder("stsb", data_dir=ds_dir, method="qlora")


@pytest.mark.slow
def test_augmented_smoke_training_saves_a_loadable_adapter_with_its_augmentation_facts(ds_dir, private_models):
    result = tr.train_cross_encoder(
        "sick-nli",
        data_dir=ds_dir,
        epochs=1,
        batch_size=8,
        progress=False,
        evaluate_test=False,
        augment="minimal-edits",
    )
    card = result.card
    assert card["key"] == "compsem/minilm-l6-sick-nli-minimal-edits"
    assert card["label"] == "MiniLM-L6 SICK-NLI + minimal edits (trained)"
    facts = card["augmentation"]
    assert facts["rows_added"] > 0 and set(facts["counts"]) >= {
        "role-swap",
        "negation",
        "number",
        "temporal",
        "quantifier",
        "hedge",
    }
    assert card["data"]["split_sizes"]["train"] == facts["original_rows"] + facts["rows_added"]
    assert "--augment minimal-edits" in card["command"]
    examples = td.card_examples(result.folder, ds_dir)
    assert len(examples) == min(20, facts["rows_added"]) and {e["rule"] for e in examples} <= set(facts["counts"])
    model, _ = tr.load_trained(result.folder)
    assert model.predict([("A cat is reading.", "A cat is not reading.")]).shape == (1, 3)
    assert registry.resolve(registry.get_spec(card["key"])).usable


@pytest.mark.slow
def test_mpnet_backbone_adapter_is_fp16_small_and_loads(ds_dir, private_models):
    result = tr.train_cross_encoder(
        "sick-nli",
        data_dir=ds_dir,
        epochs=1,
        batch_size=8,
        max_train_pairs=8,
        progress=False,
        evaluate_test=False,
        backbone="mpnet-base",
    )
    card = result.card
    assert card["key"] == "compsem/mpnet-base-sick-nli" and card["label"] == "MPNet-base SICK-NLI (trained)"
    assert card["base_model"]["key"] == "sentence-transformers/all-mpnet-base-v2"
    assert card["adapter"]["dtype"] == "float16" and card["adapter"]["bytes"] < 10_000_000
    assert card["adapter"]["config"]["target_modules"] == ["q", "k", "v", "o", "dense"]
    res = registry.resolve(registry.get_spec(card["key"]))
    assert res.usable and res.fingerprint == card["fingerprint"], res
    model, _ = tr.load_trained(result.folder)
    assert model.predict([("A cat is reading.", "A cat is not reading.")]).shape == (1, 3)


def test_unknown_backbone_and_unlabelled_augmentation_are_refused(ds_dir):
    with pytest.raises(ValueError, match="unknown backbone 'gpt'"):
        tr.train_cross_encoder("sick-nli", data_dir=ds_dir, backbone="gpt")
    with pytest.raises(ValueError, match="unknown augmentation"):
        tr.train_cross_encoder("sick-nli", data_dir=ds_dir, augment="back-translation")
    with pytest.raises(ValueError, match="similarity scale"):
        tr.train_cross_encoder(
            "stsb",
            data_dir=ds_dir,
            augment="minimal-edits",
            epochs=1,
            max_train_pairs=4,
            progress=False,
            evaluate_test=False,
        )


def test_real_augmented_sick_split_adds_no_dev_test_or_bundled_sentence():
    from compsem.data import datasets as ds
    from compsem.data.pairs import load_pairs
    from compsem.data.variants.minimal_edits import normalize

    try:
        data = td.splits("sick-nli")
    except ds.DatasetError:
        pytest.skip("SICK is not beside the checkout")
    train = data["train"].sample(frac=1.0, random_state=42).reset_index(drop=True)
    made = td.augmented_split(get_objective("sick-nli"), train, data, None, 42)
    added = made.frame.iloc[len(train) :]
    assert made.frame.iloc[: len(train)][["sentence_a", "sentence_b", "label"]].equals(train)
    bundled = load_pairs()
    forbidden = set()
    for frame in (data["dev"], data["test"], bundled):
        forbidden |= set(map(normalize, frame["sentence_a"])) | set(map(normalize, frame["sentence_b"]))
    added_sentences = set(map(normalize, added["sentence_a"])) | set(map(normalize, added["sentence_b"]))
    assert len(added) > 1000 and not added_sentences & forbidden
    assert made.counts["role-swap"] > 100 and made.counts["negation"] > 100


# -- issue 22, item 16: every numeric option checked; the shipped adapters are never written -----------------------
@pytest.fixture
def no_data_read(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the dataset was read before the options were checked")

    monkeypatch.setattr(tr, "splits", refuse)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"max_train_pairs": 0}, "--max-train-pairs must be a whole number from 1"),
        ({"max_train_pairs": -1}, "--max-train-pairs must be a whole number from 1"),
        ({"epochs": 0}, "--epochs must be a whole number from 1 to 100"),
        ({"epochs": 10_000}, "--epochs must be a whole number from 1 to 100"),
        ({"batch_size": 0}, "--batch-size must be a whole number from 1"),
        ({"batch_size": -16}, "--batch-size must be a whole number from 1"),
        ({"seed": -1}, "--seed must be a whole number from 0"),
        ({"learning_rate": float("nan")}, "the learning rate must be a number between 0 and 1"),
        ({"learning_rate": 0.0}, "the learning rate must be a number between 0 and 1"),
    ],
)
def test_bad_numbers_are_refused_before_any_data_is_read(options, message, no_data_read):
    with pytest.raises(ValueError, match=message):
        tr.train_cross_encoder("stsb", progress=False, **options)


def test_out_inside_the_shipped_adapters_is_refused(no_data_read):
    shipped = registry.shipped_models_dir() / "minilm-l6-stsb"
    before = {p.name: p.stat().st_mtime_ns for p in shipped.iterdir()}
    for out in (shipped, shipped / "sub", registry.shipped_models_dir(), shipped / ".." / "x"):
        with pytest.raises(ValueError, match="inside compsem's shipped adapters"):
            tr.train_cross_encoder("stsb", out_dir=out, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in shipped.iterdir()} == before


def test_a_cache_pointing_into_the_package_is_refused_too(monkeypatch, no_data_read):
    """The default folder is <cache>/models/<slug>: a cache folder inside the package must not make it shipped."""
    # <cache>/models is then compsem/models, the shipped adapters' folder
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(registry.shipped_models_dir().parent))
    with pytest.raises(ValueError, match="set COMPSEM_CACHE_DIR to another folder"):
        tr.train_cross_encoder("stsb", progress=False)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--max-train-pairs", "0"], "--max-train-pairs must be a whole number from 1"),
        (["--max-train-pairs", "-1"], "--max-train-pairs must be a whole number from 1"),
        (["--epochs", "-2"], "--epochs must be"),
        (["--out", "compsem/models/minilm-l6-stsb"], "inside compsem's shipped adapters"),
    ],
)
def test_cli_refuses_bad_options_in_one_line(args, message, capsys, monkeypatch, no_data_read):
    from compsem.cli import main

    monkeypatch.chdir(Path(__file__).parent.parent)  # so the relative --out names the package folder
    assert main(["train", "--objective", "stsb", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_model_trained_with_a_shipped_key_is_announced_as_taking_its_place(tmp_path):
    assert tr.shadows_shipped("compsem/minilm-l6-stsb", tmp_path / "minilm-l6-stsb")
    assert not tr.shadows_shipped("compsem/minilm-l6-no-such-objective", tmp_path / "x")


def test_init_from_needs_a_matching_trained_adapter():
    path, facts = tr._init_adapter("compsem/minilm-l6-mrpc", get_objective("equivalence"), "minilm-l6", "lora")
    assert path is not None and (path / adapters.ADAPTER_WEIGHTS).is_file()
    assert facts["key"] == "compsem/minilm-l6-mrpc" and len(facts["adapter_sha256"]) == 64
    assert tr._init_adapter(None, get_objective("sick-nli"), "minilm-l6", "lora") == (None, {})
    with pytest.raises(ValueError, match="needs 3"):  # a 1-output MRPC adapter cannot start a 3-class NLI run
        tr._init_adapter("compsem/minilm-l6-mrpc", get_objective("sick-nli"), "minilm-l6", "lora")
    with pytest.raises(ValueError, match="full fine-tuning"):
        tr._init_adapter("compsem/minilm-l6-sick-nli", get_objective("sick-nli"), "minilm-l6", "full")


@pytest.mark.slow
def test_init_from_continues_the_shipped_adapter(ds_dir, tmp_path):
    start = registry.get_spec("compsem/minilm-l6-sick-nli")
    result = tr.train_cross_encoder(
        "sick-nli",
        data_dir=ds_dir,
        epochs=1,
        max_train_pairs=8,
        out_dir=tmp_path / "m",
        progress=False,
        evaluate_test=False,
        init_from=start.key,
        learning_rate=1e-9,
    )
    card = result.card
    assert card["init_from"]["key"] == start.key and "--init-from compsem/minilm-l6-sick-nli" in card["command"]
    # with a negligible learning rate the continued adapter still predicts like the one it started from
    pairs = [("A man is cooking.", "A man is not cooking."), ("A boy runs.", "A boy is running.")]
    before = adapters.load_from_card(card_backbone_path(dict(start.card)), start.adapter, dict(start.card))
    after, _ = tr.load_trained(result.folder)
    assert np.allclose(before.predict(pairs), after.predict(pairs), atol=1e-3)
