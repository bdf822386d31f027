"""Plausible swapped-role negatives, found by a dependency parse.

"The woman is feeding the dog" → "The dog is feeding the woman": the same words, the other
event. The earlier rule (:func:`compsem.training.augment.edit_role_swap`) matched one string pattern
and swapped whatever stood there ("A ball is kicking a boy"); this one asks the parser for the
subject and direct object of an active transitive verb and swaps them only when the swapped
sentence is plausible, i.e. when the two are

* both animate (a person or an animal), or
* both of one kind (two organisations, two places, two vehicles).

Kinds come from a small hand-written lexicon of person and animal nouns, personal pronouns
(he/she/him/her/they/them count as people), and the parser's named entities (PERSON, ORG,
GPE/LOC). "The man kicks the ball" is never swapped: a ball has no kind that matches a man.

Each swap moves whole noun phrases, changes pronoun case ("he saw her" → "she saw him") and
makes the verb agree with its new subject ("The dogs are chasing a cat" → "A cat is chasing
the dogs"). A clause the rule cannot handle safely (passive, reflexive, first person, long or
clausal noun phrases, same head noun on both sides) is skipped: the rule returns ``None``.

Example:
    >>> from compsem.training.syntax import load_parser          # doctest: +SKIP
    >>> swap_roles(load_parser()("A man is chasing a dog."))     # doctest: +SKIP
    'A dog is chasing a man.'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compsem.training.syntax import agree, as_object, as_subject, is_plural, render, simple_phrase

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

__all__ = ["ANIMAL_NOUNS", "ANIMATE", "PERSON_NOUNS", "VEHICLE_NOUNS", "compatible", "noun_kind", "swap_roles"]

PERSON_NOUNS = frozenset(
    """
man men woman women boy boys girl girls child children kid kids person people baby babies toddler toddlers
adult adults teenager teenagers teen teens lady ladies gentleman gentlemen guy guys player players athlete
athletes rider riders cyclist cyclists biker bikers skier skiers surfer surfers swimmer swimmers runner runners
dancer dancers singer singers musician musicians guitarist guitarists drummer drummers chef chefs cook cooks
doctor doctors nurse nurses patient patients teacher teachers student students officer officers policeman
policemen police soldier soldiers worker workers farmer farmers driver drivers father fathers mother mothers
dad mom son sons daughter daughters brother brothers sister sisters husband husbands wife wives friend friends
family families parent parents grandmother grandfather couple couples crowd audience team teams fan fans
customer customers judge judges lawyer lawyers attorney attorneys president presidents minister ministers
official officials leader leaders senator senators governor governors executive executives employee employees
manager managers boss investor investors analyst analysts suspect suspects victim victims prosecutor prosecutors
witness witnesses reporter reporters journalist journalists chairman chief director directors spokesman
spokeswoman candidate candidates voter voters citizen citizens resident residents member members partner
partners opponent opponents rival rivals coach coaches referee goalkeeper boxer boxers wrestler wrestlers
fighter fighters hiker hikers climber climbers skateboarder skateboarders snowboarder snowboarders jockey
clown clowns magician cowboy cowboys pilot pilots sailor sailors fisherman fishermen hunter hunters
""".split()
)

ANIMAL_NOUNS = frozenset(
    """
dog dogs puppy puppies cat cats kitten kittens horse horses pony ponies cow cows bull bulls calf sheep lamb
goat goats pig pigs bird birds duck ducks chicken chickens hen rooster parrot eagle owl penguin penguins monkey
monkeys ape gorilla elephant elephants lion lions tiger tigers bear bears wolf wolves fox foxes deer rabbit
rabbits mouse mice rat rats hamster squirrel squirrels snake snakes turtle turtles tortoise frog frogs fish
shark sharks dolphin dolphins whale whales seal seals otter camel camels zebra zebras giraffe giraffes
kangaroo panda raccoon cheetah leopard donkey donkeys animal animals
""".split()
)

VEHICLE_NOUNS = frozenset(
    """
