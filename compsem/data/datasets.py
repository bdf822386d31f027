"""Loaders for the public datasets used to fine-tune cross-encoders: SICK, STS Benchmark, MRPC.

Each loader reads the original files from ``data_dir``, else ``$COMPSEM_DATA_DIR``, else the
checkout's sibling ``../shared/datasets`` when it exists (:data:`compsem.config.DATA_DIR`), handles the known
quirks of each file, and raises :class:`DatasetError` naming file and line for anything else.

Known quirks handled:

* SICK: Windows line ends on most lines, and one ``SemEval_set`` value without them
  (stray whitespace is stripped from split names).
* STS-B: no header, no quoting; some rows carry two extra trailing fields (ignored).
* MRPC: a UTF-8 BOM; one train line holds two records glued together (the first record's
  last sentence runs straight into the next record's quality digit); no final newline.

Example:
    >>> sick = load_sick()                                  # doctest: +SKIP
    >>> sick.groupby("split").size().to_dict()              # doctest: +SKIP
    {'test': 4906, 'train': 4439, 'trial': 495}
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from compsem.config import DATA_DIR
from compsem.data.guarded import FileRefusedError, read_guarded

SICK_LABELS = ("contradiction", "entailment", "neutral")
#: The public datasets are a few MB each; far larger is not one of them.
MAX_DATASET_BYTES = 256 * 2**20


class DatasetError(ValueError):
    """A dataset file is missing or broken; the message names the file and the line."""


#: What to do when no dataset folder is known (no argument, no variable, no sibling folder).
NO_DATA_HINT = (
    "pass --data-dir (Python: data_dir=) or set COMPSEM_DATA_DIR to the folder holding sick/, stsb/ and mrpc/"
)


def default_data_dir() -> Path | None:
    """``$COMPSEM_DATA_DIR`` if set, else the checkout's sibling ``../shared/datasets`` if it exists, else None."""
    return DATA_DIR.value


