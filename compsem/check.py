"""``compsem check``: a robustness gate for CI.

Score one model on a pair set, read each category's rate at a threshold, and compare it
with limits such as ``negation = 0.2``. The gate passes when every limit holds.

How a limit is read:

* For a category a good similarity model scores **low** (adversarial, near-miss and
  negative controls, custom categories expected low) the rate is the *failure rate*: the
  share of pairs scoring at or above the threshold. The limit is a **maximum**: the
  category passes when failure rate <= limit.
* For a category expected **high** (positive controls, custom categories expected high)
  the rate is the *pass rate* (the same share), and the limit is a **minimum**: the
  category passes when pass rate >= limit.
* A category without a limit is reported, but not tested: in JUnit XML it is a
  ``<skipped>`` test case, in the tables "no limit".

The threshold is a fixed number (default 0.5) or, with ``calibrated``, the model's own
calibrated threshold (:func:`compsem.stats.calibrated_thresholds`: maximal Youden J between
positive controls and negative/near-miss controls), because one fixed number means
different things for a cosine and a probability.

Pure parts (:func:`evaluate`) take data and return data; :func:`run_check` scores through
:func:`compsem.scoring.score_pairs`, and :func:`read_config` reads the TOML file. The writers
(text table, Markdown summary, JUnit XML) live in :mod:`compsem.check_output`.

Example:
    >>> limits = parse_limits(["negation=0.2"])
    >>> limits
    {'negation': 0.2}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from compsem import stats
from compsem.data.categories import BUILTIN_CATEGORIES, category_label, sort_categories
from compsem.data.guarded import FileRefusedError, read_toml_guarded
from compsem.data.pairs import PairFileError, load_pairs
from compsem.models.devices import DeviceChoice
from compsem.models.quantization import runtime_device
from compsem.models.registry import UnknownModelError, get_spec
from compsem.models.truncation import Truncation
from compsem.scoring import score_pairs

#: The threshold when neither a threshold nor ``calibrated`` is given.
DEFAULT_THRESHOLD = 0.5
#: Keys of the TOML file that are settings, not category limits.
CONFIG_KEYS = ("threshold", "calibrated", "pairs", "limits")
#: A check configuration is a few lines; a larger file is a mistake (or /dev/zero).
MAX_CONFIG_BYTES = 1_000_000


class CheckError(ValueError):
    """The check cannot run (bad limit, bad config, unknown model, pair file...): one sentence saying why."""


@dataclass(frozen=True)
class CategoryCheck:
    """One category's line of the gate.

    Attributes:
        category: category name in the pair file.
        meaning: ``failure_rate`` (limit is a maximum) or ``pass_rate`` (limit is a minimum).
        n: pairs scored in the category.
        n_at_or_above: pairs scoring >= threshold.
        rate: n_at_or_above / n.
        limit: the limit, or None when the category has none.
    """

    category: str
    meaning: str
    n: int
    n_at_or_above: int
    rate: float
    limit: float | None

    @property
    def label(self) -> str:
        return category_label(self.category)

    @property
    def status(self) -> str:
        """``passed``, ``failed`` or ``no limit``."""
        if self.limit is None:
            return "no limit"
        ok = self.rate <= self.limit if self.meaning == "failure_rate" else self.rate >= self.limit
        return "passed" if ok else "failed"

    @property
    def rule(self) -> str:
        """The limit as a sentence fragment: ``failure rate <= 20%`` or ``pass rate >= 80%``."""
        if self.limit is None:
            return "no limit"
        op = "<=" if self.meaning == "failure_rate" else ">="
        return f"{self.meaning.replace('_', ' ')} {op} {self.limit:.0%}"


@dataclass(frozen=True)
class CheckResult:
    """The gate's outcome for one model.

    Attributes:
        model: registry key (or folder) of the model.
        label: display name of the model.
        pairs_source: where the pairs came from.
        threshold: the threshold the rates were read at.
        calibrated: whether it is the model's calibrated threshold.
        categories: one :class:`CategoryCheck` per category in the pair set.
        truncation: pairs longer than the model reads (None: none counted, e.g. a baseline).
    """

    model: str
    label: str
    pairs_source: str
    threshold: float
    calibrated: bool
    categories: tuple[CategoryCheck, ...]
    truncation: Truncation | None = None

    @property
    def truncation_warning(self) -> str:
        """A sentence when the model read some pairs only in part, else empty."""
        t = self.truncation
        return t.sentence(self.label) if t is not None and t.truncated else ""

    @property
    def failed(self) -> list[CategoryCheck]:
        return [c for c in self.categories if c.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def threshold_text(self) -> str:
        return f"{self.threshold:.3g} (calibrated)" if self.calibrated else f"{self.threshold:g}"


# -- limits and settings ---------------------------------------------------------------------------
def _rate(value: object, where: str) -> float:
    if isinstance(value, bool):
        raise CheckError(f"{where}: the limit must be a number between 0 and 1, not {value!r}")
    try:
        rate = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CheckError(f"{where}: the limit must be a number between 0 and 1, not {value!r}") from None
    if not math.isfinite(rate) or not 0.0 <= rate <= 1.0:
        raise CheckError(f"{where}: the limit {value!r} is outside 0-1 (a share of pairs: 0.2 means 20%)")
    return rate


def parse_limits(items: Iterable[str]) -> dict[str, float]:
    """``["negation=0.2", ...]`` -> ``{"negation": 0.2}``; a category given twice keeps the last.

    Raises:
        CheckError: an item without ``=``, an empty category or a rate that is not in 0-1.
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not name:
            raise CheckError(f"--limit {item!r}: write CATEGORY=RATE, for example negation=0.2")
        out[name] = _rate(value.strip(), f"--limit {item}")
    return out


