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


# -- issue 22: reserved columns, raw text, huge cells, control characters in names --------------------------
@pytest.mark.parametrize("column", ["score", "pair_id", "raw_output", "_line", "model", "raw_score", "model_label"])
def test_a_column_the_results_would_hide_is_refused_with_its_name(column: str):
    """Item 8: a pair-file column named like a result column would vanish from the results; refuse it."""
    raw = f"id,category,sentence_a,sentence_b,{column}\na,negation,It is red.,It is not red.,x\n".encode()
    err = only_error(check_pairs(raw))
    assert err.line == 1 and f"column {column!r} is reserved" in err.message and "Rename it" in err.message
    with pytest.raises(PairFileError, match="is reserved"):
        load_pairs(data=raw)


def test_a_column_name_that_only_differs_in_case_is_refused_too():
    raw = b"id,category,sentence_a,sentence_b,Score\na,negation,It is red.,It is not red.,x\n"
    assert "'score' is reserved" in only_error(check_pairs(raw)).message


def test_sentences_and_own_columns_keep_the_text_exactly_as_in_the_file():
    """Item 9: no NFC, no strip of text (the JSON Lines export promises the raw text); ids are still cleaned."""
    decomposed = "Cafe\u0301 is open."  # e + combining accent: NFC would turn it into one character
    raw = f"id,category,sentence_a,sentence_b,note\n a ,negation,  {decomposed}  ,It is not open.\t, keep \n".encode()
    pairs = load_pairs(data=raw)
    assert pairs["sentence_a"].item() == f"  {decomposed}  "
    assert pairs["sentence_b"].item() == "It is not open.\t"
    assert pairs["note"].item() == " keep "
    assert pairs["id"].item() == "a" and pairs["category"].item() == "negation"


def test_duplicates_are_still_found_through_whitespace_and_normalisation():
    raw = HEADER + "a,negation,Caf\u00e9 is open.,It is shut.\nb,negation, Cafe\u0301 is open. ,It is shut.\n".encode()
    err = only_error(check_pairs(raw))
    assert err.line == 3 and "duplicate pair" in err.message


def test_a_huge_cell_is_named_with_its_size_and_the_limit():
    """Item 10: not "broken CSV quoting: field larger than field limit"."""
    from compsem.data.pairs import MAX_CELL_CHARS

    err = only_error(check_pairs(HEADER + b"a,negation,x," + b"y" * 4_900_000 + b"\n"))
    assert err.line == 2
    assert f"cell too large: 4,900,000 characters; the limit is {MAX_CELL_CHARS:,}" in err.message
    assert "quoting" not in err.message


@pytest.mark.parametrize("column", ["category", "id", "expected"])
@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x9b", "\t", "\x7f"])
def test_control_characters_in_names_are_refused_with_the_line(column: str, char: str):
    """Item 19: an ESC sequence in a category would be printed raw to a terminal and copied into reports."""
    cells = {"id": "a", "category": "negation", "expected": "low"}
    cells[column] = cells[column][:2] + char + "[2J" + cells[column][2:]
    raw = (
        "id,category,sentence_a,sentence_b,expected\nok,negation,It is big.,It is not big.,low\n"
        f'"{cells["id"]}","{cells["category"]}",It is red.,It is not red.,"{cells["expected"]}"\n'
    ).encode()
    check = check_pairs(raw)
    assert any(p.line == 3 and "contains control characters" in p.message for p in check.errors), check.problems
    shown = " ".join(str(p) for p in check.problems)
    assert char not in shown  # the message itself shows the character escaped
    assert list(check.pairs["id"]) == ["ok"]


def test_control_characters_in_a_column_name_are_refused():
    err = only_error(check_pairs(b"id,category,sentence_a,sentence_b,no\x1bte\na,negation,It is.,It is not.,x\n"))
    assert err.line == 1 and "control characters" in err.message and "\x1b" not in err.message


def test_a_fifo_or_device_as_pair_file_is_refused_without_reading(tmp_path: Path):
    import os

    os.mkfifo(tmp_path / "pipe.csv")
    assert "a FIFO" in only_error(check_pairs(tmp_path / "pipe.csv")).message  # a read would block forever
    assert "character device" in only_error(check_pairs("/dev/zero")).message


# -- property: any bytes give a result or problems, never an exception ----------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CELL = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["negation", "score", '"', '""', ",", "\r\n", "\x1b[2J", "=1+1", "low", "high", " "]
)


@st.composite
def pair_files(draw) -> bytes:
    header = draw(
        st.lists(
            st.sampled_from(["id", "category", "sentence_a", "sentence_b", "expected", "note", "score", "_line"]),
            min_size=1,
            max_size=7,
        )
    )
    rows = draw(st.lists(st.lists(_CELL, min_size=0, max_size=8), max_size=6))
    text = "\n".join(",".join(row) for row in [header, *rows])
    raw = text.encode("utf-8", "surrogatepass")
    return draw(st.sampled_from([raw, raw[: len(raw) // 2], b"\xef\xbb\xbf" + raw, raw.replace(b",", b";")]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=pair_files() | st.binary(max_size=300))
def test_any_pair_file_gives_pairs_or_line_numbered_problems(raw: bytes):
    check = check_pairs(raw)
    assert check.ok or check.errors
    for problem in check.problems:
        assert problem.line >= 0 and problem.message
    if check.ok:
        assert {"id", "category", "sentence_a", "sentence_b", "expected"} <= set(check.pairs.columns)
        assert not set(check.pairs.columns) & {"score", "_line", "pair_id"}
        assert all(s.strip() for s in check.pairs["sentence_a"])
    try:
        load_pairs(data=raw)
    except PairFileError as exc:  # the one error type a caller has to handle
        assert exc.problems
