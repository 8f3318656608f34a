"""Matching and its zero-results fallback (search_app/matching.py), and notices as data
(search_app/notices.py)."""

from __future__ import annotations

import dataclasses

import pytest

from search_app.facets import selections
from search_app.matching import match, partial
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


def partial_ids(snapshot, q: str, **params) -> list[str] | None:
    """The ids of the resources `matching.partial` lists after a query's full matches."""
    sets = snapshot.shared.facets
    parsed = snapshot.builder.parse(q)
    selected = selections(sets, SearchParams(**params))
    found = match(snapshot, parsed, selected)
    extra = partial(snapshot, parsed, found, selected)
    fields = snapshot.searcher.stored_fields
    return None if extra is None else sorted(fields(d)["id"] for d in extra.docs)


def test_a_narrowed_query_keeps_those_matching_some_of_its_words_apart(snapshot):
    # Both words: the handbook; "training" alone: the outcomes, listed after, apart.
    assert matched(snapshot, "training clinicians")["ids"] == [HANDBOOK]
    assert partial_ids(snapshot, "training clinicians") == [OUTCOMES]
    # Within the facet selections only: the outcomes are a report, the handbook is not.
    assert partial_ids(snapshot, "training clinicians", selected={"type": ("Report",)}) is None
    assert partial_ids(snapshot, "footage review") is None  # nothing has one word only


@pytest.mark.parametrize(
    "q",
    [
        "training clinicians NOT zeppelin",  # operators run as written
        "title:training clinicians",
        "training",  # one word
        "the training of clinicians",  # a question keeps every match already
        "marmalade zeppelin",  # fell back to any word
        "qwertyuiop training",  # nothing to follow
    ],
)
def test_only_a_query_the_policy_narrowed_lists_partial_matches(snapshot, q):
    assert partial_ids(snapshot, q) is None


def test_partial_matches_are_scored_for_the_words_they_match(snapshot):
    sets = snapshot.shared.facets
    parsed = snapshot.builder.parse("training clinicians")
    selected = selections(sets, SearchParams())
    extra = partial(snapshot, parsed, match(snapshot, parsed, selected), selected)
    alone = snapshot.evaluator().evaluate(snapshot.builder.parse("training").query)
    [docnum] = extra.docs.ids()
    assert extra.scores.scores[docnum] == pytest.approx(alone.scores[docnum])
