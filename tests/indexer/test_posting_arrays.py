"""indexer/posting_arrays.py: the arrays written beside a version are Whoosh's own postings,
weights, positions and field lengths (over several segments with deleted documents and terms
of several posting blocks); a missing, stale or damaged segment folder is not used; `update`
links the folders of the segments it keeps; build, update and rollback publish versions
whose arrays match their segments."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer import posting_arrays
from indexer.build import build
from indexer.posting_arrays import FOLDER, FORMAT, META_FILE, SegmentArrays, segment_folder
from indexer.schema import SEARCH_FIELDS, text_words
from indexer.store import IndexStore
from indexer.update import update
from indexer.whoosh_internals import term_positions, term_postings
from tests.conftest import card, listing_page, write_page
from tests.indexer.test_whoosh_internals import BLOCK, FIRST, add, segmented_index


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """A segmented index (three segments, deletions, terms of several blocks) with its
    posting arrays."""
    folder = tmp_path_factory.mktemp("arrays") / "index"
    segmented_index(folder)
    report = posting_arrays.write(folder, processes=1)
    assert report["written"] == 3 and report["linked"] == 0 and report["bytes"] > 0
    return folder


def leaves_of(folder: Path):
    reader = whoosh_index.open_dir(str(folder)).reader()
    return [
        (leaf, SegmentArrays.open(segment_folder(folder, id_of(leaf)), leaf))
        for leaf, _ in reader.leaf_readers()
    ]


def id_of(leaf) -> str:
    return leaf.segment().segment_id()


def whoosh_keys(reader, fieldname: str, btext: bytes) -> list[int]:
    return sorted(
        (docnum << 32) + position
        for docnum, positions in term_positions(reader, fieldname, btext)
        for position in positions
    )


def test_every_term_of_every_segment_is_whooshs(written):
    leaves = leaves_of(written)
    assert len(leaves) == 3 and all(arrays is not None for _, arrays in leaves)
    longest = 0
    for leaf, arrays in leaves:
        for fieldname in SEARCH_FIELDS:
            assert arrays.covers(fieldname)
            lexicon = (
                list(leaf.lexicon(fieldname)) if fieldname in leaf.indexed_field_names() else []
            )
            assert list(arrays._field(fieldname)["lexicon"]) == lexicon
            for btext in lexicon:
                ids, weights = arrays.postings(fieldname, btext)
                expected_ids, expected_weights = term_postings(leaf, fieldname, btext)
                assert ids.tolist() == expected_ids.tolist()
                assert weights.tolist() == expected_weights.tolist()
                keys = arrays.positions(fieldname, btext)
                assert keys.tolist() == whoosh_keys(leaf, fieldname, btext)
                longest = max(longest, len(ids))
            lengths = [leaf.doc_field_length(n, fieldname, 1) for n in range(leaf.doc_count_all())]
            assert arrays.lengths(fieldname).tolist() == lengths
    assert longest == FIRST > 3 * BLOCK  # terms of several posting blocks


def test_a_term_not_in_a_segment_has_no_postings(written):
    (leaf, arrays), *_ = leaves_of(written)
    for btext in [b"", b"aaaa", b"zulu", b"alph", b"alphaa", b"\xff\xff"]:
        assert (b"content", btext) not in leaf
        ids, weights = arrays.postings("content", btext)
        assert len(ids) == len(weights) == len(arrays.positions("content", btext)) == 0


def test_the_arrays_are_mapped_read_only(written):
    (_, arrays), *_ = leaves_of(written)
    ids, _ = arrays.postings("content", b"alpha")
    assert not ids.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        ids[0] = 1


def copy_of(written: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(written, folder)
    return folder


def first_segment(folder: Path) -> Path:
    (leaf, _), *_ = leaves_of(folder)
    return segment_folder(folder, id_of(leaf))


def changed_meta(**changes):
    def change(segment: Path) -> None:
        meta = json.loads((segment / META_FILE).read_text())
        for key, value in changes.items():
            meta[key] = value(meta) if callable(value) else value
        (segment / META_FILE).write_text(json.dumps(meta))

    return change


def fewer_postings(meta: dict) -> dict:
    fields = meta["fields"]
    fields["content"] = {**fields["content"], "docs": fields["content"]["docs"] - 2}
    fields["content"]["weights"] -= 2
    return fields


def truncated(name: str):
    def change(segment: Path) -> None:
        path = segment / name
        path.write_bytes(path.read_bytes()[:-8])

    return change


# What can be wrong with a segment's folder: each makes it unused, the others still used.
DAMAGES = {
    "other format": changed_meta(format="posting-arrays/0"),
    "other segment": changed_meta(segment="MAIN_other"),
    "other document count": changed_meta(documents=lambda meta: meta["documents"] + 1),
    "counts not the directory's": changed_meta(fields=fewer_postings),
    "truncated positions": truncated("content.positions"),
    "truncated directory": truncated("title.directory"),
    "missing weights": lambda segment: (segment / "title.weights").unlink(),
    "meta not json": lambda segment: (segment / META_FILE).write_text("{"),
    "meta not an object": lambda segment: (segment / META_FILE).write_text("[]"),
    "meta without fields": changed_meta(fields=None),
}
SILENT = {  # a version published before the arrays: nothing to warn of
    "missing folder": lambda segment: shutil.rmtree(segment),
    "missing meta": lambda segment: (segment / META_FILE).unlink(),
}


@pytest.mark.parametrize("damage", [*DAMAGES, *SILENT])
def test_a_missing_stale_or_damaged_segment_folder_is_not_used(written, tmp_path, damage, caplog):
    folder = copy_of(written, tmp_path)
    {**DAMAGES, **SILENT}[damage](first_segment(folder))
    with caplog.at_level(logging.WARNING, logger="indexer.posting_arrays"):
        leaves = leaves_of(folder)
    assert leaves[0][1] is None
    assert all(arrays is not None for _, arrays in leaves[1:])
    assert ("not used" in caplog.text) == (damage in DAMAGES)


def test_update_links_the_segments_it_keeps(written, tmp_path):
    """A version made by adding a segment to a copy (as `update` does) links the arrays of
    the segments it keeps and writes those of its new segment."""
    folder = copy_of(written, tmp_path)
    shutil.rmtree(folder / FOLDER)
    writer = whoosh_index.open_dir(str(folder)).writer()
    add(writer, range(5000, 5003))
    writer.commit(merge=False)
    report = posting_arrays.write(folder, written, processes=1)
    assert (report["written"], report["linked"]) == (1, 3)
    leaves = leaves_of(folder)
    assert len(leaves) == 4 and all(arrays is not None for _, arrays in leaves)
    old = {id_of(leaf) for leaf, _ in leaves_of(written)}
    for leaf, _ in leaves:
        linked = segment_folder(folder, id_of(leaf)) / "content.positions"
        if id_of(leaf) in old:
            source = segment_folder(written, id_of(leaf)) / "content.positions"
            assert linked.stat().st_ino == source.stat().st_ino
    new = next(arrays for leaf, arrays in leaves if id_of(leaf) not in old)
    assert new.postings("content", b"alpha")[0].tolist() == [0, 1, 2]


def test_writing_in_worker_processes_writes_the_same_files(written, tmp_path, monkeypatch):
    monkeypatch.setattr(posting_arrays, "MIN_DOCUMENTS", 1)
    folder = copy_of(written, tmp_path)
    shutil.rmtree(folder / FOLDER)
    assert posting_arrays.write(folder, processes=2)["written"] == 3
    for item in (written / FOLDER).rglob("*"):
        if item.is_file():
            assert (folder / item.relative_to(written)).read_bytes() == item.read_bytes(), item


WALRUS = text_words()("walrus")[0].encode()  # as the index spells it


def arrays_of_published(index: Path) -> list[SegmentArrays | None]:
    store = IndexStore(index)
    published = store.published()
    with store.open_index(published).reader() as reader:
        return [
            SegmentArrays.open(segment_folder(published.path, id_of(leaf)), leaf)
            for leaf, _ in reader.leaf_readers()
        ]


def test_build_update_and_rollback_publish_matching_arrays(corpus, tmp_path):
    index = tmp_path / "index"
    assert build(corpus, index).published
    built = IndexStore(index).published().version
    assert all(arrays is not None for arrays in arrays_of_published(index))
    write_page(
        corpus,
        "topics/more/page-1.html",
        listing_page("More", card("Walrus Cameras", "/resources/walrus-cameras/", "Report | 2024")),
    )
    assert update(corpus, index).published
    updated = IndexStore(index).published()
    assert updated.version != built
    found = arrays_of_published(index)
    assert found and all(arrays is not None for arrays in found)
    assert all(arrays.meta["format"] == FORMAT for arrays in found)
    assert any(arrays.postings("content", WALRUS)[0].size for arrays in found)
    store = IndexStore(index)
    with store.lock():
        store.roll_back()
    assert store.published().version == built
    rolled = arrays_of_published(index)
    assert rolled and all(arrays is not None for arrays in rolled)
    assert not any(arrays.postings("content", WALRUS)[0].size for arrays in rolled)


def test_a_version_whose_arrays_cannot_be_written_is_not_published(corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    assert build(corpus, index).published
    before = IndexStore(index).published().version

    def fail(folder, previous=None, processes=None):
        raise OSError("disk full")

    monkeypatch.setattr(posting_arrays, "write", fail)
    write_page(corpus, "topics/more/page-1.html", listing_page("More", card("Walrus", "/r/w/")))
    with pytest.raises(OSError, match="disk full"):
        update(corpus, index)
    assert IndexStore(index).published().version == before
    assert not list((index / "versions").glob("*.partial"))
