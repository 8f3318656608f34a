"""Baseline (a): a straightforward Whoosh implementation, as a first version would be written.

The default `StemmingAnalyzer` on title and body, keyword topic and type, a numeric year; one
process and one writer; per query a new searcher, the query parser over title and body,
filters as `filter=`, facet counts by `groupedby` (overlapping for topic and type), the page
by `search_page`, and a highlighted body snippet for each hit shown.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index, sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.query import And, Every, NumericRange, Or, Term

from indexer.records import Resource

SEPARATOR = ","
FACETS = {
    "topic": sorting.FieldFacet("topic", allow_overlap=True),
    "type": sorting.FieldFacet("type", allow_overlap=True),
    "year": sorting.FieldFacet("year"),
}


def make_schema() -> Schema:
    """Title and body stemmed and stored (for highlights); facets as keywords and a number."""
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(stored=True, analyzer=StemmingAnalyzer()),
        body=TEXT(stored=True, analyzer=StemmingAnalyzer()),
        topic=KEYWORD(stored=True, commas=True),
        type=KEYWORD(stored=True, commas=True),
        year=NUMERIC(int, stored=True, sortable=True),
    )


class WhooshPlain:
    """The straightforward Whoosh engine."""

    name = "whoosh (straightforward)"

    def __init__(self, folder: Path):
        self.folder = folder
        self.index = None
        self.parser = None

    def build(self, resources: list[Resource]) -> None:
        """One writer, every document, one commit."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index = index.create_in(str(self.folder), make_schema())
        writer = self.index.writer()
        for resource in resources:
            document = {
                "id": resource.id,
                "title": resource.title,
                "body": "\n".join([resource.description, resource.body]),
                "topic": SEPARATOR.join(resource.topics),
                "type": SEPARATOR.join(resource.types),
            }
            if resource.year is not None:
                document["year"] = resource.year
            writer.add_document(**{k: v for k, v in document.items() if v != ""})
        writer.commit()
        self.parser = MultifieldParser(["title", "body"], self.index.schema)

    def text_query(self, query: dict):
        if query["phrase"]:
            return self.parser.parse('"' + " ".join(query["phrase"]) + '"')
        if query["prefix"]:
            return self.parser.parse(query["prefix"] + "*")
        if query["words"]:
            return self.parser.parse(" ".join(query["words"]))
        return Every()

    @staticmethod
    def filter_query(query: dict):
        parts = []
        if query["topics"]:
            parts.append(Or([Term("topic", topic) for topic in query["topics"]]))
        if query["types"]:
            parts.append(Or([Term("type", kind) for kind in query["types"]]))
        if query["year_from"] is not None:
            parts.append(NumericRange("year", query["year_from"], query["year_to"]))
        return And(parts) if parts else None

    def search(self, query: dict) -> int:
        """The page of hits with highlights and all three facet counts; returns the total."""
        with self.index.searcher() as searcher:
            sortedby = (
                sorting.FieldFacet("year", reverse=True) if query["sort"] == "newest" else None
            )
            page = searcher.search_page(
                self.text_query(query),
                query["page"],
                pagelen=query["per_page"],
                filter=self.filter_query(query),
                groupedby=FACETS,
                sortedby=sortedby,
            )
            for hit in page:
                hit.highlights("body")
            for name in FACETS:
                page.results.groups(name)
            return page.total
