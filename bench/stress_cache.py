"""Stress test of the score cache: concurrent writers started at one moment, and SIGKILLs mid-write.

Two experiments, each counting rows written, lost and wrong, and healthy databases moved aside:

1. **Concurrent writers.** ``writers`` processes wait on one barrier, then all open the same
   fresh cache folder at the same moment and write to it. Each opens the cache anew for
   every batch (as many short ``compsem run`` calls would), so creating the database,
   switching on the WAL journal and the integrity check all race with other processes'
   writes. A trial is ``rounds`` such fresh folders in a row (the race is sharpest when a
   database is created, and one creation per trial is too rare a collision on a loaded
   machine); repeated for ``trials`` trials.
2. **Kills.** A writer process commits batch after batch and reports each commit on its
   stdout; it is killed with SIGKILL at a random moment in the middle of writing. The next
   run opens the cache and must find every reported batch, and every row it finds must hold
   exactly the score that writer wrote. Repeated ``kills`` times on one growing cache.

A lost row is a committed row that cannot be read back; a wrong row is one whose score is
not what its writer wrote; a quarantine is a ``scores.sqlite.damaged-*`` file (the cache
moved a database aside). All must be zero.

    HF_HUB_OFFLINE=1 python bench/stress_cache.py                      # the full run (figures in docs/reliability.md)
    HF_HUB_OFFLINE=1 python bench/stress_cache.py --writers 4 --trials 3 --kills 5

``tests/test_cache_stress.py`` runs the same two functions; this script prints the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import compsem
from compsem.store.sqlite import CACHE_FILE_NAME, CachedScore, ScoreCache

MODEL, FINGERPRINT = "stress/model", "fp-1"


@dataclass
class StressFigures:
    """What one experiment found; ``problems`` says what went wrong, row by row (first 20).

    ``lost`` and ``wrong`` count distinct rows, however often a row is read back.
    """

    experiment: str
    runs: int
    rows_written: int = 0
    lost_rows: set = field(default_factory=set)
    wrong_rows: set = field(default_factory=set)
    quarantined: int = 0
    writer_failures: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.lost_rows)

    @property
    def wrong(self) -> int:
        return len(self.wrong_rows)

    def figures(self) -> dict:
        return {
            "experiment": self.experiment,
            "runs": self.runs,
            "rows_written": self.rows_written,
            "lost": self.lost,
            "wrong": self.wrong,
            "quarantined": self.quarantined,
            "writer_failures": self.writer_failures,
            "seconds": round(self.seconds, 1),
        }

    @property
    def ok(self) -> bool:
        return not (self.lost or self.wrong or self.quarantined or self.writer_failures)

    def note(self, text: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(text)


def expected_score(worker: str, j: int) -> CachedScore:
    """The score a writer stores for its row ``j``: distinct per writer and row, so a mix-up shows."""
    h = (sum(map(ord, worker)) * 7919 + j * 104729) % 1_000_003
    raw = h / 1_000_003 * 2 - 1  # negative values too
    return CachedScore(raw, (raw + 1) / 2, json.dumps({"writer": worker, "row": j, "raw": raw}))


def _pairs(worker: str, start: int, n: int) -> list[tuple[str, str]]:
    return [(f"{worker} sentence {j}", f"{worker} other {j}") for j in range(start, start + n)]


def _write_batch(cache: ScoreCache, worker: str, start: int, n: int) -> None:
    cache.put_many(
        MODEL, FINGERPRINT, _pairs(worker, start, n), [expected_score(worker, j) for j in range(start, start + n)]
    )


def _check(cache: ScoreCache, worker: str, n_rows: int, figures: StressFigures, must_have: int) -> None:
    """Read rows ``0..n_rows`` of ``worker``; rows below ``must_have`` were committed and must be present."""
    got = cache.get_many(MODEL, FINGERPRINT, _pairs(worker, 0, n_rows))
    for j, pair in enumerate(_pairs(worker, 0, n_rows)):
        if pair not in got:
            if j < must_have:
                figures.lost_rows.add((worker, j))
                figures.note(f"{worker} row {j} was committed but is missing")
        elif got[pair] != expected_score(worker, j):
            figures.wrong_rows.add((worker, j))
            figures.note(f"{worker} row {j} reads {got[pair]}, expected {expected_score(worker, j)}")


def _folder(base: str | Path, trial: int, round_: int) -> Path:
    return Path(base) / f"trial-{trial}" / f"round-{round_}"


def _concurrent_writer(
    base: str, worker: int, trials: int, rounds: int, batches: int, batch_size: int, barrier, failures
) -> None:
    for trial in range(trials):
        for round_ in range(rounds):
            barrier.wait(120)  # everyone opens the same fresh cache at the same moment
            name = f"w{worker}-t{trial}-r{round_}"
            for b in range(batches):
                try:
                    with ScoreCache(_folder(base, trial, round_), timeout=60) as cache:
                        _write_batch(cache, name, b * batch_size, batch_size)
                        if cache.recovered:
                            failures.put(f"{name}: {cache.recovered}")
                except Exception as exc:  # noqa: BLE001 - reported to the parent, which counts it as a failure
                    failures.put(f"{name} batch {b}: {type(exc).__name__}: {exc}")


def concurrent_writers(
    base: Path, writers: int = 4, trials: int = 10, rounds: int = 10, batches: int = 2, batch_size: int = 10
) -> StressFigures:
    """Experiment 1; see the module docstring."""
    figures = StressFigures("concurrent writers", runs=trials)
    ctx = mp.get_context("spawn")
    barrier, failures = ctx.Barrier(writers), ctx.Queue()
    t0 = time.perf_counter()
    procs = [
        ctx.Process(
            target=_concurrent_writer, args=(str(base), w, trials, rounds, batches, batch_size, barrier, failures)
        )
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(600)
        if p.exitcode != 0:
            figures.writer_failures += 1
            figures.note(f"writer process exited with {p.exitcode}")
    while not failures.empty():
        figures.writer_failures += 1
        figures.note(failures.get())
    figures.seconds = time.perf_counter() - t0
    n_rows = batches * batch_size
    for trial in range(trials):
        for round_ in range(rounds):
            folder = _folder(base, trial, round_)
            figures.quarantined += len(list(folder.glob(f"{CACHE_FILE_NAME}.damaged-*")))
            with ScoreCache(folder) as cache:
                for w in range(writers):
                    figures.rows_written += n_rows
                    _check(cache, f"w{w}-t{trial}-r{round_}", n_rows, figures, must_have=n_rows)
                if cache.recovered:
                    figures.quarantined += 1
                    figures.note(f"trial {trial} round {round_}: {cache.recovered}")
    return figures


def _kill_writer(directory: str, worker: str, batch_size: int) -> None:
    """Write batches until killed; print each committed batch number after its commit returns."""
    with ScoreCache(directory) as cache:
        b = 0
        while True:
            _write_batch(cache, worker, b * batch_size, batch_size)
            print(b, flush=True)
            b += 1


def kills(directory: Path, runs: int = 20, batch_size: int = 50, seed: int = 0) -> StressFigures:
    """Experiment 2; see the module docstring."""
    figures = StressFigures("SIGKILL mid-write", runs=runs)
    rng = random.Random(seed)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(Path(compsem.__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]
        ),
    )
    committed: dict[str, int] = {}
    t0 = time.perf_counter()
    for run in range(runs):
        worker = f"kill{run}"
        proc = subprocess.Popen(
            [sys.executable, __file__, "--kill-writer", str(directory), worker, str(batch_size)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        want = rng.randint(1, 8)  # commits to see before the kill; the kill then lands mid-transaction
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while len(lines) < want and time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                line = proc.stdout.readline()
                if line:
                    lines.append(line)
        time.sleep(rng.random() * 0.01)
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        lines += out.splitlines()
        if len([x for x in lines if x.strip()]) < want:
            figures.writer_failures += 1
            figures.note(f"{worker} stopped before it was killed: {err.strip()[-300:]}")
        done = [int(x) for x in lines if x.strip().isdigit()]
        committed[worker] = (max(done) + 1) * batch_size if done else 0
        figures.rows_written += committed[worker]
        # The next run: everything committed so far, by every killed writer, must read back right.
        with ScoreCache(directory) as cache:
            for name, n in committed.items():
                _check(cache, name, n + 3 * batch_size, figures, must_have=n)
            if cache.recovered:
                figures.quarantined += 1
                figures.note(f"after {worker}: {cache.recovered}")
    figures.quarantined += len(list(Path(directory).glob(f"{CACHE_FILE_NAME}.damaged-*")))
    figures.seconds = time.perf_counter() - t0
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10, help="fresh caches per trial, each opened by all at once")
    parser.add_argument("--batches", type=int, default=2, help="batches per writer and round")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--out", help="folder for the caches (default: a temporary folder)")
    parser.add_argument("--kill-writer", nargs=3, metavar=("DIR", "WORKER", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.kill_writer:
        _kill_writer(args.kill_writer[0], args.kill_writer[1], int(args.kill_writer[2]))
        return 0
    import tempfile

    with tempfile.TemporaryDirectory(prefix="compsem-stress-") as tmp:
        base = Path(args.out) if args.out else Path(tmp)
        results = [
            concurrent_writers(base / "writers", args.writers, args.trials, args.rounds, args.batches, args.batch_size),
            kills(base / "kills", args.kills),
        ]
    for r in results:
        print(json.dumps(r.figures()))
        for p in r.problems:
            print(f"  {p}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
