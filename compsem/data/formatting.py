"""How numbers and names are written for people: p-values, scores with fixed decimals, text made safe.

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
import re
import unicodedata

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


#: ASCII punctuation that opens HTML, a link or image, a code span, an entity or a table cell in Markdown; each is
#: backslash-escaped (CommonMark allows a backslash before any ASCII punctuation and shows the character itself).
#: Emphasis marks (``_``, ``*``) are left alone: they change only the style, and file names such as
#: ``golden_pairs.csv`` stay readable in the raw file.
_MARKDOWN_ACTIVE = re.compile(r"([\\`\[\]<>|&])")


def _is_control(ch: str) -> bool:
    # Zl/Zp (U+2028, U+2029) end a line for many readers (and for str.splitlines) though they are not Cc
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069"


def visible_controls(text: object) -> str:
    r"""``text`` with every control character shown as an escape, so none reaches a terminal or a file raw.

    Control characters are Unicode category Cc (ESC, BEL, NUL, newline, tab, DEL, C1 codes), the line and
    paragraph separators (U+2028, U+2029) and the bidirectional overrides and isolates (U+202A-U+202E,
    U+2066-U+2069) that reorder what a reader sees.

    Example:
        >>> visible_controls("neg\x1b[2Jation\u202e")
        'neg\\x1b[2Jation\\u202e'
    """
    return "".join(_escaped(ch) if _is_control(ch) else ch for ch in str(text))


def _escaped(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def markdown_text(text: object) -> str:
    r"""``text`` as literal Markdown: no HTML, link, emphasis or table syntax survives, and it stays on one line.

    Used for every name that comes from a user (category names, model labels and keys, file names)
    in ``report.md`` and ``compsem check --markdown``: GitHub renders some raw HTML, and a ``|`` in a
    cell would break a table row. Control characters are shown as escapes (:func:`visible_controls`).

    Example:
        >>> print(markdown_text("<img src=x onerror=alert(1)> | a_b"))
        \<img src=x onerror=alert(1)\> \| a_b
    """
    return _MARKDOWN_ACTIVE.sub(r"\\\1", visible_controls(text))


def _xml_allowed(ch: str) -> bool:
    # XML 1.0's Char production, less the control characters it only discourages (DEL, C1 codes)
    code = ord(ch)
    if code in (0x9, 0xA, 0xD):
        return True
    if unicodedata.category(ch) == "Cc":
        return False
    return 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def xml_text(text: object) -> str:
    r"""``text`` holding only characters XML 1.0 allows; any other (BEL, ESC, NUL, DEL, a lone surrogate) as an escape.

    ElementTree escapes ``<``, ``&`` and quotes, but writes a forbidden character as it is, and
    then no XML parser reads the file (a CI report parser fails on it).

    Example:
        >>> xml_text("neg\x07ation\ud800")
        'neg\\x07ation\\ud800'
    """
    return "".join(
        ch if _xml_allowed(ch) else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}" for ch in str(text)
    )


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
    "markdown_text",
    "visible_controls",
    "xml_text",
]
