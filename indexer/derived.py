"""What a search process derives from a published version, computed once when it is
published and written beside it: the facet arrays (`facet_arrays`), the speller's tables and
the export rows. `write_version` is the publish step's one call.

Read lazily by every process for every version, these cost each gunicorn worker again after
each publish: at 10,000 resources the speller's tables took about 110 ms of CPU (a walk of
two lexicons and the analysis of every word) and the export rows 0.9 s (every document's
stored fields unpickled, text included). Written beside the version, the speller reads one
small JSON file, and an export row is one line of a memory-mapped file, read when exported.
The rows are written segment by segment, and a segment's files are linked from the version
before when it has them: after an `update`, only the new segment's rows are read.

Whoosh stays the index of record: each file is derived from the version's index alone, and
carries a format and what it was derived from (`facet_arrays.origin`); a loader returns None
when its file is missing, of another format or of other index files, and the caller derives
the data from Whoosh as before (versions published before these files, in-memory indexes).
Tests compare both paths with Whoosh's own answers.
"""

from __future__ import annotations

import json
import mmap
import os
from bisect import bisect_right
from pathlib import Path

import numpy as np

from . import facet_arrays
from .facet_arrays import origin, read_info, save
from .schema import CONTENT, ID, TITLE, TOPIC, TYPE, URL, YEAR, text_analyzer

SPELLING_FILE = "spelling.json"
SPELLING_FORMAT = "knowledge-lab-spelling/1"
ROWS_FOLDER = "rows"
ROWS_FORMAT = "knowledge-lab-rows/2"
ROWS_SUFFIX = ".jsonl"  # a segment's rows: one JSON object a document, in order
OFFSETS_SUFFIX = ".npy"  # int64 [its documents + 1]: where each row starts, the end last
LIVE_FILE = "live.npy"  # bool [documents]: the version's live documents
INFO_FILE = "format.json"
MAX_SPELLING_BYTES = 256 * 2**20
MAX_INFO_BYTES = 2**20
# The stored fields the export writers print (search_app.export).
EXPORT_FIELDS = (ID, TITLE, TYPE, YEAR, TOPIC, URL)


def write_version(folder: Path) -> None:
    """Derive and write everything beside the Whoosh index of a version folder being
    published (the publish step's hook)."""
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(str(folder)).searcher() as searcher:
        facet_arrays.write(folder, searcher)
        write_spelling(folder, searcher.reader())
        write_rows(folder, searcher.reader())


# The speller's tables


def doc_frequencies(reader, fieldname: str) -> dict[str, int]:
    """Each term of a field and how many documents hold it, summed over the segments (a
    seventh of the time of Whoosh's merged walk over a multi-segment index)."""
    counts: dict[str, int] = {}
    for segment, _ in reader.leaf_readers():
        for text, info in segment.iter_field(fieldname):
            word = text.decode("utf-8")
            counts[word] = counts.get(word, 0) + info.doc_frequency()
    return counts


def stem_words(words: list[str]) -> list[str | None]:
    """Each word's stem (None for a word that yields none), in one pass of the analyzer
    over all of them (two thirds of the time of one call per word)."""
    text = " ".join(words)
    starts, offset = {}, 0
    for position, word in enumerate(words):
        starts[offset] = position
        offset += len(word) + 1
    stems: list[str | None] = [None] * len(words)
    for token in text_analyzer()(text, chars=True):
        position = starts.get(token.startchar)
        if position is not None and token.endchar == token.startchar + len(words[position]):
            stems[position] = token.text
    return stems


def spelling_tables(reader, fieldname: str = CONTENT) -> tuple[dict, dict, dict]:
    """The speller's dictionary of an index (`search_app.spelling.Speller`'s arguments):
    each spelling word and the resources of its stem, each stem and its resources, and the
    resources printing each word as it is."""
    stems = doc_frequencies(reader, fieldname)
    printed = doc_frequencies(reader, reader.schema[fieldname].spelling_fieldname(fieldname))
    words = list(printed)
    word_stems = stem_words(words)
    resources = {
        word: stems.get(stem, 0) for word, stem in zip(words, word_stems, strict=True) if stem
    }
    return resources, stems, printed


