"""compsem.figures.palette: one colour per model, whatever else is selected."""

from __future__ import annotations

import re
import subprocess
import sys

from compsem.figures.palette import FALLBACK_PALETTE, FIXED_COLORS, model_color, model_colors
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
