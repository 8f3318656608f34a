"""indexer/whoosh_internals.py: the private readers give Whoosh's own postings, positions and
words (over terms of several posting blocks, several segments and deleted documents), the
no-copy file reads what a copy reads, and `apply_fixes` checks Whoosh before patching it."""

from __future__ import annotations

import inspect
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import whoosh
from whoosh import formats, query, scoring
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.filedb import structfile
from whoosh.filedb.filestore import FileStorage

from indexer import whoosh_internals
from indexer.positions import decode_positions
from indexer.records import Resource
from indexer.schema import CONTENT, make_schema, to_document
from indexer.whoosh_internals import (
    CHUNK,
    UnsupportedWhoosh,
    ViewReader,
    apply_fixes,
    field_b,
    fixes_applied,
    multiterm_btexts,
    term_blocks,
    term_positions,
    term_postings,
)

# Whoosh writes a term's postings in blocks of this many (W3Codec's default).
BLOCK = inspect.signature(whoosh3.W3Codec).parameters["blocklimit"].default
FIRST, SECOND, THIRD = 3 * BLOCK + 17, BLOCK + 40, 9  # documents written per segment
DELETED = 7  # every 7th resource of the first two segments is deleted
OMEGA = 25  # every 25th has "omega" (deleted ones too: 175, 525)
# Words of the bodies: "alpha" 1-3 times (weights differ within a block), "gamma" once (all
# weights 1: stored as nothing), "delta" twice (one weight for all), "omega" in few documents.
TERMS = ["alpha", "gamma", "delta", "omega", "item"]


def body(n: int) -> str:
    words = ["alpha"] * (n % 3 + 1) + ["gamma", "delta", "delta"]
    if n % OMEGA == 0:
        words += ["omega", "alpha"]
    return " ".join(words)


def words_of(reader, docnum: int) -> list[str]:
    """The words of a document's content, from its stored id."""
    n = int(reader.stored_fields(docnum)["id"][1:])
    return ["item", *body(n).split()]


def add(writer, numbers) -> None:
    for n in numbers:
        resource = Resource(id=f"r{n}", title=f"Item {n}", body=body(n))
        writer.add_document(**to_document(resource))


def segmented_index(folder: Path):
    """An index on disk of three segments, the first two with deleted documents."""
    folder.mkdir()
    index = whoosh_index.create_in(str(folder), make_schema())
    writer = index.writer()
    add(writer, range(FIRST))
    writer.commit()
    writer = index.writer()
    add(writer, range(FIRST, FIRST + SECOND))
    writer.commit(merge=False)
    writer = index.writer()
    for n in range(0, FIRST + SECOND, DELETED):
        writer.delete_by_term("id", f"r{n}")
    add(writer, range(FIRST + SECOND, FIRST + SECOND + THIRD))
    writer.commit(merge=False)
    return index


def deleted_docs(reader) -> list[int]:
    return [docnum for docnum in range(reader.doc_count_all()) if reader.is_deleted(docnum)]


@pytest.fixture(scope="module")
def segmented_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("segmented") / "index"
    segmented_index(folder)
    return folder


@pytest.fixture
def segmented(segmented_folder):
    with whoosh_index.open_dir(str(segmented_folder)).searcher() as searcher:
        yield searcher


def test_the_index_has_several_segments_deletions_and_blocks(segmented):
    leaves = segmented.reader().leaf_readers()
    assert [reader.doc_count_all() for reader, _ in leaves] == [FIRST, SECOND, THIRD]
    deleted = range(0, FIRST + SECOND, DELETED)
    assert [len(deleted_docs(reader)) for reader, _ in leaves] == [
        len([n for n in deleted if n < FIRST]),
        len([n for n in deleted if n >= FIRST]),
        0,
    ]
    ids, _ = term_postings(leaves[0][0], CONTENT, b"alpha")
    assert len(ids) == FIRST > 3 * BLOCK


