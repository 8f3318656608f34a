"""A build or update in its own process, stopped at its N-th file operation in the index folder.

    python -m tests.hardening.build_process COMMAND CORPUS INDEX ACTION [N]

COMMAND is `build`, `update`, or `pooled-build`: a build that uses its worker processes
(two) however small the corpus, as a big corpus would. ACTION:

- `count`: run to the end and print how many file operations it did in the index folder.
- `kill`: SIGKILL the process just before its N-th file operation there (an open, rename,
  remove, mkdir, link, listing or database connection, as Python's audit events report them),
  so every kill point is a state a crash can leave on disk. Operations of the build's worker
  processes are not counted.
- `kill-parser`, `kill-writer`: SIGKILL the first worker process to reach its own N-th
  operation in the corpus folder (the page-parsing workers read pages), or in the index
  folder (the segment-writing workers write there).
- `pause`: at the first operation on the new `.partial` version (the build lock is held
  by then), create `INDEX.paused` and wait until `INDEX.release` exists, then carry on.

Audit hooks see each operation before it happens and cannot be removed, which is why this
runs in a process of its own.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import indexer.build
import indexer.parallel
import indexer.update

PAUSE_SECONDS = 120
POOL_WORKERS = 2
WORKER_ACTIONS = ("kill-parser", "kill-writer")
KILLS = ("kill", *WORKER_ACTIONS)
POLL_SECONDS = 0.01


def paths_of(args: tuple) -> list[str]:
    """The file paths among an audit event's arguments."""
    return [str(arg) for arg in args if isinstance(arg, str | bytes | os.PathLike)]


def main(argv: list[str]) -> None:
    command, corpus, index, action = argv[1], Path(argv[2]), Path(argv[3]).resolve(), argv[4]
    stop_at = int(argv[5]) if len(argv) > 5 else 0
    folder = corpus.resolve() if action == "kill-parser" else index
    inside = (str(folder), str(folder) + os.sep)
    in_workers = action in WORKER_ACTIONS
    build_pid = os.getpid()
    count = 0

    def hook(event: str, args: tuple) -> None:
        nonlocal count
        paths = paths_of(args)
        if event == "os.kill" or not any(p in inside or p.startswith(inside) for p in paths):
            return
        if (os.getpid() != build_pid) != in_workers:
            return
        count += 1  # a worker counts its own (from 0: the build does not count then)
        if action in KILLS and count == stop_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if action == "pause" and any(".partial" in p for p in paths):
            pause(index)

    paused = False

    def pause(index: Path) -> None:
        nonlocal paused
        if paused:
            return
        paused = True
        Path(f"{index}.paused").write_text(str(os.getpid()), encoding="utf-8")
        deadline = time.monotonic() + PAUSE_SECONDS
        while not Path(f"{index}.release").exists() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)

    sys.addaudithook(hook)
    if command == "pooled-build":
        indexer.parallel.MIN_PAGES = indexer.parallel.MIN_DOCUMENTS = 1
        report = indexer.build.build(corpus, index, processes=POOL_WORKERS)
    else:
        operation = {"build": indexer.build.build, "update": indexer.update.update}[command]
        report = operation(corpus, index)
    if action == "count":
        print(count)
    elif action in KILLS:
        sys.exit(f"not killed: only {count} file operations (published {report.version})")


if __name__ == "__main__":
    main(sys.argv)
