"""What a full build costs, side by side: CPU seconds, wall seconds and peak memory (PSS) of the
whole process tree, for our build from one or more checkouts and for a straightforward Whoosh
build (one process: the indexer's parser, then `bench/engine_whoosh.py`'s title+body index).

Each build runs in a child process (`PYTHONPATH` set to the checkout it measures), one after
the other, in rounds (`--rounds`, alternating the builds, so a change in the machine's load
hits each alike). CPU is the user and system time of the child and every process it waited
for (its workers); peak PSS sums `Pss` of `/proc/PID/smaps_rollup` over the child and all
its descendants, sampled every 200 ms. The load average is printed beside every figure.

    python -m bench.buildcost --corpus bench/out/corpus-10000 --before /work/main --rounds 1
    python -m bench.buildcost --size 2000   # generates bench/out/corpus-2000 when needed

CPU seconds are the figure to compare on a shared machine; wall seconds only mean something
with the load average beside them.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from .generate import generate, is_current
from .memory import KILOBYTE, PeakPss

ROOT = Path(__file__).resolve().parent.parent
OURS = (
    "import sys; from pathlib import Path; from indexer.build import build; "
    "r = build(Path(sys.argv[1]), Path(sys.argv[2])); print(r.pages_read, r.resources)"
)
PLAIN = (
    "import sys; from pathlib import Path; from bench.records import read_resources; "
    "from bench.engine_whoosh import WhooshPlain; "
    "rs, pages = read_resources(Path(sys.argv[1])); WhooshPlain(Path(sys.argv[2])).build(rs); "
    "print(pages, len(rs))"
)


def run_build(code: Path, script: str, corpus: Path, index: Path) -> dict:
    """One build in a child process: CPU and wall seconds, peak PSS of its process tree."""
    if index.exists():
        shutil.rmtree(index)
    environment = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(corpus), str(index)],
        cwd=code,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with PeakPss(child.pid) as memory:
        out, err = child.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode:
        raise click.ClickException(f"build from {code} failed:\n{err[-3000:]}")
    pages, resources = (int(n) for n in out.split()[-2:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "cpu_seconds": round(cpu, 1),
        "wall_seconds": round(wall, 1),
        "peak_pss_mb": round(memory.peak / KILOBYTE**2),
        "pages": pages,
        "resources": resources,
        "cpu_ms_per_resource": round(1000 * cpu / max(resources, 1), 2),
        "load": [round(x, 2) for x in (*load_before, *os.getloadavg())],
    }


@click.command()
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--size", type=click.IntRange(10, 100_000), default=2000, show_default=True)
@click.option(
    "--before",
    "befores",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Another checkout whose build to measure beside this one (repeatable).",
)
@click.option("--plain/--no-plain", default=True, help="Also the straightforward Whoosh build.")
@click.option("--rounds", type=click.IntRange(1, 10), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def main(corpus, size, befores, plain, rounds, as_json) -> None:
    """Full builds side by side: CPU, wall, peak PSS of the process tree, with the load."""
    if corpus is None:
        corpus = ROOT / "bench" / "out" / f"corpus-{size}"
        if not is_current(corpus, size):
            generate(size, corpus)
    builds = [(f"before ({code})", code, OURS) for code in befores]
    builds.append(("ours (this checkout)", ROOT, OURS))
    if plain:
        builds.append(("straightforward Whoosh", ROOT, PLAIN))
    results: dict[str, list[dict]] = {name: [] for name, _, _ in builds}
    with tempfile.TemporaryDirectory(prefix="buildcost-") as scratch:
        for _ in range(rounds):
            for name, code, script in builds:
                figures = run_build(code, script, corpus, Path(scratch) / "index")
                results[name].append(figures)
                click.echo(f"{name}: {json.dumps(figures)}", err=True)
    if as_json:
        click.echo(json.dumps({"corpus": str(corpus), "results": results}, indent=2))
        return
    click.echo(f"\ncorpus {corpus}; best of {rounds} round(s) by CPU; load average 1/5/15 min")
    click.echo("| build | CPU s | wall s | peak PSS MB | CPU ms/resource | load before, after |")
    click.echo("|---|---|---|---|---|---|")
    for name, runs in results.items():
        best = min(runs, key=lambda r: r["cpu_seconds"])
        load = (
            " ".join(str(x) for x in best["load"][:3])
            + ", "
            + " ".join(str(x) for x in best["load"][3:])
        )
        click.echo(
            f"| {name} | {best['cpu_seconds']} | {best['wall_seconds']} | {best['peak_pss_mb']} "
            f"| {best['cpu_ms_per_resource']} | {load} |"
        )


if __name__ == "__main__":
    main()
