"""The facet registry: every facet of the library, defined once.

Each layer iterates `FACETS` rather than naming facets: the schema indexes a keyword facet's
values from its `Resource` attribute (`schema.py`); the search app reads its URL parameter,
counts its values, shows them in the sidebar and the JSON, lets a query name it
(`topic:"use of force"`) and completes its labels as a visitor types; the index statistics
count it. A new multi-valued facet (audience, jurisdiction) is one `Facet` entry here, plus
its data: the `Resource` attribute its values come from, and the pages that fill it in.

Two kinds: a keyword facet holds labels, several per resource, and several selected values
are OR-ed; the range facet (the year) holds one number per resource, or none (`UNDATED`),
and is selected by its two bounds (`year_from`, `year_to`).
"""

from __future__ import annotations

from dataclasses import dataclass

# Facet fields: one indexed term per value, values stored as printed (canonical labels).
TOPIC = "topic"
TYPE = "type"
YEAR = "year"  # the year as a number (sorting, `year:` queries)
YEAR_FACET = "year_facet"  # the year as a label, `UNDATED` when unknown (counting)
UNDATED = "Undated"

KEYWORD = "keyword"  # several labels per resource; selected values are OR-ed
RANGE = "range"  # one number per resource (or none); selected by a from-to range


@dataclass(frozen=True)
class Facet:
    """One facet: how it is indexed, selected, counted and shown."""

    name: str  # its URL parameter, its key in the JSON, and its query clause (`topic:`)
    field: str  # the index field whose terms are its values
    label: str  # its heading on the page
    attribute: str  # the `Resource` attribute its values come from
    kind: str = KEYWORD
    clause: bool = True  # a query may name it: `topic:"use of force"`
    suggest: bool = True  # search-as-you-type completes its labels

    @property
    def bounds(self) -> tuple[str, str]:
        """The URL parameters of a range facet's two ends."""
        return f"{self.name}_from", f"{self.name}_to"


FACETS = (
    Facet("topic", TOPIC, "Topic", "topics"),
    Facet("type", TYPE, "Type", "types"),
    Facet("year", YEAR_FACET, "Year", "year", kind=RANGE, clause=False, suggest=False),
)


def keyword_facets() -> tuple[Facet, ...]:
    """The multi-valued facets, in registry order."""
    return tuple(facet for facet in FACETS if facet.kind == KEYWORD)


def range_facet() -> Facet:
    """The range facet (the year)."""
    return next(facet for facet in FACETS if facet.kind == RANGE)


def named(name: str) -> Facet:
    """The facet of a name (KeyError when there is none)."""
    return {facet.name: facet for facet in FACETS}[name]
