"""Pure display shaping for the dashboard: formatted tables and safe text, no Streamlit.

Every function takes statistics tables (or the tidy results) and returns a new frame or a
string, so it can be tested without a running app. Model names come from the tables' own
``model_label`` / ``best_model_label`` columns (:mod:`compsem.data.labels`); without them, the key shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from compsem.analysis.browse import search_pairs, sort_pairs
from compsem.analysis.free_text import verdict
from compsem.data.categories import category_label, sort_categories
from compsem.data.formatting import format_pvalue, format_raw, format_score
from compsem.data.labels import ModelLabels, labels_of
from compsem.figures.comparisons import STUDY_STATISTICS, study_label
from compsem.models.devices import DeviceChoice
from compsem.stats.sample_size import is_thin

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def md_escape(text: object) -> str:
    """Text that ``st.markdown`` shows literally: every Markdown/HTML character backslash-escaped.

    Example:
        >>> md_escape("**hi** <b>")
        '\\\\*\\\\*hi\\\\*\\\\* \\\\<b\\\\>'
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def wide(table: pd.DataFrame, value: str, fmt: str = "{:.0%}", index: str = "model") -> pd.DataFrame:
    """Long model x category table -> one row per model, one column per category label, formatted text."""
    labels = labels_of(table)
    cats = sort_categories(table["category"].unique())
    out = table.pivot_table(index=index, columns="category", values=value, aggfunc="first", sort=False)
    out = out.reindex(columns=cats)
    out.columns = [category_label(c) for c in cats]
    out = out.map(lambda v: "—" if pd.isna(v) else fmt.format(v))
    if index == "model":
        out.index = [labels.get(m, m) for m in out.index]
    return out


def best_worst_view(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`compsem.stats.best_and_worst` as readable text columns."""
    best, worst = labels_of(table, column="best_model"), labels_of(table, column="worst_model")
    return pd.DataFrame(
        {
            "category": [category_label(c) for c in table["category"]],
            "reads as": [m.replace("_", " ") for m in table["meaning"]],
            "best model": [best.name(m) for m in table["best_model"]],
            "best": [f"{r:.0%} (mean {m:.3f})" for r, m in zip(table["best_rate"], table["best_mean"])],
            "worst model": [worst.name(m) for m in table["worst_model"]],
            "worst": [f"{r:.0%} (mean {m:.3f})" for r, m in zip(table["worst_rate"], table["worst_mean"])],
        }
    )


def models_view(models: Sequence[str], resolutions: Sequence) -> pd.DataFrame:
    """The models in the results with kind, objective, availability and what their score means.

    Args:
        models: model keys, in display order.
        resolutions: :class:`compsem.models.registry.Resolution` of the registry's models (their display names
            label the rows; a model without one shows its key).
    """
    by_key = {r.spec.key: r for r in resolutions}
    rows = []
    for key in models:
        r = by_key.get(key)
        rows.append(
            {
                "model": r.spec.display if r else key,
                "key": key,
                "kind": r.spec.kind if r else "",
                "objective": r.spec.objective if r else "",
                "status": r.status if r else "",
                "normalization": r.spec.normalization if r else "",
                "notes": r.spec.notes if r else "",
            }
        )
    return pd.DataFrame(rows)


def reference_options(frame: pd.DataFrame) -> list[str]:
    """References of the effect-size page: ``kind:<kind>`` per family, then each model key."""
    kinds = list(dict.fromkeys(frame["kind"]))
    return [f"kind:{k}" for k in kinds] + list(dict.fromkeys(frame["model"]))


def reference_label(option: str, labels: Mapping[str, str]) -> str:
    """What a reference option reads as: ``<kind> family`` or the model's label."""
    return f"{option[5:]} family" if option.startswith("kind:") else labels.get(option, option)


