"""Step two of a search: the documents a parsed query matches, and their scores.

A query runs as parsed: every unit, a minimum number of them, or any (`query.MatchPolicy`).
When an all-words or most-words query finds nothing within the facet selections, the same
words run again with any one of them enough, and the match says so with its own notice
(`Reason.SOME_WORDS`). The result is a frozen `Match`: later steps read it, none changes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as whoosh_query

from . import facets as facet_sets
from .facets import DocSet
from .notices import Notice, Reason
from .query import ALL, ANY, BROWSE, MOST, ParsedQuery
from .scores import Scored
from .snapshots import Snapshot

# Modes whose query may be relaxed to any one word when it finds nothing.
RELAXABLE = (ALL, MOST)


@dataclass(frozen=True)
class Match:
    """What one query matched: before and within the facet selections, with its scores."""

    matched: DocSet  # the query's matches, whatever the facet selections
    filtered: DocSet  # the matches within every facet selection
    scores: Scored | None  # None when browsing
    query: whoosh_query.Query  # the query that ran (the relaxed one after a fallback)
    mode: str
    min_match: int
    fallback: Notice | None = None  # why a looser query ran than the one parsed


def matching_docs(
    snapshot: Snapshot, parsed: ParsedQuery, relaxed: bool = False
) -> tuple[DocSet, Scored | None]:
    """Documents matching the query (all units, a minimum number of them, or any) and the
    scores of the query's matches (None when browsing)."""
    sets = snapshot.shared.facets
    if parsed.mode == BROWSE and parsed.facet_filter is None:
        return sets.everything, None
    evaluator = snapshot.evaluator()
    scored = evaluator.evaluate(parsed.relaxed() if relaxed else parsed.query)
    if relaxed or not parsed.min_match or parsed.min_match >= len(parsed.units):
        return DocSet(scored.mask), scored
    units = np.zeros(sets.size, dtype=np.int16)
    for unit in parsed.units:
        units += evaluator.evaluate(unit).mask
    return DocSet(scored.mask & (units >= parsed.min_match)), scored


def match(snapshot: Snapshot, parsed: ParsedQuery, selected: dict) -> Match:
    """The query's matches within the selections, relaxed to any word if none match all."""
    matched, scores = matching_docs(snapshot, parsed)
    filtered = facet_sets.intersect(matched, selected)
    if not filtered and parsed.mode in RELAXABLE and len(parsed.units) > 1:
        relaxed, relaxed_scores = matching_docs(snapshot, parsed, relaxed=True)
        relaxed_filtered = facet_sets.intersect(relaxed, selected)
        if relaxed_filtered:
            return Match(
                relaxed,
                relaxed_filtered,
                relaxed_scores,
                parsed.relaxed(),
                ANY,
                1,
                Notice.of(Reason.SOME_WORDS),
            )
    return Match(matched, filtered, scores, parsed.query, parsed.mode, parsed.min_match)
