"""One-click edits of a user's sentence: the study's failure modes applied to their own text (the dashboard).

Each function takes one English sentence and returns it with one meaning-changing edit,
or raises ``ValueError`` saying what it could not find ("no number found"). The rules
are deliberately small and predictable, not a grammar: they cover the simple sentences
the study uses ("The patient has diabetes", "Google acquired YouTube", "Take 5 mg of
aspirin daily") and say so when a sentence is out of reach, instead of guessing.

Example:
    >>> negate("The patient has diabetes.")
    'The patient does not have diabetes.'
    >>> swap_entities("Google acquired YouTube.")
    'YouTube acquired Google.'
    >>> change_number("Take 5 mg of aspirin daily.")
    'Take 50 mg of aspirin daily.'
    >>> flip_before_after("Apply sunscreen before going outside.")
    'Apply sunscreen after going outside.'
    >>> add_hedge("The drug cures cancer.")
    'The drug may cure cancer.'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from compsem.data.variants.words import (
    AUX,
    DETERMINERS,
    FUNCTION_WORDS,
    IRREGULAR_PAST,
    TITLES,
    Token,
    base_of_s_verb,
    check_text,
    find_verb,
    looks_like_past,
    looks_like_s_verb,
    match_case,
    replace_word,
    third_person,
    tokens,
)

_HEDGES = (
    "may",
    "might",
    "could",
    "perhaps",
    "possibly",
    "probably",
    "likely",
    "seems",
    "appears",
    "suggests",
    "some evidence",
)


def _unnegate(text: str) -> str | None:
    """Remove an existing negation, or return None when there is none."""
    rules = [
        (r"\b(does|do) not have\b", lambda m: "has" if m.group(1).lower() == "does" else "have"),
        (r"\b(doesn't|don't) have\b", lambda m: "has" if m.group(1).lower().startswith("does") else "have"),
        (r"\bdid not\b|\bdidn't\b", lambda m: "did"),
        (r"\b(?:does not|doesn't) ([a-z]+)\b", lambda m: third_person(m.group(1))),
        (r"\b(do|does) not\b|\b(don't|doesn't)\b", lambda m: ""),
        (r"\bcan(?:'t|not)\b", lambda m: "can"),
        (r"\bwon't\b", lambda m: "will"),
        (r"\b([A-Za-z]+)n't\b", lambda m: m.group(1)),
        (r"\bnot\b", lambda m: ""),
        (r"\bnever\b", lambda m: ""),
    ]
    for pattern, repl in rules:
        match = re.search(pattern, text, flags=re.IGNORECASE)
        if match:
            new = repl(match)
            out = text[: match.start()] + new + text[match.end() :]
            out = re.sub(r"\s{2,}", " ", out).replace(" .", ".").strip()
            if match.start() == 0:
                out = out[:1].upper() + out[1:]
            return out
    return None


def negate(text: str) -> str:
    """Negate a sentence, or remove its negation if it has one.

    Rules, first match wins: an existing ``not``/``n't``/``never`` is removed; an auxiliary
    or modal gets ``not`` (``is`` -> ``is not``); ``has``/``have`` as a main verb becomes
    ``does not have``/``do not have``; a present-tense verb becomes ``does not`` + base
    (``cures`` -> ``does not cure``); a past-tense verb gets ``never`` before it; a sentence
    that starts with its verb (an instruction) gets ``Do not``.

    Raises:
        ValueError: "no verb found to negate" when no rule applies.

    Example:
        >>> negate("Google acquired YouTube.")
        'Google never acquired YouTube.'
    """
    text = check_text(text)
    undone = _unnegate(text)
    if undone is not None:
        return undone
    toks = tokens(text)
    if not toks:
        raise ValueError("no verb found to negate (no words)")
    found = find_verb(toks)
    if found is not None:
        i, form = found
        tok = toks[i]
        if form == "aux":
            return text[: tok.end] + " not" + text[tok.end :]
        if form == "have":
            if tok.low == "had":
                return replace_word(text, tok, "did not have")
            return replace_word(text, tok, "does not have" if tok.low == "has" else "do not have")
        if form == "s":
            return replace_word(text, tok, "does not " + base_of_s_verb(tok.text))
        if form == "past":
            if tok.low in IRREGULAR_PAST:
                return replace_word(text, tok, "did not " + IRREGULAR_PAST[tok.low])
            return text[: tok.start] + "never " + text[tok.start :]
    first = toks[0]
    if (
        first.start == 0
        and first.low not in FUNCTION_WORDS
        and len(toks) > 1
        and not first.text[1:].isupper()
        and not toks[1].text[:1].isupper()
    ):
        # "Take 5 mg ...", "Apply sunscreen ...": an instruction starts with its verb.
        return "Do not " + first.low + text[first.end :]
    raise ValueError("no verb found to negate: try a simple sentence such as 'The patient has diabetes.'")


def _entity_spans(text: str, toks: list[Token]) -> list[tuple[int, int]]:
    """Runs of capitalized words (``Dr. Patel``, ``Acme Corp``), the sentence's first word only if a name."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.text[:1].isupper() and not (i == 0 and tok.low in FUNCTION_WORDS - TITLES):
            j = i
            while (
                j + 1 < len(toks)
                and toks[j + 1].text[:1].isupper()
                and re.fullmatch(r"[\s.]*", text[toks[j].end : toks[j + 1].start])
            ):
                j += 1
            if i == 0 and j == 0 and tok.low not in TITLES and not _could_be_name(toks):
                i += 1
                continue
            spans.append((toks[i].start, toks[j].end))
            i = j + 1
        else:
            i += 1
    return spans