def display_names(table: pd.DataFrame, labels: Mapping[str, str], column: str = "model") -> pd.DataFrame:
    """``table`` with the model keys of ``column`` replaced by display names (a key without one stays).

    Example:
        >>> display_names(pd.DataFrame({"model": ["a/x", "b/y"]}), {"a/x": "X"})["model"].tolist()
        ['X', 'b/y']
    """
    if column not in table.columns:
        return table
    return table.assign(**{column: [labels.get(str(k), str(k)) for k in table[column]]})


def problem_table(problems: Sequence) -> pd.DataFrame:
    """A pair file's problems (:class:`compsem.data.pairs.Problem`) as ``line, severity, problem``, all text.

    ``line`` is text (``"12"``, or ``"file"`` for a problem of the whole file), so the column has one type.
    """
    return pd.DataFrame(
        {
            "line": [str(p.line) if p.line else "file" for p in problems],
            "severity": [str(p.severity) for p in problems],
            "problem": [str(p.message) for p in problems],
        },
        columns=["line", "severity", "problem"],
    )


def text_score_table(
    scored: Sequence, labels: Mapping[str, str], threshold: float, pair_kind: str = "edit"
) -> pd.DataFrame:
    """Free-text scores (:class:`compsem.scoring.TextPairScore` rows) with a one-line verdict per model.

    ``labels`` (model key -> display name) fills the table's ``label`` column: free text has no
    results frame to carry the names, so this is where they become data. ``pair_kind`` (a key of
    :data:`compsem.analysis.free_text.PAIR_KINDS`) says what a good model should do with the pair;
    the ``verdict`` column says whether each model did (:func:`compsem.analysis.free_text.verdict`).
    """
    names = ModelLabels.of(labels)
    rows = [
        {
            "model": s.model,
            "label": names.name(s.model),
            "kind": s.kind,
            "raw_score": s.raw_score,
            "score": s.score,
            "score_reversed": s.score_reversed,
            "asymmetry": s.asymmetry,
            "verdict": verdict(pair_kind, s.score, threshold, s.score_reversed if s.kind == "cross-encoder" else None),
            "normalization": s.normalization,
            "warning": s.warning,
        }
        for s in scored
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "model",
            "label",
            "kind",
            "raw_score",
            "score",
            "score_reversed",
            "asymmetry",
            "verdict",
            "normalization",
            "warning",
        ],
    )


def text_scores_view(table: pd.DataFrame, raw: bool = False) -> pd.DataFrame:
    """Free-text scores for display: model, the verdict line, both orders' scores (3 decimals, no float noise).

    Args:
        table: :func:`text_score_table`.
        raw: also show each model's raw output (4 significant digits) and how it became a 0-1 score.
    """
    out = pd.DataFrame(
        {
            "model": table["label"],
            "verdict": table["verdict"],
            "score (A, B)": [format_score(v) for v in table["score"]],
            "score (B, A)": [format_score(v) for v in table["score_reversed"]],
        }
    )
    if raw:
        out["raw output (A, B)"] = [format_raw(v) for v in table["raw_score"]]
        out["how raw becomes 0-1"] = table["normalization"].astype(str).str.replace("_", " ")
    return out


def mean_sd_view(desc: pd.DataFrame) -> pd.DataFrame:
    """describe_scores as ``mean ± sd`` text, models x categories."""
    cells = desc.assign(
        cell=[f"{m:.3f} ± {s:.3f}" if pd.notna(s) else f"{m:.3f}" for m, s in zip(desc["mean"], desc["sd"])]
    )
    return wide(cells, "cell", fmt="{}")


def rate_ci_view(table: pd.DataFrame) -> pd.DataFrame:
    """Rates with CI as ``45% [30–60]`` text, models x categories, plus the threshold used."""
    n = table["n"] if "n" in table.columns else [None] * len(table)
    cells = table.assign(
        cell=[
            f"{r:.0%} (n = {int(k)}: too few pairs for a CI)" if is_thin(k) else f"{r:.0%} [{lo:.0%}–{hi:.0%}]"
            for r, lo, hi, k in zip(table["rate"], table["rate_ci_low"], table["rate_ci_high"], n)
        ]
    )
    out = wide(cells, "cell", fmt="{}")
    used = table.drop_duplicates("model").set_index("model")["threshold"]
    out.insert(0, "threshold", [f"{used[m]:.3g}" for m in dict.fromkeys(table["model"])])
    return out.reset_index(names="model")


