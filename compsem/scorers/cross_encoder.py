"""Cross-encoders: raw logits kept, the activation the loaded model declares applied once.

sentence-transformers stores a cross-encoder's activation in the model's config; the STS-B
cross-encoders were trained on labels divided by 5 with a sigmoid head, so their activated
output is already 0-1 and is never divided by 5 again (the study's normalization trap).
NLI cross-encoders (three classes): similarity = min(P(entailment|A,B), P(entailment|B,A)).

The softmax over classes and the choice of the class whose probability is the score
(:attr:`CrossEncoderScorer.target_class`) live here only: similarity scoring
(:meth:`~CrossEncoderScorer.predict`) and reranking (:meth:`~CrossEncoderScorer.relevance`)
both use them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np

from compsem.models.backends import load_onnx
from compsem.models.loading import adapter_cross_encoder, configure_threads, load_kwargs, to_dtype
from compsem.models.specs import Resolution
from compsem.scorers.base import PairScores, Scorer, length_order


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits, shape (n, classes): exp(x - max) / Σ exp(x - max)."""
    z = x - x.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class CrossEncoderScorer(Scorer):
    """A sentence-transformers CrossEncoder; raw logits kept, the model's own activation applied once."""

    def __init__(self, resolution: Resolution):
        super().__init__(resolution)
        from sentence_transformers import CrossEncoder

        configure_threads()
        if self.spec.adapter:
            self.model = adapter_cross_encoder(self.spec, resolution.device)
        else:
            name, kwargs = load_kwargs(resolution)
            self.model = CrossEncoder(name, **kwargs)
        self.model = to_dtype(self.model, resolution)
        self.num_labels = int(self.model.num_labels)
        self.activation_name = type(self.model.activation_fn).__name__
        self.labels = self._labels()

    def _labels(self) -> list[str]:
        config = self.model.model.config if self.model.model is not None else None
        id2label = getattr(config, "id2label", None) or {}
        return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))).lower() for i in range(self.num_labels)]

    @property
    def target_class(self) -> int:
        """Column of the class whose probability is the score: ``entailment`` if the model has it, else the last."""
        return self.labels.index("entailment") if "entailment" in self.labels else self.num_labels - 1

    def _raw_logits(self, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        """One chunk's raw outputs from the loaded model (activation switched off)."""
        import torch

        return np.asarray(
            self.model.predict(
                [list(p) for p in pairs],
                batch_size=batch_size,
                activation_fn=torch.nn.Identity(),
                convert_to_numpy=True,
                show_progress_bar=False,
            ),
            dtype=float,
        )

    def _apply_activation(self, raw: np.ndarray) -> np.ndarray:
        """The activation the loaded model declares, applied to raw logits."""
        import torch

        with torch.no_grad():
            return self.model.activation_fn(torch.as_tensor(raw, dtype=torch.float32)).numpy().astype(float)

    def logits(
        self, pairs: Sequence[tuple[str, str]], batch_size: int = 32, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Raw outputs in input order, shape (n,) or (n, num_labels), activation switched off.

        Pairs are sorted by length once over all chunks (see :func:`compsem.scorers.base.length_order`).
        """
        if not len(pairs):
            return np.zeros((0,) if self.num_labels == 1 else (0, self.num_labels))
        order = length_order([a + b for a, b in pairs])
        out = []
        step = max(batch_size * 8, 256)
        for start in range(0, len(order), step):
            out.append(self._raw_logits([pairs[i] for i in order[start : start + step]], batch_size))
            if progress:
                progress(min(start + step, len(pairs)))
        result = np.empty((len(pairs), *out[0].shape[1:]), dtype=float)
        result[order] = np.concatenate(out, axis=0)
        return result

    def relevance(
        self, pairs: Sequence[tuple[str, str]], batch_size: int = 32, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """How relevant each B is to its A (query, document), for ranking: higher ranks first.

        One direction only (ranking needs no symmetric similarity, and this halves the cost).
        A one-output model gives its raw logit: every activation it could declare is monotone,
        so the order is the activated score's. A classifier gives P(:attr:`target_class` | A, B)
        from a softmax: P(entailment | query, document) for NLI models.

        Example:
            >>> scorer.relevance([("Who plays?", "A man plays a guitar.")])  # doctest: +SKIP
            array([0.93])
        """
        raw = self.logits(pairs, batch_size, progress)
        if self.num_labels == 1:
            return raw
        return softmax(raw)[:, self.target_class]

    def _activate(self, raw: np.ndarray) -> tuple[np.ndarray, str]:
        if self.spec.normalization == "logit-sigmoid" and self.activation_name == "Identity":
            # The model ships no activation but was trained with a logistic loss on logits.
            return 1.0 / (1.0 + np.exp(-raw)), "sigmoid of the logit (logistic training; the model declares none)"
        return self._apply_activation(raw), f"the model's own activation ({self.activation_name})"

    def predict(self, pairs, batch_size=32, progress=None):
        if self.num_labels == 1:
            raw = self.logits(pairs, batch_size, progress)
            score, how = self._activate(raw)
            if self.activation_name == "Identity" and self.spec.normalization != "logit-sigmoid":
                how += "; unbounded, so thresholds on a 0-1 scale do not apply"
            return PairScores(raw, score, [json.dumps({"logit": float(r)}) for r in raw], how)
        return self._predict_classes(pairs, batch_size, progress)

    def _predict_classes(self, pairs, batch_size, progress):
        has_entailment = "entailment" in self.labels
        both = self.spec.normalization == "mutual-entailment" and has_entailment
        n = len(pairs)
        if both:  # both orders in one call: one length sort, one set of batches
            together = self.logits(
                [*pairs, *[(b, a) for a, b in pairs]], batch_size, (lambda k: progress(k // 2)) if progress else None
            )
            ab, ba = together[:n], together[n:]
        else:
            ab, ba = self.logits(pairs, batch_size, progress), None
        p_ab = softmax(ab)
        ent = self.target_class
        contra = self.labels.index("contradiction") if has_entailment and "contradiction" in self.labels else None
        if both:
            score = np.minimum(p_ab[:, ent], softmax(ba)[:, ent])
            how = "min(P(entailment|A,B), P(entailment|B,A)) from a softmax over the NLI logits"
        elif has_entailment:
            score, how = p_ab[:, ent], "P(entailment|A,B) from a softmax over the NLI logits"
        else:
            score, how = p_ab[:, ent], f"softmax probability of {self.labels[ent]!r}"
        raw = ab[:, ent]
        outputs = []
        for i in range(n):
            rec = {"labels": self.labels, "logits_ab": [float(x) for x in ab[i]]}
            if ba is not None:
                rec["logits_ba"] = [float(x) for x in ba[i]]
            if contra is not None:
                rec["p_contradiction"] = float(p_ab[i, contra])
            outputs.append(json.dumps(rec))
        return PairScores(raw.astype(float), score.astype(float), outputs, how)


class OnnxCrossEncoderScorer(CrossEncoderScorer):
    """A cross-encoder served from its int8 ONNX export; the activation is the one the model declared at export."""

    def __init__(self, resolution: Resolution):
        Scorer.__init__(self, resolution)
        self.messages: list[str] = []
        self.model = load_onnx(resolution, self.messages)
        self.num_labels = self.model.num_labels
        self.activation_name = self.model.activation_name
        self.labels = [label.lower() for label in self.model.labels]

    def _raw_logits(self, pairs, batch_size):
        return self.model.logits(pairs, batch_size)

    def _apply_activation(self, raw):
        return self.model.activate(raw)
