"""Perceptual colour distance: sRGB hex -> CIELAB (D65) and the CIEDE2000 colour difference.

Used to check that no two models share a look-alike colour (:mod:`compsem.figures.palette`).
Pure Python, no dependency: the formulas are the CIE's (sRGB as IEC 61966-2-1; CIEDE2000 as
CIE 142-2001, with the usual weights k_L = k_C = k_H = 1).

Example:
    >>> round(ciede2000(hex_to_lab("#000000"), hex_to_lab("#ffffff")), 1)
    100.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import combinations

Lab = tuple[float, float, float]

#: The D65 white point (2° observer), the reference white of sRGB.
_WHITE = (0.95047, 1.0, 1.08883)


def hex_to_lab(colour: str) -> Lab:
    """CIELAB ``(L*, a*, b*)`` of an sRGB ``#rrggbb`` colour under D65.

    Raises:
        ValueError: ``colour`` is not ``#`` followed by six hex digits.
    """
    text = str(colour).strip()
    if len(text) != 7 or text[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in text[1:]):
        raise ValueError(f"a colour must be written #rrggbb (six hex digits), not {colour!r}")
    r, g, b = (int(text[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = linear(r), linear(g), linear(b)
    x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x / _WHITE[0]), f(y / _WHITE[1]), f(z / _WHITE[2])
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1: Lab, lab2: Lab) -> float:
    """The CIEDE2000 difference ΔE00 between two CIELAB colours (about 1: just noticeable; 15+: clearly different).

    ΔE00 = sqrt((ΔL'/S_L)² + (ΔC'/S_C)² + (ΔH'/S_H)² + R_T (ΔC'/S_C)(ΔH'/S_H)), where L' is lightness,
    C' chroma and H' hue after the a* axis is stretched by 1 + G (G grows as the mean chroma falls),
    S_L, S_C, S_H weight each term by where the pair sits in colour space, and R_T rotates the blue region.
    """
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0

    d_l = l2 - l1
    d_c = c2p - c1p
    if c1p * c2p == 0:
        d_h = 0.0
    elif abs(h2p - h1p) <= 180:
        d_h = h2p - h1p
    elif h2p - h1p > 180:
        d_h = h2p - h1p - 360
    else:
        d_h = h2p - h1p + 360
    d_hh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(d_h / 2))

    l_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        h_mean = (h1p + h2p + 360) / 2
    else:
        h_mean = (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_hh / s_h) ** 2 + r_t * (d_c / s_c) * (d_hh / s_h))


def colour_distance(first: str, second: str) -> float:
    """ΔE00 between two ``#rrggbb`` colours."""
    return ciede2000(hex_to_lab(first), hex_to_lab(second))


def closest_pair(colours: Iterable[str]) -> tuple[str, str, float]:
    """The two colours of ``colours`` that look most alike, and their ΔE00.

    Raises:
        ValueError: fewer than two colours.
    """
    items = list(dict.fromkeys(colours))
    if len(items) < 2:
        raise ValueError("closest_pair needs at least two different colours")
    return min(((a, b, colour_distance(a, b)) for a, b in combinations(items, 2)), key=lambda t: t[2])


__all__ = ["Lab", "ciede2000", "closest_pair", "colour_distance", "hex_to_lab"]