def calibrated_map(cal: pd.DataFrame | None) -> dict[str, float]:
    if cal is None:
        return {}
    return {m: float(t) for m, t in zip(cal["model"], cal["threshold"])}


def calibration_view(cal: pd.DataFrame) -> pd.DataFrame:
    labels = labels_of(cal)
    return pd.DataFrame(
        {
            "model": [labels.name(m) for m in cal["model"]],
            "calibrated threshold": [format_score(v) for v in cal["threshold"]],
            "Youden J": [format_score(v) for v in cal["youden_j"]],
            "TPR": [format_score(v) for v in cal["tpr"]],
            "FPR": [format_score(v) for v in cal["fpr"]],
            "positives": cal["n_pos"],
            "negatives": cal["n_neg"],
        }
    )


def effect_view(table: pd.DataFrame) -> pd.DataFrame:
    cols = {
        "row": "compared",
        "category": "category",
        "cohens_d": "Cohen's d",
        "holm_pvalue": "Holm p",
        "significant": "p < 0.05 (Holm)",
        "mean": "mean",
        "reference_mean": "reference mean",
    }
    out = table[[c for c in cols if c in table.columns]].rename(columns=cols)
    out["category"] = [category_label(c) for c in out["category"]]
    if "Holm p" in out.columns:
        out["Holm p"] = [format_pvalue(p) for p in out["Holm p"]]
    if "Cohen's d" in out.columns:
        out["Cohen's d"] = [format_score(d, 2) for d in out["Cohen's d"]]
    for col in ("mean", "reference mean"):
        if col in out.columns:
            out[col] = [format_score(v) for v in out[col]]
    return out


#: Pair browser columns that lead, so the sort key and the scores are on screen before the long sentences.
_PAIR_LEAD = ("pair_id", "category", "disagreement", "sd")


def pair_column_order(table: pd.DataFrame) -> list[str]:
    """The pair browser's column order: id, category, disagreement, SD, each model's score, then the sentences.

    At 1400 px the sentences took the width and pushed the scores and the disagreement (the default
    sort) off the right edge.
    """
    lead = [c for c in _PAIR_LEAD if c in table.columns]
    sentences = [c for c in ("sentence_a", "sentence_b") if c in table.columns]
    return lead + [c for c in table.columns if c not in lead and c not in sentences] + sentences


_FIXED_SORTS = ("disagreement", "sd", "category", "pair_id")


def pair_sort_options(table: pd.DataFrame) -> list[str]:
    scores = [
        c for c in table.columns if c not in ("pair_id", "category", "sentence_a", "sentence_b", "disagreement", "sd")
    ]
    return [*_FIXED_SORTS, *scores]


def filter_pairs(table: pd.DataFrame, query: str, sort: str) -> pd.DataFrame:
    """Rows whose id or sentences contain ``query`` (plain text, case-insensitive), sorted by ``sort``.

    Numeric columns sort descending (largest disagreement first), text columns ascending
    (:func:`compsem.analysis.browse.search_pairs`, :func:`~compsem.analysis.browse.sort_pairs`).
    """
    return sort_pairs(search_pairs(table, query), sort)


#: How the sidebar names each number format (compsem.models.devices.DTYPES).
DTYPE_LABELS = {"fp32": "fp32 (full precision)", "fp16": "fp16 (half precision)", "bf16": "bf16 (bfloat16)"}


