"""Step two of a search: document sets, exact disjunctive facet counts, and sort orders.

Sets of documents are numpy boolean masks over the index's document numbers, so and-ing two
sets and counting one cost microseconds whatever their size. For each facet value the set of
live documents carrying it is computed once per index version, when it is published, and
saved beside it (`indexer.facet_arrays`: every process maps the same files); a search then
counts by intersection: each facet is counted over the matches filtered by every
*other* facet's selection, so ticking "Report" still shows how many "Video" results there
would be. Multi-valued topics and types count once per resource; resources without a year
are in the "Undated" bucket. The orders of the non-relevance sorts are ranked with them, so
a page of 100,000 sorted results is a partial sort of integers.

The facets are those of the registry (`indexer.facet_fields.FACETS`); `facet_values` shapes
their counts into the response's `facets` block, each value with its ready `toggle_url`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer import facet_arrays, facet_fields
from indexer.facet_fields import KEYWORD
from indexer.records import YEAR_CEILING
from indexer.schema import UNDATED


class DocSet:
    """A set of document numbers of one index version (a boolean mask)."""

    __slots__ = ("mask", "_count")
    __hash__ = None

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = int(np.count_nonzero(self.mask))
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __and__(self, other: DocSet) -> DocSet:
        return DocSet(self.mask & other.mask)

    def __or__(self, other: DocSet) -> DocSet:
        return DocSet(self.mask | other.mask)

    def __iter__(self):
        return iter(self.ids().tolist())

    def __eq__(self, other) -> bool:
        if isinstance(other, DocSet):
            return np.array_equal(self.mask, other.mask)
        if isinstance(other, set | frozenset):
            return set(self) == other
        return NotImplemented

    def __repr__(self) -> str:
        return f"DocSet({sorted(self)})"

    def ids(self) -> np.ndarray:
        """The document numbers, ascending."""
        return np.flatnonzero(self.mask)

    def count_in(self, other: DocSet) -> int:
        """How many of these documents are also in the other set."""
        return int(np.count_nonzero(self.mask & other.mask))


@dataclass(frozen=True)
class SortOrders:
    """Each document's rank in the newest-first, oldest-first and title orders (ties: the
    title, then the newest)."""

    newest: np.ndarray
    oldest: np.ndarray
    title: np.ndarray

    def ranks(self, sort: str) -> np.ndarray:
        """The ranks of a sort option other than relevance (whose ties go newest first)."""
        return {"oldest": self.oldest, "title": self.title}.get(sort, self.newest)


def first_in_order(docs: DocSet, ranks: np.ndarray, stop: int) -> list[int]:
    """The first `stop` documents of the set in the order the ranks give."""
    ids = docs.ids()
    keys = ranks[ids]
    if stop < len(ids):
        part = np.argpartition(keys, stop - 1)[:stop]
        ids, keys = ids[part], keys[part]
    return ids[np.argsort(keys, kind="stable")].tolist()


@dataclass(frozen=True)
class FacetSets:
    """Every facet value's document set, for one searcher (one index version)."""

    values: dict[str, dict[str, DocSet]]
    everything: DocSet
    size: int = field(default=0, compare=False)
    orders: SortOrders | None = field(default=None, compare=False)

    @classmethod
    def read(cls, searcher, folder: Path | None = None) -> FacetSets:
        """The value sets and sort ranks of a searcher's index version: the arrays written
        beside it in `folder` when it was published (memory-mapped, shared by every
        process), else read from the index's posting lists and columns."""
        return cls.of(facet_arrays.arrays(folder, searcher))

    @classmethod
    def of(cls, arrays: facet_arrays.FacetArrays) -> FacetSets:
        """The sets of a version's facet arrays (views, no copy)."""
        values = {
            name: {label: DocSet(mask) for label, mask in sets.items()}
            for name, sets in arrays.sets().items()
        }
        orders = SortOrders(*(arrays.rank(sort) for sort in facet_arrays.SORTS))
        return cls(values, DocSet(arrays.live), arrays.size, orders)

    def none(self) -> DocSet:
        return DocSet(np.zeros(self.size, dtype=bool))

    def union(self, name: str, labels) -> DocSet:
        """Documents carrying any of the labels (OR within one facet)."""
        result = self.none()
        for label in labels:
            if label in self.values[name]:
                result = result | self.values[name][label]
        return result

    def years(
        self, year_from: int | None, year_to: int | None, undated: bool = False
    ) -> DocSet | None:
        """Documents dated within the range (undated excluded), and the undated ones if they
        are selected; None when neither is."""
        ranged = year_from is not None or year_to is not None
        if not ranged and not undated:
            return None
        low, high = year_from or 0, year_to or YEAR_CEILING
        name = facet_fields.range_facet().name
        labels = [v for v in self.values[name] if v != UNDATED and low <= int(v) <= high]
        return self.union(name, [*(labels if ranged else []), *([UNDATED] if undated else [])])


