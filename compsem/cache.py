"""The on-disk score store: keys, atomic writes, concurrent writers, recovery from damage.

Storage is one SQLite database (``<cache>/scores.sqlite``). SQLite gives what a score
cache needs without hand-written locking: every write is a transaction (a crash leaves
either the old or the new rows, never half a row), and two processes writing at once
wait for each other (WAL journal plus a busy timeout).

A key is the SHA-256 of (model key, model fingerprint, normalization version, sentence A,
sentence B): order matters, since cross-encoders are not symmetric. Each row also stores a
checksum of its own content, so a row damaged on disk is detected and recomputed rather
than returned. A file that is not a readable database is moved aside (never deleted:
it may be evidence) and a fresh one is started.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from compsem.registry import NORMALIZATION_VERSION, default_cache_dir

log = logging.getLogger(__name__)

CACHE_FILE_NAME = "scores.sqlite"
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


@dataclass(frozen=True)
class CachedScore:
    """A score as stored: ``raw_output`` is the model's full output as JSON (logits, both directions...)."""

    raw_score: float
    score: float
    raw_output: str


def score_key(model: str, fingerprint: str, sentence_a: str, sentence_b: str,
              normalization_version: str = NORMALIZATION_VERSION) -> str:
    """Cache key of one (model, ordered text pair).

    Example:
        >>> score_key("m", "fp", "a", "b") != score_key("m", "fp", "b", "a")
        True
    """
    payload = json.dumps([model, fingerprint, normalization_version, sentence_a, sentence_b],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _checksum(key: str, raw_score: float, score: float, raw_output: str) -> str:
    payload = f"{key}|{raw_score!r}|{score!r}|{raw_output}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


class ScoreCache:
    """Persistent (model, text pair) -> score store shared by processes.

    Args:
        directory: folder of the database; default :func:`compsem.registry.default_cache_dir`.

    Attributes:
        recovered: messages about damage found and repaired while this object was used.

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

    # -- connection ----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            conn = self._open()
        except sqlite3.DatabaseError as exc:
            self._quarantine(f"the score cache {self.path} could not be read ({exc})")
            conn = self._open()
        self._conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = %d" % int(self.timeout * 1000))
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            ok = conn.execute("PRAGMA quick_check").fetchone()
            if not ok or ok[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {ok[0] if ok else 'no answer'}")
            conn.execute(_SCHEMA)
            conn.execute("CREATE INDEX IF NOT EXISTS scores_model ON scores(model, fingerprint)")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _quarantine(self, why: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                try:
                    src.replace(Path(str(moved) + suffix))
                except OSError:  # another process moved it first
                    pass
        msg = f"{why}; moved it to {moved.name} and started a new cache (scores will be recomputed)"
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

    def _execute_with_recovery(self, fn):
        try:
            return fn(self._connect())
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            self.close()
            self._quarantine(f"the score cache {self.path} is damaged ({exc})")
            return fn(self._connect())

    # -- reads and writes ----------------------------------------------------------------
    def get_many(self, model: str, fingerprint: str,
                 pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], CachedScore]:
        """Cached scores for those of ``pairs`` that are present and intact."""
        if not pairs:
            return {}
        keys = {score_key(model, fingerprint, a, b): (a, b) for a, b in pairs}

        def read(conn: sqlite3.Connection) -> list[tuple]:
            rows: list[tuple] = []
            key_list = list(keys)
            for start in range(0, len(key_list), 500):
                chunk = key_list[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows += conn.execute(
                    f"SELECT key, raw_score, score, raw_output, checksum FROM scores WHERE key IN ({marks})", chunk
                ).fetchall()
            return rows

        found: dict[tuple[str, str], CachedScore] = {}
        damaged: list[str] = []
        for key, raw, score, raw_output, checksum in self._execute_with_recovery(read):
            raw_f = float("nan") if raw is None else raw
            score_f = float("nan") if score is None else score
            if _checksum(key, raw_f, score_f, raw_output) != checksum:
                damaged.append(key)
                continue
            found[keys[key]] = CachedScore(raw_f, score_f, raw_output)
        if damaged:
            msg = f"{len(damaged)} damaged cache row(s) for {model} failed their checksum and will be recomputed"
            log.warning(msg)
            self.recovered.append(msg)
            self._execute_with_recovery(
                lambda conn: conn.executemany("DELETE FROM scores WHERE key = ?", [(k,) for k in damaged])
            )
        return found

    def put_many(self, model: str, fingerprint: str, pairs: Sequence[tuple[str, str]],
                 scores: Iterable[CachedScore]) -> None:
        """Store scores in one transaction (all rows or none)."""
        now = time.time()
        rows = []
        for (a, b), s in zip(pairs, scores, strict=True):
            key = score_key(model, fingerprint, a, b)
            raw_f, score_f = float(s.raw_score), float(s.score)
            rows.append((key, model, fingerprint, _nan_to_none(raw_f), _nan_to_none(score_f), s.raw_output,
                         _checksum(key, raw_f, score_f, s.raw_output), now))
        if not rows:
            return

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO scores VALUES (?,?,?,?,?,?,?,?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        self._execute_with_recovery(write)

    def count(self, model: str | None = None) -> int:
        """Number of stored scores (for one model, or all)."""
        if model is None:
            return self._execute_with_recovery(lambda c: c.execute("SELECT COUNT(*) FROM scores").fetchone()[0])
        return self._execute_with_recovery(
            lambda c: c.execute("SELECT COUNT(*) FROM scores WHERE model = ?", (model,)).fetchone()[0]
        )

    def clear(self, model: str | None = None) -> int:
        """Delete stored scores (for one model, or all); returns how many."""
        def delete(conn: sqlite3.Connection) -> int:
            if model is None:
                return conn.execute("DELETE FROM scores").rowcount
            return conn.execute("DELETE FROM scores WHERE model = ?", (model,)).rowcount

        return self._execute_with_recovery(delete)
