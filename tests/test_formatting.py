"""compsem.data.formatting: p-values in scientific notation with 2 significant digits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compsem.data.formatting import clean_number, format_pvalue, format_raw, format_score, format_share


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


# --- scores, raw outputs, shares (issue 23 items 4 and 9) -------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.100"),  # the same number of decimals as 0.6474
        (0.6474, "0.647"),
        (2.220446049250313e-16, "0.000"),  # float noise from 1 - 0.9999999999999998
        (-1e-17, "0.000"),  # never "-0.000"
        (1.0, "1.000"),
        (np.float32(0.8139999), "0.814"),
        (None, "—"),
        (math.nan, "—"),
        ("x", "—"),
    ],
)
def test_format_score_has_fixed_decimals_and_no_float_noise(value, text):
    assert format_score(value) == text


def test_every_score_has_the_same_number_of_decimals():
    texts = [format_score(v) for v in (0.1, 0.6474, 1, 0, 0.0000000000000002, 0.99999999)]
    assert {len(t.split(".")[1]) for t in texts} == {3}


@pytest.mark.parametrize(
    ("value", "text"),
    [(3.4368123, "3.437"), (-0.012341, "-0.01234"), (2e-17, "0"), (-2e-17, "0"), (1234.56, "1235"), (None, "—")],
)
def test_format_raw_keeps_four_significant_digits(value, text):
    assert format_raw(value) == text


def test_clean_number_rounds_for_display_and_drops_negative_zero():
    assert clean_number(0.0000000000000002) == 0.0
    assert str(clean_number(-1e-9)) == "0.0"
    assert clean_number(0.81449) == 0.814 and clean_number(3.43681, 4) == 3.4368
    assert math.isnan(clean_number(None)) and math.isnan(clean_number(math.inf))


def test_format_share_is_a_whole_percent():
    assert (format_share(0.456), format_share(1), format_share(None)) == ("46%", "100%", "—")
