"""Baselines that run anywhere: token-set Jaccard, TF-IDF cosine, and a bag of embeddings.

They make the study's explanation testable: if mean pooling behaves like a bag of
words, a bi-encoder's scores on word-order edits (entity swaps, before/after) should
look like these order-blind baselines' scores.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

_TOKEN = re.compile(r"\w+(?:[.,'’]\w+)*", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; numbers like ``2.5`` and ``1,000`` stay whole.

    Example:
        >>> tokenize("Take 2.5 mg, don't skip!")
        ['take', '2.5', 'mg', "don't", 'skip']
    """
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def jaccard(a: str, b: str) -> float:
    """Token-set Jaccard similarity |A ∩ B| / |A ∪ B| (0 when both are empty).

    Example:
        >>> jaccard("the cat sat", "the cat ran")
        0.5
    """
    sa, sb = set(tokenize(a)), set(tokenize(b))
    union = sa | sb
    return len(sa & sb) / len(union) if union else 0.0


class TfidfModel:
    """TF-IDF cosine with IDF from a fixed reference corpus.

    idf(t) = ln((1 + N) / (1 + df(t))) + 1, with N the number of reference documents and
    df(t) the number containing t; a word never seen in the reference gets df = 0, the
    largest weight, because rarity is exactly what IDF rewards. Term frequency is the raw
    count. A fixed reference keeps a pair's score independent of what else is scored with it.
    """

    def __init__(self, reference: Iterable[str]):
        docs = [set(tokenize(t)) for t in reference]
        self.n_docs = len(docs)
        self.df = Counter(t for d in docs for t in d)

    def idf(self, token: str) -> float:
        return math.log((1 + self.n_docs) / (1 + self.df.get(token, 0))) + 1.0

    def vector(self, text: str) -> dict[str, float]:
        return {t: c * self.idf(t) for t, c in Counter(tokenize(text)).items()}

    def cosine(self, a: str, b: str) -> float:
        va, vb = self.vector(a), self.vector(b)
        dot = sum(w * vb.get(t, 0.0) for t, w in va.items())
        na = math.sqrt(sum(w * w for w in va.values()))
        nb = math.sqrt(sum(w * w for w in vb.values()))
        return dot / (na * nb) if na and nb else 0.0


class BagOfEmbeddings:
    """Mean of a transformer's *input* token embeddings, cosine between the means.

    No transformer layer runs: the vector is a pure bag of word pieces, blind to order.
    [CLS]/[SEP]/padding are excluded so the mean describes the words alone.
    """

    def __init__(self, model_folder: str):
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_folder)
        model = AutoModel.from_pretrained(model_folder)
        self.table = model.get_input_embeddings().weight.detach().cpu().numpy().astype(np.float32)
        self.special = set(self.tokenizer.all_special_ids)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = [
                t
                for t in self.tokenizer(text, add_special_tokens=False, truncation=True, max_length=512)["input_ids"]
                if t not in self.special
            ]
            if ids:
                out[i] = self.table[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
