"""Step four: the Whoosh schema, its analyzer, and `to_document` (Resource -> index document).

The search app imports its field names and analyzer from here, so what is indexed and what
is searched cannot drift apart.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Mapping

from whoosh import fields, formats
from whoosh.analysis import (
    STOP_WORDS,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

from . import facet_fields
from .documents import Document, DocumentError, format_of
from .facet_fields import TOPIC, TYPE, UNDATED, YEAR, YEAR_FACET  # noqa: F401  (field names)
from .records import Resource
from .wordmap import WordMap, memoisable, positions_postings

# Text fields. `content` holds all of a resource's text (title, topics, description, body)
# and carries the BM25 ranking; a word also found in the title, topics or description
# earns that field's extra weight (search_app.query.FIELD_WEIGHTS), so title ranks above
# topics above description above body.
CONTENT = "content"
TITLE = "title"
TOPIC_TEXT = "topic_text"
DESCRIPTION = "description"
BODY = "body"
# The text of a resource's documents (README "Documents"): its own field, with its own
# query-time weight, so that a long report's many words do not drown short, precise
# resources; pages are joined so that a phrase runs across a page break.
DOCUMENT = "document"
SEARCH_FIELDS = (CONTENT, TITLE, TOPIC_TEXT, DESCRIPTION, DOCUMENT)

# Years are 16-bit unsigned; Whoosh sorts a missing year as the largest value.
YEAR_BITS = 16
MISSING_YEAR_SORT = 2**YEAR_BITS - 1

ID = "id"
URL = "url"
TITLE_SORT = "title_sort"
SECTIONS = "sections"
SOURCES = "sources"
DOCUMENTS = "documents"  # stored: each document's source, format, pages, size, problem
DOCUMENT_PAGES = "document_pages"  # stored: each document's page texts, for passages
# stored: where each of those pages begins among the positions of the `document` field, so
# that a search finds the pages holding its words from the postings, without reading them.
DOCUMENT_PAGE_STARTS = "document_page_starts"

# Short words that carry meaning in this field: the acronyms US and IT must stay findable.
KEPT_SHORT_WORDS = frozenset({"us", "it"})
STOP_LIST = frozenset(STOP_WORDS) - KEPT_SHORT_WORDS
MIN_WORD_LENGTH = 2
STEM_CACHE_SIZE = 50_000
# The words RegexTokenizer finds (its default pattern, without a capturing group).
WORD = re.compile(r"[\w*]+(?:\.?[\w*]+)*")


def text_analyzer():
    """Words, lower-cased, accents folded, stop words (but not US or IT) dropped, stemmed."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_LIST, minsize=MIN_WORD_LENGTH)
        | StemFilter(cachesize=STEM_CACHE_SIZE)
    )


def text_words() -> Callable[[str], list[str]]:
    """The index's analysis as text -> words: how thesaurus terms and smoke queries are read
    (one analyzer per call of `text_words`, reused for every text)."""
    analyzer = text_analyzer()
    return lambda text: [token.text for token in analyzer(text)]


_word_maps: dict[int, tuple[object, WordMap | None]] = {}  # by analyzer, per process


def _word_map(analyzer) -> WordMap | None:
    """The memo of an analyzer's tokens (None when it cannot be memoised), kept outside the
    field so that the schema Whoosh pickles into the index stays as it was."""
    known = _word_maps.get(id(analyzer))
    if known is None or known[0] is not analyzer:
        known = _word_maps[id(analyzer)] = (
            analyzer,
            WordMap(analyzer) if memoisable(analyzer) else None,
        )
    return known[1]


class MemoText(fields.TEXT):
    """A text field indexed through `wordmap.WordMap`: Whoosh's postings, each distinct word
    analysed once per process instead of once per occurrence (searching is unchanged)."""

    def index(self, value, **kwargs):
        words = _word_map(self.analyzer)
        if (
            words is None
            or not isinstance(value, str)
            or type(self.format) is not formats.Positions
        ):
            return super().index(value, **kwargs)
        return [
            (term.encode("utf-8"), frequency, weight, encoded)
            for term, frequency, weight, encoded in positions_postings(words, self.format, value)
        ]


class SpelledText(MemoText):
    """A text field whose unstemmed words also feed spelling suggestions, analysed once per
    distinct word rather than once per occurrence (the same words, at a fraction of the cost)."""

    def spellable_words(self, value):
        words = _word_map(self.analyzer)
        if words is not None and isinstance(value, str):
            return iter(words.spellable(value))
        if isinstance(value, str):
            value = " ".join(dict.fromkeys(WORD.findall(value)))
        return super().spellable_words(value)


