"""The on-disk score store: keys, atomic writes, concurrent writers, recovery from damage.

Storage is one SQLite database (``<cache>/scores.sqlite``). SQLite gives what a score
cache needs without hand-written locking: every write is a transaction (a crash leaves
either the old or the new rows, never half a row), and processes writing at once wait
for each other (WAL journal plus a busy timeout).

Two kinds of trouble look alike from Python and must never be confused, because one of
them is harmless and the other is not:

* **Busy**: another process holds a lock (``sqlite3.OperationalError`` "database is
  locked" / "busy"). In WAL mode SQLite sometimes answers busy at once, without waiting
  for the busy timeout (while another connection runs WAL recovery, changes the journal
  mode or checkpoints). The cache then waits with a bounded, jittered back-off and tries
  again; if the lock never frees within ``timeout`` seconds it raises
  :class:`CacheBusyError` naming the file. A busy database is never moved aside.
* **Damaged**: the file is not a database, SQLite reports a malformed image, or
  ``PRAGMA quick_check`` on a database that could be read answers something other than
  "ok". Only then is the file moved aside (kept as evidence, never deleted); the rows of
  the damaged file that still pass their checksum are copied into the fresh cache and the
  count is reported in :attr:`ScoreCache.recovered`.

A key is the SHA-256 of (model key, model fingerprint, normalization version, sentence A,
sentence B): order matters, since cross-encoders are not symmetric. Each row also stores a
checksum of its own content, so a row damaged on disk is detected and recomputed rather
than returned. The journal mode is set once, when the database is created (or found in
another mode), not on every open: changing it needs an exclusive lock.

This is the storage layer only: it knows keys, fingerprints and rows, never models. Scoring,
reranking and the dashboard reach it through :class:`compsem.store.score_store.ScoreStore`. The
busy/damage classification and salvage live in :mod:`compsem.store.recovery`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import TypeVar

from compsem.config import default_cache_dir
from compsem.store.recovery import COLUMNS as _COLUMNS
from compsem.store.recovery import UNBOUNDED, CacheBusyError, CacheError, is_busy_error, is_damage_error
from compsem.store.recovery import Damaged as _Damaged
from compsem.store.recovery import checksum as _checksum
from compsem.store.recovery import salvage as _salvage
from compsem.store.recovery import value_problem as _value_problem

log = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_FILE_NAME = "scores.sqlite"
#: Part of every key: bumped whenever the mapping raw output -> score changes (in :mod:`compsem.scorers`),
#: so every stored score is recomputed. It lives here, with the key, because only the key uses it.
NORMALIZATION_VERSION = "1"
#: The page cache of a connection, in KiB (``PRAGMA cache_size`` takes a negative number for KiB).
_CACHE_KIB = 65536
#: WAL pages after which a commit copies the WAL back into the database (``PRAGMA wal_autocheckpoint``).
_CHECKPOINT_PAGES = 16384
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    raw_score REAL,
    score REAL,
    raw_output TEXT NOT NULL,
    checksum TEXT NOT NULL,
    created REAL NOT NULL
)
"""

__all__ = [
    "CACHE_FILE_NAME",
    "NORMALIZATION_VERSION",
    "CachedScore",
    "ScoreCache",
    "score_key",
    "score_keys",
]


@dataclass(frozen=True)
class CachedScore:
    """A score as stored: ``raw_output`` is the model's full output as JSON (logits, both directions...)."""

    raw_score: float
    score: float
    raw_output: str


def score_key(
    model: str, fingerprint: str, sentence_a: str, sentence_b: str, normalization_version: str = NORMALIZATION_VERSION
) -> str:
    """Cache key of one (model, ordered text pair).

    The SHA-256 (hex) of ``json.dumps([model, fingerprint, normalization_version, sentence_a, sentence_b],
    ensure_ascii=False, separators=(",", ":"))`` in UTF-8.

    Example:
        >>> score_key("m", "fp", "a", "b") != score_key("m", "fp", "b", "a")
        True
    """
    return score_keys(model, fingerprint, [(sentence_a, sentence_b)], normalization_version)[0]