def dataset_dir(data_dir: str | Path | None = None) -> Path:
    """The dataset folder to read: ``data_dir`` if given, else :func:`default_data_dir`.

    Raises:
        DatasetError: neither is known; the message names ``--data-dir`` and ``COMPSEM_DATA_DIR``.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    found = default_data_dir()
    if found is None:
        raise DatasetError(f"no dataset folder found: {NO_DATA_HINT}.")
    return found


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DatasetError(f"{path}: file not found; {NO_DATA_HINT}.")
    try:  # the guards every file compsem reads gets (regular file only, a size limit)
        raw = read_guarded(path, limit=MAX_DATASET_BYTES, kind="dataset file")
    except FileRefusedError as exc:
        raise DatasetError(exc.reason) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{path}, line {line}: not UTF-8 text ({exc.reason}).") from None
    return [ln.rstrip("\r") for ln in text.split("\n")]


def _float(value: str, path: Path, lineno: int, what: str, lo: float, hi: float) -> float:
    try:
        x = float(value.strip())
    except ValueError:
        raise DatasetError(f"{path}, line {lineno}: {what} {value!r} is not a number.") from None
    if not lo <= x <= hi:
        raise DatasetError(f"{path}, line {lineno}: {what} {x} is outside {lo}-{hi}.")
    return x


def _text(value: str, path: Path, lineno: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise DatasetError(f"{path}, line {lineno}: {what} is empty.")
    return text


def load_sick(data_dir: str | Path | None = None) -> pd.DataFrame:
    """SICK (Marelli et al., 2014): one row per pair with both its NLI label and relatedness.

    Returns:
        DataFrame with columns pair_id, sentence_a, sentence_b, label (entailment /
        contradiction / neutral), relatedness (1-5), split (train / trial / test).

    Raises:
        DatasetError: missing file, missing columns, or a bad value (file and line named).
    """
    path = dataset_dir(data_dir) / "sick" / "SICK.txt"
    lines = _read_lines(path)
    header = [h.strip() for h in lines[0].split("\t")]
    need = ("pair_ID", "sentence_A", "sentence_B", "entailment_label", "relatedness_score", "SemEval_set")
    missing = [c for c in need if c not in header]
    if missing:
        raise DatasetError(f"{path}, line 1: header lacks column(s) {', '.join(missing)}.")
    col = {c: header.index(c) for c in need}
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        f = line.split("\t")
        if len(f) < len(header):
            raise DatasetError(f"{path}, line {lineno}: {len(f)} fields, expected {len(header)}.")
        label = f[col["entailment_label"]].strip().lower()
        if label not in SICK_LABELS:
            raise DatasetError(f"{path}, line {lineno}: entailment_label {label!r} is not one of {SICK_LABELS}.")
        split = f[col["SemEval_set"]].strip().lower()
        if split not in ("train", "trial", "test"):
            raise DatasetError(f"{path}, line {lineno}: SemEval_set {split!r} is not TRAIN, TRIAL or TEST.")
        rows.append(
            {
                "pair_id": f[col["pair_ID"]].strip(),
                "sentence_a": _text(f[col["sentence_A"]], path, lineno, "sentence_A"),
                "sentence_b": _text(f[col["sentence_B"]], path, lineno, "sentence_B"),
                "label": label,
                "relatedness": _float(f[col["relatedness_score"]], path, lineno, "relatedness_score", 1.0, 5.0),
                "split": split,
            }
        )
    if not rows:
        raise DatasetError(f"{path}: no pairs found.")
    return pd.DataFrame(rows)


def load_stsb(data_dir: str | Path | None = None) -> pd.DataFrame:
    """STS Benchmark (Cer et al., 2017) from ``stsb/sts-{train,dev,test}.csv``.

    Returns:
        DataFrame with columns sentence_a, sentence_b, score (0-5), split (train / dev / test), genre.

    Raises:
        DatasetError: missing file, too few fields, or a bad score (file and line named).
    """
    frames = []
    for split in ("train", "dev", "test"):
        path = dataset_dir(data_dir) / "stsb" / f"sts-{split}.csv"
        rows = []
        for lineno, line in enumerate(_read_lines(path), start=1):
            if not line.strip():
                continue
            f = line.split("\t")
            if len(f) < 7:  # rows with 2 extra trailing fields are fine; the first 7 are the record
                raise DatasetError(
                    f"{path}, line {lineno}: {len(f)} fields, expected 7 "
                    "(genre, file, year, id, score, sentence1, sentence2)."
                )
            rows.append(
                {
                    "sentence_a": _text(f[5], path, lineno, "sentence1"),
                    "sentence_b": _text(f[6], path, lineno, "sentence2"),
                    "score": _float(f[4], path, lineno, "score", 0.0, 5.0),
                    "split": split,
                    "genre": f[0].strip(),
                }
            )
        if not rows:
            raise DatasetError(f"{path}: no pairs found.")
        frames.append(pd.DataFrame(rows))
    return pd.concat(frames, ignore_index=True)


_GLUED = re.compile(r"^(.*\S)([01])$")


def _mrpc_records(fields: list[str], path: Path, lineno: int) -> list[list[str]]:
    """Split one MRPC line into records of 5 fields, undoing the known two-records-glued quirk."""
    if len(fields) == 5:
        return [fields]
    if len(fields) == 9:
        m = _GLUED.match(fields[4])
        if m:
            return [fields[:4] + [m.group(1)], [m.group(2)] + fields[5:]]
    raise DatasetError(
        f"{path}, line {lineno}: {len(fields)} fields, expected 5 (Quality, #1 ID, #2 ID, #1 String, #2 String)."
    )


def load_mrpc(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Microsoft Research Paraphrase Corpus from ``mrpc/msr_paraphrase_{train,test}.txt``.

    Returns:
        DataFrame with columns sentence_a, sentence_b, label (1 = paraphrase), split (train / test).

    Raises:
        DatasetError: missing file or header, wrong field count, or a bad label (file and line named).
    """
    frames = []
    for split in ("train", "test"):
        path = dataset_dir(data_dir) / "mrpc" / f"msr_paraphrase_{split}.txt"
        lines = _read_lines(path)
        if not lines[0].lower().startswith("quality"):
            raise DatasetError(
                f"{path}, line 1: expected the header 'Quality\\t#1 ID\\t#2 ID\\t#1 String\\t#2 String'."
            )
        rows = []
        for lineno, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            for rec in _mrpc_records(line.split("\t"), path, lineno):
                if rec[0].strip() not in ("0", "1"):
                    raise DatasetError(f"{path}, line {lineno}: Quality {rec[0]!r} is not 0 or 1.")
                rows.append(
                    {
                        "sentence_a": _text(rec[3], path, lineno, "#1 String"),
                        "sentence_b": _text(rec[4], path, lineno, "#2 String"),
                        "label": int(rec[0]),
                        "split": split,
                    }
                )
        if not rows:
            raise DatasetError(f"{path}: no pairs found.")
        frames.append(pd.DataFrame(rows))
    return pd.concat(frames, ignore_index=True)


def sick_mutual_entailment(data_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """SICK training pairs annotated as entailing in both directions (``A_entails_B`` and ``B_entails_A``).

    Raises:
        DatasetError: the file is missing or lacks the direction columns.
    """
    path = dataset_dir(data_dir) / "sick" / "SICK.txt"
    lines = _read_lines(path)
    header = [h.strip() for h in lines[0].split("\t")]
    need = ("sentence_A", "sentence_B", "entailment_AB", "entailment_BA", "SemEval_set")
    missing = [c for c in need if c not in header]
    if missing:
        raise DatasetError(f"{path}, line 1: header lacks column(s) {', '.join(missing)}.")
    col = {c: header.index(c) for c in need}
    out = []
    for line in lines[1:]:
        f = line.split("\t")
        if len(f) < len(header) or f[col["SemEval_set"]].strip().lower() != "train":
            continue
        if f[col["entailment_AB"]].strip() == "A_entails_B" and f[col["entailment_BA"]].strip() == "B_entails_A":
            out.append((f[col["sentence_A"]].strip(), f[col["sentence_B"]].strip()))
    return out
