"""compsem.data.formatting: p-values in scientific notation with 2 significant digits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compsem.data.formatting import format_pvalue


@pytest.mark.parametrize(
    "p, text",
    [
        (1.234e-17, "1.2e-17"),
        (0.00000000000000001, "1.0e-17"),
        (0.0342, "3.4e-02"),
        (0.05, "5.0e-02"),
        (1.0, "1.0e+00"),
        (0.0, "0.0e+00"),
        (np.float64(2.96e-9), "3.0e-09"),
    ],
)
def test_two_significant_digits_in_scientific_notation(p, text):
    assert format_pvalue(p) == text


@pytest.mark.parametrize("p", [None, math.nan, math.inf, "abc", True])
def test_missing_values_show_a_dash(p):
    assert format_pvalue(p) == "—"
