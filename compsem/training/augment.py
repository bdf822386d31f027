"""Minimal-edit hard negatives for the training split (``compsem train --augment minimal-edits``).

The bundled pairs show cross-encoders letting small meaning-changing edits pass. This module
makes such edits of *training* sentences, so a model sees them while it learns:

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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from compsem.data.pairs import load_pairs
from compsem.models.adapters import NLI_ID2LABEL

__all__ = [
    "RULES",
    "AugmentedSplit",
    "augment_training_split",
    "edit_hedge",
    "edit_negation",
    "edit_number",
    "edit_quantifier",
    "edit_role_swap",
    "edit_temporal",
    "normalize",
    "protected_sentences",
]

#: Added examples per rule at most (a seeded sample when a rule applies more often), so no rule
#: outweighs the original data; the whole augmentation stays under the training split's size.
MAX_PER_RULE = 450
EXAMPLES_ON_CARD = 20

_DETS = r"(?:a|an|the|one|two|three|four|five|six|seven|eight|nine|ten|some|several|many|few)"
_PLURAL_DETS = {
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "some",
    "several",
    "many",
    "few",
}
_PREPS = (
    "in",
    "on",
    "at",
    "with",
    "into",
    "onto",
    "near",
    "by",
    "from",
    "under",
    "over",
    "through",
    "down",
    "up",
    "across",
    "along",
    "around",
    "behind",
    "beside",
    "to",
    "for",
    "and",
    "while",
    "off",
    "out",
)
_NP = rf"{_DETS}(?: [a-z]+){{1,3}}?"
_ROLE = re.compile(
    rf"^(?P<np1>{_NP}) (?P<aux>is|are) (?P<verb>[a-z]+ing) (?P<np2>{_NP})(?P<rest>(?: (?:{'|'.join(_PREPS)})\b.*)?)$",
    re.IGNORECASE,
)
_PASSIVE = re.compile(
    rf"^(?P<np2>{_NP}) (?P<aux>is|are) being (?P<verb>[a-z]+(?:ed|en|wn|ght|ng|d|t)) by (?P<np1>{_NP})"
    rf"(?P<rest>(?: (?:{'|'.join(_PREPS)})\b.*)?)$",
    re.IGNORECASE,
)
_COUNTS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_COUNT_WORD = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten)\b", re.IGNORECASE)
_DIGITS = re.compile(r"(?<![\d.,])(\d{1,4})(?![\d.,]\d)")
_QUANTIFIERS = {"some": "no", "several": "no", "all": "no", "every": "no", "many": "few", "few": "many", "most": "few"}
_QUANT = re.compile(r"(?<!\ba )\b(some|several|all|every|many|few|most)\b(?! of\b)(?= [a-z])", re.IGNORECASE)
_AUX_VING = re.compile(r"\b(is|are)( not)? ([a-z]+ing)\b", re.IGNORECASE)
_NEGATIONS = re.compile(r"\b(not|no|nobody|nothing|never|none|n't)\b", re.IGNORECASE)
_HEDGES = ("may be", "might be", "is probably", "is possibly")


def normalize(sentence: str) -> str:
    """Lower-cased, whitespace-folded, without a final full stop: the form compared for overlap."""
    return re.sub(r"\s+", " ", str(sentence).strip().lower()).rstrip(" .")


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_plural(np_text: str) -> bool:
    words = np_text.lower().split()
    if words[0] in _PLURAL_DETS:
        return True
    return words[0] == "the" and words[-1].endswith("s") and not words[-1].endswith("ss")


def edit_role_swap(sentence: str, rng: np.random.Generator | None = None) -> str | None:
    """Swap agent and patient of a simple progressive clause, active or passive.

    "A man is chasing a dog" → "A dog is chasing a man"; "A ball is being kicked by a boy" →
    "A boy is being kicked by a ball". Both noun phrases must start with a determiner.
    """
    text = sentence.strip().rstrip(".")
    m = _ROLE.match(text)
    found = m or _PASSIVE.match(text)
    if found is None:
        return None
    first, second = (found["np1"], found["np2"]) if m else (found["np2"], found["np1"])
    if normalize(first) == normalize(second):
        return None
    aux = "are" if _is_plural(second) else "is"
    verb = found["verb"] if m else f"being {found['verb']} by"
    out = f"{_capitalize(second.lower())} {aux} {verb} {first[:1].lower() + first[1:]}{found['rest']}"
    return out if normalize(out) != normalize(sentence) else None


def edit_negation(sentence: str, rng: np.random.Generator | None = None) -> str | None:
    """Negate the first progressive verb ("is playing" → "is not playing"), or remove its "not"."""
    m = _AUX_VING.search(sentence)
    if not m:
        return None
    if m[2]:  # already negated here: the edit removes the negation
        return sentence[: m.start()] + f"{m[1]} {m[3]}" + sentence[m.end() :]
    if _NEGATIONS.search(sentence):
        return None  # another negation elsewhere would make the meaning of the edit unclear
    return sentence[: m.start()] + f"{m[1]} not {m[3]}" + sentence[m.end() :]


def edit_number(sentence: str, rng: np.random.Generator | None = None) -> str | None:
    """Change the first count (two … ten, or a number in digits) to a different one of the same plurality."""
    rng = rng if rng is not None else np.random.default_rng(0)
    m = _COUNT_WORD.search(sentence)
    if m:
        i = _COUNTS.index(m[1].lower())
        choices = [c for c in _COUNTS[1:] if c != _COUNTS[i] and abs(_COUNTS.index(c) - i) <= 2]
        new = _match_case(str(rng.choice(choices)), m[1])
        return sentence[: m.start()] + new + sentence[m.end() :]
    d = _DIGITS.search(sentence)
    if d:
        value = int(d[1])
        new_value = value + int(rng.choice([-2, -1, 1, 2])) if value > 2 else value + int(rng.integers(2, 5))
        if len(d[1]) == 4 and 1000 <= value <= 2100:  # a year: move it by a few years
            new_value = value + int(rng.choice([-3, -2, -1, 1, 2, 3]))
        return sentence[: d.start()] + str(new_value) + sentence[d.end() :]
    return None


def edit_temporal(sentence: str, rng: np.random.Generator | None = None) -> str | None:
    """Swap the first "before" and "after" ("left before the rain" → "left after the rain")."""
    m = re.search(r"\b(before|after)\b(?! an? )", sentence, re.IGNORECASE)
    if not m:
        return None  # "swimming after a ball" is a chase, not an order of events
    new = "after" if m[1].lower() == "before" else "before"
    return sentence[: m.start()] + _match_case(new, m[1]) + sentence[m.end() :]


def edit_quantifier(sentence: str, rng: np.random.Generator | None = None) -> str | None:
    """Replace the first quantifier by one that contradicts it (some → no, many → few, all → no ...)."""
    m = _QUANT.search(sentence)
    if not m:
        return None
    word = m[1].lower()
    if _NEGATIONS.search(sentence):
        return None  # "No bikers are not ..." would stack two negations
    if word == "all" and re.match(r"all (the|of|these|those)\b", sentence[m.start() :], re.IGNORECASE):
        return None  # "No the men" is not English
    return sentence[: m.start()] + _match_case(_QUANTIFIERS[word], m[1]) + sentence[m.end() :]


def edit_hedge(sentence: str, rng: np.random.Generator | None = None) -> str | None:
    """Hedge the first progressive verb: "is playing" → "may be playing" / "is probably playing"."""
    rng = rng if rng is not None else np.random.default_rng(0)
    m = _AUX_VING.search(sentence)
    if not m or m[2]:
        return None
    hedge = str(rng.choice(_HEDGES))
    if hedge.startswith("is "):
        new = f"{m[1]} {hedge[3:]} {m[3]}"
    else:
        new = f"{hedge} {m[3]}"
    return sentence[: m.start()] + _match_case(new, m[1]) + sentence[m.end() :]


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
            "rules": "compsem/training/augment.py (one documented rule per edit)",
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
