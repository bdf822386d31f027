"""The fix-experiment table: rates against targets, card figures, and its Markdown."""

from __future__ import annotations

import pandas as pd
import pytest

from compsem.analysis.recipe_table import recipe_markdown, recipe_table


def _scores() -> pd.DataFrame:
    rows = []
    for model, swap, para in (("m/a", [0.9, 0.9, 0.1, 0.1], [0.9, 0.9, 0.9, 0.4]), ("m/b", [0.6] * 4, [0.1] * 4)):
        rows += [{"model": model, "category": "entity_swap", "score": s} for s in swap]
        rows += [{"model": model, "category": "negation", "score": s} for s in (0.1, 0.1, 0.1, 0.85)]
        rows += [{"model": model, "category": "positive_control", "score": s} for s in para]
    return pd.DataFrame(rows)


def test_rates_targets_and_card_figures():
    cards = {
        "m/a": {"objective_family": "nli", "metrics": {"test_accuracy": 0.86}, "train_seconds": 600},
        "m/b": {
            "objective": "equivalence",
            "objective_family": "duplicate",
            "metrics": {"test_sick_accuracy": 0.8, "test_mrpc_accuracy": 0.7, "test_mrpc_f1": 0.75},
        },
    }
    table = recipe_table(_scores(), cards, n_resamples=200)
    row = table.set_index(["model", "measure", "category", "threshold"])
    assert row.loc[("m/a", "fail", "entity_swap", 0.5), "value"] == pytest.approx(0.5)
    assert not row.loc[("m/a", "fail", "entity_swap", 0.5), "met"]  # 50 % > the 30 % swapped-roles target
    assert row.loc[("m/a", "fail", "negation", 0.5), "met"] is False  # 25 % > 20 %
    assert row.loc[("m/a", "fail", "entity_swap", 0.8), "value"] == pytest.approx(0.5)
    assert row.loc[("m/b", "fail", "entity_swap", 0.8), "value"] == 0.0
    assert row.loc[("m/a", "pass", "positive_control", 0.5), "value"] == pytest.approx(0.75)
    figures = table[
        table["measure"].isin(["sick_test_accuracy", "mrpc_test_accuracy", "mrpc_test_f1", "train_minutes"])
    ]
    assert set(zip(figures["model"], figures["measure"], figures["value"].round(4))) == {
        ("m/a", "sick_test_accuracy", 0.86),
        ("m/a", "train_minutes", 10.0),
        ("m/b", "sick_test_accuracy", 0.8),
        ("m/b", "mrpc_test_f1", 0.75),
        ("m/b", "mrpc_test_accuracy", 0.7),
    }
    text = recipe_markdown(table, {"m/a": "A", "m/b": "B"})
    assert text.splitlines()[0] == "| measure | A | B |"
    assert "| Entity swap fail@0.5 | 50 % [" in text and " ✗ |" in text
    assert (
        "| SICK test accuracy (NLI: 3 classes; equivalence head: same meaning yes/no) | 0.8600 ✓ | 0.8000 ✗ |" in text
    )
    assert "| Training time (min, 2 shared CPU cores) | 10.0 | — |" in text
