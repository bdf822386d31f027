"""The ``role-swaps`` augmentation of ``compsem train``: parse-based negatives and high-overlap positives.

Round 2 of the fix experiment (issue 21). The training split gets, from the sentences of the
**training splits only** (SICK TRAIN and MRPC train without its dev part):

========================  =============================================  =========================
rule                      what is added                                  label (NLI / equivalence)
========================  =============================================  =========================
role-swap                 (sentence, subject↔object swapped), both        neutral / 0
                          animate or of one kind (:mod:`.role_swaps`),
                          both orders
swap-voice                (sentence, its role swap in the other voice),   neutral / 0
                          both orders
voice                     (sentence, its active↔passive rewrite), both    entailment / 1
                          orders (:mod:`.voice`)
negation, number,         the minimal edits of :mod:`compsem.training.augment`     as there / 0
temporal, quantifier,     (its string-pattern role swap is replaced by
hedge                     the parse-based one), SICK sentences
sick-mutual               SICK TRAIN mutual-entailment pairs reversed     entailment / 1
mrpc-positive             high-overlap MRPC paraphrases, both orders      entailment / — (MRPC is
                          (:mod:`.paraphrase_positives`)                  already the equivalence data)
========================  =============================================  =========================

Each rule is capped (:data:`CAPS`, a seeded sample), no edited sentence may occur in a dev or
test split of SICK or MRPC or in the bundled pairs, and every source row is checked to come
from a training split (:func:`require_training_rows` raises otherwise). The card keeps counts,
candidates, and :data:`EXAMPLES_PER_RULE` seeded examples per rule (rows, rules and labels plus
a SHA-256 of their text; ``compsem augment-examples`` regenerates the text from the datasets).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from compsem.data import datasets as ds
from compsem.data.variants.minimal_edits import normalize
from compsem.models.adapters import NLI_ID2LABEL
from compsem.training import augment as aug
from compsem.training.augment import RULES
from compsem.training.dataset_splits import dataset_splits as splits
from compsem.training.objectives import get_objective
from compsem.training.paraphrase_positives import mrpc_positives, sick_mutual_positives
from compsem.training.role_swaps import swap_roles
from compsem.training.syntax import parse_all
from compsem.training.voice import rewrite_voice

__all__ = [
    "CAPS",
    "EXAMPLES_PER_RULE",
    "NAME",
    "RoleSwapSplit",
    "augment_role_swaps",
    "examples_digest",
    "for_objective",
    "require_training_rows",
    "training_sentences",
]

NAME = "role-swaps"
EXAMPLES_PER_RULE = 20
#: Added pairs per rule at most (both orders count: role-swap, swap-voice, voice, mrpc-positive).
CAPS = {
    "role-swap": 2000,
    "swap-voice": 1000,
    "voice": 400,
    "negation": 150,
    "number": 150,
    "temporal": 150,
    "quantifier": 150,
    "hedge": 150,
    "sick-mutual": 1500,
    "mrpc-positive": 400,
}
_NLI = {
    "role-swap": "neutral",
    "swap-voice": "neutral",
    "voice": "entailment",
    "sick-mutual": "entailment",
    "mrpc-positive": "entailment",
}
_EQUIVALENCE = {"role-swap": 0.0, "swap-voice": 0.0, "voice": 1.0, "sick-mutual": 1.0}


def require_training_rows(frame: pd.DataFrame) -> None:
    """Raise ``ValueError`` unless every row's ``split`` is ``train`` (augmentation sources only)."""
    if "split" not in frame.columns:
        raise ValueError("augmentation sources need a 'split' column to prove they come from a training split.")
    bad = sorted(set(frame["split"].astype(str)) - {"train"})
    if bad:
        raise ValueError(f"augmentation must draw from training splits only; got rows of split(s) {', '.join(bad)}.")


def training_sentences(sick_train: pd.DataFrame, mrpc_train: pd.DataFrame) -> pd.DataFrame:
    """Unique sentences of the training splits (sentence, dataset, split), SICK first, in order of appearance."""
    parts = []
    for name, frame in (("sick", sick_train), ("mrpc", mrpc_train)):
        require_training_rows(frame)
        both = pd.concat([frame["sentence_a"], frame["sentence_b"]], ignore_index=True)
        parts.append(pd.DataFrame({"sentence": both, "dataset": name, "split": "train"}))
    out = pd.concat(parts, ignore_index=True)

    return out[~out["sentence"].map(normalize).duplicated()].reset_index(drop=True)


