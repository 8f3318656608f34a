"""indexer/derived.py: the speller's tables and the export rows written beside a version at
publish time give what reading them from Whoosh gives (over several segments with deleted
documents), are refused when missing, of another format or of other index files, and the
search app reads them instead of the index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from indexer import derived
from indexer.build import build
from indexer.schema import CONTENT
from indexer.store import IndexStore
from indexer.update import update
from search_app.rows import LazyRows
from search_app.snapshots import IndexHolder
from search_app.spelling import LazySpeller, Speller
from tests.conftest import CAFE

from .test_facet_arrays import segmented_index, write


@pytest.fixture
def version(tmp_path: Path) -> Path:
    """A segmented index folder with everything derived written beside it."""
    folder = segmented_index(tmp_path / "version")
    derived.write_version(folder)
    return folder


def searcher_of(folder: Path):
    return whoosh_index.open_dir(str(folder)).searcher()


def test_spelling_tables_are_whooshs_frequencies(version):
    with searcher_of(version) as searcher:
        reader = searcher.reader()
        assert reader.has_deletions() and len(reader.leaf_readers()) > 1
        resources, stems, printed = derived.load_spelling(version, reader)
        assert (resources, stems, printed) == derived.spelling_tables(reader)
        assert stems == {
            t.decode(): reader.doc_frequency(CONTENT, t) for t in reader.lexicon(CONTENT)
        }
        spelled = reader.schema[CONTENT].spelling_fieldname(CONTENT)
        assert printed == {
            t.decode(): reader.doc_frequency(spelled, t) for t in reader.lexicon(spelled)
        }
        assert "common" in resources and resources["word3"] == stems["word3"]


def test_export_rows_are_the_stored_fields(version):
    with searcher_of(version) as searcher:
        reader = searcher.reader()
        rows = derived.load_rows(version, reader)
        assert isinstance(rows, derived.MappedRows)
        assert len(rows) == reader.doc_count_all()
        for docnum in range(reader.doc_count_all()):
            if reader.is_deleted(docnum):
                assert rows[docnum] is None
            else:
                fields = reader.stored_fields(docnum)
                expected = {name: fields[name] for name in derived.EXPORT_FIELDS if name in fields}
                assert rows[docnum] == expected
        assert list(rows) == derived.read_rows(reader)  # a sequence: iteration stops
        with pytest.raises(IndexError):
            rows[len(rows)]


def test_the_lazy_holders_read_the_files_and_fall_back_to_whoosh(version):
    with searcher_of(version) as searcher:
        reader = searcher.reader()
        mapped = LazyRows(version).get(searcher)
        assert isinstance(mapped, derived.MappedRows)
        read = LazyRows().get(searcher)
        assert list(mapped) == read
        from_file = LazySpeller(version).get(reader)
        from_index = Speller.from_reader(reader)
        assert from_file.resources == from_index.resources
        assert from_file.by_length == from_index.by_length
        assert from_file.suggest("comon") == from_index.suggest("comon") == "common"
    # Other index files (a commit since): the files are refused, Whoosh is read.
    write(whoosh_index.open_dir(str(version)), [900], deleted=["r5"])
    with searcher_of(version) as searcher:
        reader = searcher.reader()
        assert derived.load_rows(version, reader) is None
        assert derived.load_spelling(version, reader) is None
        rows = LazyRows(version).get(searcher)
        assert rows == derived.read_rows(reader)
        assert rows[searcher.document_number(id="r900")]["id"] == "r900"
        assert LazySpeller(version).get(reader).resources == Speller.from_reader(reader).resources


@pytest.mark.parametrize(
    "damage", ["missing", "format", "origin", "segments", "offsets", "truncated", "live"]
)
def test_damaged_or_stale_files_are_refused(version, damage):
    rows_folder = version / derived.ROWS_FOLDER
    info_path = rows_folder / derived.INFO_FILE
    info = json.loads(info_path.read_text())
    segment = info["segments"][-1][0]  # the last segment's files
    lines = rows_folder / (segment + derived.ROWS_SUFFIX)
    offsets = rows_folder / (segment + derived.OFFSETS_SUFFIX)
    spelling = json.loads((version / derived.SPELLING_FILE).read_text())
    if damage == "missing":
        offsets.unlink()
        (version / derived.SPELLING_FILE).unlink()
    elif damage == "format":
        info["format"] = spelling["format"] = "knowledge-lab-rows/0"
    elif damage == "origin":
        info["origin"]["generation"] += 1
        spelling["origin"]["generation"] += 1
    elif damage == "segments":
        info["segments"][0][2] += 1
        spelling["printed"] = None
    elif damage == "offsets":
        np.save(offsets, np.load(offsets)[::-1].copy())
        spelling["stems"] = ["not", "a", "table"]
    elif damage == "truncated":
        lines.write_bytes(lines.read_bytes()[:-10])
        (version / derived.SPELLING_FILE).write_text("{")
    elif damage == "live":
        np.save(rows_folder / derived.LIVE_FILE, np.ones(3, dtype=bool))
        del spelling["resources"]
    info_path.write_text(json.dumps(info))
    if damage not in ("missing", "truncated"):
        (version / derived.SPELLING_FILE).write_text(json.dumps(spelling))
    with searcher_of(version) as searcher:
        assert derived.load_rows(version, searcher.reader()) is None
        assert derived.load_spelling(version, searcher.reader()) is None


def test_a_published_version_carries_its_derived_files(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    folder = IndexStore(index).published().path
    snapshot = IndexHolder(index).snapshot()
    reader = snapshot.searcher.reader()
    assert derived.load_spelling(folder, reader) == derived.spelling_tables(reader)
    rows = snapshot.shared.rows.get(snapshot.searcher)
    assert isinstance(rows, derived.MappedRows)
    assert list(rows) == derived.read_rows(reader)
    assert snapshot.shared.speller.get(reader).stems == Speller.from_reader(reader).stems


def test_an_update_leaves_the_files_of_the_version_before_as_they_were(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    store = IndexStore(index)
    before = store.published().path
    saved = {path: path.read_bytes() for path in before.rglob("*") if path.is_file()}
    page = corpus / "resources" / f"{CAFE}.html"
    page.write_text(page.read_text("utf-8").replace("triage.", "triage in Zanzibar."))
    update(corpus, index)
    after = store.published().path
    assert after != before
    assert {path: path.read_bytes() for path in saved} == saved
    # Each version's files are its own, and are read for it.
    for folder in (before, after):
        with searcher_of(folder) as searcher:
            assert derived.load_spelling(folder, searcher.reader()) is not None
            assert derived.load_rows(folder, searcher.reader()) is not None
    assert (after / derived.SPELLING_FILE).stat().st_ino != (
        before / derived.SPELLING_FILE
    ).stat().st_ino
    # The rows of the segments the versions share are the same files (linked, not read).
    segments = {
        folder: {
            path.name: path.stat().st_ino
            for path in (folder / derived.ROWS_FOLDER).glob("*" + derived.ROWS_SUFFIX)
        }
        for folder in (before, after)
    }
    shared = segments[before].keys() & segments[after].keys()
    assert shared and len(segments[after]) > len(shared)  # the update's new segment
    assert all(segments[before][name] == segments[after][name] for name in shared)