car cars truck trucks bus buses van vans train trains bicycle bicycles bike bikes motorcycle motorcycles
motorbike boat boats ship ships plane planes airplane jet jets helicopter tractor taxi
""".split()
)

#: Kinds that may swap with each other (the rest swap only within their kind).
ANIMATE = frozenset({"person", "animal"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "they", "them"})
_ENTITY_KINDS = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place", "NORP": "group"}


def noun_kind(head: Token) -> str | None:
    """The kind of a noun phrase's head: person, animal, vehicle, organization, place, group, or None.

    Named entities first (the parser's NER), then pronouns, then the lexicon (by the word and its lemma).
    """
    if head.ent_type_ in _ENTITY_KINDS:
        return _ENTITY_KINDS[head.ent_type_]
    word, lemma = head.lower_, head.lemma_.lower()
    if head.pos_ == "PRON":
        return "person" if word in _PERSON_PRONOUNS else None
    for lexicon, kind in ((PERSON_NOUNS, "person"), (ANIMAL_NOUNS, "animal"), (VEHICLE_NOUNS, "vehicle")):
        if word in lexicon or lemma in lexicon:
            return kind
    return None


def compatible(kind_a: str | None, kind_b: str | None) -> bool:
    """Whether two kinds make a plausible swap: both animate, or both the same known kind."""
    if kind_a is None or kind_b is None:
        return False
    return kind_a == kind_b or (kind_a in ANIMATE and kind_b in ANIMATE)


#: Prepositions whose object is a participant with its own role ("jumping over a man", "talking to a woman");
#: symmetric ones ("with", "near", "beside") are left out: swapping around them keeps the meaning.
ROLE_PREPOSITIONS = frozenset(
    {"to", "at", "after", "behind", "over", "towards", "toward", "from", "into", "onto", "on", "under", "for"}
)


def _transitive_clauses(doc: Doc) -> list[tuple[Token, Token, Token]]:
    """(verb, subject head, object head) of each active clause: a nominal subject and a direct object,
    or else the object of a role-bearing preposition right after the verb ("is jumping over a man")."""
    out = []
    for verb in doc:
        if verb.pos_ not in ("VERB", "AUX") or any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children):
            continue
        subjects = [c for c in verb.children if c.dep_ == "nsubj"]
        objects = [c for c in verb.children if c.dep_ == "dobj"]
        if not objects:
            preps = [
                c for c in verb.children if c.dep_ == "prep" and c.i == verb.i + 1 and c.lower_ in ROLE_PREPOSITIONS
            ]
            objects = [g for p in preps for g in p.children if g.dep_ == "pobj"]
        if len(subjects) == 1 and len(objects) == 1 and subjects[0].i < verb.i < objects[0].i:
            out.append((verb, subjects[0], objects[0]))
    return out


def _finite_word(verb: Token) -> Token:
    """The word that agrees with the subject: the first auxiliary before the verb, else the verb."""
    auxes = [c for c in verb.children if c.dep_ == "aux" and c.i < verb.i]
    return auxes[0] if auxes else verb


def swap_roles(doc: Doc) -> str | None:
    """The sentence with subject and object of its first plausible transitive clause swapped, or None.

    Args:
        doc: a parsed sentence (:func:`compsem.training.syntax.load_parser`).

    Returns:
        The swapped sentence, or None when no clause qualifies (see the module docstring).
    """
    for verb, subj, obj in _transitive_clauses(doc):
        if subj.lower_ in ("i", "we", "you", "it") or obj.lower_ in ("me", "us", "you", "it"):
            continue
        if any(t.dep_ == "neg" for t in verb.children):
            continue  # "X did not hit Y" ↔ "Y did not hit X": fine in meaning, but keep the rule simple
        s_span, o_span = simple_phrase(subj), simple_phrase(obj)
        if (
            s_span is None
            or o_span is None
            or s_span.end > verb.i
            or o_span.start <= verb.i
            or doc[s_span.end : o_span.start].text.count(",")
        ):
            continue
        if any(t.dep_ in ("poss", "prep") for t in o_span):  # "hugs his son"; "shows a dog to a baby"
            continue
        if subj.lemma_.lower() == obj.lemma_.lower() or not compatible(noun_kind(subj), noun_kind(obj)):
            continue
        finite = _finite_word(verb)
        if not s_span.end <= finite.i <= verb.i:
            continue
        new_subject = as_subject(o_span)
        if s_span.start == 0:
            new_subject = new_subject[:1].upper() + new_subject[1:]
        replacements = {(s_span.start, s_span.end): new_subject, (o_span.start, o_span.end): as_object(s_span)}
        agreed = agree(finite, is_plural(o_span))
        if agreed is None:
            continue
        if agreed != finite.text:
            replacements[(finite.i, finite.i + 1)] = agreed
        out = render(doc, replacements)
        if " ".join(out.lower().split()) != " ".join(doc.text.lower().split()):
            return out
    return None
