"""compsem.reports.run_folder: a run folder read back through one validated schema (issue 22, item 12)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from run_fixture import write_synthetic_run

from compsem.cli import main
from compsem.reports.run_folder import RUN_FILES, RunFolderError, load_run, parse_comparison, parse_summary


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    write_synthetic_run(out)
    return out


def _copy(good_run: Path, tmp: Path) -> Path:
    folder = tmp / "run"
    folder.mkdir(exist_ok=True)
    for name in RUN_FILES:
        shutil.copyfile(good_run / name, folder / name)
    return folder


def _edit_summary(folder: Path, edit) -> None:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    edit(summary)
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


def test_a_good_run_loads_typed(good_run: Path):
    info = load_run(good_run).info
    assert info.thresholds == (0.5, 0.8) and info.pairs_source == "synthetic <pairs>"
    assert info.models and all(m.key and m.label for m in info.models)
    assert info.cells and info.comparisons and info.calibrated


DAMAGE = {
    "meta is a list": (lambda s: s.update(meta=[1, 2]), "meta must be a JSON object"),
    "meta is text": (lambda s: s.update(meta="x"), "meta must be a JSON object"),
    "thresholds is text": (lambda s: s["meta"].update(thresholds="0.5"), "meta.thresholds must be a JSON list"),
    "threshold is text": (lambda s: s["meta"].update(thresholds=["0.5"]), "meta.thresholds[0] must be a finite"),
    "threshold 7": (lambda s: s["meta"].update(thresholds=[7]), "meta.thresholds[0] must be within 0-1"),
    "threshold true": (lambda s: s["meta"].update(thresholds=[True]), "meta.thresholds[0] must be a finite"),
    "versions is a list": (lambda s: s["meta"].update(versions=["x"]), "meta.versions must be a JSON object"),
    "version is an object": (lambda s: s["meta"].update(versions={"x": {}}), "meta.versions['x'] must be a text"),
    "models is an object": (lambda s: s.update(models={"a": 1}), "models must be a JSON list"),
    "model is text": (lambda s: s.update(models=["m"]), "models[0] must be a JSON object"),
    "model without key": (lambda s: s["models"][0].pop("model"), "models[0].model must be a non-empty text"),
    "model key a number": (lambda s: s["models"][0].update(model=3), "models[0].model must be a non-empty text"),
    "label a list": (lambda s: s["models"][0].update(label=["x"]), "models[0].label must be"),
    "rates a list": (
        lambda s: s["per_model_category"][0].update(rate_at_threshold=[1]),
        "per_model_category[0].rate_at_threshold must be a JSON object",
    ),
    "rate text": (
        lambda s: s["per_model_category"][0]["rate_at_threshold"].update({"0.5": "lots"}),
        "rate_at_threshold['0.5'] must be a finite number",
    ),
    "CI of three": (
        lambda s: s["per_model_category"][0]["rate_ci95_at_threshold"].update({"0.5": [0, 1, 2]}),
        "must be a [low, high] pair",
    ),
    "cell without category": (lambda s: s["per_model_category"][0].pop("category"), "category must be"),
    "calibrated row text": (lambda s: s.update(calibrated_thresholds=["x"]), "calibrated_thresholds[0] must be"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_a_damaged_summary_is_one_clear_message(good_run: Path, tmp_path: Path, name: str, capsys):
    edit, message = DAMAGE[name]
    folder = _copy(good_run, tmp_path)
    _edit_summary(folder, edit)
    with pytest.raises(RunFolderError, match=message.replace("[", r"\[").replace("]", r"\]")) as err:
        load_run(folder)
    assert str(folder / "summary.json") in str(err.value)
    assert main(["report", str(folder), "--html", str(tmp_path / "r.html")]) == 1
    out = capsys.readouterr()
    assert message in out.err and len(out.err.strip().splitlines()) == 1 and "Traceback" not in out.err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_thresholds_are_refused_not_rendered_as_nan(good_run: Path, tmp_path: Path, value: str):
    folder = _copy(good_run, tmp_path)
    text = (folder / "summary.json").read_text(encoding="utf-8")
    text = text.replace('"thresholds": [\n      0.5,\n      0.8\n    ]', f'"thresholds": [{value}]')
    assert value in text
    (folder / "summary.json").write_text(text, encoding="utf-8")
    with pytest.raises(RunFolderError, match=r"meta\.thresholds\[0\] must be a finite number"):
        load_run(folder)


def test_a_comparison_row_without_its_numbers_is_refused(good_run: Path, tmp_path: Path):
    folder = _copy(good_run, tmp_path)
    comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    del comparison["bi_encoder_vs_cross_encoder"][0]["cohens_d"]
    (folder / "comparison.json").write_text(json.dumps(comparison), encoding="utf-8")
    with pytest.raises(RunFolderError, match=r"comparison\.json: bi_encoder_vs_cross_encoder\[0\] has no cohens_d"):
        load_run(folder)


def test_a_score_that_is_not_a_number_names_its_row(good_run: Path, tmp_path: Path):
    folder = _copy(good_run, tmp_path)
    lines = (folder / "all_pair_results.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("score")] = "nan"
    lines[3] = ",".join(cells)
    (folder / "all_pair_results.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RunFolderError, match="row 3: score 'nan' is not a finite number"):
        load_run(folder)


def test_run_files_get_the_guarded_reader(good_run: Path, tmp_path: Path):
    """Item 13: a FIFO or a folder in place of a run file is refused without reading."""
    folder = _copy(good_run, tmp_path)
    (folder / "summary.json").unlink()
    os.mkfifo(folder / "summary.json")
    with pytest.raises(RunFolderError, match="a FIFO/pipe"):
        load_run(folder)
    (folder / "summary.json").unlink()
    (folder / "summary.json").mkdir()
    with pytest.raises(RunFolderError, match="is a folder"):
        load_run(folder)


# -- property: any summary.json gives a typed run or one RunFolderError -------------------------------------------
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_PLACES = [
    ("meta",),
    ("meta", "thresholds"),
    ("meta", "versions"),
    ("meta", "pairs_source"),
    ("models",),
    ("models", 0),
    ("models", 0, "model"),
    ("models", 0, "label"),
    ("per_model_category",),
    ("per_model_category", 0, "rate_at_threshold"),
    ("per_model_category", 0, "rate_ci95_at_threshold"),
    ("calibrated_thresholds",),
    ("calibrated_thresholds", 0, "threshold"),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(_PLACES), value=_JSON)
def test_any_value_anywhere_in_the_summary_gives_a_run_or_one_error(good_run: Path, place, value):
    summary = json.loads((good_run / "summary.json").read_text(encoding="utf-8"))
    comparison = json.loads((good_run / "comparison.json").read_text(encoding="utf-8"))
    target = summary
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    try:
        info = parse_summary(summary, comparison)
    except RunFolderError as exc:
        assert str(exc).startswith("summary.json: ")
        return
    assert info.thresholds and all(0.0 <= t <= 1.0 for t in info.thresholds)
    assert all(isinstance(m.key, str) and isinstance(m.label, str) for m in info.models)


@settings(max_examples=100, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(["bi_encoder_vs_cross_encoder", "method", "x"]), _JSON, max_size=3))
def test_any_comparison_document_gives_rows_or_one_error(doc):
    try:
        rows = parse_comparison(doc)
    except RunFolderError as exc:
        assert str(exc).startswith("comparison.json: ")
        return
    for table in rows.values():
        assert all(isinstance(r["category"], str) for r in table)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(_PLACES), value=_JSON)
def test_a_run_that_loads_also_renders(good_run: Path, tmp_path_factory, place, value):
    """What the loader accepts, the HTML report can draw (no traceback after the schema)."""
    from compsem.reports.html import render_html

    folder = _copy(good_run, tmp_path_factory.mktemp("r"))

    def edit(summary: dict) -> None:
        target = summary
        for step in place[:-1]:
            target = target[step]
        target[place[-1]] = value

    _edit_summary(folder, edit)
    try:
        run = load_run(folder)
    except RunFolderError:
        return
    assert render_html(run).startswith("<!DOCTYPE html>")
