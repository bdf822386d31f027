"""The equivalence objective: SICK mutual entailment + MRPC, one binary label, metrics per source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_datasets import make_data_dir

from compsem.training import train as tr
from compsem.training import train_data as td
from compsem.training.equivalence import equivalence_metrics, equivalence_splits, sick_mutual_labels

HEADER = (
    "pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\tentailment_AB\tentailment_BA\t"
    "sentence_A_original\tsentence_B_original\tsentence_A_dataset\tsentence_B_dataset\tSemEval_set"
)
ROWS = [  # written for this test: (A, B, AB, BA, split)
    ("A cook is frying eggs", "Eggs are being fried by a cook", "A_entails_B", "B_entails_A", "TRAIN"),
    ("A cook is frying eggs", "A cook is frying food", "A_entails_B", "B_neutral_A", "TRAIN"),
    ("A cook is frying eggs", "A cook is not frying eggs", "A_contradicts_B", "B_contradicts_A", "TRIAL "),
    ("A pilot is landing a plane", "A plane is being landed by a pilot", "A_entails_B", "B_entails_A", "TEST"),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = make_data_dir(tmp_path_factory.mktemp("ds"))
    lines = [HEADER] + [
        f"{i}\t{a}\t{b}\tENTAILMENT\t4.0\t{ab}\t{ba}\tx\tx\tHAND\tHAND\t{split}"
        for i, (a, b, ab, ba, split) in enumerate(ROWS, start=1)
    ]
    (root / "sick" / "SICK.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_sick_label_is_one_only_when_both_directions_entail(data_dir):
    sick = sick_mutual_labels(data_dir)
    assert sick["label"].tolist() == [1.0, 0.0, 0.0, 1.0]  # one-way entailment is not "same meaning"
    assert sick["split"].tolist() == ["train", "train", "trial", "test"]


def test_splits_pool_both_sources_with_the_mrpc_dev_carve(data_dir):
    parts = equivalence_splits(data_dir, seed=42)
    mrpc = td.splits("mrpc", data_dir, 42)
    for name, sick_n in (("train", 2), ("dev", 1), ("test", 1)):
        frame = parts[name]
        assert (frame["source"] == "sick").sum() == sick_n
        assert (frame["source"] == "mrpc").sum() == len(mrpc[name])
        assert set(frame["label"]) <= {0.0, 1.0}
    # compsem.training.train.splits keeps the source column for this objective
    assert "source" in td.splits("equivalence", data_dir, 42)["test"].columns


def test_metrics_per_source():
    frame = pd.DataFrame({"label": [1.0, 0.0, 1.0, 0.0], "source": ["sick", "sick", "mrpc", "mrpc"]})
    out = equivalence_metrics(frame, np.array([0.9, 0.6, 0.7, 0.2]), "test")
    assert out["test_accuracy"] == pytest.approx(0.75)
    assert out["test_sick_accuracy"] == pytest.approx(0.5) and out["test_mrpc_accuracy"] == pytest.approx(1.0)
    assert out["test_mrpc_f1"] == pytest.approx(1.0) and out["test_sick_f1"] == pytest.approx(2 / 3)


def test_objective_is_registered_as_a_binary_same_meaning_head():
    obj = tr.get_objective("equivalence")
    assert obj.num_labels == 1 and obj.loss == "bce" and obj.family == "duplicate" and obj.dataset == "sick+mrpc"
    assert obj.targets["test_sick_accuracy"] == 0.85
