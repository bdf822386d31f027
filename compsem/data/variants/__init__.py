"""Meaning-changing edits of a sentence, in one home: the study's failure modes as code.

Two families share one tokenizer, word lists and case rule (:mod:`~compsem.data.variants.words`):

* :mod:`~compsem.data.variants.one_click` — the dashboard's one-click variants of a user's own
  sentence (negate, swap entities, change a number, before ↔ after, add a hedge); each raises
  ``ValueError`` saying what it could not find.
* :mod:`~compsem.data.variants.minimal_edits` — the six seeded minimal edits that
  ``compsem train --augment minimal-edits`` applies to training sentences (role swap, negation,
  number, temporal, quantifier, hedge); each returns ``None`` where it does not apply.

Example:
    >>> from compsem.data.variants import negate, edit_negation
    >>> negate("The patient has diabetes.")
    'The patient does not have diabetes.'
    >>> edit_negation("A man is playing a guitar")
    'A man is not playing a guitar'
"""

from __future__ import annotations

from compsem.data.variants.minimal_edits import (
    edit_hedge,
    edit_negation,
    edit_number,
    edit_quantifier,
    edit_role_swap,
    edit_temporal,
    normalize,
)
from compsem.data.variants.one_click import (
    VARIANTS,
    Variant,
    add_hedge,
    all_variants,
    change_number,
    flip_before_after,
    negate,
    swap_entities,
)

__all__ = [
    "VARIANTS",
    "Variant",
    "add_hedge",
    "all_variants",
    "change_number",
    "edit_hedge",
    "edit_negation",
    "edit_number",
    "edit_quantifier",
    "edit_role_swap",
    "edit_temporal",
    "flip_before_after",
    "negate",
    "normalize",
    "swap_entities",
]