def _could_be_name(toks: list[Token]) -> bool:
    """A capitalized first word is a name when a verb follows it (``Google acquired ...``)."""
    if len(toks) < 2:
        return False
    nxt = toks[1]
    return nxt.low in AUX or looks_like_past(nxt) or looks_like_s_verb(nxt, toks[0])


def _noun_phrases(toks: list[Token]) -> list[tuple[int, int]]:
    """Character spans of the words after the first two determiners (``the [memory leak]``)."""
    verb = find_verb(toks)
    stop = FUNCTION_WORDS | AUX
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(toks) - 1 and len(spans) < 2:
        if toks[i].low in DETERMINERS:
            j = i + 1
            if toks[j].low in stop:
                i += 1
                continue
            while (
                j + 1 < len(toks)
                and toks[j + 1].low not in stop
                and toks[j].end == toks[j + 1].start - 1
                and not (verb is not None and j + 1 == verb[0])
            ):
                j += 1
            spans.append((toks[i + 1].start, toks[j].end))
            i = j + 1
        else:
            i += 1
    return spans


def swap_entities(text: str) -> str:
    """Swap the first two named entities (``Google acquired YouTube`` -> ``YouTube acquired Google``).

    Named entities are runs of capitalized words. Without two of them, the nouns of the
    first two ``the``/``a``/possessive noun phrases are swapped (``The landlord sued the
    tenant`` -> ``The tenant sued the landlord``).

    Raises:
        ValueError: "no two named entities found".
    """
    text = check_text(text)
    toks = tokens(text)
    spans = _entity_spans(text, toks)
    if len(spans) >= 2:
        (a0, a1), (b0, b1) = spans[0], spans[1]
        first, second = text[a0:a1], text[b0:b1]
        if first != second:
            return text[:a0] + second + text[a1:b0] + first + text[b1:]
    phrases = _noun_phrases(toks)
    if len(phrases) == 2:
        (a0, a1), (b0, b1) = phrases
        first, second = text[a0:a1], text[b0:b1]
        if first.lower() != second.lower():
            return text[:a0] + second + text[a1:b0] + first + text[b1:]
    raise ValueError("no two named entities found (and no two 'the ...' phrases to swap)")


_NUMBER_WORDS = {
    "one": "ten",
    "two": "twenty",
    "three": "thirty",
    "four": "forty",
    "five": "fifty",
    "six": "sixty",
    "seven": "seventy",
    "eight": "eighty",
    "nine": "ninety",
    "ten": "a hundred",
    "twice": "ten times",
    "once": "ten times",
    "half": "a tenth",
    "dozen": "hundred",
}


