"""compsem.store.throughput: measured rates, and an estimate that says where it came from (issue 23 item 1)."""

from __future__ import annotations

import json

import pytest

from compsem.store import throughput
from compsem.store.throughput import (
    GUESSED,
    MEASURED,
    PARTLY_MEASURED,
    Rate,
    RateTracker,
    ThroughputLog,
    estimate,
    format_seconds,
    guess_seconds,
)

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
NLI = "compsem/minilm-l6-sick-nli"


class Clock:
    """A fake clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_measured_is_a_guess_and_says_so():
    est = estimate({MINILM: 336, NLI: 336}, {})
    assert est.source == GUESSED and est.measured == () and set(est.guessed) == {MINILM, NLI}
    assert est.seconds == pytest.approx(guess_seconds(MINILM, 336) + guess_seconds(NLI, 336))
    assert "guess" in est.describe() and "no model timed" in est.describe()


def test_a_measured_rate_replaces_the_guess_and_says_so():
    rates = {MINILM: Rate(MINILM, startup_s=2.0, per_pair_s=0.05, pairs=336, measured_at=0.0)}
    est = estimate({MINILM: 100}, rates)
    assert est.source == MEASURED and est.measured == (MINILM,)
    assert est.seconds == pytest.approx(2.0 + 0.05 * 100)
    assert "measured" in est.describe()


def test_a_partly_measured_estimate_scales_the_guess_by_this_machines_slowdown():
    # MiniLM ran 3x slower than its guess here: the unmeasured model's guess is scaled by 3 too
    slow = 3 * guess_seconds(MINILM, 336)
    rates = {MINILM: Rate(MINILM, startup_s=0.0, per_pair_s=slow / 336, pairs=336, measured_at=0.0)}
    est = estimate({MINILM: 336, NLI: 336}, rates)
    assert est.source == PARTLY_MEASURED and est.measured == (MINILM,) and est.guessed == (NLI,)
    assert est.seconds == pytest.approx(slow + 3 * guess_seconds(NLI, 336))
    assert "1 of 2 models timed" in est.describe()


def test_models_with_nothing_missing_cost_nothing():
    assert estimate({MINILM: 0}, {}).seconds == 0
    assert estimate({MINILM: 0}, {}).source == MEASURED  # nothing to guess


def test_the_tracker_measures_start_up_and_per_pair_time_from_progress_calls():
    clock = Clock()
    tracker = RateTracker({MINILM: 100, NLI: 100}, clock=clock)
    tracker.progress(MINILM, 0, 100)  # before loading
    clock.now += 5  # load + first chunk
    tracker.progress(MINILM, 32, 100)
    clock.now += 6.8  # 68 pairs at 0.1 s
    tracker.progress(MINILM, 100, 100)
    tracker.progress(NLI, 0, 100)
    clock.now += 3
    tracker.progress(NLI, 32, 100)
    rate = tracker.rates()[MINILM]
    assert rate.startup_s == pytest.approx(5) and rate.per_pair_s == pytest.approx(0.1) and rate.pairs == 100
    assert NLI not in tracker.rates()  # one chunk is not a rate yet
    assert tracker.done() == 132
    left = tracker.seconds_left()
    assert left.guessed == (NLI,)  # not measured yet: guessed, scaled by how slow MiniLM ran
    clock.now += 6.8
    tracker.progress(NLI, 100, 100)
    assert tracker.seconds_left().seconds == 0


def test_the_time_left_uses_the_current_models_observed_rate_not_a_share_of_the_whole():
    clock = Clock()
    tracker = RateTracker({NLI: 1000}, clock=clock)
    tracker.progress(NLI, 0, 1000)
    clock.now += 10
    tracker.progress(NLI, 100, 1000)
    clock.now += 10
    tracker.progress(NLI, 200, 1000)  # 0.1 s per pair after start-up
    left = tracker.seconds_left()
    assert left.source == MEASURED and left.seconds == pytest.approx(800 * 0.1)


def test_the_log_keeps_the_latest_rate_per_model_and_ignores_a_damaged_file(tmp_path):
    log = ThroughputLog(tmp_path)
    assert log.rates() == {}
    log.record({MINILM: Rate(MINILM, 1.0, 0.01, 10, 0.0)})
    log.record({NLI: Rate(NLI, 2.0, 0.02, 10, 0.0)})
    log.record({MINILM: Rate(MINILM, 1.5, 0.03, 20, 1.0)})
    assert set(log.rates()) == {MINILM, NLI} and log.rates()[MINILM].per_pair_s == 0.03
    assert json.loads((tmp_path / throughput.FILE_NAME).read_text())["rates"][NLI]["pairs"] == 10
    (tmp_path / throughput.FILE_NAME).write_text("{not json")
    assert log.rates() == {}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 s"), (45.4, "45 s"), (89, "89 s"), (90, "1.5 min"), (684, "11.4 min"), (7200, "2.0 h")],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_format_seconds_refuses_a_negative_duration():
    with pytest.raises(ValueError, match="finite"):
        format_seconds(-1)