def write_spelling(folder: Path, reader) -> None:
    resources, stems, printed = spelling_tables(reader)
    tables = {"resources": resources, "stems": stems, "printed": printed}
    data = {"format": SPELLING_FORMAT, "origin": origin(reader), **tables}
    save(folder, SPELLING_FILE, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def load_spelling(folder: Path, reader) -> tuple[dict, dict, dict] | None:
    """The speller's tables written beside a version, or None when there are none, or they
    are of another format or other index files."""
    try:
        data = read_info(folder / SPELLING_FILE, SPELLING_FORMAT, reader, MAX_SPELLING_BYTES + 1)
        if data is None:
            return None
        tables = data["resources"], data["stems"], data["printed"]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return tables if all(isinstance(table, dict) for table in tables) else None


# The export rows


def row_of(fields: dict) -> dict:
    """A document's export row: the stored fields the export writers print."""
    return {name: fields[name] for name in EXPORT_FIELDS if name in fields}


def read_rows(reader) -> list[dict | None]:
    """The export row of every document of an index (None for a deleted one)."""
    return [
        None if reader.is_deleted(docnum) else row_of(reader.stored_fields(docnum))
        for docnum in range(reader.doc_count_all())
    ]


def segment_lines(leaf) -> tuple[bytes, np.ndarray]:
    """A segment's rows as JSON lines (deleted documents' too: a segment never changes, its
    deletions do) and where each line starts, the end last."""
    lines = [
        json.dumps(row_of(leaf.stored_fields(docnum)), ensure_ascii=False).encode("utf-8") + b"\n"
        for docnum in range(leaf.doc_count_all())
    ]
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum([len(line) for line in lines], out=offsets[1:])
    return b"".join(lines), offsets


def write_rows(folder: Path, reader) -> None:
    """The rows of each segment, in files named after it: a segment written by an earlier
    version (all of them but the new one, after an `update`) has its files linked from that
    version's folder, not read again."""
    target = folder / ROWS_FOLDER
    target.mkdir(exist_ok=True)
    segments = []
    for leaf, offset in reader.leaf_readers():
        name = leaf.segment().segment_id()
        if not _link_earlier(folder, name):
            data, offsets = segment_lines(leaf)
            save(target, name + ROWS_SUFFIX, data)
            save(target, name + OFFSETS_SUFFIX, offsets)
        segments.append([name, offset, leaf.doc_count_all()])
    live = np.zeros(reader.doc_count_all(), dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    save(target, LIVE_FILE, live)
    info = {"format": ROWS_FORMAT, "origin": origin(reader), "segments": segments}
    save(target, INFO_FILE, json.dumps(info).encode("utf-8"))  # last: it vouches for the rest


def _link_earlier(folder: Path, name: str) -> bool:
    """Link a segment's row files from another version folder beside this one that has
    them (files are never changed once written); False when none has."""
    target = folder / ROWS_FOLDER
    for other in sorted(folder.parent.iterdir(), reverse=True):
        earlier = other / ROWS_FOLDER
        files = [earlier / (name + suffix) for suffix in (ROWS_SUFFIX, OFFSETS_SUFFIX)]
        if other == folder or not all(path.is_file() for path in files):
            continue
        try:
            for path in files:
                os.link(path, target / path.name)
        except OSError:
            for path in files:
                (target / path.name).unlink(missing_ok=True)
            continue
        return True
    return False


class MappedRows:
    """The export rows written beside a version, by document number, each read from its
    segment's memory-mapped file when asked for (a sequence, as `read_rows`'s list)."""

    def __init__(self, segments: list[tuple[int, mmap.mmap | bytes, np.ndarray]], live):
        self.starts = [start for start, _, _ in segments]
        self.segments = segments
        self.live = live

    def __len__(self) -> int:
        return len(self.live)

    def __getitem__(self, docnum: int) -> dict | None:
        if not 0 <= docnum < len(self):
            raise IndexError(docnum)
        if not self.live[docnum]:
            return None
        start, data, offsets = self.segments[bisect_right(self.starts, docnum) - 1]
        local = docnum - start
        return json.loads(data[int(offsets[local]) : int(offsets[local + 1])])


def load_rows(folder: Path, reader) -> MappedRows | None:
    """The export rows written beside a version, mapped; None when there are none, or they
    are of another format or other index files."""
    target = folder / ROWS_FOLDER
    try:
        info = read_info(target / INFO_FILE, ROWS_FORMAT, reader, MAX_INFO_BYTES)
        if info is None:
            return None
        expected = [
            [leaf.segment().segment_id(), offset, leaf.doc_count_all()]
            for leaf, offset in reader.leaf_readers()
        ]
        if info["segments"] != expected:
            return None
        live = np.asarray(np.load(target / LIVE_FILE, mmap_mode="r"))
        segments = [_mapped_segment(target, *segment) for segment in expected]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if live.shape != (reader.doc_count_all(),) or live.dtype != np.bool_ or None in segments:
        return None
    return MappedRows(segments, live)


def _mapped_segment(target: Path, name: str, start: int, count: int):
    """(first document number, mapped lines, line offsets) of one segment's rows, or None
    when its files do not hold `count` rows."""
    offsets = np.asarray(np.load(target / (name + OFFSETS_SUFFIX), mmap_mode="r"))
    with open(target / (name + ROWS_SUFFIX), "rb") as handle:
        size = handle.seek(0, 2)
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    if offsets.shape != (count + 1,) or offsets.dtype != np.int64 or offsets[-1] != size:
        return None
    if count and (offsets[0] != 0 or np.any(np.diff(offsets) <= 0)):
        return None
    return start, data, offsets
