"""The first query of each kind in a fresh process: what a new worker pays after a publish.

For each kind of the query mix (`querymix.KINDS`), a new Python interpreter (a subprocess,
never a fork of a warmed process) imports the engine, opens the index as the search core
does (`ours.Ours`: the published version's snapshot) or as tantivy does (`Index.open`), runs
the first query of that kind in the mix once, then the same query again. Each step is timed
in the child: import, open, first query (wall and CPU milliseconds) and the second run, whose
difference from the first is the per-process cold tax. Usage:

    python -m bench.coldstart --index bench/out/index-10000 \\
        [--tantivy bench/out/baseline-10000/tantivy]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click

from .measure import DIGITS
from .querymix import KINDS

ROOT = Path(__file__).resolve().parent.parent
CHILD = "import sys; from bench.coldstart import child; child(sys.argv[1], sys.argv[2])"
# Ours reading the version's posting arrays, ours reading Whoosh's posting blocks as a
# version without arrays is read (`bench.coldpostings` compares the two), and tantivy.
WHOOSH_BLOCKS = "ours, whoosh blocks"
ENGINES = ("ours", WHOOSH_BLOCKS, "tantivy")


def milliseconds(seconds: float) -> float:
    return round(seconds * 1000, DIGITS)


def child(engine: str, folder: str) -> None:
    """Run in the fresh process: the query (JSON) from stdin, the figures (JSON) to stdout."""
    query = json.loads(sys.stdin.read())
    started = time.perf_counter()
    if engine == WHOOSH_BLOCKS:  # the arrays refused, as a version published before them
        from indexer.posting_arrays import SegmentArrays

        SegmentArrays.open = classmethod(lambda cls, folder, reader: None)
    if engine != "tantivy":
        from bench.ours import Ours

        imported = time.perf_counter()
        searcher = Ours(Path(folder))
    else:
        from bench.engine_tantivy import Tantivy

        imported = time.perf_counter()
        searcher = Tantivy(Path(folder))
        searcher.open()
    opened, cpu = time.perf_counter(), time.process_time()
    total = searcher.search(query)
    first, first_cpu = time.perf_counter(), time.process_time()
    searcher.search(query)
    again, again_cpu = time.perf_counter(), time.process_time()
    figures = {
        "import_ms": milliseconds(imported - started),
        "open_ms": milliseconds(opened - imported),
        "query_ms": milliseconds(first - opened),
        "query_cpu_ms": milliseconds(first_cpu - cpu),
        "again_ms": milliseconds(again - first),
        "again_cpu_ms": milliseconds(again_cpu - first_cpu),
        "total": total,
    }
    print(json.dumps(figures))


def first_of_each_kind(queries: list[dict]) -> dict[str, dict]:
    """The first query of each kind, in the mix's order of kinds."""
    firsts: dict[str, dict] = {}
    for query in queries:
        firsts.setdefault(query["kind"], query)
    return {kind: firsts[kind] for kind in KINDS if kind in firsts}


def cold_query(index: Path, query: dict, engine: str = "ours") -> dict:
    """One fresh process running one query on the index: its figures."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, engine, str(index)],
        cwd=ROOT,
        input=json.dumps(query),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"the {engine} cold query failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_queries(index: Path, queries: list[dict], engine: str = "ours") -> dict:
    """For each kind, the first query of that kind in a fresh process: kind -> figures."""
    return {
        kind: {"q": query["q"], **cold_query(index, query, engine)}
        for kind, query in first_of_each_kind(queries).items()
    }


@click.command()
@click.option("--index", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option(
    "--tantivy",
    type=click.Path(path_type=Path, file_okay=False),
    help="A tantivy index of the same corpus (bench/out/baseline-SIZE/tantivy) to compare.",
)
@click.option("--queries", type=click.IntRange(10, 100_000), default=300, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def main(index: Path, tantivy: Path | None, queries: int, as_json: bool) -> None:
    """Time the first query of each kind, a fresh process per query.

    Example: python -m bench.coldstart --index bench/out/index-10000
    """
    from .distributions import fit
    from .lexicon import load_lexicon
    from .querymix import MIX_SEED, QueryMix

    mix = QueryMix(load_lexicon(), fit(), MIX_SEED).draw(queries)
    load_start = os.getloadavg()[0]
    report = {"ours": cold_queries(index, mix)}
    if tantivy:
        report["tantivy"] = cold_queries(tantivy, mix, "tantivy")
    report["load_average"] = {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)}
    report["cores"] = os.cpu_count()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['cores']} cores, load average (1 min) at start {load_start:.2f}")
    header = f"{'kind':<18}{'import':>9}{'open':>9}{'first':>9}{'cpu':>9}{'again':>9}"
    click.echo(header + (f"{'tantivy':>9}{'ratio':>9}" if tantivy else "") + "  (ms)")
    for kind, ours in report["ours"].items():
        line = f"{kind:<18}" + "".join(
            f"{ours[key]:>9.1f}" for key in ("import_ms", "open_ms", "query_ms")
        )
        line += f"{ours['query_cpu_ms']:>9.1f}{ours['again_ms']:>9.1f}"
        if tantivy:
            theirs = report["tantivy"][kind]["query_ms"]
            line += f"{theirs:>9.1f}{ours['query_ms'] / theirs:>8.1f}x"
        click.echo(line)
    click.echo(f"load average (1 min) at the end {report['load_average']['end']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
