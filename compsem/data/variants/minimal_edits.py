"""Minimal edits of training sentences: the six rules ``compsem train --augment minimal-edits`` applies.

Each rule edits the first place it applies in a simple SICK-style sentence and returns
``None`` when it cannot apply (no half-edited or unchanged sentences). Unlike the one-click
edits of :mod:`compsem.data.variants.one_click`, which serve a user's own sentence and say
why they refuse, these are seeded (``rng``) and silent, because a training split has
thousands of sentences and a skipped one costs nothing. The labels each edit gets, and the
split's hygiene, are :mod:`compsem.training.augment`'s.

========== ==================================================
rule       edit (first place it applies)
========== ==================================================
role-swap  "NP1 is/are V-ing NP2 …" → "NP2 is/are V-ing NP1 …" (both noun phrases
           start with a determiner; verb agreement follows NP2); passive too
negation   "is/are V-ing" → "is/are not V-ing"; an existing "not" is removed instead
number     a count word or digit → a different count ("two dogs" → "three dogs")
temporal   "before" ↔ "after"
quantifier some/several/all/every → no; many ↔ few; most → few
hedge      "is V-ing" → "may be / might be / is probably V-ing"
========== ==================================================
"""

from __future__ import annotations

import re

import numpy as np

from compsem.data.variants.words import capitalize, match_case

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
    out = f"{capitalize(second.lower())} {aux} {verb} {first[:1].lower() + first[1:]}{found['rest']}"
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
        new = match_case(str(rng.choice(choices)), m[1])
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
    return sentence[: m.start()] + match_case(new, m[1]) + sentence[m.end() :]


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
    return sentence[: m.start()] + match_case(_QUANTIFIERS[word], m[1]) + sentence[m.end() :]


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
    return sentence[: m.start()] + match_case(new, m[1]) + sentence[m.end() :]