def device_label(choice: DeviceChoice) -> str:
    """The sidebar's name of a device: ``CPU``, ``CUDA GPU · <card>``, ``Apple GPU (MPS)``.

    Example:
        >>> device_label(DeviceChoice("cuda", "fp32", "NVIDIA H100 80GB HBM3", "cuda"))
        'CUDA GPU · NVIDIA H100 80GB HBM3'
    """
    if choice.device == "cuda":
        return f"CUDA GPU · {choice.name}" if choice.name and choice.name != "cuda" else "CUDA GPU"
    if choice.device == "mps":
        return "Apple GPU (MPS)"
    return "CPU"


def device_words(device: str, dtype: str = "fp32", name: str = "") -> str:
    """Where scoring runs, for a sentence: ``the CPU``, ``the GPU (NVIDIA H100, fp16)``.

    Example:
        >>> device_words("cpu"), device_words("cuda", "fp16", "NVIDIA H100")
        ('the CPU', 'the GPU (NVIDIA H100, fp16)')
    """
    if device == "cpu":
        return "the CPU" if dtype == "fp32" else f"the CPU ({dtype})"
    card = name if name and name != device else ("Apple MPS" if device == "mps" else device.upper())
    return f"the GPU ({card}, {dtype})"


def seed_note(seeded: Mapping[str, int], labels: Mapping[str, str], made_with: str, created: str) -> str:
    """The page's sentence on which scores came from the shipped seed (empty when none did).

    Example:
        >>> seed_note({"m": 336}, {"m": "MiniLM"}, "torch, CPU", "2026-12-05")  # doctest: +ELLIPSIS
        'From the seed shipped with compsem (made 2026-12-05 with torch, CPU): 336 scores of MiniLM. ...'
    """
    used = {m: n for m, n in seeded.items() if n > 0}
    if not used:
        return ""
    names = ", ".join(
        f"{labels.get(m, m)}" + (f" ({n:,} pairs)" if len(set(used.values())) > 1 else "") for m, n in used.items()
    )
    total = sum(used.values())
    how = f" (made {created} with {made_with})" if created else ""
    return (
        f"From the seed shipped with compsem{how}: {total:,} scores of {names}. "
        "They equal what these models compute here (a test rescores a sample); any other model, "
        "backend or device is scored, as is any pair the seed does not hold."
    )


def study_view(table: pd.DataFrame, measured_only: bool, section: str) -> pd.DataFrame:
    """The study comparison for reading: display names, readable statistics, numbers as text with "—" for missing.

    ``family:bi-encoder`` reads "bi-encoders (family)", ``cohens_d`` reads "Cohen's d", a missing
    figure or threshold shows "—" (never "None" or "nan"); reported, measured and difference keep
    3 decimals.
    """
    labels = labels_of(table)
    out = table
    if measured_only:
        out = out[out["measured"].notna()]
    if section != "all":
        out = out[out["section"] == section]

    def threshold(value: object) -> str:
        return "—" if value is None or pd.isna(value) else f"{float(value):g}"  # type: ignore[arg-type]

    return pd.DataFrame(
        {
            "section": out["section"],
            "model": [study_label(m, labels) for m in out["model"]],
            "category": [category_label(c) for c in out["category"]],
            "statistic": [STUDY_STATISTICS.get(s, s) for s in out["statistic"]],
            "threshold": [threshold(t) for t in out["threshold"]],
            "scale": out["scale"],
            "reported": [format_score(v) for v in out["reported"]],
            "measured": [format_score(v) for v in out["measured"]],
            "difference": [format_score(v) for v in out["difference"]],
            "measured with": [
                ", ".join(labels.name(k.strip()) for k in str(m).split(",") if k.strip()) or "—"
                for m in out["measured_models"]
            ],
            "source": out["source"],
        },
        index=out.index,
    )


__all__ = [
    "DTYPE_LABELS",
    "best_worst_view",
    "calibrated_map",
    "calibration_view",
    "device_label",
    "device_words",
    "effect_view",
    "filter_pairs",
    "md_escape",
    "mean_sd_view",
    "models_view",
    "pair_sort_options",
    "rate_ci_view",
    "seed_note",
    "reference_label",
    "reference_options",
    "study_view",
    "text_score_table",
    "text_scores_view",
    "wide",
]
