"""Dataset loaders: each file's quirks parse, broken files fail with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compsem.data import datasets as ds

DATA = Path(__file__).parent / "data"
LAYOUT = {
    "ds_SICK.txt": "sick/SICK.txt",
    "ds_sts-train.csv": "stsb/sts-train.csv",
    "ds_sts-dev.csv": "stsb/sts-dev.csv",
    "ds_sts-test.csv": "stsb/sts-test.csv",
    "ds_msr_paraphrase_train.txt": "mrpc/msr_paraphrase_train.txt",
    "ds_msr_paraphrase_test.txt": "mrpc/msr_paraphrase_test.txt",
}


def make_data_dir(root: Path) -> Path:
    """Lay the ds_ fixture files out as the shared datasets folder is laid out."""
    for src, dst in LAYOUT.items():
        (root / dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / src, root / dst)
    return root


@pytest.fixture
def ds_dir(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path)


def test_sick_parses_crlf_and_stray_whitespace_in_split(ds_dir):
    df = ds.load_sick(ds_dir)
    assert list(df.columns) == ["pair_id", "sentence_a", "sentence_b", "label", "relatedness", "split"]
    assert len(df) == 72
    assert set(df["split"]) == {"train", "trial", "test"}  # " TRIAL " and "TRAIN " normalised
    assert set(df["label"]) == {"entailment", "contradiction", "neutral"}
    assert df["relatedness"].between(1, 5).all()
    assert not df["sentence_b"].str.endswith("\r").any()


def test_stsb_ignores_extra_trailing_fields(ds_dir):
    df = ds.load_stsb(ds_dir)
    assert df.groupby("split").size().to_dict() == {"train": 12, "dev": 4, "test": 4}
    assert df["score"].between(0, 5).all()
    assert not df["sentence_b"].str.contains("extra").any()
    assert set(df["genre"]) == {"main-captions"}


def test_mrpc_handles_bom_glued_records_and_missing_final_newline(ds_dir):
    df = ds.load_mrpc(ds_dir)
    assert df.groupby("split").size().to_dict() == {"train": 12, "test": 6}
    train = df[df.split == "train"].reset_index(drop=True)
    # the glued line became two records, the first sentence lost the glued digit
    assert train.loc[2, "sentence_b"] == "The old woman is napping on a couch."
    assert train.loc[3, "label"] == 0 and train.loc[3, "sentence_a"] == "Two dogs is reading a book."
    assert set(df["label"]) == {0, 1}


def test_default_data_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPSEM_DATA_DIR", str(tmp_path))
    assert ds.default_data_dir() == tmp_path
    monkeypatch.delenv("COMPSEM_DATA_DIR")
    found = ds.default_data_dir()
    assert found is None or found.parts[-2:] == ("shared", "datasets")  # the sibling, only where it exists


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(ds.DatasetError, match=r"SICK\.txt: file not found"):
        ds.load_sick(tmp_path)


def _break(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_bytes("\n".join(lines).encode("utf-8"))


def test_sick_bad_label_names_file_and_line(ds_dir):
    _break(ds_dir / "sick/SICK.txt", 3, "CONTRADICTION", "MAYBE")
    with pytest.raises(ds.DatasetError, match=r"SICK\.txt, line 3: entailment_label 'maybe'"):
        ds.load_sick(ds_dir)


def test_sick_bad_relatedness_and_split(ds_dir):
    _break(ds_dir / "sick/SICK.txt", 4, "\t1.8\t", "\t9.5\t")
    with pytest.raises(ds.DatasetError, match=r"line 4: relatedness_score 9.5 is outside 1.0-5.0"):
        ds.load_sick(ds_dir)


def test_sick_missing_column(ds_dir):
    _break(ds_dir / "sick/SICK.txt", 1, "SemEval_set", "Set")
    with pytest.raises(ds.DatasetError, match=r"line 1: header lacks column\(s\) SemEval_set"):
        ds.load_sick(ds_dir)


def test_stsb_short_row_and_bad_score(ds_dir):
    path = ds_dir / "stsb/sts-dev.csv"
    good = path.read_text()
    path.write_text(good + "main-captions\tHAND\t2026\t9\t3.0\tonly one sentence\n")
    with pytest.raises(ds.DatasetError, match=r"sts-dev\.csv, line 5: 6 fields, expected 7"):
        ds.load_stsb(ds_dir)
    _break(path, 2, "1.200", "high")
    path.write_text(path.read_text().split("main-captions\tHAND\t2026\t9")[0])
    with pytest.raises(ds.DatasetError, match=r"sts-dev\.csv, line 2: score 'high' is not a number"):
        ds.load_stsb(ds_dir)


def test_mrpc_wrong_field_count_and_label(ds_dir):
    path = ds_dir / "mrpc/msr_paraphrase_test.txt"
    _break(path, 3, "\t", "\t\t")
    with pytest.raises(ds.DatasetError, match=r"msr_paraphrase_test\.txt, line 3: 6 fields, expected 5"):
        ds.load_mrpc(ds_dir)
    _break(path, 3, "\t\t", "\t")
    _break(path, 2, "1\t", "yes\t")
    with pytest.raises(ds.DatasetError, match=r"line 2: Quality 'yes' is not 0 or 1"):
        ds.load_mrpc(ds_dir)


def test_not_utf8_names_line(ds_dir):
    path = ds_dir / "sick/SICK.txt"
    path.write_bytes(path.read_bytes().replace(b"The cat", b"The \xe9cat", 1))
    with pytest.raises(ds.DatasetError, match=r"line 2: not UTF-8"):
        ds.load_sick(ds_dir)
