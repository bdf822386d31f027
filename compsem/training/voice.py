"""Active ↔ passive rewrites: word order changes, meaning does not (label-preserving positives).

"A boy is kicking a ball" ↔ "A ball is being kicked by a boy". A model trained only on
swapped-role negatives could learn "order changed = different"; these pairs say otherwise, so
the augmentation adds them on the *positive* side (entailment both ways; "same meaning").

Found by a dependency parse (:mod:`compsem.training.syntax`), for these verb groups:

=====================  ===================================  ===================================
active                 passive                              example (active → passive)
=====================  ===================================  ===================================
is/are/was/were V-ing  is/are/was/were being V-en            is chasing → is being chased by
V-s / V (present)      is/are V-en                           chases → is chased by
V-ed (past)            was/were V-en                         chased → was chased by
has/have/had V-en      has/have/had been V-en                has chased → has been chased by
modal V                modal be V-en                         will chase → will be chased by
=====================  ===================================  ===================================

Inflections come from lemminflect; agreement follows the new subject. Anything else (negation,
particles, do-support, a by-phrase that is not right after the verb, first person) is skipped.

Example:
    >>> from compsem.training.syntax import load_parser           # doctest: +SKIP
    >>> to_passive(load_parser()("A boy is kicking a ball."))      # doctest: +SKIP
    'A ball is being kicked by a boy.'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compsem.training.syntax import as_object, as_subject, is_plural, render, simple_phrase

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

__all__ = ["rewrite_voice", "to_active", "to_passive"]

_BE = {"is", "are", "was", "were"}
_HAVE = {"has", "have", "had"}
_SKIP_PRONOUNS = {"i", "me", "we", "us", "you", "it"}
#: Light and reporting verbs whose passive reads badly ("his best was done by", "comfort was taken by").
_NO_PASSIVE = {
    "be",
    "have",
    "get",
    "take",
    "make",
    "do",
    "give",
    "pay",
    "reach",
    "say",
    "hold",
    "need",
    "want",
    "like",
    "lack",
    "cost",
    "weigh",
    "resemble",
    "mean",
    "let",
}


def _inflect(lemma: str, tag: str) -> str | None:
    from lemminflect import getInflection

    forms = getInflection(lemma, tag=tag)
    return forms[0] if forms else None


def _lemma(verb: Token) -> str:
    """The verb's lemma by lemminflect from its own form (more reliable for inflection than spaCy's)."""
    from lemminflect import getLemma

    lemmas = getLemma(verb.lower_, upos="VERB")
    return lemmas[0] if lemmas else verb.lemma_.lower()


def _be_for(plural: bool, past: bool) -> str:
    return ("were" if plural else "was") if past else ("are" if plural else "is")


def _have_for(word: str, plural: bool) -> str:
    return "had" if word == "had" else ("have" if plural else "has")


def _capital_if_first(text: str, span: Span) -> str:
    return text[:1].upper() + text[1:] if span.start == 0 else text


def _only(tokens: list[Token], deps: set[str]) -> bool:
    return all(t.dep_ in deps for t in tokens)


def _shares_subject(verb: Token) -> bool:
    """Whether a coordinated verb shares this verb's subject ("operates stores and has revenue")."""
    return any(
        c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and not any(g.dep_.startswith("nsubj") for g in c.children)
        for c in verb.children
    )


