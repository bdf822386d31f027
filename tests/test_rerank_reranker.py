"""compsem.rerank.reranker: the reranked order follows the relevance scores; only cross-encoders rerank."""

from __future__ import annotations

import numpy as np
import pytest
from test_rerank_first_stage import CORPUS

from compsem.rerank import Reranker, rank_documents


def reranker_over(scorer) -> Reranker:
    """A reranker over an already loaded (fake) scorer, without the registry."""
    reranker = Reranker.__new__(Reranker)
    reranker._use(scorer, None)
    return reranker


class FakeScorer:
    """Stands in for a loaded cross-encoder where the test is about ordering, not the model."""

    num_labels = 1
    labels = ["label_0"]
    fingerprint = "fake"

    def __init__(self, prefer: str):
        from compsem.models.specs import ModelSpec, Resolution

        self.prefer = prefer
        self.resolution = Resolution(
            ModelSpec("fake", "cross-encoder", "general", "model-activation"), "local", fingerprint="fake"
        )

    def relevance(self, pairs, batch_size=32, progress=None):
        return np.array([float(d.count(self.prefer)) for _, d in pairs])


def test_reranked_order_follows_the_scores(monkeypatch):
    import compsem.rerank as rr

    monkeypatch.setattr(rr, "CrossEncoderScorer", FakeScorer)
    reranker = reranker_over(FakeScorer("dog"))
    candidates = [(0, 3.0), (5, 2.0), (1, 1.0)]
    out = reranker.rerank("dogs", candidates, CORPUS)
    assert [d for d, _ in out] == [5, 0, 1]  # doc 5 mentions dogs; ties keep first-stage order
    table = rank_documents("dogs in snow", CORPUS, k=3, reranker=reranker)
    assert list(table["rerank_rank"]) == sorted(table["rerank_rank"])
    assert table.loc[table["doc"] == 5, "rerank_rank"].item() == 1


def test_reranker_must_be_a_cross_encoder():
    with pytest.raises(ValueError, match="must be a cross-encoder"):
        Reranker("all-MiniLM-L6-v2")


def test_default_rerankers_are_every_usable_cross_encoder_adapter_and_pick_up_new_ones(monkeypatch, tmp_path):
    """rerank-eval's default list: every shipped adapter, and one trained later joins from its card alone."""
    import json

    from test_registry import EMPTY_SAFETENSORS

    from compsem.models import registry
    from compsem.rerank import default_rerankers

    shipped = [
        r.spec.key
        for r in registry.list_models()
        if r.spec.kind == "cross-encoder" and r.spec.adapter and r.status in ("packaged", "local")
    ]
    assert shipped and set(shipped) <= set(default_rerankers())

    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "models" / "minilm-l6-new-recipe"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    assert "compsem/minilm-l6-new-recipe" not in default_rerankers()
    card = {"key": "compsem/minilm-l6-new-recipe", "objective_family": "nli", "num_labels": 3, "label": "New"}
    (folder / registry.TRAINED_CARD_NAME).write_text(json.dumps(card))
    assert "compsem/minilm-l6-new-recipe" in default_rerankers()
    assert all(registry.get_spec(k).kind == "cross-encoder" for k in default_rerankers())
