"""Baseline (b): SQLite FTS5, bm25 ranking, facet counts by GROUP BY.

Documents in a table, an external-content FTS5 index over title and body (porter stemming),
topics and types in join tables. Per query: the page (ranked by bm25, or by year) with an
FTS5 snippet, then one statement counting topics, types and years over the matches
(materialised once). Filters are `IN` subqueries on the join tables and a year range.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from indexer.records import Resource

DATABASE = "bench.sqlite"
SNIPPET_TOKENS = 24
SCHEMA = """
create table docs(rowid integer primary key, id text, title text, body text, year integer);
create virtual table fts using fts5(
    title, body, content='docs', content_rowid='rowid', tokenize='porter unicode61'
);
create table doc_topics(doc integer, topic text, primary key (doc, topic)) without rowid;
create table doc_types(doc integer, type text, primary key (doc, type)) without rowid;
create index doc_topics_topic on doc_topics(topic, doc);
create index doc_types_type on doc_types(type, doc);
"""
PAGE_SQL = """
select d.id, d.title, d.year, {snippet} from {source}
where {where} order by {order} limit ? offset ?
"""
FACETS_SQL = """
with m as materialized (select d.rowid as doc, d.year as year from {source} where {where})
select 'topic', topic, count(*) from doc_topics where doc in (select doc from m) group by topic
union all
select 'type', type, count(*) from doc_types where doc in (select doc from m) group by type
union all
select 'year', year, count(*) from m group by year
"""
MATCHED = "fts join docs d on d.rowid = fts.rowid"


def match_expression(query: dict) -> str | None:
    """The query in FTS5 syntax: quoted words (all required), a phrase, or a prefix."""
    if query["phrase"]:
        return '"' + " ".join(query["phrase"]) + '"'
    if query["prefix"]:
        return f'"{query["prefix"]}" *'
    if query["words"]:
        return " ".join(f'"{word}"' for word in query["words"])
    return None


class Fts5:
    """The SQLite FTS5 engine."""

    name = "sqlite fts5"

    def __init__(self, folder: Path):
        self.folder = folder
        self.db: sqlite3.Connection | None = None

    def build(self, resources: list[Resource]) -> None:
        """One transaction: documents, the FTS index, the join tables."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / DATABASE
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)
        with self.db:
            rows = [
                (number, r.id, r.title, "\n".join([r.description, r.body]), r.year)
                for number, r in enumerate(resources, 1)
            ]
            self.db.executemany("insert into docs values (?, ?, ?, ?, ?)", rows)
            self.db.execute("insert into fts(fts) values ('rebuild')")
            self.db.executemany(
                "insert into doc_topics values (?, ?)",
                [(n, t) for n, r in enumerate(resources, 1) for t in dict.fromkeys(r.topics)],
            )
            self.db.executemany(
                "insert into doc_types values (?, ?)",
                [(n, t) for n, r in enumerate(resources, 1) for t in dict.fromkeys(r.types)],
            )

    @staticmethod
    def filters(query: dict) -> tuple[list[str], list]:
        clauses, values = [], []
        for table, column, chosen in (
            ("doc_topics", "topic", query["topics"]),
            ("doc_types", "type", query["types"]),
        ):
            if chosen:
                marks = ", ".join("?" * len(chosen))
                clauses.append(f"d.rowid in (select doc from {table} where {column} in ({marks}))")
                values += chosen
        if query["year_from"] is not None:
            clauses.append("d.year between ? and ?")
            values += [query["year_from"], query["year_to"]]
        return clauses, values

    def search(self, query: dict) -> int:
        """The page with snippets and all three facet counts; returns the total."""
        expression = match_expression(query)
        clauses, values = self.filters(query)
        if expression:
            source, snippet = (
                MATCHED,
                f"snippet(fts, 1, '<mark>', '</mark>', '…', {SNIPPET_TOKENS})",
            )
            clauses, values = ["fts match ?", *clauses], [expression, *values]
            order = "d.year desc" if query["sort"] == "newest" else "rank"
        else:
            source, snippet, order = "docs d", "substr(d.body, 1, 240)", "d.year desc, d.title"
        where = " and ".join(clauses) or "1"
        offset = (query["page"] - 1) * query["per_page"]
        page = PAGE_SQL.format(snippet=snippet, source=source, where=where, order=order)
        self.db.execute(page, [*values, query["per_page"], offset]).fetchall()
        counts = self.db.execute(FACETS_SQL.format(source=source, where=where), values).fetchall()
        return sum(count for facet, _, count in counts if facet == "year")
