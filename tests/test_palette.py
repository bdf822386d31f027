"""compsem.figures.palette: one colour per model, whatever else is selected."""

from __future__ import annotations

import re
import subprocess
import sys
from itertools import combinations

import pytest

from compsem.figures.colour_distance import ciede2000, closest_pair, colour_distance, hex_to_lab
from compsem.figures.palette import (
    FALLBACK_PALETTE,
    FIXED_COLORS,
    MIN_DISTANCE,
    category_symbols,
    model_color,
    model_colors,
)
from compsem.models.registry import all_specs
from compsem.models.specs import REGISTRY


def test_every_registry_model_has_a_distinct_fixed_colour():
    keys = [s.key for s in REGISTRY] + [
        "compsem/minilm-l6-sick-nli",
        "compsem/minilm-l6-sick-relatedness",
        "compsem/minilm-l6-stsb",
        "compsem/minilm-l6-mrpc",
    ]
    assert all(k in FIXED_COLORS for k in keys), [k for k in keys if k not in FIXED_COLORS]
    assert len(set(FIXED_COLORS.values())) == len(FIXED_COLORS)
    assert not set(FALLBACK_PALETTE) & set(FIXED_COLORS.values())


def test_colour_does_not_depend_on_the_selection():
    alone = model_colors(["compsem/minilm-l6-stsb"])
    many = model_colors(["sentence-transformers/all-MiniLM-L6-v2", "baseline/token-jaccard", "compsem/minilm-l6-stsb"])
    assert alone["compsem/minilm-l6-stsb"] == many["compsem/minilm-l6-stsb"]


def test_unknown_keys_get_a_stable_palette_colour_in_any_process():
    colour = model_color("/home/me/models/my-encoder")
    assert re.fullmatch(r"#[0-9a-f]{6}", colour) and colour in FALLBACK_PALETTE
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "from compsem.figures.palette import model_color; print(model_color('/home/me/models/my-encoder'))",
        ],
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "123", **__import__("os").environ},
    )
    assert other.stdout.strip() == colour


# --- perceptual distance (issue 23 item 3) ---------------------------------------------------------


#: The 13 models `compsem run` scores offline by default (registry.offline_models() on a full checkout).
DEFAULT_MODELS = [
    "sentence-transformers/all-MiniLM-L6-v2",
    "sentence-transformers/all-mpnet-base-v2",
    "baseline/token-jaccard",
    "baseline/tfidf-cosine",
    "baseline/bag-of-embeddings",
    "compsem/minilm-l6-mrpc",
    "compsem/minilm-l6-sick-nli",
    "compsem/minilm-l6-sick-nli-minimal-edits",
    "compsem/minilm-l6-sick-relatedness",
    "compsem/minilm-l6-stsb",
    "compsem/mpnet-base-mrpc",
    "compsem/mpnet-base-sick-nli",
    "compsem/mpnet-base-sick-nli-minimal-edits",
]


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # Sharma, Wu & Dalal (2005), the CIEDE2000 test data
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (50, 0, -2.5), 4.3065),
        ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ],
)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_hex_to_lab_of_white_black_and_a_bad_colour():
    assert hex_to_lab("#ffffff") == pytest.approx((100, 0, 0), abs=0.01)
    assert hex_to_lab("#000000") == pytest.approx((0, 0, 0), abs=0.01)
    with pytest.raises(ValueError, match="#rrggbb"):
        hex_to_lab("red")


def test_the_default_models_colours_differ_by_at_least_15_ciede2000():
    colours = [model_color(m) for m in DEFAULT_MODELS]
    worst = min(
        ((a, b, colour_distance(model_color(a), model_color(b))) for a, b in combinations(DEFAULT_MODELS, 2)),
        key=lambda t: t[2],
    )
    assert len(set(colours)) == len(DEFAULT_MODELS)
    assert worst[2] >= MIN_DISTANCE == 15, worst


def test_every_palette_colour_fallbacks_included_keeps_the_minimum_distance():
    a, b, distance = closest_pair([*FIXED_COLORS.values(), *FALLBACK_PALETTE])
    assert distance >= MIN_DISTANCE, (a, b, distance)


def test_every_colour_is_readable_on_white():
    for colour in [*FIXED_COLORS.values(), *FALLBACK_PALETTE]:
        assert hex_to_lab(colour)[0] <= 75, colour  # lighter than that vanishes on the white chart


def test_a_display_label_finds_its_models_colour():
    for spec in all_specs():
        if spec.key in FIXED_COLORS and spec.label:
            assert model_color(spec.label) == FIXED_COLORS[spec.key], spec.key


def test_categories_get_symbols_not_model_colours():
    symbols = category_symbols(["negation", "numbers", "negation", "paraphrase"])
    assert list(symbols) == ["negation", "numbers", "paraphrase"]
    assert len(set(symbols.values())) == 3
    assert not set(symbols.values()) & set(FIXED_COLORS.values())
