"""Display labels as data: each model's display name travels in the frame, next to its key.

Design (the least invasive one that removes the ``labels=`` pass-through):

- A frame that is going to be *shown* carries a ``model_label`` column next to ``model``
  (:data:`LABEL_COLUMN`), added once where the shown results are built: the dashboard's
  :func:`compsem.app.scores.results` (from the registry's display names) and the HTML report's
  :func:`compsem.reports.html.render_html` (from ``summary.json``'s model list). Tables the dashboard
  derives from those results get the same column from :func:`attach` (a column such as
  ``best_model`` gets ``best_model_label``).
- Figures, facets, the story, the pair browser, effect-size rows and the dashboard's views read the
  name with :func:`labels_of` from their input; a frame without the column shows the keys, as before.
- A ``labels`` argument remains only where a caller overrides the names (the objectives and grid
  pages' short names), always optional and winning over the column.
- Scoring and ``compsem run`` do not add the column: the tidy frame stays as scoring returns it, so
  ``all_pair_results.*``, ``summary.json``, ``comparison.json`` and ``report.md`` are unchanged, and
  :data:`compsem.data.schema.NOT_EXPORTED` keeps the column out of a results file should a labelled frame
  be exported (the dashboard's download of the shown results).

The column is ``model_label``, not ``label``: a pair file's own columns ride along in the results,
and ``label`` is a common name for a pair's gold label (SICK, MRPC).

Example:
    >>> frame = pd.DataFrame({"model": ["a/x", "b/y"], "score": [0.1, 0.9]})
    >>> shown = with_labels(frame, {"a/x": "X"})
    >>> list(shown["model_label"]), labels_of(shown)["b/y"]
    (['X', 'b/y'], 'b/y')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

#: The column that holds a model's display name, next to ``model``.
LABEL_COLUMN = "model_label"


@dataclass(frozen=True)
class ModelLabels(Mapping[str, str]):
    """Model key -> display name, frozen and hashable (a cache key); a key without a name reads as itself.

    Attributes:
        pairs: ``(key, display name)`` in first-seen order.
    """

    pairs: tuple[tuple[str, str], ...] = ()
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", dict(self.pairs))

    @classmethod
    def of(cls, labels: Mapping[str, str] | None) -> ModelLabels:
        """``labels`` as a :class:`ModelLabels` (itself when it already is one; empty for None)."""
        if isinstance(labels, ModelLabels):
            return labels
        return cls(tuple((str(k), str(v)) for k, v in (labels or {}).items()))

    def __getitem__(self, key: str) -> str:
        return self._lookup[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup)

    def __len__(self) -> int:
        return len(self._lookup)

    def name(self, key: str) -> str:
        """The display name of ``key``, or ``key`` itself."""
        return self._lookup.get(key, key)


def _label_column(column: str) -> str:
    return LABEL_COLUMN if column == "model" else f"{column}_label"


def with_labels(frame: pd.DataFrame, labels: Mapping[str, str] | None, column: str = "model") -> pd.DataFrame:
    """A copy of ``frame`` with the display name of each row's ``column`` (a model key) beside it.

    The name lands in ``model_label`` for ``model``, in ``<column>_label`` otherwise; keys without
    a name in ``labels`` keep the key.
    """
    names = ModelLabels.of(labels)
    return frame.assign(**{_label_column(column): [names.name(m) for m in frame[column]]})


def attach(table: pd.DataFrame | None, labels: Mapping[str, str] | None) -> pd.DataFrame | None:
    """:func:`with_labels` for every model-key column a statistics table has (``model``, ``best_model``, ...)."""
    if table is None:
        return None
    for column in ("model", "best_model", "worst_model"):
        if column in table.columns:
            table = with_labels(table, labels, column)
    return table


def labels_of(frame: pd.DataFrame, override: Mapping[str, str] | None = None, column: str = "model") -> ModelLabels:
    """The display names a frame carries (its ``model_label`` column), or ``override`` when given.

    Args:
        frame: a frame with a model-key column, labelled by :func:`with_labels` or not.
        override: names that win over the frame's (the objectives page's short names).
        column: the model-key column.

    Returns:
        A :class:`ModelLabels`; empty (every key shows as itself) for a frame without the column.
    """
    if override is not None:
        return ModelLabels.of(override)
    label = _label_column(column)
    if label not in frame.columns or column not in frame.columns:
        return ModelLabels()
    pairs = frame[[column, label]].drop_duplicates(column)
    return ModelLabels(tuple((str(k), str(v)) for k, v in zip(pairs[column], pairs[label])))


__all__ = ["LABEL_COLUMN", "ModelLabels", "attach", "labels_of", "with_labels"]
