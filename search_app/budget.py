"""Every step of a search, bounded in time (issue 11): the budget of one request.

The work of each step is bounded by named caps (word lengths, expansions, phrase words);
this is the backstop when the caps are not enough. A request runs `within(seconds)`:

- cooperative: after half the budget, the expensive loops (wildcard and fuzzy expansion,
  phrase positions, did-you-mean) stop where they are, `cut()` records it, and the response
  says "searched partly" (`Reason.SEARCHED_PARTLY`) with what was found so far;
- forced: when the whole budget runs out, a real-time timer (`signal.setitimer`) raises
  `RequestTimeout` in the request, answered with a 503 and `Retry-After`, long before
  gunicorn's worker timeout would kill the worker. Only the main thread of a process can
  take a signal (a sync gunicorn worker's requests, the test client's): elsewhere only the
  cooperative checks apply. Code that must not be interrupted half-way (a lock and the cache
  it guards) runs `protected()`: the timer waits until it ends.

Without `within` (the CLI, library use) nothing is ever out of time.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

# After this share of the budget the expensive loops stop and the request answers with what
# it has; the rest is left for shaping the response before the timer fires.
COOPERATIVE_SHARE = 0.5
# How soon the timer tries again when it fired inside protected code.
RETRY_SECONDS = 0.01


class RequestTimeout(Exception):
    """The request ran out of its time budget."""


@dataclass
class Budget:
    """One request's deadline for its loops, and whether any of them stopped early."""

    deadline: float = float("inf")  # time.monotonic() after which loops stop
    was_cut: bool = field(default=False)

    def exhausted(self) -> bool:
        """Whether the loops should stop (and say so with `cut`)."""
        return time.monotonic() >= self.deadline


_current: ContextVar[Budget | None] = ContextVar("request_budget", default=None)
_local = threading.local()


def current() -> Budget:
    """This request's budget (an unlimited one outside `within`)."""
    return _current.get() or Budget()


def exhausted() -> bool:
    """Whether this request's loops should stop now."""
    budget = _current.get()
    return budget is not None and budget.exhausted()


def cut() -> None:
    """Record that a loop stopped early: the response will say it searched partly."""
    budget = _current.get()
    if budget is not None:
        budget.was_cut = True


def was_cut() -> bool:
    """Whether some loop of this request stopped early."""
    budget = _current.get()
    return budget is not None and budget.was_cut


class protected:
    """A block the timer never interrupts (it fires when the block ends): a lock and the
    data it guards stay consistent. Cheap: a counter of this thread."""

    def __enter__(self):
        _local.depth = getattr(_local, "depth", 0) + 1
        return self

    def __exit__(self, *exc):
        _local.depth -= 1
        return False


def _on_timer(signum, frame):
    if getattr(_local, "depth", 0):
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    raise RequestTimeout()


class Timing:
    """A started budget: the context token and the timer to undo when the request ends."""

    def __init__(self, seconds: float):
        self.token = _current.set(Budget(deadline=time.monotonic() + seconds * COOPERATIVE_SHARE))
        self.armed = threading.current_thread() is threading.main_thread()
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, _on_timer)
            signal.setitimer(signal.ITIMER_REAL, seconds)

    def disarm(self) -> None:
        """Stop the timer (a streamed body then runs with the cooperative checks only)."""
        if self.armed:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            # None: the handler was not set from Python; the default is the closest to it.
            signal.signal(signal.SIGALRM, self.previous or signal.SIG_DFL)

    def stop(self) -> None:
        """Stop the timer and forget the budget."""
        self.disarm()
        if self.token is not None:
            with contextlib.suppress(ValueError):  # set in another context: nothing to undo
                _current.reset(self.token)
            self.token = None


def start(seconds: float | None) -> Timing | None:
    """Start a request's budget (`Timing.stop` ends it). No budget when `seconds` is None or
    0; no timer outside the main thread."""
    return Timing(seconds) if seconds else None


@contextlib.contextmanager
def within(seconds: float | None):
    """Run a block with a time budget of `seconds` (see the module's docstring)."""
    timing = start(seconds)
    try:
        yield current()
    finally:
        if timing is not None:
            timing.stop()
