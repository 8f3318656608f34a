"""The first query of each kind in a fresh process, as a server worker meets it after a
publish: no warm-up, the index version opened as the app opens it (`IndexHolder`), then one
query of the mix through the search core (`run_search`), timed, then the same query again.

Each query runs in a process of its own (`coldstart.cold_query`), twice: reading the
version's posting arrays (indexer/posting_arrays.py), and reading Whoosh's posting blocks as
a version without them is read (the arrays refused, as a version published before them),
one after the other so both see the same load. Wall and CPU milliseconds
(`time.process_time`) are reported, with the load average: on a shared machine the wall time
also counts the waits for a core.

    python -m bench.coldpostings --index DIR [--queries 3] [--write-arrays] [--json]

`--write-arrays` first writes the published version's arrays if it has none (an index built
before them; the seconds it takes are printed: what a build adds).
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import click

from .coldstart import WHOOSH_BLOCKS, cold_query
from .measure import DIGITS

DEFAULT_QUERIES = 3  # queries of each kind, each in a fresh process
MODES = {"posting arrays": "ours", "whoosh blocks": WHOOSH_BLOCKS}  # -> coldstart's engine
FIGURES = ("open_ms", "query_ms", "query_cpu_ms", "again_ms", "again_cpu_ms")


def mix_queries(per_kind: int) -> list[dict]:
    """The first `per_kind` queries of each kind of the bench's query mix."""
    from .distributions import fit
    from .lexicon import load_lexicon
    from .querymix import KINDS, MIX_SEED, QueryMix

    drawn = QueryMix(load_lexicon(), fit(), MIX_SEED).draw(60 * per_kind * len(KINDS))
    return [q for kind in KINDS for q in [q for q in drawn if q["kind"] == kind][:per_kind]]


def write_missing_arrays(index: Path) -> dict | None:
    """Write the published version's posting arrays if it has none; what it took."""
    import time

    from indexer.posting_arrays import FOLDER, write
    from indexer.store import IndexStore

    version = IndexStore(index).published().path
    if (version / FOLDER).is_dir():
        return None
    wall, cpu = time.perf_counter(), time.process_time()
    done = write(version)
    children = os.times()
    return {
        **done,
        "wall_seconds": round(time.perf_counter() - wall, DIGITS),
        "cpu_seconds": round(
            time.process_time() - cpu + children.children_user + children.children_system, DIGITS
        ),
    }


def _summary(runs: list[dict], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 1)


@click.command()
@click.option("--index", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--queries", "per_kind", type=click.IntRange(1, 20), default=DEFAULT_QUERIES)
@click.option("--write-arrays", is_flag=True, help="Write the arrays of a version without.")
@click.option("--json", "as_json", is_flag=True)
def main(index: Path, per_kind: int, write_arrays: bool, as_json: bool) -> None:
    """The first query of each kind in a fresh process, with and without posting arrays."""
    load_start = os.getloadavg()
    written = write_missing_arrays(index) if write_arrays else None
    rows, failed = {}, []
    for query in mix_queries(per_kind):
        for mode, engine in MODES.items():
            try:
                run = cold_query(index, query, engine)
            except RuntimeError as error:  # said, and left out of the figures
                failed.append(f"{query['kind']} {query['q']!r} / {mode}: {str(error)[-300:]}")
                continue
            rows.setdefault((query["kind"], mode), []).append(run)
    report = {
        "machine": f"{os.cpu_count()} cores",
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "arrays_written": written,
        "failed": failed,
        "kinds": {
            f"{kind} / {mode}": {key: _summary(runs, key) for key in FIGURES}
            for (kind, mode), runs in rows.items()
        },
    }
    if as_json:
        click.echo(json.dumps(report, indent=1))
        return
    if written:
        click.echo(f"posting arrays written: {written}")
    for failure in failed:
        click.echo(f"failed: {failure}")
    click.echo(f"load average at start {load_start}, at end {report['load_average']['end']}")
    click.echo(f"median of {per_kind} queries a kind, each in a fresh process (ms)")
    header = ("kind", "reading", "open", "first", "first CPU", "again", "again CPU")
    click.echo("| " + " | ".join(header) + " |")
    click.echo("|" + "---|" * len(header))
    for kind, mode in rows:
        figures = report["kinds"][f"{kind} / {mode}"]
        click.echo(f"| {kind} | {mode} | " + " | ".join(str(v) for v in figures.values()) + " |")


if __name__ == "__main__":
    main()