@dataclass(frozen=True)
class Config:
    """Settings read from a TOML file; None where the file says nothing."""

    limits: dict
    threshold: float | None = None
    calibrated: bool | None = None
    pairs: str | None = None


def read_config(path: str | Path) -> Config:
    """Read a check configuration.

    The file holds category limits, either at the top level or in a ``[limits]`` table, and
    optionally ``threshold = 0.6``, ``calibrated = true`` and ``pairs = "file.csv"`` (relative
    to the TOML file)::

        threshold = 0.5
        [limits]
        negation = 0.2
        positive_control = 0.8   # a minimum pass rate

    Raises:
        CheckError: unreadable file (missing, not a regular file, over :data:`MAX_CONFIG_BYTES`, not
            UTF-8, nested too deeply), invalid TOML, a value of the wrong type, a limit outside 0-1.
    """
    path = Path(path)
    try:  # the guards every file compsem reads gets: regular file only, size and nesting limits
        data = read_toml_guarded(path, limit=MAX_CONFIG_BYTES)
    except FileRefusedError as exc:
        if exc.reason.startswith("no such file"):
            raise CheckError(f"{path}: no such config file") from None
        raise CheckError(exc.reason) from None
    limits: dict[str, float] = {}
    table = data.get("limits", {})
    if not isinstance(table, dict):
        raise CheckError(f"{path}: 'limits' must be a table ([limits] with lines such as negation = 0.2)")
    for name, value in {**{k: v for k, v in data.items() if k not in CONFIG_KEYS}, **table}.items():
        if isinstance(value, dict):
            raise CheckError(f"{path}: unexpected table [{name}]; limits go at the top level or in [limits]")
        limits[str(name)] = _rate(value, f"{path}: {name}")
    threshold = data.get("threshold")
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= float(threshold) <= 1.0:
            raise CheckError(f"{path}: threshold must be a number between 0 and 1, not {threshold!r}")
        threshold = float(threshold)
    calibrated = data.get("calibrated")
    if calibrated is not None and not isinstance(calibrated, bool):
        raise CheckError(f"{path}: calibrated must be true or false, not {calibrated!r}")
    if threshold is not None and calibrated:
        raise CheckError(f"{path}: give either threshold or calibrated = true, not both")
    pairs = data.get("pairs")
    if pairs is not None:
        if not isinstance(pairs, str) or not pairs.strip():
            raise CheckError(f"{path}: pairs must be a file name, not {pairs!r}")
        pairs = str((path.parent / pairs).resolve()) if not Path(pairs).is_absolute() else pairs
    return Config(limits, threshold, calibrated, pairs)


def check_limits(limits: Mapping[str, float], categories: Iterable[str]) -> None:
    """Refuse limits that name no category of the pair set.

    Raises:
        CheckError: no limit at all, or a limit for a category that is not in the pair set
            (unknown everywhere, or a built-in category that this pair file lacks).
    """
    if not limits:
        raise CheckError(
            "no limit given: add --limit CATEGORY=RATE (e.g. negation=0.2) or a [limits] table in "
            "--config; a gate with no limit would pass everything"
        )
    present = set(categories)
    for name in limits:
        if name in present:
            continue
        if name in BUILTIN_CATEGORIES:
            raise CheckError(f"limit for {name}: the pair set has no {name} pairs, so the limit cannot be checked")
        known = ", ".join(sort_categories(present))
        raise CheckError(f"limit for unknown category {name!r}; the pair set's categories are: {known}")