@pytest.mark.parametrize("word", TERMS)
def test_postings_are_whooshs_with_the_deleted_documents_too(segmented, word):
    btext = word.encode("utf-8")
    leaves = segmented.reader().leaf_readers()
    having = [reader for reader, _ in leaves if (CONTENT, btext) in reader]
    assert len(having) == len(leaves)
    for reader in having:
        ids, weights = term_postings(reader, CONTENT, btext)
        matcher = reader.postings(CONTENT, btext)  # Whoosh's own, without deleted documents
        expected = []
        while matcher.is_active():
            expected.append((matcher.id(), matcher.weight()))
            matcher.next()
        live = np.array([not reader.is_deleted(docnum) for docnum in ids], dtype=bool)
        assert list(zip(ids[live].tolist(), weights[live].tolist(), strict=True)) == expected
        # The deleted documents with the word are read as well (the scorer masks them).
        deleted = {d for d in deleted_docs(reader) if word in words_of(reader, d)}
        assert len(deleted) == reader.doc_count_all() - reader.doc_count() or word == "omega"
        assert deleted or reader.doc_count() == reader.doc_count_all()
        assert set(ids[~live].tolist()) == deleted
        assert ids.tolist() == sorted(ids.tolist())


def test_weights_of_each_kind_of_block(segmented):
    reader = segmented.reader().leaf_readers()[0][0]
    weights = {word: term_postings(reader, CONTENT, word.encode())[1] for word in TERMS[:3]}
    expected = [float(n % 3 + 1 + (n % OMEGA == 0)) for n in range(FIRST)]
    assert weights["alpha"].tolist() == expected
    assert weights["gamma"].tolist() == [1.0] * FIRST
    assert weights["delta"].tolist() == [2.0] * FIRST
    # The first blocks store them as a tuple, as nothing (all 1) and as one number.
    blocks = {}
    for word in TERMS[:3]:
        matcher = reader.postings(CONTENT, word.encode()).child  # past the deletions
        matcher._read_data()
        blocks[word] = matcher._data[1]
    assert blocks == {"alpha": tuple(expected[:BLOCK]), "gamma": None, "delta": 2.0}


@pytest.mark.parametrize("word", TERMS)
def test_positions_are_whooshs(segmented, word):
    btext = word.encode("utf-8")
    for reader, _ in segmented.reader().leaf_readers():
        found = {
            d: p for d, p in term_positions(reader, CONTENT, btext) if not reader.is_deleted(d)
        }
        expected = dict(reader.postings(CONTENT, btext).items_as("positions"))
        assert found == expected
        assert all(found.values())


def test_block_positions_decoded_at_once_are_whooshs(segmented):
    reader = segmented.reader().leaf_readers()[0][0]
    field_format = reader.schema[CONTENT].format
    for word in TERMS:
        for _, _, values in term_blocks(reader, CONTENT, word.encode()):
            counts, positions = decode_positions(field_format, values)
            expected = [field_format.decode_positions(value) for value in values]
            assert counts.tolist() == [len(found) for found in expected]
            assert positions.tolist() == [p for found in expected for p in found]


# Positions of every size of pickled number (1, 2 and 4 bytes), a single one, and a list
# long enough to be pickled in several batches of 1,000.
POSITION_LISTS = [[0], [5], [1, 2, 300], [70_000, 70_001, 2**31 - 2], list(range(0, 5000, 2))]


def test_positions_of_every_size_are_decoded():
    field_format = formats.Positions()
    values = [field_format.encode(found) for found in POSITION_LISTS]
    counts, positions = decode_positions(field_format, values)
    assert counts.tolist() == [len(found) for found in POSITION_LISTS]
    assert positions.tolist() == [p for found in POSITION_LISTS for p in found]
    assert [field_format.decode_positions(v) for v in values] == POSITION_LISTS


def bad_count(value: bytes) -> bytes:
    return (int.from_bytes(value[:4], "big") + 1).to_bytes(4, "big") + value[4:]


@pytest.mark.parametrize(
    "change",
    [bad_count, lambda v: v[:-1], lambda v: v[:4] + b"\x80\x03" + v[6:], lambda v: v + b"x"],
    ids=["count not the list's", "no stop", "another protocol", "trailing byte"],
)
def test_values_of_another_shape_are_decoded_by_whoosh(change, monkeypatch):
    """Any value not as expected: the whole block is decoded by Whoosh's own decoder."""
    field_format = formats.Positions()
    values = [field_format.encode(found) for found in POSITION_LISTS]
    values[2] = change(values[2])
    calls = []
    decode = field_format.decode_positions
    monkeypatch.setattr(field_format, "decode_positions", lambda v: calls.append(v) or decode(v))
    try:
        expected = [decode(value) for value in values]
    except Exception as error:  # Whoosh cannot read it either: nor can we
        with pytest.raises(type(error)):
            decode_positions(field_format, values)
        return
    counts, positions = decode_positions(field_format, values)
    assert len(calls) == len(values)
    assert positions.tolist() == [p for found in expected for p in found]
    assert counts.tolist() == [len(found) for found in expected]


