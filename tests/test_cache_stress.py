"""compsem.store.sqlite under stress: 4 writers x 10 trials started at one moment, and 20 SIGKILLs mid-write.

The experiments live in ``bench/stress_cache.py`` (which also prints the figures of docs/reliability.md);
this module runs them at full size in every ``pytest`` run. A healthy database moved aside,
a committed score that cannot be read back, or a score that reads back different, fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import stress_cache  # bench/ is not a package

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and select on pipes are POSIX")


@pytest.mark.slow
def test_four_writers_started_together_ten_times_lose_nothing(tmp_path: Path):
    figures = stress_cache.concurrent_writers(tmp_path, writers=4, trials=10, rounds=10, batches=2, batch_size=10)
    assert figures.rows_written == 4 * 10 * 10 * 2 * 10
    assert (figures.lost, figures.wrong, figures.quarantined, figures.writer_failures) == (0, 0, 0, 0), figures.problems
    assert not list(tmp_path.rglob("*.damaged-*"))


@pytest.mark.slow
def test_twenty_kills_mid_write_lose_no_committed_score_and_read_no_wrong_one(tmp_path: Path):
    figures = stress_cache.kills(tmp_path, runs=20, batch_size=50, seed=1)
    assert figures.rows_written >= 20 * 50  # every writer committed at least one batch before its kill
    assert (figures.lost, figures.wrong, figures.quarantined, figures.writer_failures) == (0, 0, 0, 0), figures.problems


def test_the_checker_counts_lost_and_wrong_rows(tmp_path: Path):
    """The harness itself must be able to fail: a missing row and a wrong row are counted."""
    from compsem.store.sqlite import CachedScore, ScoreCache

    figures = stress_cache.StressFigures("self-check", runs=1)
    with ScoreCache(tmp_path) as cache:
        pairs = stress_cache._pairs("w", 0, 3)
        cache.put_many(
            stress_cache.MODEL,
            stress_cache.FINGERPRINT,
            pairs[:2],
            [stress_cache.expected_score("w", 0), CachedScore(9.0, 9.0, "{}")],
        )
        stress_cache._check(cache, "w", 3, figures, must_have=3)
    assert (figures.lost, figures.wrong) == (1, 1) and not figures.ok
