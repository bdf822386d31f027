"""The training objectives of ``compsem train``: one declarative entry each, and the names they give models.

An objective fixes the data, the labels, the loss and the held-out targets; a model's registry
key and chart label follow from its backbone, objective, augmentation and method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compsem.models.backbones import BACKBONES, get_backbone
from compsem.models.specs import TRAINED_PREFIX

__all__ = ["OBJECTIVES", "Objective", "get_objective", "model_key", "model_label"]


def model_key(obj: Objective, backbone: str = "minilm-l6", method: str = "lora", augment: str | None = None) -> str:
    """Registry key ``compsem/<backbone>-<objective>[-<augmentation>][-full]``."""
    return (
        f"{TRAINED_PREFIX}{backbone}-{obj.name}"
        + (f"-{augment}" if augment else "")
        + ("-full" if method == "full" else "")
    )


def model_label(obj: Objective, backbone: str = "minilm-l6", method: str = "lora", augment: str | None = None) -> str:
    """Chart label: the objective's label with the backbone's name, augmentation and method added."""
    label = obj.label.replace(BACKBONES["minilm-l6"].label, get_backbone(backbone).label, 1)
    if augment:
        label = label.replace(" (trained)", f" + {augment.replace('-', ' ')} (trained)")
    return label + (" full" if method == "full" else "")


@dataclass(frozen=True)
class Objective:
    """One training objective: data, labels, loss and targets.

    Attributes:
        name: CLI name (``sick-nli`` ...).
        label: chart label of the trained model.
        family: the trained model's :data:`~compsem.models.specs.ObjectiveFamily` (``nli``, ``sts``, ``duplicate``).
        num_labels: classifier outputs (3 for NLI, else 1).
        loss: ``cross-entropy`` or ``bce`` (binary cross-entropy with logits, soft labels allowed).
        dataset: ``sick``, ``stsb`` or ``mrpc``.
        dev: how the dev split is made (``trial``, ``dev`` or ``10% of train``).
        epochs: default number of epochs of a full fine-tune (LoRA: :data:`LORA_EPOCHS`).
        learning_rate: peak learning rate of a full fine-tune (LoRA: the recipe's).
        score_definition: what the 0-1 score means, in one sentence.
        targets: metric name -> minimum on the test split.
        notes: anything a reader of the card should know about this objective's history.
        in_objective_study: listed on the Objectives page (the four single-dataset objectives, each trained
            on one MiniLM adapter); ``equivalence`` (issue 21's fix experiment) is compared on the grid instead.
    """

    name: str
    label: str
    family: str
    num_labels: int
    loss: str
    dataset: str
    dev: str
    epochs: int
    learning_rate: float
    score_definition: str
    targets: dict = field(default_factory=dict)
    notes: str = ""
    in_objective_study: bool = True

    def key_for(self, method: str = "lora") -> str:
        """Registry key of the MiniLM model: ``compsem/minilm-l6-<name>`` (adapter) or ``...-full``."""
        return model_key(self, "minilm-l6", method)

    @property
    def key(self) -> str:
        return self.key_for("lora")

    @property
    def slug(self) -> str:
        return self.key[len(TRAINED_PREFIX) :]


_TOUCHED = (
    "Before the adapters, two full fine-tunes were scored on this test split (a 1-epoch run that was "
    "replaced, then a 2-3-epoch run); this adapter's test figure is the third look at the split."
)

OBJECTIVES: dict[str, Objective] = {
    o.name: o
    for o in (
        Objective(
            "sick-nli",
            "MiniLM-L6 SICK-NLI (trained)",
            "nli",
            3,
            "cross-entropy",
            "sick",
            "trial",
            2,
            4e-5,
            "min(P(entailment | A,B), P(entailment | B,A)) from a 3-class softmax (mutual entailment); "
            "P(contradiction) is kept in the raw output.",
            {"test_accuracy": 0.85},
        ),
        Objective(
            "sick-relatedness",
            "MiniLM-L6 SICK relatedness (trained)",
            "sts",
            1,
            "bce",
            "sick",
            "trial",
            2,
            4e-5,
            "Predicted SICK relatedness scaled to 0-1 ((relatedness - 1) / 4), from a sigmoid head.",
            {"test_pearson": 0.80},
        ),
        Objective(
            "stsb",
            "MiniLM-L6 STS-B (trained)",
            "sts",
            1,
            "bce",
            "stsb",
            "dev",
            2,
            4e-5,
            "Predicted STS-B similarity scaled to 0-1 (score / 5), from a sigmoid head.",
            {"test_spearman": 0.80},
            _TOUCHED,
        ),
        Objective(
            "mrpc",
            "MiniLM-L6 MRPC (trained)",
            "duplicate",
            1,
            "bce",
            "mrpc",
            "10% of train (seeded)",
            3,
            4e-5,
            "Probability that B is a paraphrase of A (MRPC), from a sigmoid head.",
            {"test_accuracy": 0.75, "test_f1": 0.82},
            _TOUCHED,
        ),
        Objective(
            "equivalence",
            "MiniLM-L6 equivalence (trained)",
            "duplicate",
            1,
            "bce",
            "sick+mrpc",
            "SICK TRIAL + 10% of MRPC train (seeded)",
            3,
            4e-5,
            "Probability that A and B mean the same, from a sigmoid head trained on SICK mutual entailment "
            "(both directions annotated) and MRPC paraphrase labels (compsem/training/equivalence.py).",
            {"test_sick_accuracy": 0.85, "test_mrpc_accuracy": 0.75, "test_mrpc_f1": 0.82},
            in_objective_study=False,
        ),
    )
}


def get_objective(name: str) -> Objective:
    """Look up an objective by name; a ``ValueError`` lists the valid ones."""
    if name not in OBJECTIVES:
        raise ValueError(f"unknown objective {name!r}; choose one of {', '.join(OBJECTIVES)}.")
    return OBJECTIVES[name]
