"""A time limit for one step of the build (parsing one page), so a hostile input cannot
hold the build lock for hours: a real-time timer raises `TimeLimitExceeded` in the step.

The timer is a signal, which Python delivers to the main thread between bytecodes, so the
limit applies in the build's own process and in each parsing worker (both run pages on
their main thread); in another thread the step runs unbounded. Limits nest: an inner one
never outlasts, nor cancels, a timer already running (ours or a test runner's).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class TimeLimitExceeded(Exception):
    """A step ran past its time limit and was stopped."""


@dataclass
class Deadline:
    """One time limit; `expired` tells whether it was this one that stopped the step."""

    seconds: float
    expired: bool = False


@contextmanager
def time_limit(seconds: float) -> Iterator[Deadline]:
    """Within this block, raise TimeLimitExceeded once `seconds` of wall time have passed."""
    deadline = Deadline(seconds)
    if threading.current_thread() is not threading.main_thread():
        yield deadline
        return
    remaining, interval = signal.getitimer(signal.ITIMER_REAL)
    if remaining and remaining <= seconds:  # a running timer ends first: let it fire
        yield deadline
        return

    def expire(signum, frame) -> None:
        deadline.expired = True
        raise TimeLimitExceeded(f"over {seconds:g} s")

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield deadline
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:  # give the running timer back what is left of it
            left = max(remaining - (time.monotonic() - started), MIN_TIMER_SECONDS)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


MIN_TIMER_SECONDS = 1e-6  # a timer of 0 would be cancelled, not fired
