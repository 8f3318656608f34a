"""Full-text search of the shipped corpus, measured: the weight of document text in the
ranking, what passages cost a search, and what the extraction cache saves a build.

    python -m bench.fulltext [--corpus corpus] [--repeat 20]

Builds the corpus twice into a temporary index (the first build extracts every document, the
second finds them all in the content-hash cache). Then, for each weight of the `document`
field in `WEIGHTS` (the shipped one is `query.DOCUMENT_WEIGHT`), runs the judged queries of
the test suite: the metadata ones (`tests/search/test_judged_queries.py`, written before
documents were indexed: a long report must not push their answer down) and the full-text
ones (`tests/search/test_fulltext.py`), and counts those whose resource comes first, with
the mean reciprocal rank of all. Last, the median time of a search (its page of 10 results)
with and without the passages. The load average is printed: on a shared machine, times
compare only within one run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import click
from werkzeug.datastructures import MultiDict

from indexer.build import build
from search_app import passages, query
from search_app.params import parse_params
from search_app.search import run_search
from search_app.snapshots import IndexHolder

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
TIMED = (
    '"unidentified human remains"',
    "deadly force",
    "how is Ferguson law enforcement shaped by the focus on revenue?",
    "body worn cameras evidence",
)
RESULTS_SHOWN = 50  # ranks beyond count as not found, for the reciprocal rank


def load() -> str:
    """The load average, as /proc/loadavg gives it."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def judged() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The test suite's judged queries: (query, resource first), metadata and full text."""
    from tests.search.test_fulltext import JUDGED as FULLTEXT
    from tests.search.test_judged_queries import JUDGED as METADATA

    return list(METADATA), [(q, resource_id) for q, resource_id, _, _ in FULLTEXT]


def rank_of(snapshot, q: str, resource_id: str) -> int | None:
    params = parse_params(MultiDict({"q": q, "per_page": str(RESULTS_SHOWN)}))
    ids = [result["id"] for result in run_search(snapshot, params)["results"]]
    return ids.index(resource_id) + 1 if resource_id in ids else None


def median_ms(snapshot, q: str, repeat: int) -> float:
    params = parse_params(MultiDict({"q": q}))
    run_search(snapshot, params)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run_search(snapshot, params)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@click.command()
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=REPO / "corpus")
@click.option("--repeat", type=click.IntRange(1, 1000), default=20, show_default=True)
def main(corpus: Path, repeat: int) -> None:
    """Print the builds' times, the judged queries by document weight, and search times."""
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index"
        click.echo(f"2 cores shared; load average {load()}")
        for label in ("first build (extracts)", "second build (cache)"):
            report = build(corpus, index)
            click.echo(f"{label}: {report.seconds:.2f} s, {report.resources} resources")
        snapshot = IndexHolder(index).snapshot()
        metadata, fulltext = judged()
        shipped = query.FIELD_WEIGHTS[query.DOCUMENT]
        click.echo("document weight   metadata first   full text first   MRR")
        for weight in WEIGHTS:
            query.FIELD_WEIGHTS[query.DOCUMENT] = weight
            ranks = [rank_of(snapshot, q, r) for q, r in metadata + fulltext]
            firsts = [rank == 1 for rank in ranks]
            mrr = sum(1 / rank for rank in ranks if rank) / len(ranks)
            mark = " (shipped)" if weight == shipped else ""
            click.echo(
                f"{weight:<17} {sum(firsts[: len(metadata)]):>2}/{len(metadata):<13}"
                f" {sum(firsts[len(metadata) :]):>2}/{len(fulltext):<14} {mrr:.3f}{mark}"
            )
        query.FIELD_WEIGHTS[query.DOCUMENT] = shipped
        click.echo(f"median of {repeat} searches, ms   with passages   without")
        found = passages.passages
        for q in TIMED:
            with_passages = median_ms(snapshot, q, repeat)
            passages.passages = lambda *args, **options: []
            try:
                without = median_ms(snapshot, q, repeat)
            finally:
                passages.passages = found
            click.echo(f"{q[:40]:<40} {with_passages:>8.1f} {without:>12.1f}")
        click.echo(f"load average {load()}")
        snapshot.searcher.close()


if __name__ == "__main__":
    main()
