"""The index-writing half of a build, before and after, side by side in one process: the same
documents written into a segment by Whoosh's own path (its TEXT fields, posting pool and
flush) and by ours (`MemoText` fields, `RunPool`, `ShareWriter`), alternating, in rounds, so
that a busy machine's load hits both alike. Prints CPU seconds per round and their ratio.

    python -m bench.writercost --corpus bench/out/corpus-2000 --resources 1000 --rounds 3

Parsing (unchanged) is done once beforehand and not counted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import click
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer import whoosh_internals
from indexer.catalog import read_catalog
from indexer.corpus import list_pages
from indexer.reading import read_one
from indexer.resources import merge_sightings
from indexer.schema import MemoText, make_schema, text_analyzer, to_document
from indexer.vocabulary import load_vocabulary

MEMORY_MB = 256


def whooshs_schema() -> fields.Schema:
    """The index schema with Whoosh's own TEXT in place of each memoised text field."""
    schema = make_schema()
    for name in schema.names():
        field = schema[name]
        if isinstance(field, MemoText):
            schema._fields[name] = fields.TEXT(
                analyzer=text_analyzer(),
                phrase=type(field.format).__name__ == "Positions",
                stored=field.stored,
                spelling=field.spelling,
            )
    return schema


def write(folder: Path, documents: list[dict], ours: bool) -> float:
    """CPU seconds to write the documents as one segment, our way or Whoosh's."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    index = whoosh_index.create_in(str(folder), make_schema() if ours else whooshs_schema())
    started = time.process_time()
    if ours:
        writer = whoosh_internals.segment_writer(index, MEMORY_MB)
    else:
        writer = SegmentWriter(index, _lk=False, limitmb=MEMORY_MB)
    for document in documents:
        writer.add_document(**document)
    writer._finalize_segment()
    return time.process_time() - started


@click.command()
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--resources", type=click.IntRange(10, 100_000), default=1000, show_default=True)
@click.option("--rounds", type=click.IntRange(1, 20), default=3, show_default=True)
def main(corpus: Path, resources: int, rounds: int) -> None:
    """Write the same documents Whoosh's way and ours, alternating; CPU seconds and ratio."""
    whoosh_internals.apply_fixes()
    sightings = [s for page in list_pages(corpus) for s in read_one(corpus, page)[1]]
    _, catalog, _ = read_catalog(corpus)
    merged = merge_sightings([*sightings, *catalog], load_vocabulary(corpus)).resources
    documents = [to_document(r) for r in merged[:resources]]
    click.echo(f"{len(documents)} documents of {corpus}; load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="writercost-") as scratch:
        for round_number in range(1, rounds + 1):
            whooshs = write(Path(scratch) / "whoosh", documents, ours=False)
            ours = write(Path(scratch) / "ours", documents, ours=True)
            click.echo(
                f"round {round_number}: Whoosh's path {whooshs:.2f} s CPU, ours {ours:.2f} s, "
                f"ratio {whooshs / ours:.2f}x; load {os.getloadavg()}"
            )


if __name__ == "__main__":
    main()
