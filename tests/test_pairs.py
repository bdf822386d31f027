"""compsem.data.pairs: schema, loading, and one test per kind of problem a pair file can have."""

from __future__ import annotations

from pathlib import Path

import pytest

from compsem.data.categories import BUILTIN_CATEGORIES
from compsem.data.pairs import (
    MAX_FILE_BYTES,
    MAX_SENTENCE_CHARS,
    PairFileError,
    bundled_pairs_path,
    check_pairs,
    load_pairs,
)

HEADER = b"id,category,sentence_a,sentence_b\n"


def messages(check) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in check.problems]


def only_error(check):
    assert len(check.errors) == 1, check.problems
    return check.errors[0]


def test_valid_file_loads_with_extra_columns_kept(data_dir: Path):
    pairs = load_pairs(data_dir / "small_pairs.csv")
    assert len(pairs) == 6
    assert {"domain", "note", "expected"} <= set(pairs.columns)
    assert pairs.loc[pairs["id"] == "t-pos-1", "expected"].item() == "high"
    assert pairs.loc[pairs["id"] == "t-neg-1", "expected"].item() == "low"


def test_bom_and_quoted_commas_are_fine(data_dir: Path):
    pairs = load_pairs(data_dir / "bom_pairs.csv")
    assert list(pairs["id"]) == ["x1"]  # the BOM did not leak into the first column name
    assert pairs["sentence_a"].item() == "It rains, often."


def test_missing_column_is_reported_on_line_1(data_dir: Path):
    err = only_error(check_pairs(data_dir / "missing_column.csv"))
    assert err.line == 1 and "missing column(s): sentence_a" in err.message


def test_empty_sentence_reports_its_line():
    check = check_pairs(HEADER + b"a,negation,It is red.,It is not red.\nb,negation,   ,It is blue.\n")
    err = only_error(check)
    assert err.line == 3 and "empty sentence in column sentence_a" in err.message
    assert list(check.pairs["id"]) == ["a"]


def test_duplicate_id_names_both_lines():
    err = only_error(
        check_pairs(HEADER + b"a,negation,It is red.,It is not red.\na,negation,It is big.,It is not big.\n")
    )
    assert err.line == 3 and "duplicate id 'a' (first on line 2)" in err.message


def test_duplicate_pair_is_found_despite_case_and_spacing():
    err = only_error(
        check_pairs(HEADER + b"a,negation,It is red.,It is not red.\nb,negation, it is RED. ,It is not red.\n")
    )
    assert err.line == 3 and "duplicate pair (same sentences as line 2)" in err.message


def test_undecodable_bytes_report_the_line(data_dir: Path):
    err = only_error(check_pairs(data_dir / "latin1_pairs.csv"))
    assert err.line == 3 and "not UTF-8" in err.message


def test_binary_file_is_not_a_csv():
    err = only_error(check_pairs(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))))
    assert "not a CSV" in err.message


def test_text_without_commas_is_not_a_csv():
    err = only_error(check_pairs(b"just some notes\nwithout any structure\n"))
    assert err.line == 1 and "does not look like a CSV" in err.message


@pytest.mark.parametrize("raw", [b"", b"   \n\n"])
def test_empty_file(raw: bytes):
    assert only_error(check_pairs(raw)).message == "the file is empty"


def test_header_without_rows():
    assert "no pairs" in only_error(check_pairs(HEADER)).message


def test_wrong_field_count_points_at_unquoted_comma():
    err = only_error(check_pairs(HEADER + b"a,negation,It is red, really.,It is not red.\n"))
    assert err.line == 2 and "expected 4 fields, found 5" in err.message


def test_line_numbers_follow_multiline_quoted_fields():
    raw = HEADER + b'a,negation,"It is\nred.",It is not red.\nb,negation,,x\n'
    err = only_error(check_pairs(raw))
    assert err.line == 4  # record a spans lines 2-3


def test_broken_quoting_is_reported():
    check = check_pairs(HEADER + b'a,negation,"It is red.,It is not red.\n')
    assert not check.ok and "quoting" in check.errors[0].message


