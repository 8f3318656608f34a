"""indexer/facet_arrays.py: a version's facet value sets and sort ranks, computed from Whoosh
and saved beside it at publish time, give Whoosh's own answers (over several segments with
deleted documents, tied titles and years, undated resources), and are refused when missing,
of another format or derived from other index files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import Term

from indexer import facet_arrays, facet_fields
from indexer.build import build
from indexer.records import Resource
from indexer.schema import MISSING_YEAR_SORT, TITLE_SORT, YEAR, make_schema, to_document
from indexer.store import IndexStore
from search_app.facets import FacetSets
from search_app.snapshots import IndexHolder

TOPICS = ("Alpha", "Beta", "Gamma", "Delta")
TYPES = ("Report", "Video", "Toolkit")
SEGMENTS = (40, 30, 9)  # resources written per segment
DELETED = 6  # every 6th resource of the first two segments is deleted
ONLY_DELETED = "Omega"  # a topic of resource 0 alone, which is deleted


def resource(n: int) -> Resource:
    """Resource n: topics, types and years that repeat, some undated, titles that tie."""
    topics = tuple(TOPICS[i] for i in range(len(TOPICS)) if n % (i + 2) == 0)
    topics += (ONLY_DELETED,) if n == 0 else ()
    return Resource(
        id=f"r{n}",
        title=f"Title {n % 7}" if n % 3 else f"Other {n}",
        topics=topics,
        types=(TYPES[n % 3], *(("Video",) if n % 5 == 0 else ())),
        year=None if n % 4 == 0 else 2000 + n % 9,
        body=f"word{n % 11} common",
    )


def write(index, numbers, deleted=()) -> None:
    writer = index.writer()
    for n in deleted:
        writer.delete_by_term("id", f"r{n}")
    for n in numbers:
        writer.add_document(**to_document(resource(n)))
    writer.commit(merge=False)


@pytest.fixture
def segmented(tmp_path: Path) -> Path:
    return segmented_index(tmp_path / "version")


def segmented_index(folder: Path) -> Path:
    """An index folder of three segments, the first two with deleted documents (resource 0
    among them, the only one of its topic)."""
    folder.mkdir()
    index = whoosh_index.create_in(str(folder), make_schema())
    first, second, third = SEGMENTS
    write(index, range(first))
    write(index, range(first, first + second))
    deleted = range(0, first + second, DELETED)
    write(index, range(first + second, first + second + third), deleted)
    return folder


def mapped(array: np.ndarray) -> bool:
    """Whether an array views a memory-mapped file (not memory of its own)."""
    while array is not None and not isinstance(array, np.memmap):
        array = array.base if isinstance(array, np.ndarray) else None
    return array is not None


def searcher_of(folder: Path):
    return whoosh_index.open_dir(str(folder)).searcher()


def reference_ranks(reader, size: int) -> dict[str, list[int]]:
    """The sort ranks as the search app computed them in Python before the arrays."""
    years = list(reader.column_reader(YEAR))
    titles = list(reader.column_reader(TITLE_SORT))
    years += [MISSING_YEAR_SORT] * (size - len(years))
    titles += [b""] * (size - len(titles))

    def ranks(order):
        found = [0] * size
        for position, docnum in enumerate(order):
            found[docnum] = position
        return found

    def newest_key(d):
        return (0 if years[d] == MISSING_YEAR_SORT else -years[d], titles[d])

    newest = ranks(sorted(range(size), key=newest_key))
    oldest = ranks(sorted(range(size), key=lambda d: (years[d], titles[d])))
    by_title = ranks(sorted(range(size), key=lambda d: (titles[d], newest[d])))
    return {"newest": newest, "oldest": oldest, "title": by_title}


def assert_whooshs_answers(arrays: facet_arrays.FacetArrays, searcher) -> None:
    """Each facet value's documents are those Whoosh finds for its term; every value with a
    live document is there; the live documents and the sort ranks are Whoosh's."""
    reader = searcher.reader()
    assert arrays.size == reader.doc_count_all()
    assert set(np.flatnonzero(arrays.live)) == set(reader.all_doc_ids())
    sets = arrays.sets()
    for facet in facet_fields.FACETS:
        expected = {}
        for btext in reader.lexicon(facet.field):
            label = btext.decode("utf-8")
            docs = set(searcher.docs_for_query(Term(facet.field, label)))
            if docs:
                expected[label] = docs
        assert {label: set(np.flatnonzero(mask)) for label, mask in sets[facet.name].items()} == (
            expected
        )
    expected_ranks = reference_ranks(reader, arrays.size)
    for sort in facet_arrays.SORTS:
        assert arrays.rank(sort).tolist() == expected_ranks[sort], sort


