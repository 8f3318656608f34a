"""What the librarian's controls cost (issue 13): the changes for readers every build and
update report computes, the judged queries run before publishing, a rollback, and one line
of the query log.

On a generated corpus of `--size` resources (built into `bench/out/` once, then reused):
builds an index, edits `--edits` resource pages (a title each) and updates, then times
`compare_versions` for that update (a few documents changed) and its worst case, every
document changed (the update's hashes altered in a scratch copy, so every stored field of
every document is read from both versions and compared). Then the shipped corpus's judged queries on the shipped index, a rollback,
and `QueryLog.record`, with the load average. Usage:

    python -m bench.librarian [--size 10000] [--edits 10] [--json]
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import click

from indexer.build import build
from indexer.changes import compare_versions
from indexer.judgments import Judge, load_judgments
from indexer.pagecache import CACHE_FILE
from indexer.store import IndexStore
from indexer.update import update
from search_app.judging import rank
from search_app.querylog import QueryLog

from .perf import OUT, prepare_corpus

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"
SIZE = 10_000
EDITS = 10
LOG_LINES = 10_000
REPEATS = 5


def seconds(work) -> tuple[float, object]:
    """The best of `REPEATS` runs of `work()` and its last result."""
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def edit_titles(corpus: Path, count: int) -> None:
    """Retitle the first `count` resource pages (their `<h1>`)."""
    heading = '<h1 class="resource-title">'
    for page in sorted((corpus / "resources").glob("*.html"))[:count]:
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace(heading, heading + "Revised: ", 1), encoding="utf-8")


def measure_changes(size: int, edits: int) -> dict:
    """compare_versions after an update of `edits` pages, and after a full re-hash."""
    source, _ = prepare_corpus(OUT, size, regenerate=False)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(shutil.copytree(source, Path(scratch) / "corpus"))
        index = Path(scratch) / "index"
        store = IndexStore(index, keep=4)
        first = build(corpus, index).version
        edit_titles(corpus, edits)
        updated = update(corpus, index).version
        few, changes = seconds(
            lambda: compare_versions(store.versions / first, store.versions / updated)
        )
        altered = Path(shutil.copytree(store.versions / updated, Path(scratch) / "altered"))
        with sqlite3.connect(altered / CACHE_FILE) as db:
            db.execute("UPDATE documents SET hash = 'x' || hash WHERE hash != ''")
        every, everything = seconds(lambda: compare_versions(store.versions / first, altered))
        with store.lock():
            started = time.perf_counter()
            store.roll_back()
            rollback = time.perf_counter() - started
    return {
        "resources": size,
        "update": {"changed": len(changes.changed), "seconds": round(few, 4)},
        "every_document": {"changed": len(everything.changed), "seconds": round(every, 3)},
        "rollback_seconds": round(rollback, 4),
    }


def measure_judged() -> dict:
    """The shipped judged queries on the shipped index."""
    queries = tuple(load_judgments(SHIPPED))
    with tempfile.TemporaryDirectory() as scratch:
        index = Path(scratch) / "index"
        build(SHIPPED, index)
        version = IndexStore(index).published().path
        judge = Judge(queries, rank)
        best, failures = seconds(lambda: judge.check(version))
    return {"queries": len(queries), "failed": len(failures), "seconds": round(best, 4)}


def measure_log() -> dict:
    """Microseconds per query log line (open, lock, append, close), median of LOG_LINES."""
    with tempfile.TemporaryDirectory() as scratch:
        log = QueryLog(Path(scratch) / "queries.jsonl")
        times = []
        for n in range(LOG_LINES):
            started = time.perf_counter()
            log.record(f"query {n}", {"topic": ["Use of Force"]}, n)
            times.append(time.perf_counter() - started)
    return {"lines": LOG_LINES, "median_us": round(statistics.median(times) * 1e6, 1)}


@click.command()
@click.option("--size", type=click.IntRange(1, 1_000_000), default=SIZE, show_default=True)
@click.option("--edits", type=click.IntRange(1, 1000), default=EDITS, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def main(size: int, edits: int, as_json: bool) -> None:
    """Time the librarian's controls and print the figures with the load average."""
    figures = {
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}",
        "changes": measure_changes(size, edits),
        "judged": measure_judged(),
        "query_log": measure_log(),
    }
    figures["load_after"] = round(os.getloadavg()[0], 2)
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    changes = figures["changes"]
    click.echo(figures["machine"])
    click.echo(
        f"changes for readers at {changes['resources']} resources: update of"
        f" {changes['update']['changed']} documents {changes['update']['seconds'] * 1000:.1f} ms;"
        f" all {changes['every_document']['changed']} changed"
        f" {changes['every_document']['seconds']:.2f} s;"
        f" rollback {changes['rollback_seconds'] * 1000:.1f} ms"
    )
    judged = figures["judged"]
    click.echo(
        f"judged queries: {judged['queries']} in {judged['seconds'] * 1000:.0f} ms"
        f" ({judged['failed']} failed)"
    )
    log = figures["query_log"]
    click.echo(f"query log: {log['median_us']} us a line (median of {log['lines']})")
    click.echo(f"load average after: {figures['load_after']}")


if __name__ == "__main__":
    main()