def make_schema() -> fields.Schema:
    """The index schema: faceted topic, type and year; weighted text; stored metadata."""
    analyzer = text_analyzer()

    def text(**options) -> fields.TEXT:
        return fields.TEXT(analyzer=analyzer, **options)

    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        url=fields.STORED(),
        content=SpelledText(analyzer=analyzer, spelling=True),
        title=text(stored=True),
        title_sort=fields.ID(sortable=True),
        topic_text=text(),
        description=text(stored=True),
        # Stored for snippets; its words are indexed once, in `content`.
        body=fields.STORED(),
        # Each keyword facet: its labels as printed, one term each.
        **{
            facet.field: fields.KEYWORD(stored=True, lowercase=False, scorable=False)
            for facet in facet_fields.keyword_facets()
        },
        year=fields.NUMERIC(int, bits=YEAR_BITS, stored=True, sortable=True, signed=False),
        year_facet=fields.ID(),
        sections=fields.STORED(),
        sources=fields.STORED(),
        document=text(phrase=True),
        documents=fields.STORED(),
        document_pages=fields.STORED(),
        document_page_starts=fields.STORED(),
    )


def memoised(schema: fields.Schema) -> fields.Schema:
    """A copy of a schema whose plain text fields index through `MemoText` (the same
    postings): what a build's writers use, while the schema pickled into the index names
    only Whoosh's classes and SpelledText, so any version of the app can read it."""
    schema = copy.deepcopy(schema)
    for name in schema.names():
        if type(schema[name]) is fields.TEXT:
            schema[name].__class__ = MemoText
    return schema


def title_sort_key(title: str) -> str:
    """The key titles sort by: case-insensitive, leading punctuation ignored."""
    return "".join(ch for ch in title.casefold() if ch.isalnum() or ch.isspace()).strip()


def document_record(source: str, found: Document | None) -> dict:
    """What the index keeps about one document of a resource (not its text)."""
    if found is None:  # not extracted (a caller without documents): what the link says
        try:
            found = Document(source, format_of(source))
        except DocumentError as error:
            found = Document.failed(source, "", error)
    record = {"source": found.source, "format": found.format}
    if found.sha256:
        record |= {"pages": len(found.pages), "size": found.size, "sha256": found.sha256}
    if found.problem:
        record |= {"problem": found.problem, "level": found.level, "message": found.message}
    return record


def to_document(resource: Resource, documents: Mapping[str, Document] | None = None) -> dict:
    """The Whoosh document of a resource, with the text of its `documents` (by source) when
    given (fields left out when empty, as Whoosh expects)."""
    found = [(source, (documents or {}).get(source)) for source in resource.documents]
    document = {
        ID: resource.id,
        URL: resource.url,
        TITLE: resource.title,
        TITLE_SORT: title_sort_key(resource.title) or resource.id,
        CONTENT: "\n".join([resource.title, *resource.topics, resource.description, resource.body]),
        TOPIC_TEXT: " ".join(resource.topics),
        DESCRIPTION: resource.description,
        BODY: resource.body,
        **{
            facet.field: list(getattr(resource, facet.attribute))
            for facet in facet_fields.keyword_facets()
        },
        YEAR_FACET: UNDATED if resource.year is None else str(resource.year),
        SECTIONS: list(resource.sections),
        SOURCES: [
            {"path": s.path, "kind": s.kind, **({"label": s.label} if s.label else {})}
            for s in resource.sources
        ],
        DOCUMENT: "\n\n".join(d.text for _, d in found if d is not None and d.text),
        DOCUMENTS: [document_record(source, d) for source, d in found],
        DOCUMENT_PAGES: [list(d.pages) if d is not None else [] for _, d in found],
    }
    if resource.year is not None:
        document[YEAR] = resource.year
    if any(document[DOCUMENT_PAGES]):
        document[DOCUMENT_PAGE_STARTS] = page_starts(document[DOCUMENT_PAGES])
    else:
        del document[DOCUMENT_PAGES]
    return {name: value for name, value in document.items() if value not in ("", [])}


_page_words: list[WordMap] = []  # the memo `page_starts` analyses pages with, per process


def page_starts(pages_of: list[list[str]]) -> list[list[int]]:
    """Where each page of each document begins among the positions of the `document` field
    (the pages of every document, in order, joined by blank lines): a position's page is
    the last one starting at or before it."""
    if not _page_words:
        _page_words.append(WordMap(text_analyzer()))
    flat = _page_words[0].starts([page for pages in pages_of for page in pages])
    starts, at = [], 0
    for pages in pages_of:
        starts.append(flat[at : at + len(pages)])
        at += len(pages)
    return starts


def document_hash(document: dict) -> str:
    """A fingerprint of a document, to tell which documents an update must rewrite."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
