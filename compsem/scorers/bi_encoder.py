"""Bi-encoders: cosine similarity of sentence-transformers embeddings, as in the study (no rescaling)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from compsem.models.backends import load_onnx
from compsem.models.loading import configure_threads, load_kwargs, to_dtype
from compsem.models.onnx import OnnxSentenceEncoder
from compsem.models.specs import Resolution
from compsem.scorers.base import PairScores, Scorer, length_order

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from compsem.models.onnx import OnnxSentenceEncoder


class BiEncoderScorer(Scorer):
    """Cosine similarity of sentence-transformers embeddings."""

    #: the torch model, or its int8 ONNX export (:class:`OnnxBiEncoderScorer`); both ``encode``
    model: SentenceTransformer | OnnxSentenceEncoder

    def __init__(self, resolution: Resolution):
        super().__init__(resolution)
        from sentence_transformers import SentenceTransformer

        configure_threads()
        name, kwargs = load_kwargs(resolution)
        self.model = to_dtype(SentenceTransformer(name, **kwargs), resolution)

    def embed(
        self, sentences: Sequence[str], batch_size: int = 32, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Unit-length embeddings in input order, computed in chunks so progress can be reported.

        The sentences are sorted by length once, over all chunks, before chunking: sorting only
        within each chunk (what ``encode`` does) would pad short sentences to long ones.
        """
        if not len(sentences):
            return np.zeros((0, 1), dtype=np.float32)
        order = length_order(sentences)
        chunks = []
        step = max(batch_size * 8, 256)
        for start in range(0, len(order), step):
            part = [sentences[i] for i in order[start : start + step]]
            chunks.append(
                self.model.encode(
                    part,
                    prompt=self.spec.prompt or None,
                    batch_size=batch_size,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
            )
            if progress:
                progress(min(start + step, len(sentences)))
        out = np.empty((len(sentences), chunks[0].shape[1]), dtype=chunks[0].dtype)
        out[order] = np.vstack(chunks)
        return out

    def predict(self, pairs, batch_size=32, progress=None):
        unique = list(dict.fromkeys([s for p in pairs for s in p]))
        index = {s: i for i, s in enumerate(unique)}
        total = len(unique)
        emb = self.embed(
            unique, batch_size, (lambda n: progress(int(n / total * len(pairs)))) if progress and total else None
        )
        a = emb[[index[p[0]] for p in pairs]]
        b = emb[[index[p[1]] for p in pairs]]
        cos = np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0).astype(float)
        return PairScores(
            cos, cos.copy(), [json.dumps({"cosine": float(c)}) for c in cos], "cosine similarity (no rescaling)"
        )


class OnnxBiEncoderScorer(BiEncoderScorer):
    """Cosine of embeddings from the int8 ONNX export (:mod:`compsem.models.backends`); no torch at scoring time."""

    def __init__(self, resolution: Resolution):
        Scorer.__init__(self, resolution)

        self.messages: list[str] = []
        model = load_onnx(resolution, self.messages)
        assert isinstance(model, OnnxSentenceEncoder)  # a bi-encoder's export opens as one (open_export)
        self.model = model
