"""How numbers are written for people: p-values in scientific notation.

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


__all__ = ["MISSING", "format_pvalue"]