def test_other_formats_are_decoded_by_their_own_decoder():
    field_format = formats.Characters()
    values = [
        field_format.encode([(p, 2 * p, 2 * p + 1) for p in found]) for found in POSITION_LISTS[:3]
    ]
    counts, positions = decode_positions(field_format, values)
    assert positions.tolist() == [p for found in POSITION_LISTS[:3] for p in found]
    assert counts.tolist() == [1, 1, 3]


def test_multiterm_words_are_whooshs(segmented):
    reader = segmented.reader()
    for node in [query.Prefix(CONTENT, "al"), query.Wildcard(CONTENT, "*ega")]:
        expected = [btext for _, btext in node.expanded_terms(reader)]
        assert list(multiterm_btexts(node, reader)) == expected
    assert list(multiterm_btexts(query.Prefix(CONTENT, "al"), reader)) == [b"alpha"]
    assert list(multiterm_btexts(query.Prefix(CONTENT, "zz"), reader)) == []


def test_field_b_is_the_b_of_whooshs_scorer(segmented):
    weighting = scoring.BM25F(B=0.75, K1=1.2, title_B=0.3)
    found = {field: field_b(weighting, field) for field in (CONTENT, "title")}
    assert found == {CONTENT: 0.75, "title": 0.3}
    for field, b in found.items():
        assert b == weighting.scorer(segmented, field, b"item").B


# The no-copy file


LINES = b"short\n" + b"x" * (CHUNK + 100) + b"\n" + b"y" * (CHUNK - 1) + b"\n\nlast"


@pytest.mark.parametrize("buffer", [LINES, memoryview(LINES)])
def test_view_reader_reads_like_a_copy(buffer):
    view, copy = ViewReader(buffer), io.BytesIO(bytes(buffer))
    steps = [
        ("read", 3),
        ("readline",),
        ("readline",),  # a line longer than a chunk
        ("tell",),
        ("readline", 10),
        ("seek", -5, 1),
        ("read", 7),
        ("seek", 6),
        ("readline",),
        ("readline",),  # a line ending on a chunk's last byte
        ("seek", -3, 2),
        ("read",),
        ("read", 5),  # at the end
        ("readline",),
        ("seek", 0),
        ("read", -1),
        ("seek", 100, 2),  # past the end
        ("read",),
        ("tell",),
    ]
    for name, *arguments in steps:
        assert getattr(view, name)(*arguments) == getattr(copy, name)(*arguments), name


def test_view_reader_lines_and_readinto():
    assert list(ViewReader(LINES)) == io.BytesIO(LINES).readlines()
    assert [len(line) for line in ViewReader(LINES)] == [6, CHUNK + 101, CHUNK, 1, 4]
    assert list(ViewReader(b"")) == []
    reader, target = ViewReader(b"abcdef"), bytearray(4)
    assert reader.readinto(target) == 4 and target == bytearray(b"abcd")
    assert reader.readinto(target) == 2 and target == bytearray(b"efcd")
    assert reader.readinto(target) == 0 and reader.tell() == 6


def test_view_reader_seeks_no_further_back_than_the_start():
    reader = ViewReader(b"abcdef")
    assert reader.seek(-10, 1) == 0
    assert reader.read(2) == b"ab"
    assert reader.seek(-1, 2) == 5
    assert reader.read() == b"f"


def test_view_reader_refuses_writes_and_keeps_its_buffer():
    buffer = bytearray(b"abc")
    reader = ViewReader(buffer)
    with pytest.raises(OSError, match="read-only file"):
        reader.write(b"x")
    reader.close()
    buffer[0:1] = b"z"  # a view, not a copy: it reads the buffer as it is now
    assert reader.read() == b"zbc"


