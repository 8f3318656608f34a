"""Matching and its zero-results fallback (search_app/matching.py), and notices as data
(search_app/notices.py)."""

from __future__ import annotations

import dataclasses

import pytest

from search_app.facets import selections
from search_app.matching import match
from search_app.notices import Notice, Reason, first_fallback, messages
from search_app.params import SearchParams
from search_app.query import DEFAULT_POLICY, RANKING_ONLY, QueryBuilder
from search_app.search import run_search
from search_app.snapshots import Snapshot

from .conftest import FOOTAGE, HANDBOOK, OUTCOMES

FALLBACK = "No resource matches all the words; showing those that match some."


def matched(snapshot, q: str) -> dict:
    """The parts of a Match that say what ran, with its documents as resource ids."""
    sets = snapshot.shared.facets
    found = match(snapshot, snapshot.builder.parse(q), selections(sets, SearchParams()))
    fields = snapshot.searcher.stored_fields
    return {
        "ids": sorted(fields(d)["id"] for d in found.filtered),
        "mode": found.mode,
        "min_match": found.min_match,
        "fallback": found.fallback,
    }


def test_a_query_matching_nothing_with_all_words_is_relaxed_with_its_reason(snapshot):
    assert matched(snapshot, "marmalade zeppelin") == {
        "ids": sorted([FOOTAGE, HANDBOOK]),
        "mode": "any",
        "min_match": 1,
        "fallback": Notice(Reason.SOME_WORDS, FALLBACK),
    }
    assert matched(snapshot, "marmalade clinicians") == {
        "ids": [HANDBOOK],
        "mode": "all",
        "min_match": 2,
        "fallback": None,
    }


def test_a_match_is_frozen_and_leaves_the_parsed_query_as_parsed(snapshot):
    parsed = snapshot.builder.parse("marmalade zeppelin")
    found = match(snapshot, parsed, {"topic": None, "type": None, "year": None})
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.mode = "all"
    assert (parsed.mode, parsed.min_match, parsed.notices) == ("all", 2, ())
    assert (found.mode, found.min_match) == ("any", 1)


def test_the_fallback_is_decided_by_reason_not_by_the_words_of_a_message(snapshot):
    # A topic value quoting a fallback's words is an unknown topic, not a fallback.
    response = run_search(snapshot, SearchParams(q='topic:"searched instead" marmalade'))
    assert (response["query"]["fallback"], response["query"]["notices"]) == (
        None,
        ["No topic matches 'searched instead'."],
    )
    plain = run_search(snapshot, SearchParams(q="marmalade)"))
    expected = "The query had unbalanced parentheses; its words were searched instead."
    assert (plain["query"]["fallback"], plain["query"]["notices"]) == (expected, [expected])


@pytest.mark.parametrize(
    ("reason", "details", "message"),
    [
        (Reason.CONTROL_CHARACTERS, {}, "The query's control characters were ignored."),
        (Reason.CUT, {"limit": 10}, "The query was cut to its first 10 characters."),
        (Reason.NO_FACET_MATCH, {"facet": "type", "value": "x"}, "No type matches 'x'."),
        (
            Reason.PLAIN_WORDS,
            {"problem": "unbalanced quotes"},
            "The query had unbalanced quotes; its words were searched instead.",
        ),
        (
            Reason.MANY_EXPANSIONS,
            {"text": "re", "kept": 2},
            "'re' matches many words; the 2 most common were searched.",
        ),
        (Reason.TOO_MANY_WORDS, {"limit": 3}, "Only the first 3 words of the query were used."),
        (
            Reason.UNKNOWN_SELECTION,
            {"facet": "topic", "value": "x"},
            "No resource has the topic 'x'.",
        ),
        (Reason.SOME_WORDS, {}, FALLBACK),
    ],
)
def test_each_reason_reads_as_its_sentence(reason, details, message):
    notice = Notice.of(reason, **details)
    fallback = reason in (Reason.PLAIN_WORDS, Reason.SOME_WORDS)
    assert (notice.message, notice.is_fallback) == (message, fallback)
    assert (messages([notice]), first_fallback([notice])) == (
        [message],
        message if fallback else None,
    )


def scores(snapshot, q: str) -> dict[str, float]:
    return {r["id"]: r["score"] for r in run_search(snapshot, SearchParams(q=q))["results"]}


def test_a_question_ranks_those_meeting_its_minimum_with_a_bonus_and_keeps_the_rest(snapshot):
    shared, searcher = snapshot.shared, snapshot.searcher
    builder = QueryBuilder(searcher, shared.thesaurus, RANKING_ONLY, shared.vocabulary)
    ranking_only = Snapshot(shared, searcher, builder)
    # Five words, a minimum of 3: the outcomes have 4 of them, the handbook 2.
    q = "training outcomes injuries reductions clinicians"
    model, shipped = scores(ranking_only, q), scores(snapshot, q)
    bonus = 1 + DEFAULT_POLICY.bonus
    assert shipped == {
        OUTCOMES: pytest.approx(model[OUTCOMES] * bonus, abs=1e-4),
        HANDBOOK: model[HANDBOOK],
    }
    # Up to three typed words the minimum filters, as before: no bonus, nothing kept.
    assert scores(snapshot, "training clinicians") == {
        HANDBOOK: scores(ranking_only, "training clinicians")[HANDBOOK]
    }
    assert sorted(scores(ranking_only, "training clinicians")) == sorted([OUTCOMES, HANDBOOK])