def score_keys(
    model: str,
    fingerprint: str,
    pairs: Iterable[tuple[str, str]],
    normalization_version: str = NORMALIZATION_VERSION,
) -> list[str]:
    """:func:`score_key` of each pair, in order: the same keys, written without a ``json.dumps`` call per pair.

    The JSON array's head (model, fingerprint, version) is the same for every pair, so it is written
    once; each sentence is JSON-quoted by the encoder ``json.dumps(..., ensure_ascii=False)`` itself
    uses. A million keys take about a second instead of eight.
    """
    head = json.dumps([model, fingerprint, normalization_version], ensure_ascii=False, separators=(",", ":"))
    head = head[:-1] + ","
    sha256 = hashlib.sha256
    return [sha256(f"{head}{_quote(a)},{_quote(b)}]".encode()).hexdigest() for a, b in pairs]


class ScoreCache:
    """Persistent (model, text pair) -> score store shared by processes.

    Args:
        directory: folder of the database; default :func:`compsem.config.default_cache_dir`.
        timeout: longest wait, in seconds, for a lock held by another process.

    Attributes:
        recovered: messages about damage found and repaired while this object was used.

    Raises (from any method):
        CacheBusyError: another process kept the database locked for ``timeout`` seconds.
        CacheError: the folder or file cannot be used at all (unwritable, disk full...).

    Example:
        >>> cache = ScoreCache(tmp_path)  # doctest: +SKIP
        >>> cache.put_many("m", "fp", [("a", "b")], [CachedScore(0.1, 0.1, "[0.1]")])  # doctest: +SKIP
    """

    def __init__(self, directory: str | Path | None = None, *, timeout: float = 60.0):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.path = self.directory / CACHE_FILE_NAME
        self.timeout = timeout
        self.recovered: list[str] = []
        self._conn: sqlite3.Connection | None = None
        self._file_id: tuple[int, int] | None = None

    # -- waiting out other processes -------------------------------------------------------
    def _retry(self, fn: Callable[[], T], what: str) -> T:
        """Run ``fn``, retrying while SQLite answers busy, for at most ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not is_busy_error(exc):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CacheBusyError(
                        f"the score cache {self.path} stayed locked by another process for "
                        f"{self.timeout:g} s while {what}; let the other compsem run finish and try "
                        "again, or give this run its own cache with --cache-dir"
                    ) from exc
                time.sleep(min(left, delay * (0.5 + random.random())))
                delay = min(delay * 2, 0.25)

    # -- connection ----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if self.directory.exists() and not self.directory.is_dir():
            raise CacheError(
                f"the score cache folder {self.directory} is a file, not a folder; pass --cache-dir "
                "(or set COMPSEM_CACHE_DIR) to a folder"
            )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"cannot create the score cache folder {self.directory}: {exc.strerror or exc}; "
                "pass --cache-dir (or set COMPSEM_CACHE_DIR) to a writable folder"
            ) from None
        try:
            conn = self._open()
        except _Damaged as exc:
            self._quarantine(str(exc))
            conn = self._open_or_fail()
        self._conn = conn
        return conn

    def _open_or_fail(self) -> sqlite3.Connection:
        try:
            return self._open()
        except _Damaged as exc:  # the fresh file is damaged too: something else is wrong
            raise CacheError(f"a new score cache at {self.path} could not be started ({exc})") from None

    def _open(self) -> sqlite3.Connection:
        """Open, create if needed, check integrity; raise :class:`_Damaged` only for real damage."""
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._unusable(exc, "opening it") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            # Reading the schema first makes SQLite read the header, so journal_mode below
            # reports the file's real mode (WAL is stored in the file and persists).
            self._retry(lambda: conn.execute("SELECT count(*) FROM sqlite_master").fetchone(), "opening it")
            mode = self._retry(lambda: conn.execute("PRAGMA journal_mode").fetchone()[0], "opening it")
            if str(mode).lower() != "wal":  # a new file (or one made elsewhere): set WAL once
                self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone(), "creating it")
            conn.execute("PRAGMA synchronous = NORMAL")
            # Speed for large runs, not durability: neither setting changes what a commit guarantees.
            # A 64 MiB page cache (SQLite's default is 2 MiB) keeps the key index's pages in memory
            # while random SHA-256 keys are inserted all over it, and a checkpoint every 16,384 WAL
            # pages (64 MiB; default 1,000) copies a page rewritten by many chunks back once, not once
            # per chunk. Each chunk is still its own transaction in the WAL: a kill loses at most the
            # chunk in flight (docs/reliability.md). Both are per connection; nothing in the file changes.
            conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {_CHECKPOINT_PAGES}")
            ok = self._retry(lambda: conn.execute("PRAGMA quick_check").fetchone(), "checking it")
            if not ok or ok[0] != "ok":
                raise _Damaged(f"integrity check failed: {ok[0] if ok else 'no answer'}")
            self._retry(lambda: conn.execute(_SCHEMA), "creating it")
            self._retry(
                lambda: conn.execute("CREATE INDEX IF NOT EXISTS scores_model ON scores(model, fingerprint)"),
                "creating it",
            )
            cols = [r[1] for r in conn.execute("PRAGMA table_info(scores)").fetchall()]
            if cols != [c.strip() for c in _COLUMNS.split(",")]:
                raise _Damaged(f"the scores table has unexpected columns {cols}")
        except _Damaged:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            if is_damage_error(exc):
                raise _Damaged(str(exc)) from None
            raise self._unusable(exc, "opening it") from None
        except BaseException:
            conn.close()
            raise
        try:
            st = os.stat(self.path)
            self._file_id = (st.st_dev, st.st_ino)
        except OSError:
            self._file_id = None
        return conn

    def _unusable(self, exc: sqlite3.Error, what: str) -> CacheError:
        return CacheError(
            f"the score cache {self.path} cannot be used ({exc}) while {what}; check that the "
            "folder is writable and the disk not full, or pass --cache-dir to use another folder"
        )

    def _quarantine(self, why: str) -> None:
        """Move a damaged file aside (never delete it) and copy its intact rows into a new cache."""
        if self._file_id is not None:
            try:
                st = os.stat(self.path)
                if (st.st_dev, st.st_ino) != self._file_id:
                    return  # another process already replaced the damaged file with a fresh one
            except OSError:
                return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{os.getpid()}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                try:
                    src.replace(Path(str(moved) + suffix))
                except OSError:  # another process moved it first
                    pass
        self._file_id = None
        rows = _salvage(moved) if moved.exists() else []
        copied = 0
        if rows:
            try:
                conn = self._open_or_fail()
                try:

                    def insert() -> None:
                        conn.execute("BEGIN IMMEDIATE")
                        try:
                            conn.executemany(
                                f"INSERT OR IGNORE INTO scores ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", rows
                            )
                            conn.execute("COMMIT")
                        except BaseException:
                            if conn.in_transaction:
                                conn.execute("ROLLBACK")
                            raise

                    self._retry(insert, "copying intact scores into it")
                    copied = len(rows)
                finally:
                    conn.close()
            except (CacheError, sqlite3.Error) as exc:
                log.warning("could not copy intact scores out of %s: %s", moved.name, exc)
        msg = (
            f"the score cache {self.path} is damaged ({why}); moved it to {moved.name} and started a new "
            f"cache; copied {copied} intact score(s) from it, the rest will be recomputed"
        )
        log.warning(msg)
        self.recovered.append(msg)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ScoreCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _execute_with_recovery(self, fn: Callable[[sqlite3.Connection], T], what: str = "using it") -> T:
        """Run ``fn`` on the connection: wait out busy answers, recover once from real damage."""
        for attempt in (1, 2):
            conn = self._connect()
            try:
                return self._retry(partial(fn, conn), what)
            except sqlite3.DatabaseError as exc:
                if not is_damage_error(exc):
                    raise self._unusable(exc, what) from None
                if attempt == 2:
                    raise CacheError(
                        f"the score cache {self.path} is damaged again right after recovery "
                        f"({exc}); move it away by hand"
                    ) from None
                self.close()
                self._quarantine(str(exc))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reads and writes ----------------------------------------------------------------
    def get_many(
        self,
        model: str,
        fingerprint: str,
        pairs: Sequence[tuple[str, str]],
        bounds: tuple[float, float] = UNBOUNDED,
    ) -> dict[tuple[str, str], CachedScore]:
        """Cached scores for those of ``pairs`` that are present and intact.

        A row is served only when it passes its checksum AND holds a score: finite numbers, the score
        within ``bounds`` (the model's range), JSON raw output (:func:`~compsem.store.recovery.value_problem`).
        Any other row is damage: removed, counted in :attr:`recovered`, and recomputed by the caller.
        """
        if not pairs:
            return {}
        keys = dict(zip(score_keys(model, fingerprint, pairs), pairs))

        def read(conn: sqlite3.Connection) -> list[tuple]:
            rows: list[tuple] = []
            key_list = list(keys)
            for start in range(0, len(key_list), 500):
                chunk = key_list[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows += conn.execute(
                    f"SELECT key, raw_score, score, raw_output, checksum FROM scores WHERE key IN ({marks})", chunk
                ).fetchall()
            return rows

        found: dict[tuple[str, str], CachedScore] = {}
        damaged: list[str] = []
        invalid: list[str] = []
        for key, raw, score, raw_output, checksum in self._execute_with_recovery(read, "reading scores"):
            raw_f = float("nan") if raw is None else raw
            score_f = float("nan") if score is None else score
            if not isinstance(raw_output, str) or _checksum(key, raw_f, score_f, raw_output) != checksum:
                damaged.append(key)
                continue
            problem = _value_problem(raw_f, score_f, raw_output, bounds)
            if problem:
                invalid.append(problem)
                damaged.append(key)
                continue
            found[keys[key]] = CachedScore(float(raw_f), float(score_f), raw_output)
        if damaged:
            why = f"{len(damaged) - len(invalid)} failed their checksum" if len(invalid) < len(damaged) else ""
            if invalid:
                why += f"{', ' if why else ''}{len(invalid)} held no valid score (first: {invalid[0]})"
            msg = f"{len(damaged)} damaged cache row(s) for {model} ({why}) will be recomputed"
            log.warning(msg)
            self.recovered.append(msg)
            self._execute_with_recovery(
                lambda conn: conn.executemany("DELETE FROM scores WHERE key = ?", [(k,) for k in damaged]),
                "removing damaged rows",
            )
        return found

    def put_many(
        self, model: str, fingerprint: str, pairs: Sequence[tuple[str, str]], scores: Iterable[CachedScore]
    ) -> None:
        """Store scores in one transaction (all rows or none)."""
        now = time.time()
        scores = list(scores)
        if len(scores) != len(pairs):
            raise ValueError(f"put_many got {len(pairs)} pair(s) but {len(scores)} score(s)")
        rows = []
        for key, s in zip(score_keys(model, fingerprint, pairs), scores):
            raw_f, score_f = float(s.raw_score), float(s.score)
            rows.append(
                (
                    key,
                    model,
                    fingerprint,
                    None if raw_f != raw_f else raw_f,  # NaN is stored as NULL (nan_to_none, inlined)
                    None if score_f != score_f else score_f,
                    s.raw_output,
                    _checksum(key, raw_f, score_f, s.raw_output),
                    now,
                )
            )
        if not rows:
            return

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(f"INSERT OR REPLACE INTO scores ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        self._execute_with_recovery(write, "writing scores")

    def count(self, model: str | None = None) -> int:
        """Number of stored scores (for one model, or all)."""
        if model is None:
            return self._execute_with_recovery(
                lambda c: c.execute("SELECT COUNT(*) FROM scores").fetchone()[0], "counting scores"
            )
        return self._execute_with_recovery(
            lambda c: c.execute("SELECT COUNT(*) FROM scores WHERE model = ?", (model,)).fetchone()[0],
            "counting scores",
        )

    def clear(self, model: str | None = None) -> int:
        """Delete stored scores (for one model, or all); returns how many."""

        def delete(conn: sqlite3.Connection) -> int:
            if model is None:
                return conn.execute("DELETE FROM scores").rowcount
            return conn.execute("DELETE FROM scores WHERE model = ?", (model,)).rowcount

        return self._execute_with_recovery(delete, "deleting scores")
