"""What is in the published index: documents, facet value counts, build time, version."""

from __future__ import annotations

from pathlib import Path

from whoosh.query import Term

from . import facet_fields
from .facet_fields import RANGE
from .schema import ID, TITLE, TOPIC, TYPE, UNDATED, YEAR
from .store import IndexStore


def facet_counts(searcher, facet: facet_fields.Facet) -> list[dict]:
    """Each value of a facet with the number of live documents that carry it."""
    counts = []
    for term in searcher.lexicon(facet.field):
        value = term.decode("utf-8")
        count = sum(1 for _ in searcher.docs_for_query(Term(facet.field, value)))
        if count:
            counts.append({"value": value, "count": count})
    if facet.kind == RANGE:
        return sorted(counts, key=lambda c: (c["value"] == UNDATED, c["value"]))
    return sorted(counts, key=lambda c: (-c["count"], c["value"]))


def index_stats(index: Path, with_resources: bool = True) -> dict:
    """The published index's version, counts and facets (and every resource, if asked)."""
    store = IndexStore(index)
    published = store.published()
    with store.open_index(published).searcher() as searcher:
        stats = {
            "index": {
                "version": published.version,
                "built_at": published.manifest.get("built_at"),
                "build_seconds": published.manifest.get("build_seconds"),
                "corpus": published.manifest.get("corpus"),
                "documents": searcher.doc_count(),
            },
            "facets": {f.name: facet_counts(searcher, f) for f in facet_fields.FACETS},
            "report": published.manifest.get("report", {}),
        }
        if with_resources:
            stats["resources"] = sorted(
                (
                    {
                        "id": fields[ID],
                        "title": fields[TITLE],
                        "types": fields.get(TYPE, []),
                        "year": fields.get(YEAR),
                        "topics": fields.get(TOPIC, []),
                    }
                    for fields in searcher.all_stored_fields()
                ),
                key=lambda r: r["id"],
            )
    return stats
