"""bench.memory: the process tree the builds are measured over (bench.buildcost, bench.ours),
and its PSS."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.memory import pss_bytes, tree, tree_pss_bytes


def test_the_tree_holds_a_process_and_its_children_and_their_memory():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        found = tree(os.getpid())
        assert found[0] == os.getpid() and child.pid in found
        assert os.getppid() not in found
        alone = pss_bytes(os.getpid())
        assert alone > 0 and tree_pss_bytes(os.getpid()) > alone
    finally:
        child.kill()
        child.wait()
    assert pss_bytes(child.pid) == 0  # a process gone counts nothing
