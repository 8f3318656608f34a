"""Peak memory of a whole process tree, as PSS: what a command and all it starts really use.

The peak resident set size (`ru_maxrss`) of a process and of its children, added up, counts
every page they share (the interpreter, the libraries, forked copies) once per process. The
proportional set size (Pss in `/proc/PID/smaps_rollup`) divides each shared page among the
processes mapping it, so the PSS of every process of a tree adds up to the tree's real
share of memory. A thread samples the tree (the process and every descendant, found by
parent id in `/proc`) every 0.2 s and keeps the largest sum. Linux only; elsewhere None.
"""

from __future__ import annotations

import threading
from pathlib import Path

PROC = Path("/proc")
INTERVAL = 0.2
KILOBYTE = 1024


def parent_ids() -> dict[int, int]:
    """Every process's parent id, by process id."""
    parents = {}
    for folder in PROC.iterdir():
        if not folder.name.isdigit():
            continue
        try:
            stat = (folder / "stat").read_text(encoding="utf-8")
        except OSError:  # gone since the listing
            continue
        # The command name (in parentheses) may hold spaces: the fields follow its last ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(folder.name)] = int(fields[1])
    return parents


def tree(root: int) -> list[int]:
    """The process and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, parent in parent_ids().items():
        children.setdefault(parent, []).append(pid)
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children.get(pid, []))
    return found


def pss_bytes(pid: int) -> int:
    """A process's proportional set size (0 once it has exited)."""
    try:
        with (PROC / str(pid) / "smaps_rollup").open(encoding="utf-8") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * KILOBYTE
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_bytes(root: int) -> int:
    return sum(pss_bytes(pid) for pid in tree(root))


class PeakPss:
    """Samples the PSS of a process tree until stopped; `peak` is the largest sum seen."""

    def __init__(self, root: int, interval: float = INTERVAL):
        self.root, self.interval = root, interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, tree_pss_bytes(self.root))
            self.samples += 1
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def available() -> bool:
        return (PROC / "self" / "smaps_rollup").exists()
