"""compsem.store.score_store: scores are stored chunk by chunk, so an interrupted run resumes where it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compsem.cli import main
from compsem.models.specs import ModelSpec, Resolution
from compsem.scorers import PairScores
from compsem.store.score_store import ScoreStore, ScoringInterrupted

ROOT = Path(__file__).resolve().parents[1]
RES = Resolution(ModelSpec("m/fake", "cross-encoder", "general", "model-activation"), "local", fingerprint="fp")
PAIRS = [(f"a{i}", f"b{i * 7}") for i in range(1000)]


class Stopping:
    """Scores len(A) + len(B); raises KeyboardInterrupt on call number ``stop_at`` (a Ctrl-C mid-chunk)."""

    fingerprint = "fp"
    resolution = RES

    def __init__(self, stop_at: int | None = None):
        self.calls, self.stop_at, self.asked = 0, stop_at, []

    def predict(self, pairs, batch_size=32, progress=None):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        self.asked += pairs
        s = np.array([len(a) + len(b) for a, b in pairs], dtype=float)
        return PairScores(s, s / 10, ["{}"] * len(pairs), "made up")


def test_an_interrupted_model_keeps_its_finished_chunks_and_resumes(tmp_path):
    store = ScoreStore(tmp_path / "c")
    with pytest.raises(ScoringInterrupted) as info:
        store.compute_missing(store.lookup(RES, PAIRS), lambda: Stopping(stop_at=4), chunk_size=128)
    assert (info.value.saved, info.value.left, info.value.total) == (3 * 128, 1000 - 3 * 128, 1000)
    assert "384 new score(s) of it were saved" in info.value.message and "616 of its 1,000" in info.value.message
    assert len(ScoreStore(tmp_path / "c").lookup(RES, PAIRS).found) == 384  # exactly what the message says

    resumed = Stopping()
    again = ScoreStore(tmp_path / "c")
    filled = again.compute_missing(again.lookup(RES, PAIRS), lambda: resumed, chunk_size=128)
    assert (filled.cached, filled.computed) == (384, 616) and resumed.asked == PAIRS[384:]
    fresh = ScoreStore(tmp_path / "other")
    whole = fresh.compute_missing(fresh.lookup(RES, PAIRS), Stopping, chunk_size=1000)
    assert dict(filled.scores) == dict(whole.scores)


def test_an_interruption_while_loading_saves_nothing_and_says_so(tmp_path):
    def load():
        raise KeyboardInterrupt

    store = ScoreStore(tmp_path)
    with pytest.raises(ScoringInterrupted, match="0 new score"):
        store.compute_missing(store.lookup(RES, PAIRS), load)
    with pytest.raises(ValueError, match="chunk_size"):
        store.compute_missing(store.lookup(RES, PAIRS), Stopping, chunk_size=0)


def test_cli_ctrl_c_says_exactly_how_many_were_saved(tmp_path, monkeypatch, capsys):
    pairs = tmp_path / "p.csv"
    pairs.write_text(
        "id,category,sentence_a,sentence_b\n"
        + "".join(f"{i},negation,It is {i}.,It is not {i}.\n" for i in range(1500)),
        encoding="utf-8",
    )
    from compsem.scorers.baseline import BaselineScorer

    real, calls = BaselineScorer.predict, []

    def interrupted(self, pairs, batch_size=32, progress=None):
        calls.append(len(pairs))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, pairs, batch_size, progress)

    monkeypatch.setattr(BaselineScorer, "predict", interrupted)
    argv = ["run", "-q", "--pairs", str(pairs), "--models", "token-jaccard", "--chunk-size", "320"]
    rc = main([*argv, "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert rc == 1 and "640 new score(s) of it were saved" in err and "860 of its 1,500 pair(s)" in err
    monkeypatch.setattr(BaselineScorer, "predict", real)
    rc = main([*argv, "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")])
    assert rc == 0 and "scored 860, cached 640" in capsys.readouterr().out


_SLOW_RUN = """
import sys, time
from compsem.scorers.baseline import BaselineScorer
real = BaselineScorer.predict
def slow(self, pairs, batch_size=32, progress=None):
    out = real(self, pairs, batch_size, progress)
    time.sleep(0.3)
    return out
BaselineScorer.predict = slow
from compsem.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.timeout(300)
def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(tmp_path):
    pairs = tmp_path / "p.csv"
    pairs.write_text(
        "id,category,sentence_a,sentence_b\n"
        + "".join(f"{i},negation,The {i} cats sat.,The {i} cats did not sit.\n" for i in range(3000)),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    argv = ["--pairs", str(pairs), "--models", "token-jaccard", "--chunk-size", "200", "-q"]
    cache = tmp_path / "cache"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RUN, "run", *argv, "--out", str(tmp_path / "a"), "--cache-dir", str(cache)],
        env=env,
        cwd=ROOT,
    )
    from compsem.models.registry import resolve

    res = pair_list = None
    deadline = time.monotonic() + 240
    try:
        import pandas as pd

        frame = pd.read_csv(pairs, dtype=str)
        pair_list = list(zip(frame["sentence_a"], frame["sentence_b"]))
        res = resolve("token-jaccard")
        while time.monotonic() < deadline:  # wait for a few chunks to land, then kill -9 mid-run
            time.sleep(0.2)
            if (cache / "scores.sqlite").exists() or any(cache.glob("*.sqlite*")):
                with ScoreStore(cache) as s:
                    if len(s.lookup(res, pair_list).found) >= 600:
                        break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with ScoreStore(cache) as s:
        kept = len(s.lookup(res, pair_list).found)
    assert 600 <= kept < 3000 and kept % 200 == 0  # whole chunks only
    run = [sys.executable, "-m", "compsem.cli", "run", *argv]
    resumed = subprocess.run(
        [*run, "--out", str(tmp_path / "a"), "--cache-dir", str(cache)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"scored {3000 - kept}, cached {kept}" in resumed.stdout
    whole = subprocess.run(
        [*run, "--out", str(tmp_path / "b"), "--cache-dir", str(tmp_path / "fresh")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert whole.returncode == 0, whole.stderr
    for name in ("all_pair_results.csv", "comparison.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
