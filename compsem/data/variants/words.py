"""The words the sentence edits share: a tokenizer, word lists, case matching and a finite-verb finder.

Small and predictable on purpose: the edits of :mod:`compsem.data.variants.one_click` and
:mod:`compsem.data.variants.minimal_edits` read sentences through these helpers, so a word list
or the case rule is changed in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
AUX = {
    "is",
    "are",
    "was",
    "were",
    "am",
    "can",
    "could",
    "will",
    "would",
    "shall",
    "should",
    "must",
    "may",
    "might",
    "does",
    "do",
    "did",
    "has",
    "have",
    "had",
}
_NOT_AFTER_HAVE = re.compile(r"^(been|[a-z]+ed|[a-z]+en|got|made|done|seen|taken|given|gone)$")
IRREGULAR_PAST = {
    "saw": "see",
    "went": "go",
    "made": "make",
    "took": "take",
    "gave": "give",
    "got": "get",
    "found": "find",
    "sold": "sell",
    "bought": "buy",
    "won": "win",
    "led": "lead",
    "paid": "pay",
    "left": "leave",
    "told": "tell",
    "said": "say",
    "began": "begin",
    "wrote": "write",
    "ran": "run",
    "came": "come",
    "knew": "know",
    "felt": "feel",
    "kept": "keep",
    "held": "hold",
    "met": "meet",
    "lost": "lose",
    "sent": "send",
    "built": "build",
    "spent": "spend",
    "grew": "grow",
    "fell": "fall",
    "rose": "rise",
    "broke": "break",
    "chose": "choose",
    "drove": "drive",
    "ate": "eat",
    "brought": "bring",
    "caught": "catch",
    "taught": "teach",
    "thought": "think",
    "fought": "fight",
    "hit": "hit",
    "cut": "cut",
    "put": "put",
    "shut": "shut",
    "set": "set",
}
#: Words that start a sentence but are not the subject's verb (or are not verbs at all).
FUNCTION_WORDS = {
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "my",
    "your",
    "his",
    "her",
    "its",
    "our",
    "their",
    "all",
    "some",
    "every",
    "each",
    "no",
    "most",
    "many",
    "few",
    "several",
    "any",
    "both",
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "there",
    "in",
    "on",
    "at",
    "for",
    "of",
    "to",
    "with",
    "by",
    "from",
    "after",
    "before",
    "when",
    "if",
    "as",
    "and",
    "or",
    "but",
    "not",
    "never",
    "always",
    "often",
    "also",
    "only",
    "just",
    "very",
    "new",
    "old",
    "mr",
    "mrs",
    "ms",
    "dr",
    "last",
    "next",
    "first",
    "one",
    "two",
    "three",
    "about",
    "into",
    "over",
    "under",
    "through",
    "during",
    "against",
    "between",
    "without",
    "within",
    "across",
    "behind",
    "near",
    "than",
    "per",
    "since",
    "until",
    "upon",
    "onto",
    "off",
    "out",
    "up",
    "down",
    "around",
    "because",
    "while",
}
TITLES = {"dr", "mr", "mrs", "ms", "prof", "st"}
DETERMINERS = ("the", "a", "an", "his", "her", "their", "its", "our", "my", "your")


@dataclass(frozen=True)
class Token:
    """One word of a sentence and its character span."""

    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()


def tokens(text: str) -> list[Token]:
    """The words of ``text`` (letters, apostrophes, hyphens) with their spans."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def check_text(text: str) -> str:
    """The stripped sentence, or a ValueError when there is none."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("no text found: type a sentence first")
    return text.strip()


def replace_word(text: str, tok: Token, new: str) -> str:
    """``text`` with the word ``tok`` replaced by ``new``."""
    return text[: tok.start] + new + text[tok.end :]


def match_case(word: str, like: str) -> str:
    """``word`` with a capital first letter when ``like`` has one (``two``, ``Three`` -> ``Two``)."""
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def base_of_s_verb(word: str) -> str:
    """``cures`` -> ``cure``, ``fixes`` -> ``fix``, ``carries`` -> ``carry``."""
    low = word.lower()
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if re.search(r"(sh|ch|x|z|ss|o)es$", low):
        return word[:-2]
    return word[:-1]


def third_person(verb: str) -> str:
    """``cure`` -> ``cures``, ``fix`` -> ``fixes``, ``carry`` -> ``carries``."""
    if re.search(r"(sh|ch|x|z|s|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def looks_like_s_verb(tok: Token, prev: Token | None) -> bool:
    """A lower-case word in -s after a content word (``cures``, not ``glass`` or ``the news``)."""
    low = tok.low
    return (
        len(low) > 3
        and low.endswith("s")
        and not low.endswith(("ss", "us", "is", "ous"))
        and prev is not None
        and prev.low not in FUNCTION_WORDS
        and not tok.text[:1].isupper()
    )


def looks_like_past(tok: Token) -> bool:
    """An irregular past form or a lower-case word in -ed."""
    low = tok.low
    return low in IRREGULAR_PAST or (len(low) > 3 and low.endswith("ed") and not tok.text[:1].isupper())


def find_verb(toks: list[Token]) -> tuple[int, str] | None:
    """Index and form (``aux``, ``have``, ``s``, ``past``) of the first finite verb, if any."""
    for i, tok in enumerate(toks):
        low = tok.low
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1].low if i + 1 < len(toks) else ""
        if i == 0:
            continue  # the first word is the subject or an imperative verb, handled by the callers
        if low in ("has", "have", "had") and not _NOT_AFTER_HAVE.match(nxt) and nxt != "not":
            return i, "have"
        if low in AUX:
            return i, "aux"
        if looks_like_past(tok) and (prev is None or prev.low not in DETERMINERS):
            return i, "past"
        if looks_like_s_verb(tok, prev):
            return i, "s"
    return None


def capitalize(text: str) -> str:
    """``text`` with its first character upper-cased (the rest untouched)."""
    return text[:1].upper() + text[1:]
