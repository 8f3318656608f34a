"""Step three: merge the sightings of each resource into one normalised `Resource`.

Sightings are grouped by id. Catalog rows win over resource pages, which win over listing
cards, which are read in path order; topics are the union of every page's topics (unless
the catalog sets them). Labels map through the vocabulary; unknown ones are kept as printed
and reported, and pages that disagree about types or year are reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .records import (
    CATALOG,
    ERROR,
    LISTING,
    NOTICE,
    RESOURCE_PAGE,
    WARNING,
    Problem,
    Resource,
    Sighting,
    Source,
)
from .vocabulary import Facet, Vocabulary

_PRECEDENCE = {CATALOG: 0, RESOURCE_PAGE: 1, LISTING: 2}
# Documents are the union of every sighting's, the resource page's first.
_DOCUMENT_ORDER = {RESOURCE_PAGE: 0, CATALOG: 1, LISTING: 2}
TEXT_FIELDS = ("description", "body", "url")
# The kinds of notice a merge gives, as reports count them.
NO_TOPIC = "resource without a topic"
IGNORED_LABEL = "label ignored (vocabulary [ignore])"
CATALOG_OVERRIDE = "catalog row overriding the pages"
CATALOG_EXCLUSION = "resource excluded by the catalog"


@dataclass(frozen=True)
class Collection:
    """The merged resources, sorted by id, the problems of each id, and duplicates merged."""

    resources: tuple[Resource, ...]
    problems: dict[str, tuple[Problem, ...]]
    duplicates_merged: int

    def all_problems(self) -> list[Problem]:
        """Every merge problem, in id order."""
        return [problem for found in self.problems.values() for problem in found]


def _describe(values: Iterable[str] | int | None) -> str:
    if values is None:
        return "undated"
    if isinstance(values, int | str):
        return str(values)
    return ", ".join(values) or "none"


class _Merger:
    def __init__(self, vocabulary: Vocabulary | None):
        self.vocabulary = vocabulary or Vocabulary()
        self.problems: list[Problem] = []
        self.check_labels = vocabulary is not None

    def report(self, level: str, sighting: Sighting, message: str, kind: str = "") -> None:
        self.problems.append(
            Problem(level, sighting.path, message, sighting.line, sighting.element, kind)
        )

    def labels(self, facet: Facet, labels: tuple[str, ...], sighting: Sighting, kind: str):
        """Canonical labels, in order, once each; unknown ones kept as printed and reported."""
        result: list[str] = []
        for label in labels:
            if self.vocabulary.is_ignored(label):
                self.report(
                    NOTICE, sighting, f"ignored {label!r} (listed under [ignore])", IGNORED_LABEL
                )
                continue
            canonical = facet.canonicalise(label)
            if canonical is None and self.check_labels:
                self.report(
                    WARNING,
                    sighting,
                    f"unknown {kind} {label!r}: kept as printed; add it to vocabulary.toml",
                )
            value = canonical or label
            if value not in result:
                result.append(value)
        return tuple(result)

    def pick(self, name: str, sightings: list[Sighting], normalise=lambda s, v: v, compare=True):
        """The value of the first sighting that gives one; disagreeing pages reported."""
        given = [(s, normalise(s, getattr(s, name))) for s in sightings if self.gives(s, name)]
        if not given:
            return None
        chosen_from, chosen = given[0]
        if not compare:
            return chosen
        comparable = {frozenset(v) if isinstance(v, tuple) else v for _, v in given}
        pages = [(s, v) for s, v in given if s.kind != CATALOG]
        page_values = {frozenset(v) if isinstance(v, tuple) else v for _, v in pages}
        if len(page_values) > 1:
            sources = "; ".join(f"{s.path} says {_describe(v)}" for s, v in pages)
            self.report(
                WARNING,
                chosen_from,
                f"pages disagree on {name}: {sources}; kept {_describe(chosen)}",
            )
        elif chosen_from.kind == CATALOG and len(comparable) > 1:
            pages_say = _describe(pages[0][1])
            self.report(
                NOTICE,
                chosen_from,
                f"catalog sets {name} to {_describe(chosen)} (pages: {pages_say})",
                CATALOG_OVERRIDE,
            )
        return chosen

    @staticmethod
    def gives(sighting: Sighting, name: str) -> bool:
        if name == "year":
            return sighting.has_year
        value = getattr(sighting, name)
        return value is not None and (sighting.kind == CATALOG or value not in ((), ""))

    def merge(self, resource_id: str, sightings: list[Sighting]) -> Resource | None:
        sightings.sort(key=lambda s: (_PRECEDENCE[s.kind], s.path, s.line or 0))
        first = sightings[0]
        if any(s.exclude for s in sightings if s.kind == CATALOG):
            message = f"resource {resource_id!r} excluded by the catalog"
            self.report(NOTICE, first, message, CATALOG_EXCLUSION)
            return None
        title = self.pick("title", sightings)
        if not title:
            self.report(ERROR, first, f"resource {resource_id!r} has no title on any page; skipped")
            return None
        types = self.pick("types", sightings, self.types)
        year = self.pick("year", sightings)
        topics = self.merge_topics(sightings)
        if not topics:
            self.report(
                NOTICE,
                first,
                f"{title!r} has no topic; it is found by search, not by topic",
                NO_TOPIC,
            )
        text = {name: self.pick(name, sightings, compare=False) or "" for name in TEXT_FIELDS}
        sections = next((s.sections for s in sightings if s.sections), ())
        sources = tuple(dict.fromkeys(Source(s.path, s.kind, s.label) for s in sightings))
        return Resource(
            id=resource_id,
            title=title,
            types=types or (),
            year=year,
            topics=topics,
            url=text["url"],
            description=text["description"],
            body=text["body"],
            sections=sections,
            sources=sources,
            documents=tuple(
                dict.fromkeys(
                    source
                    for s in sorted(sightings, key=lambda s: _DOCUMENT_ORDER[s.kind])
                    for source in s.documents or ()
                )
            ),
        )

    def types(self, sighting: Sighting, labels: tuple[str, ...]) -> tuple[str, ...]:
        return self.labels(self.vocabulary.types, labels, sighting, "type")

    def merge_topics(self, sightings: list[Sighting]) -> tuple[str, ...]:
        catalog = [s for s in sightings if s.kind == CATALOG and s.topics is not None]
        chosen = catalog[:1] or [s for s in sightings if s.topics]
        topics: list[str] = []
        for sighting in chosen:
            for topic in self.labels(self.vocabulary.topics, sighting.topics, sighting, "topic"):
                if topic not in topics:
                    topics.append(topic)
        return tuple(topics)


def merge_sightings(sightings: Iterable[Sighting], vocabulary: Vocabulary | None) -> Collection:
    """One Resource per id, in id order, from every page's and catalog row's sightings."""
    groups: dict[str, list[Sighting]] = defaultdict(list)
    count = 0
    for sighting in sightings:
        groups[sighting.id].append(sighting)
        count += 1
    merger = _Merger(vocabulary)
    resources, problems = [], {}
    for resource_id in sorted(groups):
        resource = merger.merge(resource_id, groups[resource_id])
        if resource is not None:
            resources.append(resource)
        if merger.problems:
            problems[resource_id] = tuple(merger.problems)
            merger.problems = []
    return Collection(tuple(resources), problems, count - len(groups))
