"""Minimal-edit hard negatives for the training split (``compsem train --augment minimal-edits``).

The bundled pairs show cross-encoders letting small meaning-changing edits pass. This module
adds such edits of *training* sentences, so a model sees them while it learns (the edits
themselves live with the dashboard's in :mod:`compsem.data.variants.minimal_edits`):

========== ============================================== ================================
rule       edit (first place it applies)                   NLI label, and why
========== ============================================== ================================
role-swap  "NP1 is/are V-ing NP2 …" → "NP2 is/are V-ing     neutral: the premise says who did
           NP1 …" (both noun phrases start with a          what; the reversed event is not
           determiner; verb agreement follows NP2)          stated, nor ruled out
negation   "is/are V-ing" → "is/are not V-ing"; an         contradiction: SICK's own convention
           existing "not" is removed instead               for a negated description of a scene
number     a count word or digit → a different count       contradiction: SICK reads counts as
           ("two dogs" → "three dogs")                      exact within one scene
temporal   "before" ↔ "after"                               contradiction: the order of two
                                                            events is reversed
quantifier some/several/all/every → no; many ↔ few;         contradiction: the quantified claims
           most → few                                       cannot both hold
hedge      "is V-ing" → "may be / might be / is probably    neutral, premise = the hedged
           V-ing"; pair is (hedged, original)                sentence: a possibility does not
                                                            entail the fact
========== ============================================== ================================

For a paraphrase objective (MRPC) every edit is labelled 0 (not a paraphrase). Similarity
scales (STS-B, SICK relatedness) are refused: their annotators rate such edits high (SICK
gives negated scenes 3-4.5 of 5), so any "low" value would be a guess, not data.

Label-preserving pairs: for SICK-NLI, training pairs annotated as entailing in both
directions (``entailment_AB`` and ``entailment_BA``) are added in the reverse order too.

What is never touched: a rule only edits sentences of the training split that do not occur
(after lower-casing and whitespace folding) in the dev or test split or in the bundled pairs,
and an edited sentence that happens to occur there is dropped. SICK's own train and test
splits share most sentences by design (a SICK scene appears in pairs of several splits); the
original training pairs are kept as they are, so this holds for the *added* rows.

A rule that cannot apply to a sentence skips it (returns ``None``): no half-edited or
unchanged sentences, no duplicate pairs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from compsem.data.pairs import load_pairs
from compsem.data.variants.minimal_edits import (
    edit_hedge,
    edit_negation,
    edit_number,
    edit_quantifier,
    edit_role_swap,
    edit_temporal,
    normalize,
)
from compsem.models.adapters import NLI_ID2LABEL

__all__ = [
    "RULES",
    "AugmentedSplit",
    "augment_training_split",
    "protected_sentences",
]

#: Added examples per rule at most (a seeded sample when a rule applies more often), so no rule
#: outweighs the original data; the whole augmentation stays under the training split's size.
MAX_PER_RULE = 450
EXAMPLES_ON_CARD = 20


@dataclass(frozen=True)
class Rule:
    """One edit rule: its function, its NLI label, and whether the edited sentence is the premise."""

    name: str
    edit: Callable[[str, np.random.Generator], str | None]
    nli_label: str
    edited_first: bool = False


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("role-swap", edit_role_swap, "neutral"),
        Rule("negation", edit_negation, "contradiction"),
        Rule("number", edit_number, "contradiction"),
        Rule("temporal", edit_temporal, "contradiction"),
        Rule("quantifier", edit_quantifier, "contradiction"),
        Rule("hedge", edit_hedge, "neutral", edited_first=True),
    )
}


@dataclass(frozen=True)
class AugmentedSplit:
    """The training split with the added rows, and what the card records about them.

    Attributes:
        frame: original rows first, then the added ones (sentence_a, sentence_b, label, rule).
        counts: rule -> number of added rows (``label-preserving`` for reversed pairs).
        candidates: rule -> number of training sentences the rule could edit (before the cap).
        examples: seeded random added rows for a person to inspect.
        original_rows: rows of the training split before augmentation.
        skipped_protected: edited sentences dropped because they occur in dev, test or the bundled pairs.
    """

    frame: pd.DataFrame
    counts: dict[str, int]
    candidates: dict[str, int]
    examples: tuple[dict, ...]
    skipped_protected: int
    labels: dict[str, str] = field(default_factory=dict)
    original_rows: int = 0

    def card_facts(self) -> dict:
        """What a model card records. The examples are edits of dataset sentences, which must not be
        copied into the repository: the card keeps their rows, rules and labels plus a SHA-256 of their
        text, and :func:`card_examples` regenerates the text from the dataset at run time."""
        return {
            "name": "minimal-edits",
            "max_per_rule": MAX_PER_RULE,
            "original_rows": int(self.original_rows),
            "rows_added": int(sum(self.counts.values())),
            "counts": dict(self.counts),
            "candidates": dict(self.candidates),
            "labels": dict(self.labels),
            "skipped_protected": int(self.skipped_protected),
            "examples": [{"row": e["row"], "rule": e["rule"], "label": e["label"]} for e in self.examples],
            "examples_sha256": examples_digest(self.examples),
            "rules": "compsem/data/variants/minimal_edits.py (one documented rule per edit)",
        }


def protected_sentences(data: dict[str, pd.DataFrame], data_dir: str | Path | None = None) -> set[str]:
    """Normalized sentences the augmentation must never produce or edit: dev, test and the bundled pairs."""

    out: set[str] = set()
    for split in ("dev", "test"):
        if split in data:
            out.update(map(normalize, data[split]["sentence_a"]))
            out.update(map(normalize, data[split]["sentence_b"]))
    bundled = load_pairs()
    out.update(map(normalize, bundled["sentence_a"]))
    out.update(map(normalize, bundled["sentence_b"]))
    return out


def _label_for(objective, rule: Rule):
    if objective.num_labels == 3:
        return {v: k for k, v in NLI_ID2LABEL.items()}[rule.nli_label]
    if objective.family == "duplicate":
        return 0.0
    raise ValueError(
        f"minimal-edit augmentation labels NLI and paraphrase objectives; {objective.name} is a "
        "similarity scale whose annotators rate such edits high, so a 'low' label would be a guess."
    )


def augment_training_split(
    objective, train: pd.DataFrame, *, seed: int, protected: set[str], mutual_pairs: Iterable[tuple[str, str]] = ()
) -> AugmentedSplit:
    """Add minimal-edit hard negatives (and reversed mutual-entailment pairs) to a training split.

    Args:
        objective: a :class:`compsem.training.train.Objective` (its labels decide the added labels).
        train: the training split (sentence_a, sentence_b, label).
        seed: seeds the per-rule sample, the number and hedge choices, and the card's examples.
        protected: normalized sentences never to edit or produce (:func:`protected_sentences`).
        mutual_pairs: training pairs entailing both ways; added in the reverse order (NLI only).

    Raises:
        ValueError: the objective has no label for an edit (similarity scales).
    """
    rng = np.random.default_rng([seed, 7])
    seen_sources: set[str] = set()
    sources: list[str] = []
    for sentence in pd.concat([train["sentence_a"], train["sentence_b"]]).tolist():
        key = normalize(sentence)
        if key in seen_sources or key in protected:
            continue
        seen_sources.add(key)
        sources.append(sentence)
    existing = {(normalize(a), normalize(b)) for a, b in zip(train["sentence_a"], train["sentence_b"])}
    rows: list[dict] = []
    counts: dict[str, int] = {}
    candidates: dict[str, int] = {}
    labels: dict[str, str] = {}
    skipped = 0
    for name, rule in RULES.items():
        label = _label_for(objective, rule)
        labels[name] = rule.nli_label if objective.num_labels == 3 else "0 (not a paraphrase)"
        made: list[dict] = []
        for sentence in sources:
            edited = rule.edit(sentence, rng)
            if edited is None or normalize(edited) == normalize(sentence):
                continue
            if normalize(edited) in protected:
                skipped += 1
                continue
            a, b = (edited, sentence) if rule.edited_first else (sentence, edited)
            pair = (normalize(a), normalize(b))
            if pair in existing:
                continue
            existing.add(pair)
            made.append({"sentence_a": a, "sentence_b": b, "label": label, "rule": name})
        candidates[name] = len(made)
        if len(made) > MAX_PER_RULE:
            keep = np.sort(rng.choice(len(made), MAX_PER_RULE, replace=False))
            made = [made[i] for i in keep]
        counts[name] = len(made)
        rows.extend(made)
    if objective.num_labels == 3:
        entail = _label_for(objective, Rule("", edit_negation, "entailment"))
        reversed_rows = []
        for a, b in mutual_pairs:
            pair = (normalize(b), normalize(a))
            if pair in existing or pair[0] in protected or pair[1] in protected:
                continue
            existing.add(pair)
            reversed_rows.append({"sentence_a": b, "sentence_b": a, "label": entail, "rule": "label-preserving"})
        counts["label-preserving"] = candidates["label-preserving"] = len(reversed_rows)
        labels["label-preserving"] = "entailment (both directions annotated as entailing)"
        rows.extend(reversed_rows)
    added = pd.DataFrame(rows, columns=["sentence_a", "sentence_b", "label", "rule"])
    base = train[["sentence_a", "sentence_b", "label"]].assign(rule="original")
    frame = pd.concat([base, added], ignore_index=True)
    pick: Iterable[int] = (
        np.sort(rng.choice(len(added), min(EXAMPLES_ON_CARD, len(added)), replace=False)) if len(added) else []
    )
    n_base = len(base)
    examples = tuple(
        {
            "row": int(n_base + i),
            "rule": added.iloc[i]["rule"],
            "sentence_a": added.iloc[i]["sentence_a"],
            "sentence_b": added.iloc[i]["sentence_b"],
            "label": _readable(objective, added.iloc[i]["label"]),
        }
        for i in pick
    )
    return AugmentedSplit(frame, counts, candidates, examples, skipped, labels, n_base)


def _readable(objective, label) -> str | float:
    if objective.num_labels == 3:
        return NLI_ID2LABEL[int(label)]
    return float(label)


def examples_digest(examples: Iterable[dict]) -> str:
    """SHA-256 of the examples' text, so regenerated examples can be checked against a card."""

    text = "\n".join(f"{e['rule']}\t{e['sentence_a']}\t{e['sentence_b']}\t{e['label']}" for e in examples)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