def test_a_real_segment_reads_the_same_through_the_view(segmented_folder, segmented):
    segment = segmented.reader().leaf_readers()[0][0].segment()
    compound = segment.open_compound_file(FileStorage(str(segmented_folder)))
    names = sorted(compound.list())
    assert {name.rsplit(".", 1)[1] for name in names} >= {"trm", "pst"}
    for name in names:
        opened = compound.open_file(name)
        assert isinstance(opened.file, ViewReader)  # the fix is in place
        copy = io.BytesIO(bytes(opened._buf))
        assert opened.file.read() == copy.read()
        middle = compound.file_length(name) // 2
        opened.file.seek(middle)
        copy.seek(middle)
        assert opened.file.readline() == copy.readline()
        assert opened.file.read(100) == copy.read(100)
    compound.close()


# apply_fixes


@pytest.fixture
def unpatched(monkeypatch):
    """Whoosh as installed (restored to the patched state after the test)."""
    monkeypatch.setattr(whoosh3.W3PerDocReader, "has_column", whoosh_internals._original_has_column)
    monkeypatch.setattr(
        structfile.BufferFile, "__init__", whoosh_internals._original_buffer_file_init
    )
    assert not fixes_applied()
    return monkeypatch


def test_apply_fixes_applies_both_once(unpatched):
    apply_fixes()
    assert whoosh3.W3PerDocReader.has_column is whoosh_internals._remembered_has_column
    assert structfile.BufferFile.__init__ is whoosh_internals._buffer_file_init
    apply_fixes()
    assert fixes_applied()
    # Applied twice, still one layer: the remembered check calls Whoosh's own.
    assert whoosh3.W3PerDocReader.has_column is whoosh_internals._remembered_has_column
    assert isinstance(structfile.BufferFile(b"abc").file, ViewReader)


def test_the_patches_are_not_applied_on_import():
    code = (
        "import indexer.schema, indexer.build, search_app.scores, search_app.query\n"
        "from indexer.whoosh_internals import fixes_applied\n"
        "assert not fixes_applied()\n"
        "from search_app.snapshots import IndexHolder\n"
        "IndexHolder('no-such-index')\n"
        "assert fixes_applied()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def other_has_column(self, fieldname):
    return self._storage.file_exists(fieldname)


def other_buffer_file_init(self, buf, name=None, onclose=None):
    self.file = io.BytesIO(buf)


UNSUPPORTED = [
    (
        lambda m: m.setattr(whoosh, "__version__", (2, 7, 4)),
        "Whoosh 2.7.4 is installed; this project was tested with whoosh-reloaded 2.7.5 only "
        "(its private parts are used: indexer/whoosh_internals.py)",
    ),
    (
        lambda m: m.setattr(whoosh, "__version__", (3, 0, 0)),
        "Whoosh 3.0.0 is installed; this project was tested with whoosh-reloaded 2.7.5 only "
        "(its private parts are used: indexer/whoosh_internals.py)",
    ),
    (
        lambda m: m.setattr(whoosh3.W3PerDocReader, "has_column", other_has_column),
        "Whoosh's W3PerDocReader.has_column is not the code indexer/whoosh_internals.py replaces",
    ),
    (
        lambda m: m.setattr(structfile.BufferFile, "__init__", other_buffer_file_init),
        "Whoosh's BufferFile.__init__ is not the code indexer/whoosh_internals.py replaces",
    ),
    (
        lambda m: m.delattr(whoosh3.W3LeafMatcher, "_read_data"),
        "Whoosh lacks what indexer/whoosh_internals.py reads: _read_data",
    ),
    (
        lambda m: m.delattr(query.MultiTerm, "_btexts"),
        "Whoosh lacks what indexer/whoosh_internals.py reads: MultiTerm._btexts",
    ),
]


@pytest.mark.parametrize(("change", "message"), UNSUPPORTED)
def test_apply_fixes_refuses_another_whoosh(unpatched, change, message):
    change(unpatched)
    has_column = whoosh3.W3PerDocReader.has_column
    init = structfile.BufferFile.__init__
    with pytest.raises(UnsupportedWhoosh) as raised:
        apply_fixes()
    assert str(raised.value) == message
    # Nothing was patched.
    assert whoosh3.W3PerDocReader.has_column is has_column
    assert structfile.BufferFile.__init__ is init
    assert not fixes_applied()


def test_the_installed_whoosh_is_supported(unpatched):
    whoosh_internals.check_whoosh()
    assert whoosh.versionstring() in whoosh_internals.TESTED_VERSIONS
