"""Baseline (c): tantivy through its Python bindings (`pip install '.[bench]'`).

Title and body with tantivy's English stemmer, topic and type as raw fast fields, the year as
an indexed fast integer. One writer with tantivy's default threads. Per query: one searcher
(tantivy's searchers are cheap views of the index), the page by `search` (ranked by BM25 or
ordered by year), a snippet per hit by `SnippetGenerator`, and the three facet counts by one
terms aggregation.
"""

from __future__ import annotations

from pathlib import Path

from indexer.records import Resource

FACET_BUCKETS = 1000
MISSING_YEAR = 0
TEXT_FIELDS = ["title", "body"]


def available() -> bool:
    """Whether the tantivy bindings are installed."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


class Tantivy:
    """The tantivy engine."""

    name = "tantivy"

    def __init__(self, folder: Path):
        import tantivy

        self.tantivy = tantivy
        self.folder = folder
        self.index = None
        self.searcher = None
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("topic", stored=True, fast=True, tokenizer_name="raw")
        builder.add_text_field("type", stored=True, fast=True, tokenizer_name="raw")
        builder.add_integer_field("year", stored=True, fast=True, indexed=True)
        self.schema = builder.build()
        terms = {"size": FACET_BUCKETS}
        self.aggregation = {
            "topic": {"terms": {"field": "topic", **terms}},
            "type": {"terms": {"field": "type", **terms}},
            "year": {"terms": {"field": "year", "missing": MISSING_YEAR, **terms}},
        }

    def build(self, resources: list[Resource]) -> None:
        """One writer, every document, one commit, merges finished."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index = self.tantivy.Index(self.schema, path=str(self.folder))
        writer = self.index.writer()
        for r in resources:
            fields = {
                "id": r.id,
                "title": r.title,
                "body": "\n".join([r.description, r.body]),
                "topic": list(r.topics),
                "type": list(r.types),
            }
            if r.year is not None:
                fields["year"] = [r.year]
            writer.add_document(self.tantivy.Document(**fields))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def open(self) -> None:
        """Open the index an earlier `build` wrote in the folder, as a fresh process would."""
        self.index = self.tantivy.Index.open(str(self.folder))
        self.searcher = self.index.searcher()

    def text_query(self, query: dict):
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        if query["phrase"]:
            text = '"' + " ".join(query["phrase"]) + '"'
        elif query["words"]:
            text = " ".join(f'"{word}"' for word in query["words"])
        elif query["prefix"]:
            pattern = f"{query['prefix']}.*"
            return Query.boolean_query(
                [(Occur.Should, Query.regex_query(self.schema, f, pattern)) for f in TEXT_FIELDS]
            )
        else:
            return Query.all_query()
        return self.index.parse_query(text, TEXT_FIELDS, conjunction_by_default=True)

    def full_query(self, query: dict):
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        parts = [(Occur.Must, self.text_query(query))]
        for name, key in (("topic", "topics"), ("type", "types")):
            if query[key]:
                values = [
                    (Occur.Should, Query.term_query(self.schema, name, v)) for v in query[key]
                ]
                parts.append((Occur.Must, Query.boolean_query(values)))
        if query["year_from"] is not None:
            years = Query.range_query(
                self.schema,
                "year",
                self.tantivy.FieldType.Integer,
                query["year_from"],
                query["year_to"],
            )
            parts.append((Occur.Must, years))
        return Query.boolean_query(parts) if len(parts) > 1 else parts[0][1]

    def search(self, query: dict) -> int:
        """The page with snippets and all three facet counts; returns the total."""
        searcher, full = self.searcher, self.full_query(query)
        found = searcher.search(
            full,
            limit=query["per_page"],
            offset=(query["page"] - 1) * query["per_page"],
            count=True,
            order_by_field="year" if query["sort"] == "newest" else None,
        )
        snippets = self.tantivy.SnippetGenerator.create(searcher, full, self.schema, "body")
        for _, address in found.hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()
        searcher.aggregate(full, self.aggregation)
        return found.count
