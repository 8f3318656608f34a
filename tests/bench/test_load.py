"""The HTTP bench's CPU figure: the CPU time of a server's whole process tree."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.load import tree_cpu_seconds

# A parent that starts a child burning CPU, then both wait to be stopped.
BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass"
TREE = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', sys.argv[1]])\n"
    "child.wait()\n"
    "print('done', flush=True)\n"
    "time.sleep(60)\n"
)
BURN_SECONDS = 0.5
LIVE_BURN_SECONDS = 5  # the grandchild outlives the test by this at most


def test_tree_cpu_counts_the_children_of_a_process():
    command = [sys.executable, "-c", TREE, BURN.format(seconds=BURN_SECONDS)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout.readline().strip() == "done"
            # The child burnt BURN_SECONDS and was waited for: the parent's tree holds it.
            assert tree_cpu_seconds(parent.pid) >= BURN_SECONDS * 0.9
        finally:
            parent.kill()


def test_tree_cpu_counts_live_descendants():
    command = [sys.executable, "-c", TREE, BURN.format(seconds=LIVE_BURN_SECONDS)]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL) as parent:
        try:
            started = tree_cpu_seconds(parent.pid)
            deadline = time.monotonic() + 30
            # Counted while it runs, before anyone waited for it.
            while tree_cpu_seconds(parent.pid) - started < BURN_SECONDS:
                assert time.monotonic() < deadline, "the burning grandchild was not counted"
                time.sleep(0.05)
        finally:
            parent.kill()


def test_a_gone_process_costs_nothing():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert tree_cpu_seconds(gone.pid) == 0