# -- the gate ------------------------------------------------------------------------------------------
def evaluate(
    results: pd.DataFrame,
    model: str,
    limits: Mapping[str, float],
    threshold: float | None = None,
    calibrated: bool = False,
    pairs_source: str = "",
    label: str | None = None,
) -> CheckResult:
    """Compare one model's rates with the limits.

    rate = k / n per category, with n the model's scored pairs in the category and k those
    with score >= t (:func:`compsem.stats.failure_rates_at`); t is ``threshold`` or, with
    ``calibrated``, the model's :func:`compsem.stats.calibrated_thresholds` value.

    Args:
        results: tidy results holding ``model``'s scores.
        model: the model to judge.
        limits: category -> rate in 0-1 (a maximum failure rate, or a minimum pass rate for
            categories expected high).
        threshold: fixed threshold (default 0.5); not allowed with ``calibrated``.
        calibrated: use the model's calibrated threshold.

    Raises:
        CheckError: both threshold and calibrated, bad limits, a model without scores, or
            no calibrated threshold (the pair set lacks controls).

    Example:
        Negation scores 0.9, 0.7, 0.1 at t = 0.5 give a failure rate of 2/3: a limit of 0.2 fails.
    """
    if threshold is not None and calibrated:
        raise CheckError("give either a threshold or calibrated, not both")
    data = results[results["model"] == model]
    if data.empty:
        raise CheckError(f"{model} has no scores in the results")
    check_limits(limits, data["category"].unique())
    if calibrated:
        try:
            cal = stats.calibrated_thresholds(data)
        except ValueError as exc:
            raise CheckError(f"no calibrated threshold: {exc}") from None
        t = float(cal["threshold"].iloc[0])
        if math.isnan(t):
            raise CheckError("no calibrated threshold: the model has no positive or no negative control scores")
    else:
        t = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        if not math.isfinite(t) or not 0.0 <= t <= 1.0:
            raise CheckError(f"threshold {threshold!r} is outside 0-1 (scores are on a 0-1 scale)")
    try:
        rates = stats.failure_rates_at(data, {model: t})
    except ValueError as exc:
        raise CheckError(str(exc)) from None
    rows = tuple(
        CategoryCheck(
            str(r.category), str(r.meaning), int(r.n), int(r.n_at_or_above), float(r.rate), limits.get(str(r.category))
        )
        for r in rates.itertuples(index=False)
    )
    return CheckResult(model, label or model, pairs_source, t, calibrated, rows)


def run_check(
    model: str,
    limits: Mapping[str, float],
    *,
    pairs: str | Path | None = None,
    threshold: float | None = None,
    calibrated: bool = False,
    cache=None,
    device: str | DeviceChoice = "auto",
    dtype: str | None = None,
    backend: str = "torch",
) -> CheckResult:
    """Score ``model`` on the pairs (bundled 336 by default) and :func:`evaluate` it.

    Scores come from :func:`compsem.scoring.score_pairs` (cached like every other run).

    Raises:
        CheckError: unknown model, a model that cannot score these pairs, a bad pair file,
            or any reason of :func:`evaluate`.
    """

    if threshold is not None and calibrated:
        raise CheckError("give either --threshold or --calibrated, not both")
    try:
        spec = get_spec(model)
    except UnknownModelError as exc:
        raise CheckError(str(exc)) from None
    try:
        pair_set = load_pairs(pairs) if pairs else load_pairs()
    except (PairFileError, FileNotFoundError, OSError) as exc:
        raise CheckError(str(exc)) from None
    check_limits(limits, pair_set["category"].unique())  # before scoring: a typo should not cost a model load
    try:
        where = runtime_device(backend, device, dtype)
    except ValueError as exc:
        raise CheckError(str(exc)) from None
    run = score_pairs(pair_set, [spec.key], cache=cache, backend=backend, device=where)
    if run.failed:
        raise CheckError(f"{spec.key} could not score the pairs: {run.failed[0].error}")
    source = str(pairs) if pairs else "bundled study pairs"
    result = evaluate(run.results, spec.key, limits, threshold, calibrated, source, spec.display)
    return dataclasses.replace(result, truncation=run.models[0].truncation if run.models else None)


__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_THRESHOLD",
    "CategoryCheck",
    "CheckError",
    "CheckResult",
    "Config",
    "check_limits",
    "evaluate",
    "parse_limits",
    "read_config",
    "run_check",
]
