"""Serving an int8 ONNX export (:mod:`compsem.models.backends`) with ONNX Runtime: no torch, no transformers.

Tokenization uses the model's own fast tokenizer file (``tokenizer.json``, Rust ``tokenizers``)
with the truncation the torch model uses; pooling (bi-encoders) and the activation
(cross-encoders) are the ones the exported model declares, recorded in the export's marker.
Inputs are sorted by length before batching, as sentence-transformers does, so little time
goes into padding.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from compsem.config import THREADS

#: The files of an int8 export folder (written by :mod:`compsem.models.backends`).
MARKER = "compsem_onnx.json"
MODEL_FILE = "model_int8.onnx"
TOKENIZER_FILE = "tokenizer.json"


class OnnxLoadError(RuntimeError):
    """onnxruntime (or the tokenizer) could not open an export; the caller rebuilds it."""


class OnnxModel:
    """An ONNX Runtime session plus the tokenizer of one export folder."""

    def __init__(self, folder: str | Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        try:
            self.meta = json.loads((self.folder / MARKER).read_text(encoding="utf-8"))
            self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
            options = ort.SessionOptions()
            options.intra_op_num_threads = THREADS.value
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            self.session = ort.InferenceSession(
                str(self.folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # noqa: BLE001 - every load failure means "rebuild", whatever raised it
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise OnnxLoadError(first[:300]) from None
        self.max_length = int(self.meta.get("max_length", 512))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length)
        self.inputs = [i.name for i in self.session.get_inputs()]

    @staticmethod
    def _clean(text: str) -> str:
        # sentence-transformers 6 passes text to the tokenizer as is (lower-casing, when a model asks for it,
        # lives in the tokenizer's normalizer, which tokenizer.json carries).
        return str(text)

    def _run(self, encodings: list, batch_size: int) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """Run sorted, padded batches; returns (indices, outputs, attention masks) per batch."""
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        idx_out, outs, masks = [], [], []
        for start in range(0, len(order), max(1, batch_size)):
            idx = order[start : start + batch_size]
            width = max(len(encodings[j].ids) for j in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for row, j in enumerate(idx):
                enc = encodings[j]
                n = len(enc.ids)
                ids[row, :n] = enc.ids
                mask[row, :n] = 1
                types[row, :n] = enc.type_ids
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            outs.append(self.session.run(None, {n: feeds[n] for n in self.inputs})[0])
            idx_out.append(idx)
            masks.append(mask)
        return idx_out, outs, masks


class OnnxSentenceEncoder(OnnxModel):
    """A bi-encoder: token embeddings pooled as the model's Pooling module says (mean or CLS)."""

    def encode(
        self,
        sentences: Sequence[str],
        prompt: str | None = None,
        batch_size: int = 32,
        normalize_embeddings: bool = True,
        **_ignored,
    ) -> np.ndarray:
        """Embeddings in input order (unit length by default); the keywords mirror ``SentenceTransformer.encode``."""
        if not len(sentences):
            return np.zeros((0, 1), dtype=np.float32)
        texts = [self._clean((prompt or "") + s) for s in sentences]
        encodings = self.tokenizer.encode_batch(texts)
        out: np.ndarray | None = None
        for idx, hidden, mask in zip(*self._run(encodings, batch_size)):
            if self.meta.get("pooling") == "cls":
                vec = hidden[:, 0, :]
            else:
                m = mask[..., None].astype(hidden.dtype)
                vec = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            if out is None:
                out = np.zeros((len(texts), vec.shape[1]), dtype=np.float32)
            out[idx] = vec
        assert out is not None  # at least one sentence, so at least one batch filled it
        if normalize_embeddings:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out = out / np.clip(norms, 1e-12, None)
        return out


class OnnxCrossEncoder(OnnxModel):
    """A cross-encoder: raw logits per ordered pair, and the activation the exported model declared."""

    @property
    def num_labels(self) -> int:
        return int(self.meta.get("num_labels", 1))

    @property
    def labels(self) -> list[str]:
        return [str(x) for x in self.meta.get("labels", [])] or [f"LABEL_{i}" for i in range(self.num_labels)]

    @property
    def activation_name(self) -> str:
        return str(self.meta.get("activation", "Identity"))

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        """Shape (n,) for one output, (n, num_labels) otherwise; float64."""
        shape = (0,) if self.num_labels == 1 else (0, self.num_labels)
        if not len(pairs):
            return np.zeros(shape)
        encodings = self.tokenizer.encode_batch([(self._clean(a), self._clean(b)) for a, b in pairs])
        out = np.zeros((len(pairs), self.num_labels), dtype=float)
        for idx, logits, _mask in zip(*self._run(encodings, batch_size)):
            out[idx] = logits
        return out[:, 0] if self.num_labels == 1 else out

    def activate(self, raw: np.ndarray) -> np.ndarray:
        """The declared activation applied to raw logits, in numpy (the same maths as the torch module)."""
        raw = np.asarray(raw, dtype=float)
        name = self.activation_name
        if name == "Sigmoid":
            return 1.0 / (1.0 + np.exp(-raw))
        if name == "Tanh":
            return np.tanh(raw)
        if name == "Softmax":
            z = np.exp(raw - raw.max(axis=-1, keepdims=True))
            return z / z.sum(axis=-1, keepdims=True)
        return raw.copy()


def open_export(folder: str | Path) -> OnnxModel:
    """The right runtime class for an export folder (by the kind in its marker).

    Raises:
        OnnxLoadError: the marker, the tokenizer or the ONNX model cannot be opened.
    """
    try:
        kind = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError) as exc:
        raise OnnxLoadError(f"marker unreadable: {exc}") from None
    return (OnnxSentenceEncoder if kind == "bi-encoder" else OnnxCrossEncoder)(folder)
