"""The category vocabulary of the study and what each category is expected to score.

A good *similarity* model scores adversarial pairs (one meaning-changing edit) and
near-miss pairs low, true paraphrases (positive controls) high and unrelated pairs
(negative controls) low. User pair files may add their own categories and state the
expected direction for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["adversarial", "positive_control", "negative_control", "near_miss", "custom"]
Direction = Literal["low", "high"]


@dataclass(frozen=True)
class Category:
    """One category of pairs.

    Attributes:
        name: machine name used in pair files (``negation``).
        label: human label for tables and charts (``Negation``).
        role: what kind of evidence the category is.
        expected: ``"low"`` if a good similarity model scores these pairs low, ``"high"`` if high.
        study_count: number of pairs the study used (0 for custom categories).
    """

    name: str
    label: str
    role: Role
    expected: Direction
    study_count: int = 0


BUILTIN_CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in (
        Category("negation", "Negation", "adversarial", "low", 55),
        Category("numerical", "Numerical", "adversarial", "low", 56),
        Category("entity_swap", "Entity swap", "adversarial", "low", 45),
        Category("temporal", "Temporal", "adversarial", "low", 35),
        Category("quantifier", "Quantifier", "adversarial", "low", 35),
        Category("hedging", "Hedging", "adversarial", "low", 25),
        Category("positive_control", "Positive control", "positive_control", "high", 35),
        Category("negative_control", "Negative control", "negative_control", "low", 35),
        Category("near_miss_control", "Near-miss control", "near_miss", "low", 15),
    )
}

ADVERSARIAL: tuple[str, ...] = tuple(n for n, c in BUILTIN_CATEGORIES.items() if c.role == "adversarial")
CONTROLS: tuple[str, ...] = ("positive_control", "negative_control", "near_miss_control")
STUDY_ORDER: tuple[str, ...] = tuple(BUILTIN_CATEGORIES)


def category_info(name: str, expected: Direction | None = None) -> Category:
    """Return the built-in category ``name`` or a custom one.

    Args:
        name: category name from a pair file.
        expected: direction stated by the user's file for a custom category; ignored for
            built-in categories (their role is fixed by the study design).

    Example:
        >>> category_info("negation").expected
        'low'
        >>> category_info("sarcasm", expected="low").role
        'custom'
    """
    if name in BUILTIN_CATEGORIES:
        return BUILTIN_CATEGORIES[name]
    return Category(name, name.replace("_", " ").capitalize(), "custom", expected or "low", 0)


def category_label(name: str) -> str:
    """Human label of a category (``entity_swap`` -> ``Entity swap``)."""
    return category_info(name).label


def sort_categories(names) -> list[str]:
    """Study order first, then custom categories alphabetically."""
    names = list(dict.fromkeys(names))
    builtin = [n for n in STUDY_ORDER if n in names]
    return builtin + sorted(n for n in names if n not in BUILTIN_CATEGORIES)
