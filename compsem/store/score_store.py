"""The score store: the one way into the score cache, for scoring, reranking, objectives and the dashboard.

Three operations, each in one place:

* :meth:`ScoreStore.lookup`: which of a model's pairs are stored (found) and which are not (missing);
* :meth:`ScoreStore.compute_missing`: load the model only if something is missing, score the
  missing pairs with progress, store them;
* :meth:`ScoreStore.adopt`: take scores made elsewhere (another process, an earlier run, a
  test's stand-ins) into the store under a model's fingerprint.

Behind the cache lies the seed (:mod:`compsem.store.seed`): the shipped models' scores of the bundled
pairs. A pair the cache lacks is taken from the seed when the seed holds it under the same model and
fingerprint; :attr:`Lookup.seeded` says which, so a page can say where its scores came from.

A stored score belongs to (model key, model fingerprint, measure, ordered text pair). The
measure says what was stored: ``score`` is :meth:`Scorer.predict`'s 0-1 similarity with its
raw output; ``relevance`` is :meth:`CrossEncoderScorer.relevance`, the one-direction number a
reranker sorts by (stored under the key ``<model>#rerank``, as before this module existed, so
existing caches stay valid). A model without a fingerprint (one that would be downloaded) is
never looked up or stored.

The storage itself (SQLite, atomic writes, busy vs damaged, salvage) is :mod:`compsem.store.sqlite`;
nothing here knows SQL, and nothing there knows models.

Example:
    >>> with ScoreStore(tmp_path) as store:  # doctest: +SKIP
    ...     found = store.lookup(resolve("token-jaccard"), [("a b", "b a")])
    ...     filled = store.compute_missing(found, lambda: load_scorer(found.resolution))
    >>> filled.computed, filled.cached  # doctest: +SKIP
    (1, 0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from compsem.store.seed import EMPTY, Seed, load_seed
from compsem.store.sqlite import CachedScore, ScoreCache

if TYPE_CHECKING:  # the store hands scorers pairs; it never imports the model code
    from compsem.models.specs import Resolution
    from compsem.scorers import Scorer

Measure = Literal["score", "relevance"]
MEASURES: tuple[Measure, ...] = ("score", "relevance")
#: How a measure's rows are named in the cache: the model key plus this suffix.
_SUFFIX: dict[str, str] = {"score": "", "relevance": "#rerank"}
#: Pairs scored and stored together by :meth:`ScoreStore.compute_missing`: an interruption loses at most
#: this many (about 10 s of a MiniLM bi-encoder on 2 cores), and writing a chunk costs milliseconds.
CHUNK_PAIRS = 4096
#: progress(model_key, done, total)
ProgressCallback = Callable[[str, int, int], None]
Pair = tuple[str, str]


@dataclass(frozen=True)
class Lookup:
    """What the store holds of one model's pairs.

    Attributes:
        resolution: the model (its key and fingerprint name the stored rows).
        measure: ``score`` or ``relevance``.
        pairs: the distinct ordered pairs asked about, in first-seen order.
        found: pair -> stored score, for the pairs that are stored and intact (the seed's included).
        seeded: the found pairs that came from the seed, not the cache.
    """

    resolution: Resolution
    measure: Measure
    pairs: tuple[Pair, ...]
    found: Mapping[Pair, CachedScore] = field(default_factory=dict)
    seeded: frozenset[Pair] = frozenset()

    @property
    def missing(self) -> list[Pair]:
        """The pairs with no stored score, in order."""
        return [p for p in self.pairs if p not in self.found]


@dataclass(frozen=True)
class Filled:
    """Every pair of a :class:`Lookup` with its score, and an account of how each was had.

    Attributes:
        scores: pair -> score, for every pair of the lookup.
        cached: how many came from the store.
        computed: how many the model scored now.
        normalization: how the model's raw output became ``score`` (empty when nothing was computed).
        messages: what loading the model reported (a rebuilt export...), for the user.
        seeded: how many of the ``cached`` came from the seed.
    """

    scores: Mapping[Pair, CachedScore]
    cached: int
    computed: int
    normalization: str = ""
    messages: tuple[str, ...] = ()
    seeded: int = 0


class ScoringInterrupted(KeyboardInterrupt):
    """Scoring was interrupted (Ctrl-C); the chunks finished before it are stored.

    Attributes:
        model: the model being scored.
        saved: scores of this model stored by this call before the interruption.
        left: pairs of this model still to score (a rerun scores only these).
        total: the model's pairs.
        earlier: scores saved for the models this run finished before this one.
    """

    def __init__(self, model: str, saved: int, left: int, total: int, earlier: int = 0):
        self.model, self.saved, self.left, self.total, self.earlier = model, saved, left, total, earlier
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """``interrupted while scoring M: 4,096 new score(s) saved to the cache; 1,200 pair(s) still to score ...``."""
        before = f" (and {self.earlier:,} of the models finished before it)" if self.earlier else ""
        return (
            f"interrupted while scoring {self.model}: {self.saved:,} new score(s) of it were saved to the cache"
            f"{before}; {self.left:,} of its {self.total:,} pair(s) are still to score: run the same command "
            "again to score only those"
        )


class ScoreStore:
    """The score cache seen as (model, measure, pair) -> score, with look-up, compute and adopt.

    Args:
        cache: a :class:`~compsem.store.sqlite.ScoreCache`, or its folder (default: the default cache folder).
        read: look stored scores up (``False`` scores everything again and refreshes what is stored).
        write: store what is computed or adopted.
        seed: the seed read behind the cache (default: the shipped one, :func:`~compsem.store.seed.load_seed`;
            ``False`` for none). Only a store that reads uses it.

    Raises (from any method that touches the cache):
        CacheBusyError: another process kept the cache locked too long.
        CacheError: the cache folder or file cannot be used.
    """

    def __init__(
        self,
        cache: ScoreCache | str | Path | None = None,
        *,
        read: bool = True,
        write: bool = True,
        seed: Seed | bool = True,
    ):
        self._cache = cache if isinstance(cache, ScoreCache) else (ScoreCache(cache) if (read or write) else None)
        self.read = read and self._cache is not None
        self.write = write and self._cache is not None
        self._seed = seed if isinstance(seed, Seed) else (load_seed() if seed and self.read else EMPTY)

    @classmethod
    def off(cls) -> ScoreStore:
        """A store that holds nothing and keeps nothing (for timing, or where no cache may be touched)."""
        return cls(None, read=False, write=False)

    def refreshing(self) -> ScoreStore:
        """The same cache, but nothing is looked up: every pair is computed again and stored anew."""
        return ScoreStore(self._cache, read=False, write=self.write, seed=False) if self._cache is not None else self

    @property
    def cache(self) -> ScoreCache | None:
        """The storage underneath (None for :meth:`off`)."""
        return self._cache

    @property
    def seed(self) -> Seed:
        """The seed read behind the cache (empty when none is used)."""
        return self._seed

    @property
    def recovered(self) -> list[str]:
        """Messages about damage the cache found and repaired while this store was used."""
        return list(self._cache.recovered) if self._cache is not None else []

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()

    def __enter__(self) -> ScoreStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the three operations ----------------------------------------------------------------
    def lookup(self, resolution: Resolution, pairs: Iterable[Pair], measure: Measure = "score") -> Lookup:
        """Which of ``pairs`` the store holds for this model (duplicates asked about once).

        Raises:
            ValueError: an unknown measure.
        """
        name = _row_model(resolution, measure)
        unique = tuple(dict.fromkeys((str(a), str(b)) for a, b in pairs))
        found: dict[Pair, CachedScore] = {}
        seeded: frozenset[Pair] = frozenset()
        if self.read and resolution.fingerprint and unique:
            assert self._cache is not None
            bounds = resolution.spec.score_bounds(measure)
            found = self._cache.get_many(name, resolution.fingerprint, list(unique), bounds)
            if len(found) < len(unique) and self._seed.covers(name, resolution.fingerprint):
                extra = self._seed.get_many(name, resolution.fingerprint, (p for p in unique if p not in found))
                seeded = frozenset(extra)
                found.update(extra)
        return Lookup(resolution, measure, unique, found, seeded)

    def compute_missing(
        self,
        lookup: Lookup,
        load: Callable[[], Scorer],
        *,
        batch_size: int = 32,
        progress: ProgressCallback | None = None,
        chunk_size: int = CHUNK_PAIRS,
    ) -> Filled:
        """Score the pairs ``lookup`` did not find, storing each chunk as soon as it is scored.

        The model is loaded only if something is missing. The missing pairs are scored
        ``chunk_size`` at a time and each chunk is written to the store before the next one
        starts, so an interrupted run (Ctrl-C, a kill, a crash) keeps every finished chunk and
        loses at most the one in flight; the same call again scores only what is still missing.

        Args:
            lookup: from :meth:`lookup`.
            load: returns the loaded scorer (called at most once).
            progress: ``progress(model_key, done, total)``: once with what the store held, then after
                each batch the model scores.
            chunk_size: pairs scored and stored together (at least 1).

        Raises:
            ModelUnavailableError: from ``load`` or the scorer, as they raise it.
            ScoringInterrupted: a KeyboardInterrupt while scoring, saying how many scores were stored.
            ValueError: ``chunk_size`` below 1.
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        key = lookup.resolution.spec.key
        todo = lookup.missing
        total, cached = len(lookup.pairs), len(lookup.pairs) - len(todo)
        if progress:
            progress(key, cached, total)
        if not todo:
            return Filled(dict(lookup.found), cached, 0, seeded=len(lookup.seeded))
        try:
            scorer = load()
        except KeyboardInterrupt:
            raise ScoringInterrupted(key, 0, len(todo), total) from None
        fingerprint = scorer.fingerprint or lookup.resolution.fingerprint
        name = _row_model(lookup.resolution, lookup.measure)
        scores: dict[Pair, CachedScore] = dict(lookup.found)
        normalization, saved = "", 0
        for start in range(0, len(todo), chunk_size):
            part = todo[start : start + chunk_size]
            done_before = cached + start
            chunk_done = (lambda n, base=done_before: progress(key, base + n, total)) if progress else None
            try:
                fresh, normalization = _measure(scorer, lookup.measure, part, batch_size, chunk_done)
                rows = dict(zip(part, fresh))
                self._put(name, fingerprint, rows)
            except KeyboardInterrupt:
                stored = saved if self.write and fingerprint else 0
                raise ScoringInterrupted(key, stored, len(todo) - stored, total) from None
            saved += len(rows)
            scores.update(rows)
        messages = tuple(getattr(scorer, "messages", ()))
        return Filled(scores, cached, len(todo), normalization, messages, len(lookup.seeded))

    def adopt(self, resolution: Resolution, scores: Mapping[Pair, CachedScore], measure: Measure = "score") -> int:
        """Take scores made elsewhere into the store under ``resolution``'s fingerprint; pairs it holds are kept.

        The caller vouches that ``resolution``'s weights made ``scores``: a score stored under the
        wrong fingerprint would be served as that model's.

        Returns:
            How many scores were written (0 for a store that does not write, or a model without a fingerprint).
        """
        if not self.write or not resolution.fingerprint:
            return 0
        have = ScoreStore(self._cache, seed=False).lookup(resolution, scores, measure).found
        todo = {p: s for p, s in scores.items() if p not in have}
        self._put(_row_model(resolution, measure), resolution.fingerprint, todo)
        return len(todo)

    def _put(self, name: str, fingerprint: str, rows: Mapping[Pair, CachedScore]) -> None:
        if self.write and fingerprint and rows:
            assert self._cache is not None
            self._cache.put_many(name, fingerprint, list(rows), list(rows.values()))


def _row_model(resolution: Resolution, measure: str) -> str:
    if measure not in _SUFFIX:
        raise ValueError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    return resolution.spec.key + _SUFFIX[measure]


def _measure(
    scorer: Scorer, measure: Measure, pairs: Sequence[Pair], batch_size: int, progress: Callable[[int], None] | None
) -> tuple[list[CachedScore], str]:
    """The scorer's output for ``pairs`` as rows to store, and how the score was derived."""
    if measure == "relevance":
        relevance = scorer.relevance(pairs, batch_size=batch_size, progress=progress)  # type: ignore[attr-defined]
        # A relevance is its own raw score; the model's full output is not kept (ranking needs one number).
        return [CachedScore(float(s), float(s), "{}") for s in relevance], "relevance"
    out = scorer.predict(pairs, batch_size=batch_size, progress=progress)
    rows = [CachedScore(float(r), float(s), o) for r, s, o in zip(out.raw_score, out.score, out.raw_output)]
    return rows, out.normalization
