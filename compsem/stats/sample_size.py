"""Thin samples: below :data:`MIN_PAIRS` pairs in a category, findings and intervals say the sample is too small.

With one or two pairs per category a bootstrap "95% CI" is a formality and a finding such as
"scores 4 of 4 kinds higher" is an anecdote. The rule, the same in the dashboard, ``report.md``
and the HTML report: a category with fewer than :data:`MIN_PAIRS` pairs (counted once, not per
model) is left out of the findings, its intervals are replaced by "too few pairs", and a sentence
names it and the rule. The bundled pair set has 15-56 pairs per category, so none of its
categories is thin.

The threshold is :data:`MIN_PAIRS` unless the environment variable ``COMPSEM_MIN_PAIRS`` sets
another (a whole number ≥ 1; ``1`` switches the rule off, for a researcher who wants every
number anyway, and for tests on tiny fixtures). A bad value is refused with a sentence naming the variable.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pair_id": ["a", "b", "c"], "category": ["negation", "negation", "numbers"]})
    >>> thin_categories(df, min_pairs=2)
    {'numbers': 1}
"""

from __future__ import annotations

import pandas as pd

from compsem.config import MIN_PAIRS as MIN_PAIRS_SETTING
from compsem.data.categories import category_label, sort_categories

#: Fewest pairs in a category for its findings and 95% intervals to be shown (default).
MIN_PAIRS = 10
#: The environment variable that overrides :data:`MIN_PAIRS` (declared in :mod:`compsem.config`).
MIN_PAIRS_ENV = MIN_PAIRS_SETTING.env


def min_pairs_default() -> int:
    """The threshold in force: ``$COMPSEM_MIN_PAIRS`` (a whole number ≥ 1), else :data:`MIN_PAIRS`.

    Raises:
        ValueError: the variable is set to something else (the message names it).
    """
    return MIN_PAIRS_SETTING.value


def pairs_per_category(results: pd.DataFrame) -> dict[str, int]:
    """Distinct pairs per category (a pair scored by several models counts once), in category order."""
    if results.empty:
        return {}
    counts = results.drop_duplicates(["category", "pair_id"])["category"].value_counts()
    return {c: int(counts[c]) for c in sort_categories(counts.index)}


def is_thin(n: object, min_pairs: int | None = None) -> bool:
    """Whether a sample of ``n`` pairs is too small for a finding or an interval (NaN/None: not thin).

    ``min_pairs``: the threshold (default: :func:`min_pairs_default`).
    """
    limit = min_pairs_or_default(min_pairs)
    try:
        return int(n) < limit  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def min_pairs_or_default(min_pairs: int | None) -> int:
    """``min_pairs``, or :func:`min_pairs_default` for None.

    Raises:
        ValueError: ``min_pairs`` below 1.
    """
    if min_pairs is None:
        return min_pairs_default()
    if min_pairs < 1:
        raise ValueError(f"min_pairs must be at least 1, not {min_pairs}")
    return int(min_pairs)


def thin_categories(results: pd.DataFrame, min_pairs: int | None = None) -> dict[str, int]:
    """Categories with fewer than ``min_pairs`` (default: :func:`min_pairs_default`) distinct pairs, with their counts.

    Raises:
        ValueError: ``min_pairs`` below 1.
    """
    limit = min_pairs_or_default(min_pairs)
    return {c: n for c, n in pairs_per_category(results).items() if n < limit}


def thin_sample_note(thin: dict[str, int], min_pairs: int | None = None) -> str:
    """The sentence that says which categories are too small and what that means ("" when none is).

    Example:
        >>> thin_sample_note({"negation": 1, "numbers": 2})[:80]
        'Too few pairs to draw conclusions for Negation (1 pair) and Numbers (2 pairs): be'
    """
    if not thin:
        return ""
    min_pairs = min_pairs_or_default(min_pairs)
    names = [f"{category_label(c)} ({n} pair{'' if n == 1 else 's'})" for c, n in thin.items()]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f"Too few pairs to draw conclusions for {listed}: below {min_pairs} pairs per category, findings leave "
        "a category out and its 95% intervals are not shown. Add pairs to these categories for evidence."
    )


__all__ = [
    "MIN_PAIRS",
    "MIN_PAIRS_ENV",
    "is_thin",
    "min_pairs_default",
    "min_pairs_or_default",
    "pairs_per_category",
    "thin_categories",
    "thin_sample_note",
]
