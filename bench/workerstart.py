"""What the first query of each kind costs a search process that has not served one yet: CPU
milliseconds of opening the published version and of the first query, per kind of the
query mix, in three situations:

- `fresh`: a new process (its imports done) opens the index and runs one query;
- `forked`: a gunicorn worker forked from a master that loaded the app as `resource-search
  serve` does (`server.SearchServer.load`: the app, the version warmed);
- `publish`: such a worker, having served the version (three queries of the kind), moves to
  a new version after a publish (a hard-linked copy of the published one under another
  name, its derived files included) and runs its first query there.

Each measure runs in a process of its own (forked), so no query warms another's. CPU time
(`time.process_time`), not wall time: on a shared machine the wall time also counts waits
for a core. With `--tree DIR` (repeatable) each tree's code runs this same file in turn
(`PYTHONPATH=DIR`), interleaved over `--rounds`, and the medians are printed side by side:
`python -m bench.workerstart --index /tmp/index-copy --tree /path/to/main --tree .`. The
index folder must be writable (a copy): the `publish` situation adds and removes a version.
No test times this; it prints figures, with the load average.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click

from .querymix import KINDS

SITUATIONS = ("fresh", "forked", "publish")
SERVED = 3  # queries of the kind the worker serves before the publish
MIX_QUERIES = 400
# This file run in a child whose PYTHONPATH (and working folder) is another tree: that
# tree's search app and bench modules are imported, this file's measure runs them.
RUN_THIS_FILE = (
    f"import runpy; runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__main__')"
)


def cpu_ms(function):
    """The result of a call and its CPU milliseconds."""
    started = time.process_time()
    result = function()
    return result, 1000 * (time.process_time() - started)


def in_child(function) -> dict:
    """Run `function` in a forked child and return its JSON-able result (or its error)."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reading)
        try:
            out = json.dumps(function()).encode()
        except Exception as error:  # a kind that fails says so instead of stopping the bench
            out = json.dumps({"error": repr(error)}).encode()
        os.write(writing, out)
        os._exit(0)
    os.close(writing)
    data = b""
    while chunk := os.read(reading, 65536):
        data += chunk
    os.close(reading)
    os.waitpid(pid, 0)
    return json.loads(data)


def measure(index: Path) -> dict:
    """Every situation's open and first-query CPU ms, per kind, with this process's code."""
    started = time.process_time()
    from search_app.search import run_search
    from search_app.server import SearchServer
    from search_app.snapshots import IndexHolder

    from .distributions import fit
    from .lexicon import load_lexicon
    from .ours import params_of
    from .querymix import MIX_SEED, QueryMix

    imported = 1000 * (time.process_time() - started)
    queries = QueryMix(load_lexicon(), fit(), MIX_SEED).draw(MIX_QUERIES)
    by_kind = {kind: [q for q in queries if q["kind"] == kind] for kind in KINDS}

    def first(holder, kind) -> dict:
        snapshot, open_ms = cpu_ms(holder.snapshot)
        _, query_ms = cpu_ms(lambda: run_search(snapshot, params_of(by_kind[kind][0])))
        return {"open": open_ms, "first": query_ms}

    figures: dict = {"import": imported}
    figures["fresh"] = {k: in_child(lambda k=k: first(IndexHolder(index), k)) for k in KINDS}
    # What `resource-search serve` does in gunicorn's master before forking its workers.
    server = SearchServer.__new__(SearchServer)  # its gunicorn settings are not needed
    server.index = index
    app, figures["warm"] = cpu_ms(server.load)
    master = app.extensions["index_holder"]
    figures["forked"] = {k: in_child(lambda k=k: first(master, k)) for k in KINDS}

    def after_publish(kind) -> dict:
        for query in by_kind[kind][1 : 1 + SERVED]:
            run_search(master.snapshot(), params_of(query))
        root = index
        current = (root / "CURRENT").read_text("utf-8").strip()
        name = f"v29991231T000000000000Z-{os.getpid()}"
        copy = root / "versions" / name
        shutil.copytree(root / "versions" / current, copy, copy_function=os.link)
        switch = root / f".CURRENT.bench-{os.getpid()}"
        try:
            switch.write_text(name + "\n", encoding="utf-8")
            os.replace(switch, root / "CURRENT")
            found = first(master, kind)
            assert master.snapshot().version == name
        finally:
            switch.write_text(current + "\n", encoding="utf-8")
            os.replace(switch, root / "CURRENT")
            shutil.rmtree(copy)
        return found

    figures["publish"] = {k: in_child(lambda k=k: after_publish(k)) for k in KINDS}
    return figures


def median(runs: list[dict], *path) -> float | None:
    values = []
    for run in runs:
        value = run
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            values.append(value)
    return statistics.median(values) if values else None


def cell(value: float | None) -> str:
    return "error" if value is None else f"{value:.1f}"


def table(runs: dict[str, list[dict]]) -> list[str]:
    """Side-by-side medians: one row per situation and kind, open and first per tree."""
    names = list(runs)
    head = " | ".join(f"open {n} | first {n}" for n in names)
    lines = [f"| situation | kind | {head} |", "|---" * (2 + 2 * len(names)) + "|"]
    for situation in SITUATIONS:
        for kind in KINDS:
            cells = " | ".join(
                f"{cell(median(runs[n], situation, kind, 'open'))} | "
                f"{cell(median(runs[n], situation, kind, 'first'))}"
                for n in names
            )
            lines.append(f"| {situation} | {kind} | {cells} |")
    for key in ("import", "warm"):
        lines.append(f"{key}: " + ", ".join(f"{n} {cell(median(runs[n], key))}" for n in names))
    return lines


@click.command()
@click.option("--index", type=click.Path(path_type=Path, file_okay=False), default=Path("index"))
@click.option("--tree", "trees", multiple=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--rounds", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One run's figures as JSON (no --tree).")
def main(index: Path, trees: tuple[Path, ...], rounds: int, as_json: bool) -> None:
    """Print the CPU ms of opening the index and of the first query of each kind."""
    index = index.resolve()
    if as_json:
        print(json.dumps(measure(index)))
        return
    trees = trees or (Path(__file__).resolve().parent.parent,)
    runs: dict[str, list[dict]] = {str(tree): [] for tree in trees}
    loads = [os.getloadavg()]
    for _ in range(rounds):
        for tree in trees:
            done = subprocess.run(
                [sys.executable, "-c", RUN_THIS_FILE, "--index", str(index), "--json"],
                cwd=tree,
                env={**os.environ, "PYTHONPATH": str(tree.resolve())},
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                raise click.ClickException(f"{tree}: {done.stderr[-3000:]}")
            runs[str(tree)].append(json.loads(done.stdout.strip().splitlines()[-1]))
            loads.append(os.getloadavg())
    print(
        f"{index}: CPU ms, medians of {rounds} interleaved rounds; load average (1 min)"
        f" {loads[0][0]:.2f} at the start, {loads[-1][0]:.2f} at the end,"
        f" {max(load[0] for load in loads):.2f} at most; {os.cpu_count()} cores"
    )
    print("\n".join(table(runs)))


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a file: the tree on PYTHONPATH comes first
        sys.path.append(str(Path(__file__).resolve().parent.parent))
        __package__ = "bench"  # noqa: A001
    main()