def to_passive(doc: Doc) -> str | None:
    """The first simple active transitive clause rewritten in the passive, or None."""
    for verb in doc:
        if verb.pos_ != "VERB" or any(
            c.dep_ in ("neg", "prt", "dative", "nsubjpass", "auxpass") for c in verb.children
        ):
            continue
        subj = [c for c in verb.children if c.dep_ == "nsubj"]
        obj = [c for c in verb.children if c.dep_ == "dobj"]
        if len(subj) != 1 or len(obj) != 1 or subj[0].lower_ in _SKIP_PRONOUNS or obj[0].lower_ in _SKIP_PRONOUNS:
            continue
        s_span, o_span = simple_phrase(subj[0]), simple_phrase(obj[0])
        if s_span is None or o_span is None or o_span.start != verb.i + 1:
            continue
        if any(t.dep_ in ("prep", "poss") for t in o_span):  # "chased a cat in the park", "rests its wings"
            continue
        if verb.lemma_.lower() in _NO_PASSIVE or _shares_subject(verb):
            continue
        group = list(doc[s_span.end : verb.i])
        if not _only(group, {"aux"}) or len(group) > 1:
            continue
        vbn = _inflect(_lemma(verb), "VBN")
        if vbn is None:
            continue
        plural = is_plural(o_span)
        aux = group[0].lower_ if group else ""
        if aux in _BE and verb.tag_ == "VBG":
            words = [_be_for(plural, aux in ("was", "were")), "being", vbn]
        elif not group and verb.tag_ in ("VBZ", "VBP"):
            words = [_be_for(plural, False), vbn]
        elif not group and verb.tag_ == "VBD":
            words = [_be_for(plural, True), vbn]
        elif aux in _HAVE and verb.tag_ == "VBN":
            words = [_have_for(aux, plural), "been", vbn]
        elif group and group[0].tag_ == "MD" and verb.tag_ == "VB":
            words = [group[0].lower_, "be", vbn]
        else:
            continue
        new = " ".join([_capital_if_first(as_subject(o_span), s_span), *words, "by", as_object(s_span)])
        return render(doc, {(s_span.start, o_span.end): new})
    return None


def to_active(doc: Doc) -> str | None:
    """The first simple passive clause with a by-phrase ("X is chased by Y") rewritten in the active, or None."""
    for verb in doc:
        if verb.tag_ != "VBN" or any(c.dep_ in ("neg", "prt", "dative") for c in verb.children):
            continue
        subj = [c for c in verb.children if c.dep_ == "nsubjpass"]
        agent = [c for c in verb.children if c.dep_ == "agent" and c.i == verb.i + 1]
        if len(subj) != 1 or len(agent) != 1:
            continue
        pobj = [c for c in agent[0].children if c.dep_ == "pobj"]
        if len(pobj) != 1 or subj[0].lower_ in _SKIP_PRONOUNS or pobj[0].lower_ in _SKIP_PRONOUNS:
            continue
        p_span, a_span = simple_phrase(subj[0]), simple_phrase(pobj[0])
        if p_span is None or a_span is None or a_span.start != agent[0].i + 1 or _shares_subject(verb):
            continue
        group = list(doc[p_span.end : verb.i])
        if not group or not _only(group, {"aux", "auxpass"}):
            continue
        words = [t.lower_ for t in group]
        plural = is_plural(a_span)
        if len(words) == 2 and words[0] in _BE and words[1] == "being":
            ving = _inflect(_lemma(verb), "VBG")
            new_verb = [_be_for(plural, words[0] in ("was", "were")), ving] if ving else None
        elif words in (["is"], ["are"]):
            form = _inflect(_lemma(verb), "VBP" if plural else "VBZ")
            new_verb = [form] if form else None
        elif words in (["was"], ["were"]):
            form = _inflect(_lemma(verb), "VBD")
            new_verb = [form] if form else None
        elif len(words) == 2 and words[0] in _HAVE and words[1] == "been":
            new_verb = [_have_for(words[0], plural), verb.text.lower()]
        elif len(words) == 2 and group[0].tag_ == "MD" and words[1] == "be":
            new_verb = [words[0], _lemma(verb)]
        else:
            continue
        if new_verb is None:
            continue
        new = " ".join([_capital_if_first(as_subject(a_span), p_span), *new_verb, as_object(p_span)])
        return render(doc, {(p_span.start, a_span.end): new})
    return None


def rewrite_voice(doc: Doc) -> str | None:
    """Passive → active when the sentence has a passive clause with a by-phrase, else active → passive."""
    return to_active(doc) or to_passive(doc)
