"""Is Whoosh's private posting layout worth using? A term's first read (what the numpy scorer,
search_app.scores, does once per term and index version) timed three ways on a generated
library: the block-at-a-time reader of indexer/whoosh_internals.py (private: the posting
blocks of `W3LeafMatcher`), Whoosh's public matcher API posting by posting (`is_active`,
`id`, `weight`, `next`), and its public `items_as("weight")`. All three must give the same
document numbers and weights. Usage:

    python -m bench.postings [--size 20000] [--terms 20] [--rounds 7] [--index DIR]

The index is built once into `bench/out/index-<size>` (from the generated corpus that
`python -m bench` uses); prints the load average beside the figures.
"""

from __future__ import annotations

import heapq
import os
import statistics
import time
from pathlib import Path

import click
import numpy as np

from indexer.build import build
from indexer.schema import CONTENT
from indexer.store import IndexMissing, IndexStore
from indexer.whoosh_internals import term_postings

from .perf import OUT, prepare_corpus

FIELD = CONTENT  # the field every query searches, and the one with the longest postings


def public_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Whoosh's public matcher API, one posting at a time."""
    matcher = reader.postings(fieldname, btext)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def public_items(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Whoosh's public `items_as("weight")` (it decodes each posting's value)."""
    pairs = list(reader.postings(fieldname, btext).items_as("weight"))
    ids = np.asarray([docnum for docnum, _ in pairs], dtype=np.int64)
    return ids, np.asarray([weight for _, weight in pairs], dtype=np.float64)


READERS = {
    "private blocks (whoosh_internals)": term_postings,
    "public id/weight/next": public_postings,
    'public items_as("weight")': public_items,
}


def read_terms(searcher, read, btexts: list[bytes]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each term's postings over every segment, as search_app.scores reads them."""
    found = []
    for btext in btexts:
        for reader, offset in searcher.reader().leaf_readers():
            if (FIELD, btext) in reader:
                ids, weights = read(reader, FIELD, btext)
                found.append((ids + offset, weights))
    return found


def published_index(size: int) -> Path:
    """The index of the generated corpus of this size, built unless it is there."""
    index = OUT / f"index-{size}"
    try:
        IndexStore(index).published()
    except IndexMissing:
        corpus, _ = prepare_corpus(OUT, size, regenerate=False)
        click.echo(f"building {index} from {corpus}", err=True)
        build(corpus, index)
    return index


@click.command()
@click.option("--size", type=click.IntRange(1000, 1_000_000), default=20_000, show_default=True)
@click.option("--terms", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--rounds", type=click.IntRange(1, 100), default=7, show_default=True)
@click.option(
    "--index",
    type=click.Path(file_okay=False, path_type=Path),
    help="A published index to read instead (default: the generated one of --size).",
)
def main(size: int, terms: int, rounds: int, index: Path | None) -> None:
    """Time the first read of the most frequent terms, privately and publicly.

    Example: python -m bench.postings --size 20000 --terms 20
    """
    store = IndexStore(index or published_index(size))
    with store.open_index().searcher() as searcher:
        lexicon = searcher.reader().lexicon(FIELD)
        frequencies = ((searcher.doc_frequency(FIELD, btext), btext) for btext in lexicon)
        top = [btext for _, btext in heapq.nlargest(terms, frequencies)]
        results = {name: read_terms(searcher, read, top) for name, read in READERS.items()}
        postings = sum(len(ids) for ids, _ in results[next(iter(READERS))])
        documents = searcher.doc_count()
    first = results.pop(next(iter(READERS)))
    for name, found in results.items():
        same = all(
            np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
            for a, b in zip(first, found, strict=True)
        )
        if not same:
            raise click.ClickException(f"{name} reads other postings than the private reader")
    wall: dict[str, list[float]] = {name: [] for name in READERS}
    cpu: dict[str, list[float]] = {name: [] for name in READERS}
    for _ in range(rounds):
        for name, read in READERS.items():  # interleaved: the machine's load hits all alike
            with store.open_index().searcher() as searcher:
                started, started_cpu = time.perf_counter(), time.process_time()
                read_terms(searcher, read, top)
                cpu[name].append(time.process_time() - started_cpu)
                wall[name].append(time.perf_counter() - started)
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    click.echo(
        f"{documents} resources, {terms} most frequent terms of `{FIELD}` ({postings} postings), "
        f"{rounds} rounds; {os.cpu_count()} cores, load average {load}"
    )
    private = next(iter(READERS))
    base_wall, base_cpu = statistics.median(wall[private]), statistics.median(cpu[private])
    click.echo(
        f"{'reader':34} {'wall ms':>8} {'best':>7} {'CPU ms':>7} {'wall':>6} {'CPU':>6}"
        "  (median; ratios to the private reader)"
    )
    for name in READERS:
        median_wall, median_cpu = statistics.median(wall[name]), statistics.median(cpu[name])
        click.echo(
            f"{name:34} {median_wall * 1000:8.1f} {min(wall[name]) * 1000:7.1f} "
            f"{median_cpu * 1000:7.1f} {median_wall / base_wall:5.2f}x {median_cpu / base_cpu:5.2f}x"
        )


if __name__ == "__main__":
    main()
