"""compsem.store.sqlite: keys, hits and misses, two writers at once, a crash mid-write, damage recovery."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compsem.store.recovery import _is_json, value_problem
from compsem.store.seed import pair_key
from compsem.store.sqlite import CACHE_FILE_NAME, CachedScore, ScoreCache, score_key, score_keys


def entry(x: float) -> CachedScore:
    return CachedScore(x, x / 2, f'{{"logit": {x}}}')


def test_key_depends_on_order_model_fingerprint_and_version():
    base = score_key("m", "fp", "a", "b")
    assert base != score_key("m", "fp", "b", "a")
    assert base != score_key("m2", "fp", "a", "b")
    assert base != score_key("m", "fp2", "a", "b")
    assert base != score_key("m", "fp", "a", "b", normalization_version="999")
    assert base == score_key("m", "fp", "a", "b")


TRICKY = [
    "",
    "a",
    'a "quoted" word',
    "back\\slash",
    "two\nlines",
    "tab\t",
    "\x00\x1f\x7f",
    "é ß 中文 👋",
    "\u2028",
    "</b>",
]


def test_keys_are_the_documented_json_hashed_so_existing_caches_stay_valid():
    # score_keys/pair_key write the JSON themselves (fast); the bytes hashed must stay json.dumps' bytes
    pairs = [(a, b) for a in TRICKY for b in TRICKY]
    for model, fp in [("m", "fp"), ("org/model+x", 'fp "1" é')]:
        want = [
            hashlib.sha256(
                json.dumps([model, fp, "1", a, b], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            ).hexdigest()
            for a, b in pairs
        ]
        assert score_keys(model, fp, pairs) == want
        assert [score_key(model, fp, a, b) for a, b in pairs] == want
    seed_want = [hashlib.sha256(json.dumps([a, b], ensure_ascii=False).encode()).hexdigest()[:20] for a, b in pairs]
    assert [pair_key(a, b) for a, b in pairs] == seed_want
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate is refused, as json.dumps(...).encode() refuses it
        score_key("m", "fp", "\ud800", "b")


def test_connections_use_the_large_run_settings_and_keep_their_durability(tmp_path: Path):
    cache = ScoreCache(tmp_path)
    cache.put_many("m", "fp", [("a", "b")], [entry(1.0)])
    conn = cache._connect()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, as before
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -65536  # 64 MiB
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 16384


def test_raw_output_is_checked_as_json_loads_would():
    texts = ["{}", ' {"a": [1, null]} ', "NaN", "1 2", "{", "", "\ufeff{}", "[1,]", "'a'", '"x"\n', "01", "{} x"]
    for text in texts:
        try:
            json.loads(text)
            ok = True
        except ValueError:
            ok = False
        assert _is_json(text) == ok, text
        assert (value_problem(0.5, 0.5, text) == "") == ok


def test_miss_then_hit_roundtrip(tmp_path: Path):
    cache = ScoreCache(tmp_path)
    pairs = [("a", "b"), ("b", "a"), ("ü 👋", "<b>x</b>")]
    assert cache.get_many("m", "fp", pairs) == {}
    cache.put_many("m", "fp", pairs, [entry(1.0), entry(2.0), entry(3.0)])
    got = cache.get_many("m", "fp", pairs)
    assert got[("b", "a")] == entry(2.0)
    assert got[("ü 👋", "<b>x</b>")].raw_output == '{"logit": 3.0}'
    assert cache.get_many("m", "other-fingerprint", pairs) == {}  # a retrained model misses
    assert cache.count("m") == 3


def test_survives_reopen(tmp_path: Path):
    ScoreCache(tmp_path).put_many("m", "fp", [("a", "b")], [entry(0.25)])
    assert ScoreCache(tmp_path).get_many("m", "fp", [("a", "b")]) == {("a", "b"): entry(0.25)}


def _writer(directory: str, worker: int, n: int) -> None:
    cache = ScoreCache(directory)
    for i in range(0, n, 10):  # many small transactions so the two writers interleave
        pairs = [(f"w{worker}-{j}", "x") for j in range(i, i + 10)]
        cache.put_many("m", "fp", pairs, [entry(float(j)) for j in range(i, i + 10)])
    cache.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 300)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    cache = ScoreCache(tmp_path)
    pairs = [(f"w{w}-{j}", "x") for w in (1, 2) for j in range(300)]
    got = cache.get_many("m", "fp", pairs)
    assert len(got) == 600
    assert got[("w2-299", "x")] == entry(299.0)
    assert not cache.recovered


def test_crash_inside_a_write_leaves_a_usable_cache(tmp_path: Path):
    ScoreCache(tmp_path).put_many("m", "fp", [("kept", "x")], [entry(1.0)])
    # A process opens a write transaction, inserts, and dies before committing.
    script = textwrap.dedent(f"""
        import os, sqlite3
        conn = sqlite3.connect({str(tmp_path / CACHE_FILE_NAME)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO scores VALUES ('k','m','fp',1,1,'{{}}','bad',0)")
        os._exit(1)
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 1
    cache = ScoreCache(tmp_path)
    assert cache.get_many("m", "fp", [("kept", "x")]) == {("kept", "x"): entry(1.0)}
    assert cache.count() == 1  # the uncommitted row never landed
    cache.put_many("m", "fp", [("new", "x")], [entry(2.0)])  # and the lock was released
    assert cache.count() == 2


def test_garbage_file_is_moved_aside_and_replaced(tmp_path: Path):
    (tmp_path / CACHE_FILE_NAME).write_bytes(b"this is not a database" * 100)
    cache = ScoreCache(tmp_path)
    assert cache.get_many("m", "fp", [("a", "b")]) == {}
    assert cache.recovered and "moved it to" in cache.recovered[0]
    assert list(tmp_path.glob(f"{CACHE_FILE_NAME}.damaged-*"))  # kept as evidence, not deleted
    cache.put_many("m", "fp", [("a", "b")], [entry(1.0)])
    assert cache.get_many("m", "fp", [("a", "b")]) == {("a", "b"): entry(1.0)}


def test_damaged_row_is_detected_and_recomputed_not_returned(tmp_path: Path):
    cache = ScoreCache(tmp_path)
    cache.put_many("m", "fp", [("a", "b"), ("c", "d")], [entry(1.0), entry(2.0)])
    cache.close()
    with sqlite3.connect(tmp_path / CACHE_FILE_NAME) as conn:  # flip a stored score behind the cache's back
        conn.execute("UPDATE scores SET score = 0.999 WHERE key = ?", (score_key("m", "fp", "a", "b"),))
    cache = ScoreCache(tmp_path)
    got = cache.get_many("m", "fp", [("a", "b"), ("c", "d")])
    assert set(got) == {("c", "d")}
    assert "failed their checksum" in cache.recovered[0]
    assert cache.count("m") == 1  # the bad row is gone, to be recomputed


def test_truncated_file_is_recovered(tmp_path: Path):
    cache = ScoreCache(tmp_path)
    cache.put_many("m", "fp", [(str(i), "x") for i in range(2000)], [entry(float(i)) for i in range(2000)])
    cache.close()
    for extra in tmp_path.glob(f"{CACHE_FILE_NAME}-*"):
        extra.unlink()
    path = tmp_path / CACHE_FILE_NAME
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    cache = ScoreCache(tmp_path)
    got = cache.get_many("m", "fp", [(str(i), "x") for i in range(2000)])
    # Whatever survives must be right; the damage must be reported, never raised.
    assert all(v == entry(float(k[0])) for k, v in got.items())
    assert cache.recovered or len(got) == 2000


def test_clear(tmp_path: Path):
    cache = ScoreCache(tmp_path)
    cache.put_many("m", "fp", [("a", "b")], [entry(1.0)])
    cache.put_many("n", "fp", [("a", "b")], [entry(1.0)])
    assert cache.clear("m") == 1 and cache.count() == 1


def test_mismatched_lengths_are_refused(tmp_path: Path):
    with pytest.raises(ValueError):
        ScoreCache(tmp_path).put_many("m", "fp", [("a", "b")], [entry(1.0), entry(2.0)])


# -- busy is not damage ------------------------------------------------------------------------------------
def _rollback_journal_cache_locked_by_another_connection(tmp_path: Path) -> sqlite3.Connection:
    """A cache in rollback-journal mode whose file another connection holds an exclusive lock on.

    In that mode an exclusive lock blocks readers too, so opening the cache answers "database
    is locked": exactly what a busy, healthy database looks like.
    """
    with ScoreCache(tmp_path) as cache:
        cache.put_many("m", "fp", [("kept", "x")], [entry(1.0)])
    path = tmp_path / CACHE_FILE_NAME
    with sqlite3.connect(path, isolation_level=None) as conn:
        assert conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO scores VALUES ('k2','m','fp',1,1,'{}','x',0)")
    return holder


def test_a_locked_database_is_waited_for_then_refused_clearly_never_moved_aside(tmp_path: Path):
    import re

    holder = _rollback_journal_cache_locked_by_another_connection(tmp_path)
    try:
        cache = ScoreCache(tmp_path, timeout=0.5)
        error: Exception | None = None
        try:
            cache.get_many("m", "fp", [("kept", "x")])
        except Exception as exc:  # noqa: BLE001 - what it is, is asserted below
            error = exc
        assert not list(tmp_path.glob("*.damaged-*")) and not cache.recovered  # a healthy file stays put
        assert type(error).__name__ == "CacheBusyError"
        assert re.search(r"scores\.sqlite stayed locked by another process .*--cache-dir", str(error))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    cache = ScoreCache(tmp_path)
    assert cache.get_many("m", "fp", [("kept", "x")]) == {("kept", "x"): entry(1.0)}  # nothing was lost
    assert not cache.recovered


def test_a_lock_that_frees_in_time_is_waited_out(tmp_path: Path):
    import threading

    holder = _rollback_journal_cache_locked_by_another_connection(tmp_path)
    threading.Timer(0.4, lambda: (holder.execute("ROLLBACK"), holder.close())).start()
    cache = ScoreCache(tmp_path, timeout=20)
    cache.put_many("m", "fp", [("new", "x")], [entry(2.0)])
    assert cache.count() == 2 and not cache.recovered
    assert not list(tmp_path.glob("*.damaged-*"))


def test_busy_answers_given_at_once_are_retried_with_back_off(tmp_path: Path):
    from compsem.store.recovery import CacheBusyError

    cache = ScoreCache(tmp_path, timeout=2)
    answers = iter([sqlite3.OperationalError("database is locked")] * 3 + [None])

    def flaky() -> str:
        err = next(answers)
        if err is not None:
            raise err
        return "done"

    assert cache._retry(flaky, "testing") == "done"
    cache.timeout = 0.2
    with pytest.raises(CacheBusyError):
        cache._retry(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("database is busy")), "testing")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):  # not busy: not retried
        cache._retry(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O error")), "testing")


def test_busy_and_damage_are_told_apart():
    from compsem.store.recovery import is_busy_error, is_damage_error

    assert is_busy_error(sqlite3.OperationalError("database is locked"))
    assert not is_damage_error(sqlite3.OperationalError("database is locked"))
    assert not is_busy_error(sqlite3.DatabaseError("file is not a database"))
    assert is_damage_error(sqlite3.DatabaseError("file is not a database"))
    assert is_damage_error(sqlite3.DatabaseError("database disk image is malformed"))
    assert not is_damage_error(sqlite3.OperationalError("unable to open database file"))


def test_journal_mode_is_set_when_the_database_is_created_not_on_every_open(tmp_path: Path, monkeypatch):
    import compsem.store.sqlite as cache_module

    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(cache_module.sqlite3, "connect", traced)
    ScoreCache(tmp_path).count()
    assert any("journal_mode = WAL" in s for s in statements)
    statements.clear()
    ScoreCache(tmp_path).count()
    assert statements and not any("journal_mode = WAL" in s for s in statements)


def test_an_unusable_folder_is_a_clear_error(tmp_path: Path):
    from compsem.store.recovery import CacheError

    (tmp_path / "file").write_text("x")
    with pytest.raises(CacheError, match="cannot create the score cache folder .*--cache-dir"):
        ScoreCache(tmp_path / "file" / "cache").count()


# -- salvage -----------------------------------------------------------------------------------------------
def test_intact_rows_of_a_damaged_file_are_copied_into_the_new_cache(tmp_path: Path):
    n = 3000
    pairs = [(f"sentence {i}", "x") for i in range(n)]
    cache = ScoreCache(tmp_path)
    cache.put_many("m", "fp", pairs, [entry(float(i)) for i in range(n)])
    cache.close()
    path = tmp_path / CACHE_FILE_NAME
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + 3 * page] = b"\xde\xad" * (3 * page // 2)  # three pages of the table destroyed
    path.write_bytes(bytes(data))

    cache = ScoreCache(tmp_path)
    got = cache.get_many("m", "fp", pairs)
    assert cache.recovered and "moved it to" in cache.recovered[0]
    copied = int(cache.recovered[0].split("copied ")[1].split(" ")[0])
    assert copied == len(got) and n // 2 < copied < n  # most rows survived, none invented
    assert all(v == entry(float(k[0].split()[1])) for k, v in got.items())
    moved = list(tmp_path.glob(f"{CACHE_FILE_NAME}.damaged-*"))
    # the evidence is kept as found
    assert [p.read_bytes() for p in moved if not p.name.endswith(("-wal", "-shm"))] == [bytes(data)]


@pytest.mark.parametrize(
    ("raw", "score", "raw_output"),
    [(0.5, None, "{}"), (0.5, float("inf"), "{}"), (0.5, "x", "{}"), (0.5, b"\x00", "{}"), (0.5, 0.5, "{oops")],
)
def test_salvage_does_not_copy_a_row_that_passes_its_checksum_but_holds_no_score(raw, score, raw_output):
    from compsem.store.recovery import checksum, row_is_intact

    raw_c = float("nan") if raw is None else raw
    score_c = float("nan") if score is None else score
    row = ("k", "m", "fp", raw, score, raw_output, checksum("k", raw_c, score_c, raw_output), 0.0)
    assert not row_is_intact(row)
    good = ("k", "m", "fp", 0.5, 0.25, "{}", checksum("k", 0.5, 0.25, "{}"), 0.0)
    assert row_is_intact(good)


def test_get_many_applies_the_bounds_it_is_given(tmp_path: Path):
    cache = ScoreCache(tmp_path)
    cache.put_many("m", "fp", [("a", "b")], [CachedScore(3.0, 1.5, "{}")])
    assert cache.get_many("m", "fp", [("a", "b")]) == {("a", "b"): CachedScore(3.0, 1.5, "{}")}  # unbounded: served
    assert cache.get_many("m", "fp", [("a", "b")], bounds=(0.0, 1.0)) == {}
    assert "outside the model's range 0..1" in cache.recovered[-1] and cache.count("m") == 0
