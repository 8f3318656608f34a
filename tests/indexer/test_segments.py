"""indexer.segments and indexer.spill: the index written by workers from spilled texts holds
exactly the postings, lengths and stored fields Whoosh's own writer gives the same documents."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index

from indexer import parallel, segments
from indexer.build import build, read_one
from indexer.catalog import read_catalog
from indexer.corpus import list_pages
from indexer.records import RESOURCE_PAGE, Sighting
from indexer.resources import merge_sightings
from indexer.schema import MemoText, make_schema, text_analyzer, to_document
from indexer.spill import Spilled, SpillReader, TextSpill
from indexer.store import IndexStore
from indexer.vocabulary import load_vocabulary
from tests.conftest import card, listing_page, write_page


def whooshs_schema() -> fields.Schema:
    """Our schema with Whoosh's own TEXT in place of every memoised text field."""
    schema = make_schema()
    for name in schema.names():
        field = schema[name]
        if isinstance(field, MemoText):
            plain = fields.TEXT(
                analyzer=text_analyzer(),
                phrase=field.format.__class__.__name__ == "Positions",
                stored=field.stored,
                spelling=field.spelling,
            )
            schema._fields[name] = plain
    return schema


def everything(folder: Path) -> dict:
    """Every posting (term, global document number, weight, encoded value), field length and
    stored field of an index, and its spelling words (a segment's are a set of words, all
    filed under its first document; a missing length is None or 0 as segments go)."""
    index = whoosh_index.open_dir(str(folder))
    found: dict = {"postings": [], "lengths": [], "stored": []}
    with index.searcher() as searcher:
        reader = searcher.reader()
        for fieldname, btext in reader.all_terms():
            if fieldname == "spell_content":
                continue
            matcher = reader.postings(fieldname, btext)
            while matcher.is_active():
                found["postings"].append(
                    (fieldname, btext, matcher.id(), matcher.weight(), matcher.value())
                )
                matcher.next()
        for docnum in range(reader.doc_count_all()):
            found["stored"].append(reader.stored_fields(docnum))
            found["lengths"].append(
                [
                    reader.doc_field_length(docnum, name) or 0
                    for name in sorted(index.schema.names())
                ]
            )
        found["spelling"] = sorted(reader.lexicon("spell_content") or ())
    return found


@pytest.fixture
def bigger_corpus(corpus: Path) -> Path:
    cards = [
        card(
            f"Extra Resource {n} cameras",
            f"/resources/extra-{n}/",
            "Report | 2018",
            ["Use of Force"],
        )
        for n in range(30)
    ]
    write_page(corpus, "topics/use-of-force/page-2.html", listing_page("Use of Force", *cards))
    return corpus


def test_workers_write_whooshs_index(bigger_corpus, tmp_path, monkeypatch):
    """Two workers writing a share each from spilled texts give, posting for posting and
    document for document (numbered in id order), the index one plain Whoosh writer gives."""
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    monkeypatch.setattr(parallel, "MIN_DOCUMENTS", 1)
    monkeypatch.setattr(parallel, "CHUNK_PAGES", 1)
    build(bigger_corpus, tmp_path / "ours", processes=2)
    ours = IndexStore(tmp_path / "ours").published().path
    assert len(whoosh_index.open_dir(str(ours)).reader().leaf_readers()) == 2
    assert not (ours / "texts.spill").exists()

    sightings = [s for p in list_pages(bigger_corpus) for s in read_one(bigger_corpus, p)[1]]
    _, catalog, _ = read_catalog(bigger_corpus)
    resources = merge_sightings([*sightings, *catalog], load_vocabulary(bigger_corpus)).resources
    plain = tmp_path / "plain"
    plain.mkdir()
    writer = whoosh_index.create_in(str(plain), whooshs_schema()).writer()
    for resource in sorted(resources, key=lambda r: r.id):
        writer.add_document(**to_document(resource))
    writer.commit()
    assert everything(ours) == everything(plain)


def test_spilled_texts_merge_and_come_back_as_they_were(tmp_path):
    page = Sighting(
        "x", "resources/x.html", RESOURCE_PAGE, title="X", description="", body="Bödy ☃"
    )
    other = Sighting(
        "x", "resources/y.html", RESOURCE_PAGE, title="X", description="Desc", body=None
    )
    with TextSpill(tmp_path / "spill") as spill:
        slim = [spill.slim(page), spill.slim(other)]
    assert slim[0].description == "" and isinstance(slim[0].body, Spilled)
    assert slim[1].body is None and isinstance(slim[1].description, Spilled)
    spilled = merge_sightings(slim, None).resources[0]
    kept = merge_sightings([page, other], None).resources[0]
    copied = pickle.loads(pickle.dumps(spilled))
    assert isinstance(copied.body, Spilled)
    reader = SpillReader(tmp_path / "spill")
    try:
        assert reader.restore(copied) == kept
    finally:
        reader.close()


def test_shares_are_contiguous_balanced_and_never_empty():
    from indexer.records import Resource

    resources = [Resource(id=f"r{n:02}", title="t", body="w" * (n * 100)) for n in range(20)]
    parts = segments.shares(resources, 2)
    assert [r for part in parts for r in part] == resources
    assert len(parts) == 2 and len(parts[0]) > len(parts[1])
    assert segments.shares(resources[:1], 4) == [resources[:1]]
    assert segments.shares([], 2) == []


def test_known_lengths_are_the_segments_own(index_dir):
    """`KnownLengths` answers each document's field length as the segment's reader does."""
    from indexer import whoosh_internals

    reader = IndexStore(index_dir).open_index().reader()
    leaf = reader.leaf_readers()[0][0] if hasattr(reader, "leaf_readers") else reader
    perdoc = leaf._perdoc
    known = whoosh_internals.KnownLengths(perdoc)
    answers = [
        (known.doc_field_length(n, name), perdoc.doc_field_length(n, name))
        for name in ("content", "title", "description", "document", "topic")
        for n in range(perdoc.doc_count_all())
    ]
    assert all(ours == theirs for ours, theirs in answers)
    assert {ours for ours, _ in answers} - {None, 0}  # real lengths, not only empty ones


def test_a_workers_writer_indexes_through_memotext(tmp_path):
    from indexer import whoosh_internals

    index = whoosh_index.create_in(str(tmp_path), make_schema())
    writer = whoosh_internals.segment_writer(index, 16)
    try:
        assert isinstance(writer.schema["title"], MemoText)
        assert type(index.schema["title"]) is fields.TEXT
    finally:
        writer.cancel()
