"""bench.buildcost: the process tree it measures, and its PSS."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.buildcost import descendants, pss_bytes


def test_the_tree_holds_a_process_and_its_children_and_their_memory():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        tree = descendants(os.getpid())
        assert tree[0] == os.getpid() and child.pid in tree
        assert os.getppid() not in tree
        alone = pss_bytes([os.getpid()])
        assert alone > 0 and pss_bytes(tree) > alone
    finally:
        child.kill()
        child.wait()
    assert pss_bytes([child.pid]) == 0  # a process gone counts nothing
