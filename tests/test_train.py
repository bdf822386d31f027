"""Smoke training on hand-made pairs: loss falls, the model saves, reloads, scores and registers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from compsem import registry
from compsem import train as tr
from test_datasets import make_data_dir

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def ds_dir(tmp_path_factory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("ds"))


@pytest.fixture
def private_models(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "models"


def test_objectives_table_is_consistent():
    assert set(tr.OBJECTIVES) == {"sick-nli", "sick-relatedness", "stsb", "mrpc"}
    for obj in tr.OBJECTIVES.values():
        assert obj.key == f"compsem/minilm-l6-{obj.name}"
        assert obj.num_labels == (3 if obj.family == "nli" else 1)
        assert obj.targets and obj.score_definition
    with pytest.raises(ValueError, match="unknown objective 'quora'"):
        tr.get_objective("quora")


def test_splits_label_forms_and_seeded_mrpc_dev(ds_dir):
    nli = tr.splits("sick-nli", ds_dir)
    assert set(nli["train"]["label"]) <= {0, 1, 2}
    rel = tr.splits("sick-relatedness", ds_dir)
    assert rel["train"]["label"].between(0, 1).all()
    assert rel["dev"]["label"].max() == pytest.approx((4.6 - 1) / 4)
    sts = tr.splits("stsb", ds_dir)
    assert sts["train"]["label"].max() == pytest.approx(0.96)
    a, b = tr.splits("mrpc", ds_dir, seed=1), tr.splits("mrpc", ds_dir, seed=1)
    assert len(a["dev"]) == 1 and len(a["train"]) == 11
    assert a["dev"].equals(b["dev"])


@pytest.mark.slow
def test_nli_smoke_training_saves_reloads_scores_and_registers(ds_dir, private_models):
    from sentence_transformers.cross_encoder import CrossEncoder

    result = tr.train_cross_encoder("sick-nli", data_dir=ds_dir, epochs=3, batch_size=8,
                                    learning_rate=1e-4, progress=False)
    assert result.folder == private_models / "minilm-l6-sick-nli"
    losses = result.losses
    assert len(losses) >= 6
    assert np.mean(losses[-3:]) < np.mean(losses[:3])  # the loss falls

    card = json.loads((result.folder / registry.TRAINED_CARD_NAME).read_text())
    for field in ("key", "label", "objective", "objective_family", "num_labels", "score_definition", "base_model",
                  "data", "seed", "epochs", "batch_size", "learning_rate", "max_length", "train_seconds",
                  "metrics", "targets", "met", "fingerprint", "command", "created", "versions"):
        assert field in card, field
    assert card["objective_family"] == "nli" and card["num_labels"] == 3
    assert card["fingerprint"] == registry.folder_fingerprint(result.folder)
    assert "test_accuracy" in card["metrics"] and "dev_accuracy" in card["metrics"]
    assert card["command"].startswith("compsem train --objective sick-nli --data ")
    assert (result.folder / "README.md").read_text().startswith("# MiniLM-L6 SICK-NLI (trained)")
    assert not (result.folder / "_checkpoints").exists()

    config = json.loads((result.folder / "config.json").read_text())
    assert set(config["id2label"].values()) == {"contradiction", "entailment", "neutral"}
    model = CrossEncoder(str(result.folder))
    assert type(model.activation_fn).__name__ == "Identity"
    out = model.predict([("A cat sleeps.", "A cat is asleep.")])
    assert np.asarray(out).shape == (1, 3)

    spec = registry.get_spec("compsem/minilm-l6-sick-nli")
    assert spec.kind == "cross-encoder" and spec.normalization == "mutual-entailment"
    assert registry.resolve(spec).status == "local"
    assert tr.evaluate_trained(result.folder, ds_dir) == {k: v for k, v in card["metrics"].items()
                                                           if k.startswith("test_")}


@pytest.mark.slow
def test_regression_smoke_is_deterministic_and_keeps_sigmoid(ds_dir, tmp_path):
    from sentence_transformers.cross_encoder import CrossEncoder

    kwargs = dict(data_dir=ds_dir, epochs=1, batch_size=4, max_train_pairs=8, progress=False, evaluate_test=False)
    a = tr.train_cross_encoder("stsb", out_dir=tmp_path / "a", seed=3, **kwargs)
    b = tr.train_cross_encoder("stsb", out_dir=tmp_path / "b", seed=3, **kwargs)
    assert a.card["fingerprint"] == b.card["fingerprint"]
    assert a.losses == b.losses
    model = CrossEncoder(str(a.folder))
    assert type(model.activation_fn).__name__ == "Sigmoid"
    score = float(np.asarray(model.predict([("A man runs.", "A man is running.")]))[0])
    assert 0.0 <= score <= 1.0
    assert a.card["objective_family"] == "sts" and a.card["data"]["split_sizes"]["train"] == 8


@pytest.mark.slow
def test_write_stored_scores_writes_csv_and_card_without_weights(ds_dir, private_models, tmp_path):
    from compsem.pairs import load_pairs

    tr.train_cross_encoder("mrpc", data_dir=ds_dir, epochs=1, batch_size=4, progress=False, evaluate_test=False)
    pairs = load_pairs(DATA / "small_pairs.csv")
    out = tr.write_stored_scores("compsem/minilm-l6-mrpc", results_dir=tmp_path / "results", pairs=pairs)
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "compsem_card.json", "scores.csv"]
    import pandas as pd

    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["pair_id", "sentence_a", "sentence_b", "raw_score", "score", "raw_output"]
    assert len(scores) == len(pairs) and scores["score"].between(0, 1).all()


def test_write_stored_scores_refuses_untrained(private_models):
    with pytest.raises(ValueError, match="run `compsem train`"):
        tr.write_stored_scores("compsem/minilm-l6-stsb")
