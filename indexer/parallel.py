"""Worker processes for big builds: pages parsed in a pool, documents indexed by workers writing
a segment each (`segments.py`), one process per core.

Workers are forked from the build and die with it (Linux's parent-death signal), so a build
killed outright leaves no worker behind writing files or holding the build lock. Small
corpora are read and indexed in the build's own process: starting workers would cost more
than it saves.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

MIN_PAGES = 400  # fewer pages than this are parsed in the build's own process
MIN_DOCUMENTS = 500  # fewer documents than this are indexed in the build's own process
CHUNK_PAGES = 32  # pages sent to a parsing worker at a time
PR_SET_PDEATHSIG = 1

_parent: int | None = None  # the build's process id while it has workers


def cpu_count() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _die_with_parent() -> None:
    """In a freshly forked worker: be killed when the build's process ends, however it ends."""
    if _parent is None:
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queues close
        return
    if os.getppid() != _parent:  # the build died before the signal was armed
        os._exit(1)


os.register_at_fork(after_in_child=_die_with_parent)


@contextmanager
def workers_of_this_process():
    """Within this block, processes forked by this one die with it."""
    global _parent
    previous, _parent = _parent, os.getpid()
    try:
        yield
    finally:
        _parent = previous


def parallel_map(function: Callable, items: list, processes: int) -> Iterator:
    """`map(function, items)` in order, over a pool of forked workers when it pays."""
    if processes <= 1 or len(items) < MIN_PAGES:
        yield from map(function, items)
        return
    context = multiprocessing.get_context("fork")
    with workers_of_this_process(), ProcessPoolExecutor(processes, mp_context=context) as pool:
        yield from pool.map(function, items, chunksize=CHUNK_PAGES)