def test_too_long_sentence_and_too_big_file():
    long = b"x" * (MAX_SENTENCE_CHARS + 1)
    err = only_error(check_pairs(HEADER + b"a,negation," + long + b",short\n"))
    assert "limit is" in err.message
    big = HEADER + b"a,negation,x,y\n" + b"#" * MAX_FILE_BYTES
    assert "limit is" in only_error(check_pairs(big)).message


def test_missing_file_and_folder(tmp_path: Path):
    assert "no such file" in only_error(check_pairs(tmp_path / "nope.csv")).message
    assert "is a folder" in only_error(check_pairs(tmp_path)).message


def test_custom_category_with_and_without_direction():
    raw = (
        b"id,category,sentence_a,sentence_b,expected\n"
        b"a,sarcasm,Great job.,Terrible job.,low\n"
        b"b,synonym,The car is fast.,The automobile is quick.,high\n"
        b"c,mystery,It is here.,It is there.,\n"
    )
    check = check_pairs(raw)
    assert check.ok
    assert dict(zip(check.pairs["id"], check.pairs["expected"])) == {"a": "low", "b": "high", "c": "low"}
    assert any("'mystery' has no 'expected'" in w.message for w in check.warnings)


def test_expected_direction_must_be_valid_and_consistent():
    raw = (
        b"id,category,sentence_a,sentence_b,expected\n"
        b"a,sarcasm,Great job.,Terrible job.,low\n"
        b"b,sarcasm,Nice hat.,Ugly hat.,high\n"
        b"c,sarcasm,Fine.,Not fine.,sideways\n"
        b"d,negation,It is.,It is not.,high\n"
    )
    check = check_pairs(raw)
    lines = {p.line for p in check.errors}
    assert lines == {3, 4, 5}


def test_load_pairs_raises_with_every_problem():
    with pytest.raises(PairFileError) as info:
        load_pairs(data=HEADER + b"a,negation,,x\na,negation,y,\n", source="upload.csv")
    assert len(info.value.problems) == 3  # two empty sentences and a duplicate id
    assert "upload.csv" in str(info.value) and "line 3" in str(info.value)


def test_html_and_unicode_are_kept_as_text():
    raw = (
        "id,category,sentence_a,sentence_b\na,negation,<script>alert(1)</script> is safe.,مرحبا 👋 is not safe.\n"
    ).encode()
    pairs = load_pairs(data=raw)
    assert pairs["sentence_a"].item() == "<script>alert(1)</script> is safe."
    assert pairs["sentence_b"].item().startswith("مرحبا 👋")


# -- the bundled study set ------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundled():
    return load_pairs()


def test_bundled_set_has_the_study_counts(bundled):
    counts = bundled["category"].value_counts().to_dict()
    assert counts == {name: c.study_count for name, c in BUILTIN_CATEGORIES.items()}
    assert len(bundled) == 336


def test_bundled_set_is_clean(bundled):
    check = check_pairs(bundled_pairs_path())
    assert check.ok and not check.warnings, check.problems
    assert bundled["id"].is_unique
    assert not bundled.duplicated(["sentence_a", "sentence_b"]).any()
    assert set(bundled["domain"]) == {"medical", "legal", "financial", "technology", "science", "everyday"}


def test_bundled_adversarial_pairs_are_minimal_edits(bundled):
    """An adversarial pair changes little: most words are shared (a swap shares all of them)."""
    from compsem.scorers.order_blind import tokenize

    adversarial = bundled[
        bundled["category"].isin(
            ["negation", "numerical", "entity_swap", "temporal", "quantifier", "hedging", "near_miss_control"]
        )
    ]
    for row in adversarial.itertuples():
        a, b = set(tokenize(row.sentence_a)), set(tokenize(row.sentence_b))
        assert len(a & b) / len(a | b) >= 0.5, (row.id, row.sentence_a, row.sentence_b)
    swaps = bundled[bundled["category"] == "entity_swap"]
    for row in swaps.itertuples():
        assert sorted(tokenize(row.sentence_a)) == sorted(tokenize(row.sentence_b)), row.id
