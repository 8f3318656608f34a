"""The schema, its analyzer and `to_document`: what is indexed is what can be found."""

from __future__ import annotations

import pytest
from whoosh import fields
from whoosh.codec import whoosh3
from whoosh.qparser import MultifieldParser, QueryParser

from indexer import whoosh_internals
from indexer.records import LISTING, Resource, Source
from indexer.schema import (
    SEARCH_FIELDS,
    UNDATED,
    SpelledText,
    text_analyzer,
    title_sort_key,
    to_document,
)
from indexer.store import IndexStore
from tests.conftest import CAFE, CAMERAS, QUOKKA, ZEBRAFISH


def words(text: str) -> list[str]:
    return [token.text for token in text_analyzer()(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Body cameras in the US", ["bodi", "camera", "us"]),
        ("IT help desks", ["it", "help", "desk"]),
        ("it is what it is", ["it", "what", "it"]),
        ("Caf\u00e9 na\u00efve R\u00c9SUM\u00c9", ["cafe", "naiv", "resum"]),
        ("Officers' de-escalation training", ["offic", "de", "escal", "train"]),
        ("the and of a to", []),
    ],
)
def test_analyzer(text, expected):
    assert words(text) == expected


def test_singular_and_plural_share_a_stem():
    assert words("camera cameras") == ["camera", "camera"]
    assert words("camel") != words("camera")


WALRUS = Resource(
    id="walrus",
    title="Walrus Tactics",
    types=("Report", "Video"),
    year=2020,
    topics=("Use of Force", "Officer Safety and Wellness"),
    url="/resources/walrus/",
    description="Tusks.",
    body="Ice floes.",
    sections=("Ice",),
    sources=(Source("topics/a/page-1.html", LISTING, "Use of Force"),),
)


def test_to_document():
    assert to_document(WALRUS) == {
        "id": "walrus",
        "url": "/resources/walrus/",
        "title": "Walrus Tactics",
        "title_sort": "walrus tactics",
        "content": "Walrus Tactics\nUse of Force\nOfficer Safety and Wellness\nTusks.\nIce floes.",
        "topic_text": "Use of Force Officer Safety and Wellness",
        "description": "Tusks.",
        "body": "Ice floes.",
        "topic": ["Use of Force", "Officer Safety and Wellness"],
        "type": ["Report", "Video"],
        "year": 2020,
        "year_facet": "2020",
        "sections": ["Ice"],
        "sources": [{"path": "topics/a/page-1.html", "kind": "listing", "label": "Use of Force"}],
    }


def test_undated_and_empty_fields_are_left_out():
    resource = Resource(
        id="bare", title="\u201cBare\u201d", sources=(Source("r/b.html", "resource"),)
    )
    assert to_document(resource) == {
        "id": "bare",
        "title": "\u201cBare\u201d",
        "title_sort": "bare",
        "content": "\u201cBare\u201d\n\n",
        "year_facet": UNDATED,
        "sources": [{"path": "r/b.html", "kind": "resource"}],
    }


@pytest.mark.parametrize(
    ("title", "key"),
    [("\u2018What Works\u2019", "what works"), ("911 Calls", "911 calls"), ("...", "")],
)
def test_title_sort_key(title, key):
    assert title_sort_key(title) == key


def found(searcher, query: str, field: str | None = None) -> set[str]:
    schema = searcher.schema
    parser = QueryParser(field, schema) if field else MultifieldParser(list(SEARCH_FIELDS), schema)
    return {hit["id"] for hit in searcher.search(parser.parse(query), limit=None)}


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ("title:us", None, {CAMERAS}),
        ("US", "title", {CAMERAS}),
        ("it", None, {CAFE}),
        ("IT", "title", {CAFE}),
        ("cameras", "description", {CAMERAS}),
        ("camera", "title", {CAMERAS}),
        ("cafe", "title", {CAFE}),
        ("naive", "description", {CAFE}),
        ("quillwort", None, {CAMERAS}),
        ("marzipan", "content", {CAMERAS}),
        ("marzipan", "title", set()),
        ("zebrafish", None, {ZEBRAFISH}),
        ("wellness", "topic_text", {CAMERAS, QUOKKA}),
        ("walrus", None, set()),
        ("quillwort", "content", {CAMERAS}),
        ("triage", "content", {CAFE}),
        ("demonstrations", "content", {ZEBRAFISH}),
        ("walrus", "content", set()),
    ],
)
def test_search_the_built_index(index_dir, query, field, expected):
    with IndexStore(index_dir).open_index().searcher() as searcher:
        assert found(searcher, query, field) == expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("topic", "Use of Force", {CAMERAS, ZEBRAFISH}),
        ("topic", "use of force", set()),
        ("type", "Guidebook/Tool", {CAFE, ZEBRAFISH}),
        ("year_facet", UNDATED, {QUOKKA}),
        ("year_facet", "2019", {CAMERAS}),
        ("year_facet", "0", set()),
    ],
)
def test_facet_fields_hold_values_as_printed(index_dir, field, value, expected):
    from whoosh.query import Term

    with IndexStore(index_dir).open_index().searcher() as searcher:
        assert {hit["id"] for hit in searcher.search(Term(field, value), limit=None)} == expected


@pytest.mark.parametrize(
    "text",
    [
        "The officers' U.S. café training, the training and TRAINING again",
        "naïve résumé Über straße 3.14 e-mail wild*card it IT us",
        "",
        "the of and",
    ],
)
def test_spelling_words_are_those_whoosh_would_give(text):
    """The content field feeds the spelling dictionary one distinct word at a time: the same
    words as Whoosh's TEXT field, which analyses every occurrence."""
    ours = SpelledText(analyzer=text_analyzer(), spelling=True)
    whooshs = fields.TEXT(analyzer=text_analyzer(), spelling=True)
    assert list(ours.spellable_words(text)) == list(whooshs.spellable_words(text))


def test_the_column_check_is_remembered_and_answers_the_same(index_dir):
    """indexer.whoosh_internals: a segment's columns are looked up once, with the same answers."""
    assert whoosh3.W3PerDocReader.has_column is whoosh_internals._remembered_has_column
    reader = IndexStore(index_dir).open_index().reader()
    segment = reader.leaf_readers()[0][0] if hasattr(reader, "leaf_readers") else reader
    perdoc = segment._perdoc
    for name in ("title_sort", "year", "_content_L", "no_such_field"):
        first = perdoc.has_column(name)
        assert first == whoosh_internals._original_has_column(perdoc, name)
        assert perdoc.has_column(name) == first
    assert set(perdoc._known_columns) == {"title_sort", "year", "_content_L", "no_such_field"}