def test_computed_arrays_are_whooshs_answers(segmented):
    with searcher_of(segmented) as searcher:
        assert len(searcher.reader().leaf_readers()) == len(SEGMENTS)
        assert searcher.reader().has_deletions()
        arrays = facet_arrays.compute(searcher)
        assert_whooshs_answers(arrays, searcher)
        assert ONLY_DELETED in {t.decode() for t in searcher.lexicon("topic")}
        assert ONLY_DELETED not in arrays.labels["topic"]  # no live document: no value
        # Ties exist for the orders to break: titles and years repeat.
        titles = list(searcher.reader().column_reader(TITLE_SORT))
        assert len(set(titles)) < len(titles)


def test_saved_arrays_are_mapped_and_give_the_same_answers(segmented):
    with searcher_of(segmented) as searcher:
        facet_arrays.write(segmented, searcher)
        loaded = facet_arrays.load(segmented, searcher.reader())
        assert loaded is not None
        assert mapped(loaded.values)  # mapped, not read into memory
        assert mapped(loaded.ranks) and mapped(loaded.live)
        assert_whooshs_answers(loaded, searcher)
        assert FacetSets.read(searcher, segmented) == FacetSets.read(searcher)


def test_arrays_of_another_index_are_refused(segmented):
    with searcher_of(segmented) as searcher:
        facet_arrays.write(segmented, searcher)
    write(whoosh_index.open_dir(str(segmented)), [500], deleted=["r1"])
    with searcher_of(segmented) as searcher:
        assert facet_arrays.load(segmented, searcher.reader()) is None
        # The caller then reads them from Whoosh, and gets its answers for the new files.
        arrays = facet_arrays.arrays(segmented, searcher)
        assert not mapped(arrays.values)
        assert_whooshs_answers(arrays, searcher)


@pytest.mark.parametrize(
    "damage",
    [
        "missing",
        "format",
        "origin",
        "labels",
        "truncated",
        "shape",
        "dtype",
    ],
)
def test_damaged_or_stale_arrays_are_refused(segmented, damage):
    with searcher_of(segmented) as searcher:
        facet_arrays.write(segmented, searcher)
        target = segmented / facet_arrays.FOLDER
        info_path = target / facet_arrays.INFO_FILE
        info = json.loads(info_path.read_text())
        if damage == "missing":
            (target / facet_arrays.RANKS_FILE).unlink()
        elif damage == "format":
            info["format"] = "knowledge-lab-facet-arrays/0"
        elif damage == "origin":
            info["origin"]["live"] += 1
        elif damage == "labels":
            info["labels"]["topic"] = info["labels"]["topic"][:-1]
        elif damage == "truncated":
            data = (target / facet_arrays.VALUES_FILE).read_bytes()
            (target / facet_arrays.VALUES_FILE).write_bytes(data[: len(data) // 2])
        elif damage == "shape":
            np.save(target / facet_arrays.LIVE_FILE, np.ones(3, dtype=bool))
        elif damage == "dtype":
            ranks = np.load(target / facet_arrays.RANKS_FILE)
            np.save(target / facet_arrays.RANKS_FILE, ranks.astype(np.int32))
        info_path.write_text(json.dumps(info))
        assert facet_arrays.load(segmented, searcher.reader()) is None
        assert_whooshs_answers(facet_arrays.arrays(segmented, searcher), searcher)


def test_publishing_writes_the_arrays_and_the_app_maps_them(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    version = IndexStore(index).published().path
    assert (version / facet_arrays.FOLDER / facet_arrays.INFO_FILE).is_file()
    snapshot = IndexHolder(index).snapshot()
    sets = snapshot.shared.facets
    assert mapped(sets.orders.newest) and mapped(sets.everything.mask)  # a view of the mapped file
    assert sets == FacetSets.read(snapshot.searcher)  # what Whoosh's postings give
    assert_whooshs_answers(
        facet_arrays.load(version, snapshot.searcher.reader()), snapshot.searcher
    )
