"""compsem.reports.html and `compsem report --html`: one standalone file from a run folder."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest
from run_fixture import CE, XSS, write_synthetic_run

from compsem.analysis.recipes_story import recipe_stories
from compsem.cli import main
from compsem.models.registry import get_spec
from compsem.pipeline import run
from compsem.reports.html import render_html, write_html_report
from compsem.reports.run_folder import RunFolderError, load_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    write_synthetic_run(out)
    return out


@pytest.fixture(scope="module")
def page(run_dir) -> str:
    return render_html(load_run(run_dir))


def test_plotly_js_is_embedded_once_and_nothing_is_fetched(page):
    assert page.count("plotly.js v") >= 1  # the bundle's own banner
    n_bundles = len(re.findall(r"\* plotly\.js v\d", page))
    assert n_bundles == 1
    assert not re.search(r"<script[^>]+src=", page), "a <script src=...> would need a network"
    # (the bundle itself names cdn.plot.ly for map topologies, which no chart here uses; the browser test
    # opens the file with every network request blocked)
    assert page.count("Plotly.newPlot(") >= 5  # findings, the d heatmap and the distributions


def test_sections_and_numbers_come_from_the_run_files(run_dir, page):
    for heading in (
        "Findings at threshold 0.5",
        "Failure rates with 95% CIs",
        "Share of pairs scoring ≥ 0.8",
        "Effect sizes",
        "Score distributions",
        "Calibrated thresholds",
    ):
        assert heading in page
    summary = json.loads((run_dir / "summary.json").read_text())
    cell = next(r for r in summary["per_model_category"] if r["model"] == CE and r["category"] == "entity_swap")
    low, high = cell["rate_ci95_at_threshold"]["0.5"]
    assert (
        f'{100 * cell["rate_at_threshold"]["0.5"]:.0f}%<br><span class="ci">[{100 * low:.0f}–{100 * high:.0f}]' in page
    )
    comparison = json.loads((run_dir / "comparison.json").read_text())
    p = comparison["bi_encoder_vs_cross_encoder"][0]["holm_pvalue_mw"]
    assert f"{p:.1e}" in page  # p-values in scientific notation, 2 significant digits


def test_findings_show_example_pairs_with_both_models_scores(page):
    assert page.count('<section class="finding">') >= 4
    examples = re.findall(r'<div class="scores">(.*?)</div></div></section>', page)
    assert examples
    assert "MiniLM" in examples[0] and "SICK-NLI" in examples[0]
    assert re.search(r'<span class="value">\d\.\d{3}</span>', examples[0])


def test_pair_text_and_run_metadata_are_escaped(page):
    assert XSS not in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page or "&lt;script&gt;" in page
    assert "synthetic &lt;pairs&gt;" in page


def test_spreadsheet_guard_prefix_is_removed_from_key_columns(run_dir, tmp_path):
    guarded = tmp_path / "run"
    guarded.mkdir()
    for name in ("summary.json", "comparison.json"):
        (guarded / name).write_text((run_dir / name).read_text())
    table = pd.read_csv(run_dir / "all_pair_results.csv")
    table["pair_id"] = "'-" + table["pair_id"]  # as a spreadsheet-safe writer would store "-negation-0"
    table["sentence_b"] = "'=" + table["sentence_b"]
    table.to_csv(guarded / "all_pair_results.csv", index=False)
    run = load_run(guarded)
    assert run.results["pair_id"].str.startswith("-").all()
    assert run.results["score"].dtype.kind == "f"


def test_cli_writes_the_file(run_dir, tmp_path, capsys):
    out = tmp_path / "share" / "report.html"
    assert main(["report", str(run_dir), "--html", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert out.stat().st_mode & 0o044  # readable by others under a usual umask: it is meant to be shared


@pytest.mark.parametrize(
    "broken, message",
    [
        ("missing-folder", "no such folder"),
        ("no-summary", "summary.json missing"),
        ("bad-json", "cannot be read as JSON"),
        ("no-score", "score missing"),
    ],
)
def test_bad_run_folders_say_why(run_dir, tmp_path, broken, message, capsys):
    folder = tmp_path / "run"
    if broken != "missing-folder":
        folder.mkdir()
        for name in ("all_pair_results.csv", "summary.json", "comparison.json"):
            (folder / name).write_text((run_dir / name).read_text())
    if broken == "no-summary":
        (folder / "summary.json").unlink()
    elif broken == "bad-json":
        (folder / "comparison.json").write_text("{not json")
    elif broken == "no-score":
        pd.read_csv(run_dir / "all_pair_results.csv").drop(columns="score").to_csv(
            folder / "all_pair_results.csv", index=False
        )
    with pytest.raises(RunFolderError, match=message):
        write_html_report(folder, tmp_path / "r.html")
    assert main(["report", str(folder), "--html", str(tmp_path / "r.html")]) == 1
    assert message in capsys.readouterr().err


# --- issue 23 item 10: an email-ready report ----------------------------------------------------------


def test_the_report_opens_with_a_summary_paragraph_and_the_headline_table(page):
    summary, findings = page.index("<h2>Summary</h2>"), page.index("<h2>Findings at threshold")
    assert summary < findings
    top = page[summary:findings]
    assert "This report tests whether sentence-similarity models" in top
    assert 'class="headline"' in top and "edited pairs scored similar" in top and "paraphrases scored similar" in top
    assert 'class="swatch" style="background:#' in top  # each model with its colour, as on every page


def test_example_scores_say_what_they_mean_at_the_threshold(page):
    assert re.search(r'class="verdict">(≥|<) 0\.5: (similar|different)<', page)


def test_extra_findings_such_as_the_reranking_lab_are_numbered_after_the_story(run_dir):
    from test_rerank import write_rerank_results

    from compsem import rerank
    from compsem.analysis.story import rerank_finding

    folder = run_dir.parent / "rerank-for-html"
    folder.mkdir(exist_ok=True)
    write_rerank_results(folder)
    results = rerank.load_rerank_results(folder)
    found = rerank_finding(rerank.metrics_table(results))
    assert found is not None
    text = render_html(load_run(run_dir), extra_findings=[found])
    assert f". {found.title}</h3>" in text and "From the saved `compsem rerank-eval` results" in text
    assert (
        text.count('<section class="finding">') == render_html(load_run(run_dir)).count('<section class="finding">') + 1
    )


def test_the_cdn_report_is_small_and_links_plotly_instead_of_embedding_it(run_dir, tmp_path, capsys):
    inline, cdn = tmp_path / "inline.html", tmp_path / "cdn.html"
    assert main(["report", str(run_dir), "--html", str(inline)]) == 0
    assert main(["report", str(run_dir), "--html", str(cdn), "--plotly", "cdn"]) == 0
    printed = capsys.readouterr().out
    assert "MB; plotly.js inside: opens offline" in printed and "from its CDN: needs the internet" in printed
    text = cdn.read_text(encoding="utf-8")
    assert re.search(r'<script[^>]+src="https://cdn\.plot\.ly/plotly-[\d.]+\.min\.js"', text)
    assert not re.search(r"\* plotly\.js v\d", text)
    assert cdn.stat().st_size < inline.stat().st_size - 3_000_000  # plotly.js is ~4.8 MB of the inline file
    with pytest.raises(ValueError, match="plotly must be one of"):
        render_html(load_run(run_dir), plotly="none")


def test_a_run_with_a_recipe_and_its_starting_adapter_ends_with_what_the_recipe_fixes_and_costs(
    tmp_path, monkeypatch, page
):
    monkeypatch.delenv("COMPSEM_SEED", raising=False)  # the shipped seed: nothing is scored
    models = ["compsem/minilm-l6-sick-nli-minimal-edits", "compsem/minilm-l6-sick-nli-role-swaps"]
    outcome = run(models=models, out=tmp_path / "run")
    assert outcome.scoring.scored == 0
    found = load_run(tmp_path / "run")
    recipe_page = render_html(found)
    cards = {m: get_spec(m).card for m in models}
    (story,) = recipe_stories(found.results.assign(model_label=found.results["model"].map(found.labels)), cards, 0.5)
    assert "What the new training recipes fix, and what they cost" in recipe_page
    assert html.escape(story.sentence) in recipe_page
    for ex in (story.fix_example, story.cost_example):
        assert ex is not None and f"Example pair {ex.pair_id} " in recipe_page
    assert "What the new training recipes" not in page  # a run without a recipe has no such section
