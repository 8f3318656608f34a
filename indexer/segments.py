"""Step five of a build: the resources' documents written into a new Whoosh index, one segment
per worker process.

The resources, in id order, are cut into one contiguous share per worker, of about equal
text (the share's spilled bytes). Each worker, forked from the build, reads its texts back
from the spill file (`spill.py`), makes each document, and writes its own segment through
Whoosh's `SegmentWriter`; the build then commits the segments, in share order, as the
index's segments. Documents are numbered in id order whatever the number of workers, and
no text travels between processes: a document is made where it is indexed. With one worker
(small corpora, `--jobs 1`) the share is written in the build's own process.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from whoosh import index as whoosh_index

from . import parallel, whoosh_internals
from .documents import Document
from .parallel import workers_of_this_process
from .records import Resource
from .schema import document_hash, make_schema, to_document
from .spill import SpillReader, spilled_size

WRITER_MEMORY_MB = 256  # the posting pool of each writer, before it spills to disk
BASE_WEIGHT = 2_000  # what a resource without text weighs when cutting shares (bytes)


def shares(resources: list[Resource], count: int) -> list[list[Resource]]:
    """`resources` cut, in order, into at most `count` contiguous shares of about equal
    text (none empty)."""
    weights = [BASE_WEIGHT + spilled_size(r) + len(r.body) for r in resources]
    total, cut, share, done = sum(weights), [], [], 0
    for resource, weight in zip(resources, weights, strict=True):
        share.append(resource)
        done += weight
        if len(cut) < count - 1 and done >= total * (len(cut) + 1) / count:
            cut.append(share)
            share = []
    return [s for s in [*cut, share] if s]


def write_share(
    folder: Path, share: list[Resource], spill: Path | None, texts: dict[str, Document]
) -> tuple[object, dict[str, str]]:
    """Write one share's documents as a new segment of the index in `folder`: the segment
    and each document's hash."""
    whoosh_internals.apply_fixes()
    reader = SpillReader(spill)
    try:
        writer = whoosh_internals.segment_writer(
            whoosh_index.open_dir(str(folder)), WRITER_MEMORY_MB
        )
        hashes = {}
        for resource in share:
            document = to_document(reader.restore(resource), texts)
            hashes[resource.id] = document_hash(document)
            writer.add_document(**document)
        return whoosh_internals.finish_segment(writer), hashes
    finally:
        reader.close()


def write_index(
    folder: Path,
    resources: list[Resource],
    processes: int,
    texts: dict[str, Document],
    spill: Path | None = None,
) -> dict[str, str]:
    """A new Whoosh index of the resources' documents in `folder`, by `processes` workers
    when there are enough documents to gain; returns each document's hash."""
    resources = sorted(resources, key=lambda r: r.id)
    if len(resources) < parallel.MIN_DOCUMENTS:
        processes = 1
    index = whoosh_index.create_in(str(folder), make_schema())
    writer = index.writer()  # holds the index's lock; the workers write its segments
    try:
        parts = shares(resources, processes)
        if len(parts) <= 1:
            results = [write_share(folder, resources, spill, texts)]
        else:
            context = multiprocessing.get_context("fork")
            with workers_of_this_process(), ProcessPoolExecutor(len(parts), context) as pool:
                futures = [
                    pool.submit(write_share, folder, part, spill, _texts_of(part, texts))
                    for part in parts
                ]
                results = [future.result() for future in futures]
    except BaseException:
        writer.cancel()
        raise
    whoosh_internals.commit_segments(writer, [segment for segment, _ in results])
    return {resource_id: digest for _, hashes in results for resource_id, digest in hashes.items()}


def _texts_of(share: list[Resource], texts: dict[str, Document]) -> dict[str, Document]:
    """The extracted documents a share's resources link (all a worker is sent of them)."""
    return {source: texts[source] for r in share for source in r.documents if source in texts}
