"""How numbers are written for people: p-values in scientific notation, scores with a fixed number of decimals.

One rule per kind of number, the same on every page and report: a 0-1 score has
:data:`SCORE_DECIMALS` decimals, a raw model output :data:`RAW_SIGNIFICANT` significant digits,
a share a whole percent. No float noise (``0.0000000000000002`` is ``0.000``), no ``-0.000``.

Statistics stay numeric everywhere they are stored (``summary.json``, ``comparison.json``,
CSV exports); these helpers are for what a reader sees (dashboard tables, ``report.md``,
the HTML report).

Example:
    >>> format_pvalue(1.234e-17)
    '1.2e-17'
    >>> format_pvalue(0.0342)
    '3.4e-02'
"""

from __future__ import annotations

import math

#: What a missing or undefined p-value shows as.
MISSING = "—"


def format_pvalue(p: object) -> str:
    """A p-value with 2 significant digits in scientific notation (``1.2e-17``).

    Scientific notation for every value, small or not, so a column of p-values lines up
    and a tiny one never prints as a run of zeros. ``None``, NaN, infinities and anything
    that is not a number give ``"—"``. A p-value of exactly 0 (an underflow) gives
    ``"0.0e+00"``.

    Args:
        p: the p-value (a float, a numpy number, or None).

    Returns:
        The formatted text.

    Example:
        >>> format_pvalue(0.05), format_pvalue(None)
        ('5.0e-02', '—')
    """
    if p is None or isinstance(p, bool):
        return MISSING
    try:
        value = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(value):
        return MISSING
    return f"{value:.1e}"


#: Decimals of a 0-1 score wherever a person reads one.
SCORE_DECIMALS = 3
#: Significant digits of a raw model output (a logit, a cosine, a 0-5 rating).
RAW_SIGNIFICANT = 4


def _finite(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def clean_number(value: object, decimals: int = SCORE_DECIMALS) -> float:
    """``value`` rounded to ``decimals`` for a table a person reads (NaN for a missing one; never ``-0.0``).

    Example:
        >>> clean_number(2.220446049250313e-16), clean_number(-0.0001), clean_number(0.81449)
        (0.0, 0.0, 0.814)
    """
    number = _finite(value)
    if number is None:
        return math.nan
    return round(number, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def format_score(value: object, decimals: int = SCORE_DECIMALS) -> str:
    """A 0-1 score with a fixed number of decimals (``0.814``); ``—`` for a missing one.

    Example:
        >>> format_score(0.1), format_score(0.64744), format_score(2e-16), format_score(None)
        ('0.100', '0.647', '0.000', '—')
    """
    number = _finite(value)
    return MISSING if number is None else f"{clean_number(number, decimals):.{decimals}f}"


def format_raw(value: object) -> str:
    """A raw model output with :data:`RAW_SIGNIFICANT` significant digits (``3.437``, ``-0.01234``); ``—`` if missing.

    Example:
        >>> format_raw(3.4368123), format_raw(-0.012341), format_raw(2e-17)
        ('3.437', '-0.01234', '0')
    """
    number = _finite(value)
    if number is None:
        return MISSING
    if abs(number) < 1e-12:
        return "0"
    return f"{number:.{RAW_SIGNIFICANT}g}"


def format_share(value: object) -> str:
    """A share as a whole percent (``45%``); ``—`` if missing."""
    number = _finite(value)
    return MISSING if number is None else f"{100 * number:.0f}%"


__all__ = [
    "MISSING",
    "RAW_SIGNIFICANT",
    "SCORE_DECIMALS",
    "clean_number",
    "format_pvalue",
    "format_raw",
    "format_score",
    "format_share",
]
