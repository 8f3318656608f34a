"""Step two of a search: the documents a parsed query matches, and their scores.

A query runs as parsed: every unit, a minimum number of them, or any (`query.MatchPolicy`).
A question (a query typed in more than a few words, `ParsedQuery.soft_minimum`) keeps the
resources matching fewer of its words than the minimum; those meeting it (`Match.enough`)
gain a score bonus (`MatchPolicy.bonus`), so they rank above the others at a nearly equal
score: a longer question loses no document that matches some of it. When an all-words or
most-words query finds nothing meeting its minimum within the facet selections,
the same words run again with any one of them enough, and the match says so with its own
notice (`Reason.SOME_WORDS`). The result is a frozen `Match`: later steps read it, none
changes it.

A query of a few key words narrows: its results are the resources matching every word.
The resources matching only some of them are not lost: `partial` gives them, and the
result list continues with them after the last full match (`search.ordered`), apart and
counted apart, so the full matches, their count and facets stay as they were.
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
    # The filtered matches meeting the policy's minimum, ranked higher (None: all of them).
    enough: DocSet | None = None


def matching_docs(
    snapshot: Snapshot, parsed: ParsedQuery, relaxed: bool = False
) -> tuple[DocSet, Scored | None]:
    """Documents matching the query (all units, or any of them when a minimum or any one
    is enough) and the scores of the query's matches (None when browsing)."""
    sets = snapshot.shared.facets
    if parsed.mode == BROWSE and parsed.facet_filter is None:
        return sets.everything, None
    scored = snapshot.evaluator().evaluate(parsed.relaxed() if relaxed else parsed.query)
    return DocSet(scored.mask), scored


def meeting_minimum(snapshot: Snapshot, parsed: ParsedQuery, matched: DocSet) -> DocSet | None:
    """The matches with at least the policy's minimum of units, when the query's match does
    not require it already (None: every match meets it)."""
    if parsed.min_match <= 1 or (parsed.min_match >= len(parsed.units) and not parsed.soft_minimum):
        return None
    evaluator = snapshot.evaluator()
    units = np.zeros(snapshot.shared.facets.size, dtype=np.int16)
    for unit in parsed.units:
        units += evaluator.evaluate(unit).mask
    return DocSet(matched.mask & (units >= parsed.min_match))


@dataclass(frozen=True)
class Partial:
    """The resources within the selections matching some of a narrowed query's words but
    not all of them, with their scores for the words they match."""

    docs: DocSet
    scores: Scored


def partial(snapshot: Snapshot, parsed: ParsedQuery, found: Match, selected: dict):
    """The `Partial` matches listed after a narrowed query's full matches (None: the query
    was not narrowed by the policy, it fell back to any word, or there are none)."""
    if not parsed.partial_after or found.fallback is not None or not found.filtered:
        return None
    relaxed, scores = matching_docs(snapshot, parsed, relaxed=True)
    docs = facet_sets.intersect(relaxed, selected).mask & ~found.filtered.mask
    return Partial(DocSet(docs), scores) if docs.any() else None


def with_bonus(scores: Scored, enough: DocSet, bonus: float) -> Scored:
    """New scores where the documents meeting the minimum gain the bonus (a share of their
    own score)."""
    boosted = np.where(enough.mask, scores.scores * (1 + bonus), scores.scores)
    return Scored(scores.mask, boosted)


def match(snapshot: Snapshot, parsed: ParsedQuery, selected: dict) -> Match:
    """The query's matches within the selections, those meeting its minimum ranked higher
    (or only those, when the minimum filters); relaxed to any word if none meet it."""
    matched, scores = matching_docs(snapshot, parsed)
    enough = meeting_minimum(snapshot, parsed, matched)
    if enough is not None and not parsed.soft_minimum:
        matched, enough = enough, None
    elif enough is not None:
        scores = with_bonus(scores, enough, snapshot.builder.policy.bonus)
    filtered = facet_sets.intersect(matched, selected)
    enough = None if enough is None else facet_sets.intersect(enough, selected)
    full = filtered if enough is None else enough
    if not full and parsed.mode in RELAXABLE and len(parsed.units) > 1:
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
    return Match(
        matched, filtered, scores, parsed.query, parsed.mode, parsed.min_match, None, enough
    )