def change_number(text: str) -> str:
    """Multiply the first number by ten (``5 mg`` -> ``50 mg``, ``2.5`` -> ``25``, ``1,000`` -> ``10,000``).

    Number words change too (``two`` -> ``twenty``, ``twice`` -> ``ten times``).

    Raises:
        ValueError: "no number found".
    """
    text = check_text(text)
    match = re.search(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", text)
    if match:
        whole, frac = match.group(1), match.group(2) or ""
        if frac:  # 2.5 -> 25, 0.25 -> 2.5: move the decimal point one place
            new = format((Decimal(whole + frac) * 10).normalize(), "f")
        else:
            n = int(whole.replace(",", "")) * 10 or 10
            new = f"{n:,}" if "," in whole else str(n)
        return text[: match.start()] + new + text[match.end() :]
    for tok in tokens(text):
        if tok.low in _NUMBER_WORDS:
            return replace_word(text, tok, match_case(_NUMBER_WORDS[tok.low], tok.text))
    raise ValueError("no number found (digits like 5 or 2.5, or words like two, twice)")


_TEMPORAL = [("before", "after"), ("earlier", "later"), ("previously", "subsequently"), ("prior to", "following")]


def flip_before_after(text: str) -> str:
    """Swap the first temporal marker: before <-> after, earlier <-> later, prior to <-> following.

    Raises:
        ValueError: "no before/after found".
    """
    text = check_text(text)
    swap = {a: b for a, b in _TEMPORAL} | {b: a for a, b in _TEMPORAL}
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(w) for w in sorted(swap, key=len, reverse=True)) + r")\b", re.IGNORECASE
    )
    match = pattern.search(text)
    if not match:
        raise ValueError("no before/after found (or earlier/later, prior to/following)")
    word = match.group()
    return text[: match.start()] + match_case(swap[word.lower()], word) + text[match.end() :]


def add_hedge(text: str) -> str:
    """Weaken a claim with a modal: ``cures`` -> ``may cure``, ``is`` -> ``may be``, ``acquired`` -> ``may have
    acquired``.

    Sentences without a recognisable verb get ``Perhaps`` in front.

    Raises:
        ValueError: if the sentence is already hedged (``may``, ``might``, ``perhaps``...).
    """
    text = check_text(text)
    low = text.lower()
    for hedge in _HEDGES:
        if re.search(rf"\b{hedge}\b", low):
            raise ValueError(f"no certain claim found: the sentence is already hedged ('{hedge}')")
    toks = tokens(text)
    found = find_verb(toks)
    if found is not None:
        i, form = found
        tok = toks[i]
        if form == "aux":
            if tok.low in ("is", "are", "am"):
                return replace_word(text, tok, "may be")
            if tok.low in ("was", "were"):
                return replace_word(text, tok, "may have been")
            if tok.low in ("will", "shall", "can"):
                return replace_word(text, tok, "might")
            if tok.low in ("does", "do", "did"):
                return replace_word(text, tok, "may")
            return text[: tok.start] + "probably " + text[tok.start :]
        if form == "have":
            return replace_word(text, tok, "may have")
        if form == "s":
            return replace_word(text, tok, "may " + base_of_s_verb(tok.text))
        if form == "past":
            if tok.low in IRREGULAR_PAST:
                return text[: tok.start] + "probably " + text[tok.start :]
            return text[: tok.start] + "may have " + text[tok.start :]
    first = toks[0] if toks else None
    rest = text
    if (
        first is not None
        and first.start == 0
        and not _could_be_name(toks)
        and not first.text[1:].isupper()
        and first.low not in TITLES
        and first.text != "I"
    ):
        rest = first.text.lower() + text[first.end :]
    return "Perhaps " + rest


#: The one-click variants, in the order the dashboard shows them: label -> function.
VARIANTS: dict[str, Callable[[str], str]] = {
    "Negate": negate,
    "Swap entities": swap_entities,
    "Change a number": change_number,
    "Before ↔ after": flip_before_after,
    "Add a hedge": add_hedge,
}


@dataclass(frozen=True)
class Variant:
    """One edit of a sentence: ``text`` is the edited sentence, or empty with ``error`` saying why not."""

    label: str
    text: str
    error: str = ""


def all_variants(text: str) -> list[Variant]:
    """Every one-click variant of ``text``, in :data:`VARIANTS` order (those that do not apply carry an error).

    Example:
        >>> [v.label for v in all_variants("Take 5 mg before meals.") if v.text]
        ['Negate', 'Change a number', 'Before ↔ after', 'Add a hedge']
    """
    out = []
    for label, fn in VARIANTS.items():
        try:
            out.append(Variant(label, fn(text)))
        except ValueError as exc:
            out.append(Variant(label, "", str(exc)))
    return out


__all__ = [
    "VARIANTS",
    "Variant",
    "add_hedge",
    "all_variants",
    "change_number",
    "flip_before_after",
    "negate",
    "swap_entities",
]
