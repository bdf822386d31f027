"""compsem.data.labels: display names carried in the frame, read back by the figures and tables, never exported."""

from __future__ import annotations

import pandas as pd
from run_fixture import BI, CE, synthetic_results

from compsem import figures, stats
from compsem.data.labels import LABEL_COLUMN, ModelLabels, attach, labels_of, with_labels
from compsem.reports.files import pair_results_csv


def test_model_labels_is_a_frozen_hashable_mapping_with_the_key_as_fallback():
    names = ModelLabels.of({"a/x": "X"})
    assert names["a/x"] == "X" and names.name("b/y") == "b/y" and names.get("b/y", "?") == "?"
    assert hash(names) == hash(ModelLabels.of({"a/x": "X"})) and names == ModelLabels.of({"a/x": "X"})
    assert ModelLabels.of(names) is names and len(ModelLabels.of(None)) == 0


def test_the_frame_carries_the_names_and_an_override_wins():
    frame = pd.DataFrame({"model": ["a/x", "b/y", "a/x"], "score": [0.1, 0.9, 0.2]})
    shown = with_labels(frame, {"a/x": "X"})
    assert list(shown[LABEL_COLUMN]) == ["X", "b/y", "X"] and LABEL_COLUMN not in frame.columns
    assert dict(labels_of(shown)) == {"a/x": "X", "b/y": "b/y"}
    assert labels_of(frame) == ModelLabels()  # an unlabelled frame shows its keys
    assert labels_of(shown, {"a/x": "short"}).name("a/x") == "short"


def test_attach_labels_every_model_key_column():
    table = pd.DataFrame({"category": ["negation"], "best_model": ["a/x"], "worst_model": ["b/y"]})
    out = attach(table, {"a/x": "X", "b/y": "Y"})
    assert list(out["best_model_label"]) == ["X"] and list(out["worst_model_label"]) == ["Y"]
    assert attach(None, {}) is None


def test_figures_and_tables_read_the_names_from_their_input():
    shown = with_labels(synthetic_results(), {BI: "Bi <1>", CE: "NLI"})
    names = [t.name for t in figures.distributions(shown, 0.5).data]
    assert "Bi &lt;1&gt;" in names and "NLI" in names  # read from the frame, escaped
    assert {"Bi <1>", "NLI"} <= set(stats.pair_table(shown).columns)
    rates = attach(stats.rates_with_ci(shown, 0.5, n_resamples=20), labels_of(shown))
    assert "NLI" in list(figures.rate_heatmap(rates).data[0].y)


def test_a_shown_frame_exports_as_the_plain_one():
    results = synthetic_results()
    assert pair_results_csv(with_labels(results, {BI: "Bi"})) == pair_results_csv(results)
