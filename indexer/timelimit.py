"""A time limit for one step of the build (parsing one page), so a hostile input cannot
hold the build lock for hours: a real-time timer raises `TimeLimitExceeded` in the step.

The timer is a signal, which Python delivers to the main thread between bytecodes, so the
limit applies in the build's own process and in each parsing worker (both run pages on
their main thread). Where it cannot apply (another thread, or a timer already running that
is not ours to replace), the step runs unbounded rather than break someone else's timer.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TimeLimitExceeded(Exception):
    """A step ran past its time limit and was stopped."""


def _expire(signum, frame) -> None:
    raise TimeLimitExceeded


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Within this block, raise TimeLimitExceeded once `seconds` of wall time have passed."""
    if threading.current_thread() is not threading.main_thread() or any(
        signal.getitimer(signal.ITIMER_REAL)
    ):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
