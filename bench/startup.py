"""The researcher's command line from start to exit: `resource-search query` run as a user
runs it, a fresh process each time, beside a bare Python start for scale.

Each run's wall time (`time.perf_counter` around the child) and CPU time (the child's user +
system time, from `resource.getrusage`) are reported as percentiles, with the load average
before and after: on a shared machine the wall time also counts the waits for a core, the
CPU time does not. No test times this; it is a figure for the README. Usage:

    python -m bench.startup [--index index] [--runs 10] [--json] [QUERY]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import click

from .measure import percentiles

DEFAULT_RUNS = 10
DEFAULT_QUERY = "police"
# The console script's own entry point, run by the venv's interpreter.
QUERY_CLI = "from search_app.cli import main; main()"


def timed_run(command: list[str]) -> tuple[float, float]:
    """One child process: its wall and CPU seconds (a failing child stops the bench)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(name: str, command: list[str], runs: int) -> dict:
    """Wall and CPU milliseconds of `runs` runs of a command, after one untimed run (which
    fills the page cache as any earlier use would)."""
    timed_run(command)
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = timed_run(command)
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
    return {"command": name, "wall_ms": percentiles(walls), "cpu_ms": percentiles(cpus)}


@click.command()
@click.argument("query", default=DEFAULT_QUERY)
@click.option("--index", type=click.Path(path_type=Path, file_okay=False), default=Path("index"))
@click.option("--runs", type=click.IntRange(1, 1000), default=DEFAULT_RUNS, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def main(query: str, index: Path, runs: int, as_json: bool) -> None:
    """Time `resource-search query QUERY --index INDEX`, fresh process per run."""
    if not index.is_dir():
        raise click.ClickException(f"no index at {index}: resource-index build --index {index}")
    load_start = os.getloadavg()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        f"resource-search query {query}": [
            sys.executable,
            "-c",
            QUERY_CLI,
            "query",
            query,
            "--index",
            str(index),
        ],
    }
    results = [measure(name, command, runs) for name, command in commands.items()]
    report = {
        "machine": f"{os.cpu_count()} cores",
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "runs": runs,
        "results": results,
    }
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['machine']}, load average {' '.join(f'{n:.2f}' for n in load_start)}")
    click.echo(f"{'command':<32} {'wall p50':>9} {'wall p95':>9} {'cpu p50':>9} {'cpu p95':>9}")
    for row in results:
        wall, cpu = row["wall_ms"], row["cpu_ms"]
        click.echo(
            f"{row['command']:<32} {wall['p50']:>7.0f}ms {wall['p95']:>7.0f}ms"
            f" {cpu['p50']:>7.0f}ms {cpu['p95']:>7.0f}ms"
        )
    end = " ".join(f"{n:.2f}" for n in report["load_average"]["end"])
    click.echo(f"load average at the end: {end}")


if __name__ == "__main__":
    sys.exit(main())