@dataclass(frozen=True)
class RoleSwapSplit:
    """The training split with the added rows, and what the card records about them.

    Attributes:
        frame: original rows first, then added ones (sentence_a, sentence_b, label, rule).
        counts: rule -> added rows; candidates: rule -> rows before the cap.
        labels: rule -> the label in words.
        examples: up to :data:`EXAMPLES_PER_RULE` seeded added rows per rule, with their text.
        skipped_protected: edits dropped because the edited sentence occurs in a dev/test split or the pairs.
        original_rows: rows before augmentation; sources: training sentences per dataset.
    """

    frame: pd.DataFrame
    counts: dict[str, int]
    candidates: dict[str, int]
    labels: dict[str, str]
    examples: tuple[dict, ...]
    skipped_protected: int
    original_rows: int
    sources: dict[str, int] = field(default_factory=dict)

    def card_facts(self) -> dict:
        """The card's ``augmentation`` entry (no dataset text: rows, rules, labels and a digest)."""
        return {
            "name": NAME,
            "caps": dict(CAPS),
            "original_rows": int(self.original_rows),
            "rows_added": int(sum(self.counts.values())),
            "counts": dict(self.counts),
            "candidates": dict(self.candidates),
            "labels": dict(self.labels),
            "sources": {**self.sources, "splits": "SICK TRAIN; MRPC train minus its seeded 10 % dev split"},
            "skipped_protected": int(self.skipped_protected),
            "examples": [{"row": e["row"], "rule": e["rule"], "label": e["label"]} for e in self.examples],
            "examples_sha256": examples_digest(self.examples),
            "rules": "compsem/training/role_swap_augment.py (role_swaps.py, voice.py, paraphrase_positives.py, "
            "compsem/training/augment.py)",
        }