def selections(sets: FacetSets, params) -> dict[str, DocSet | None]:
    """Each facet's selected documents (None where nothing is selected)."""
    selected = {}
    for facet in facet_fields.FACETS:
        if facet.kind == KEYWORD:
            chosen = params.values(facet.name)
            selected[facet.name] = sets.union(facet.name, chosen) if chosen else None
        else:
            selected[facet.name] = sets.years(params.year_from, params.year_to, params.undated)
    return selected


def intersect(base: DocSet, selected: dict, skip: str | None = None) -> DocSet:
    """The base documents within every selection except `skip`'s."""
    result = base
    for name, docs in selected.items():
        if name != skip and docs is not None:
            result = result & docs
    return result


def count(sets: FacetSets, matched: DocSet, selected: dict) -> dict[str, dict[str, int]]:
    """For each facet, each value's count among the matches filtered by the other facets."""
    counts = {}
    for facet in facet_fields.FACETS:
        pool = intersect(matched, selected, skip=facet.name)
        values = sets.values[facet.name]
        counts[facet.name] = {label: pool.count_in(docs) for label, docs in values.items()}
    return counts


def facet_values(counts: dict, params, base_path: str) -> dict[str, list[dict]]:
    """The response's `facets` block: each facet's values with their count, whether they
    are selected, and the link that toggles them (Datasette's facet JSON)."""
    return {
        facet.name: (
            keyword_values(facet.name, counts[facet.name], params, base_path)
            if facet.kind == KEYWORD
            else range_values(counts[facet.name], params, base_path)
        )
        for facet in facet_fields.FACETS
    }


def keyword_values(name: str, values: dict[str, int], params, base_path: str) -> list[dict]:
    """A keyword facet's values, commonest first; selected ones kept even when none match."""
    chosen = params.values(name)
    labels = sorted(values, key=lambda v: (-values[v], v))
    labels = [v for v in labels if values[v] or v in chosen] + [
        v for v in chosen if v not in values
    ]
    return [
        {
            "value": label,
            "count": values.get(label, 0),
            "selected": label in chosen,
            "toggle_url": params.url(
                base_path,
                page=1,
                selected=params.choosing(
                    name,
                    [v for v in chosen if v != label] if label in chosen else [*chosen, label],
                ),
            ),
        }
        for label in labels
    ]


def range_values(years: dict[str, int], params, base_path: str) -> list[dict]:
    """The year facet's values, newest first, then the undated (kept when selected)."""
    ordered = sorted((v for v in years if v != UNDATED and years[v]), reverse=True)
    if years.get(UNDATED) or params.undated:
        ordered.append(UNDATED)
    return [year_value(label, years.get(label, 0), params, base_path) for label in ordered]


def year_value(label: str, count: int, params, base_path: str) -> dict:
    """One year's facet value; selecting a year alone narrows the range to it, and the
    undated value toggles the undated resources besides the range."""
    if label == UNDATED:
        toggle = params.url(base_path, page=1, undated=not params.undated)
        return {"value": label, "count": count, "selected": params.undated, "toggle_url": toggle}
    year = int(label)
    low, high = params.year_from, params.year_to
    selected = (low is not None or high is not None) and (low or 0) <= year <= (
        high or YEAR_CEILING
    )
    only = low == year == high
    toggle = (
        params.url(base_path, page=1, year_from=None, year_to=None)
        if only
        else params.url(base_path, page=1, year_from=year, year_to=year)
    )
    return {"value": label, "count": count, "selected": selected, "toggle_url": toggle}
