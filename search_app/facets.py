"""Step two of a search: exact, disjunctive facet counts from cached per-value doc sets.

For each facet value the set of live documents carrying it is read once per searcher (one
posting list each) and cached. A search then counts by set intersection: each facet is
counted over the matches filtered by every *other* facet's selection, so ticking "Report"
still shows how many "Video" results there would be. Multi-valued topics and types count
once per resource; resources without a year are in the "Undated" bucket.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.query import Term

from indexer.schema import TOPIC, TYPE, UNDATED, YEAR_FACET

FACETS = {"topic": TOPIC, "type": TYPE, "year": YEAR_FACET}


@dataclass(frozen=True)
class FacetSets:
    """Every facet value's document set, for one searcher (one index version)."""

    values: dict[str, dict[str, frozenset[int]]]
    everything: frozenset[int]

    @classmethod
    def read(cls, searcher) -> FacetSets:
        """Read the value sets from the index's posting lists."""
        values = {}
        for name, fieldname in FACETS.items():
            values[name] = {}
            for term in searcher.lexicon(fieldname):
                label = term.decode("utf-8")
                docs = frozenset(searcher.docs_for_query(Term(fieldname, label)))
                if docs:
                    values[name][label] = docs
        everything = frozenset(searcher.reader().all_doc_ids())
        return cls(values, everything)

    def union(self, name: str, labels) -> frozenset[int]:
        """Documents carrying any of the labels (OR within one facet)."""
        sets = [self.values[name].get(label, frozenset()) for label in labels]
        return frozenset().union(*sets)

    def years(self, year_from: int | None, year_to: int | None) -> frozenset[int] | None:
        """Documents dated within the range (undated excluded), or None for no range."""
        if year_from is None and year_to is None:
            return None
        low, high = year_from or 0, year_to or 10**4
        labels = [v for v in self.values["year"] if v != UNDATED and low <= int(v) <= high]
        return self.union("year", labels)


def selections(
    sets: FacetSets, topics, types, year_from, year_to
) -> dict[str, frozenset[int] | None]:
    """Each facet's selected documents (None where nothing is selected)."""
    return {
        "topic": sets.union("topic", topics) if topics else None,
        "type": sets.union("type", types) if types else None,
        "year": sets.years(year_from, year_to),
    }


def intersect(base: frozenset[int], selected: dict, skip: str | None = None) -> frozenset[int]:
    """The base documents within every selection except `skip`'s."""
    result = base
    for name, docs in selected.items():
        if name != skip and docs is not None:
            result = result & docs
    return result


def count(sets: FacetSets, matched: frozenset[int], selected: dict) -> dict[str, dict[str, int]]:
    """For each facet, each value's count among the matches filtered by the other facets."""
    counts = {}
    for name in FACETS:
        pool = intersect(matched, selected, skip=name)
        counts[name] = {label: len(pool & docs) for label, docs in sets.values[name].items()}
    return counts
