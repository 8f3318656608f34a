"""The time limit of one build step (indexer/timelimit.py): it fires, says which limit
fired, cancels itself, and nests under a timer already running."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from indexer.timelimit import TimeLimitExceeded, time_limit

SHORT, LONG = 0.1, 5.0


def test_a_limit_stops_the_step_and_says_it_fired():
    with pytest.raises(TimeLimitExceeded), time_limit(SHORT) as limit:
        time.sleep(LONG)
    assert limit.expired
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_step_within_its_limit_is_untouched_and_the_timer_cancelled():
    with time_limit(LONG) as limit:
        time.sleep(SHORT / 10)
    assert not limit.expired
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_a_shorter_inner_limit_fires_and_the_outer_one_still_runs():
    with pytest.raises(TimeLimitExceeded), time_limit(SHORT * 5) as outer:
        with pytest.raises(TimeLimitExceeded), time_limit(SHORT) as inner:
            time.sleep(LONG)
        assert (inner.expired, outer.expired) == (True, False)
        time.sleep(LONG)
    assert outer.expired


def test_a_longer_inner_limit_lets_the_running_one_fire():
    with pytest.raises(TimeLimitExceeded), time_limit(SHORT) as outer, time_limit(LONG) as inner:
        time.sleep(LONG)
    assert (outer.expired, inner.expired) == (True, False)


def test_outside_the_main_thread_the_step_runs_unbounded():
    seen = []

    def step():
        with time_limit(SHORT / 10) as limit:
            time.sleep(SHORT)
        seen.append(limit.expired)

    thread = threading.Thread(target=step)
    thread.start()
    thread.join()
    assert seen == [False]