def examples_digest(examples: Iterable[dict]) -> str:
    """SHA-256 of the examples' text, so regenerated examples can be checked against a card."""
    text = "\n".join(f"{e['rule']}\t{e['sentence_a']}\t{e['sentence_b']}\t{e['label']}" for e in examples)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse_rules(sources: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """(source, rewrite) per parse-based rule, in source order.

    ``swap-voice`` pairs a sentence with the *other voice* of its role swap ("A man is chasing a dog" /
    "A man is being chased by a dog"): order and roles both change, the words stay.
    """

    made: dict[str, list[tuple[str, str]]] = {"role-swap": [], "voice": [], "swap-voice": []}
    for sentence, doc in zip(sources["sentence"], parse_all(sources["sentence"].tolist())):
        swapped = swap_roles(doc)
        if swapped:
            made["role-swap"].append((sentence, swapped))
        rewritten = rewrite_voice(doc)
        if rewritten:
            made["voice"].append((sentence, rewritten))
    swapped_docs = parse_all([b for _, b in made["role-swap"]])
    for (sentence, _), doc in zip(made["role-swap"], swapped_docs):
        other = rewrite_voice(doc)
        if other:
            made["swap-voice"].append((sentence, other))
    return made


def augment_role_swaps(
    num_labels: int,
    train: pd.DataFrame,
    *,
    sick_train: pd.DataFrame,
    mrpc_train: pd.DataFrame,
    protected: set[str],
    seed: int,
    data_dir: str | Path | None = None,
) -> RoleSwapSplit:
    """Add parse-based role swaps, voice rewrites, minimal edits and high-overlap positives to ``train``.

    Args:
        num_labels: 3 for an NLI objective (labels as :data:`compsem.models.adapters.NLI_ID2LABEL`), 1 for a binary
            "same meaning" objective (labels 0.0 / 1.0).
        train: the training split to extend (sentence_a, sentence_b, label).
        sick_train, mrpc_train: the training splits the sources come from, each with ``split == "train"``.
        protected: normalized sentences never to produce (:func:`compsem.training.augment.protected_sentences`).
        seed: seeds caps, edit choices, pair order and the examples.
        data_dir: datasets folder (for SICK's direction annotations).

    Raises:
        ValueError: a source row is not from a training split.
    """

    rng = np.random.default_rng([seed, 21])
    sources = training_sentences(sick_train, mrpc_train)
    existing = {(aug.normalize(a), aug.normalize(b)) for a, b in zip(train["sentence_a"], train["sentence_b"])}
    candidates: dict[str, list[tuple[str, str]]] = {}
    skipped = 0

    def keep(pairs: Iterable[tuple[str, str]], edited_index: int | None) -> list[tuple[str, str]]:
        nonlocal skipped
        out = []
        for pair in pairs:
            if edited_index is not None and aug.normalize(pair[edited_index]) in protected:
                skipped += 1
                continue
            key = (aug.normalize(pair[0]), aug.normalize(pair[1]))
            if key[0] == key[1] or key in existing:
                continue
            existing.add(key)
            out.append(pair)
        return out

    parsed = _parse_rules(sources)
    # the source may occur in a dev/test split (SICK shares scenes across splits by design, and the
    # original training pairs hold it already); the rewritten sentence may not
    for parsed_rule in ("role-swap", "swap-voice", "voice"):  # both orders: the label holds either way
        both = [(a, b, i) for src, out in parsed[parsed_rule] for a, b, i in ((src, out, 1), (out, src, 0))]
        candidates[parsed_rule] = [p for a, b, edited in both for p in keep([(a, b)], edited)]
    sick_sources = sources[sources["dataset"] == "sick"]["sentence"].tolist()
    for name, rule in aug.RULES.items():
        if name == "role-swap":
            continue
        made = []
        for sentence in sick_sources:
            edited = rule.edit(sentence, rng)
            if edited is not None and aug.normalize(edited) != aug.normalize(sentence):
                made.append((edited, sentence) if rule.edited_first else (sentence, edited))
        candidates[name] = keep(made, 0 if rule.edited_first else 1)
    train_pairs = {
        (aug.normalize(a), aug.normalize(b)) for a, b in zip(sick_train["sentence_a"], sick_train["sentence_b"])
    }
    mutual = sick_mutual_positives(train_pairs, data_dir)
    candidates["sick-mutual"] = keep(zip(mutual["sentence_a"], mutual["sentence_b"]), None)
    if num_labels == 3:
        positives = mrpc_positives(mrpc_train, seed)
        candidates["mrpc-positive"] = keep(zip(positives["sentence_a"], positives["sentence_b"]), None)
    rows: list[dict] = []
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for name, pairs in candidates.items():
        if len(pairs) > CAPS[name]:
            idx = np.sort(rng.choice(len(pairs), CAPS[name], replace=False))
            pairs = [pairs[i] for i in idx]
        label, words = _label(name, num_labels)
        labels[name] = words
        counts[name] = len(pairs)
        rows += [{"sentence_a": a, "sentence_b": b, "label": label, "rule": name} for a, b in pairs]
    added = pd.DataFrame(rows, columns=["sentence_a", "sentence_b", "label", "rule"])
    base = train[["sentence_a", "sentence_b", "label"]].assign(rule="original")
    frame = pd.concat([base, added], ignore_index=True)
    examples = []
    for name in counts:
        where = np.flatnonzero(added["rule"].to_numpy() == name)
        pick: Iterable[int] = (
            np.sort(rng.choice(where, min(EXAMPLES_PER_RULE, len(where)), replace=False)) if len(where) else []
        )
        examples += [
            {
                "row": int(len(base) + i),
                "rule": name,
                "sentence_a": added.iloc[i]["sentence_a"],
                "sentence_b": added.iloc[i]["sentence_b"],
                "label": labels[name],
            }
            for i in pick
        ]
    return RoleSwapSplit(
        frame,
        counts,
        {k: len(v) for k, v in candidates.items()},
        labels,
        tuple(examples),
        skipped,
        len(base),
        {d: int((sources["dataset"] == d).sum()) for d in ("sick", "mrpc")},
    )


def _label(rule: str, num_labels: int) -> tuple[int | float, str]:
    """The training label of a rule's rows and its words on the card."""
    if num_labels == 3:
        word = _NLI.get(rule) or RULES[rule].nli_label
        return {v: k for k, v in NLI_ID2LABEL.items()}[word], word
    value = _EQUIVALENCE.get(rule, 0.0)
    return value, "1 (same meaning)" if value else "0 (different meaning)"


def for_objective(
    num_labels: int, train: pd.DataFrame, data: dict[str, pd.DataFrame], data_dir: str | Path | None, seed: int
) -> RoleSwapSplit:
    """:func:`augment_role_swaps` with its sources and protected sentences read from the datasets.

    Sources: SICK TRAIN and MRPC train minus the seeded dev split (the one :func:`compsem.training.train_data.splits`
    carves with ``seed``). Protected: every dev and test sentence of SICK and MRPC, the objective's own
    dev/test splits (``data``) and the bundled pairs.
    """

    sick = ds.load_sick(data_dir)
    mrpc = splits(get_objective("mrpc"), data_dir, seed)
    protected = aug.protected_sentences(data, data_dir) | aug.protected_sentences(mrpc, data_dir)
    held_out = sick[sick["split"] != "train"]
    protected |= set(map(aug.normalize, held_out["sentence_a"])) | set(map(aug.normalize, held_out["sentence_b"]))
    return augment_role_swaps(
        num_labels,
        train,
        sick_train=sick[sick["split"] == "train"],
        mrpc_train=mrpc["train"].assign(split="train"),
        protected=protected,
        seed=seed,
        data_dir=data_dir,
    )
