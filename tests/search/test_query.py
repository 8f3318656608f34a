"""Query syntax, its malformed cases, the cost bounds and the thesaurus (search_app/query.py)."""

from __future__ import annotations

import pytest

from indexer.records import Resource
from search_app import bounds as bounds_module
from search_app import query as query_module
from search_app.params import SearchParams
from search_app.query import MAX_UNITS
from search_app.querytext import MAX_QUERY_CHARS, clean_query
from search_app.search import run_search

from .conftest import (
    CHECKLIST,
    FILM,
    FOOTAGE,
    HANDBOOK,
    OUTCOMES,
    SPREADSHEET,
    SURVEY,
    ids,
    ram_snapshot,
)

CUT = f"The query was cut to its first {MAX_QUERY_CHARS} characters."
CONTROL = "The query's control characters were ignored."
FALLBACK = "No resource matches all the words; showing those that match some."


def syntax_notice(problem: str) -> str:
    return f"The query had {problem}; its words were searched instead."


def found(snapshot, q: str, **params) -> dict:
    """The parts of a search's response that say what the query did."""
    response = run_search(snapshot, SearchParams(q=q, **params))
    return {
        "mode": response["query"]["mode"],
        "ids": sorted(ids(response)),
        "notices": response["query"]["notices"],
    }


def test_clean_query_removes_control_characters_and_squeezes_spaces():
    assert clean_query("  body\x00 camera\x1b\u202e  review ") == ("body camera review", [CONTROL])


def test_clean_query_takes_tabs_and_line_breaks_as_spaces():
    assert clean_query("body\tcamera\r\nreview") == ("body camera review", [])


def test_clean_query_cuts_long_text_at_a_word_boundary():
    text, notices = clean_query("footage " * 1250)
    assert (len(text), set(text.split()), notices) == (MAX_QUERY_CHARS - 1, {"footage"}, [CUT])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # Short queries: every word must match, so adding a word narrows.
        ("training", [HANDBOOK, OUTCOMES]),
        ("training injuries", [OUTCOMES]),
        # A phrase needs its words together; the same words apart match both.
        ('"footage review"', [FOOTAGE]),
        ("footage review", [FOOTAGE, FILM]),
        ("marmalade OR zeppelin", [HANDBOOK, FOOTAGE]),
        ("footage -zeppelin", [FILM]),
        ("footage NOT zeppelin", [FILM]),
        ("footage", [FOOTAGE, FILM]),
        ("zep*", [FOOTAGE]),
        ("zep", []),
        ("title:training", [OUTCOMES]),
        ("Title:Training", [OUTCOMES]),
        ('title:"footage review"', [FOOTAGE]),
        ("description:marmalade", [HANDBOOK]),
        # The body is not indexed on its own: `body:` searches all the text.
        ("body:marmalade", [HANDBOOK]),
        ("year:2017", [SPREADSHEET]),
        ("year:2015..2020", [FOOTAGE, SURVEY, FILM, SPREADSHEET]),
        ("year:2020..", [HANDBOOK, OUTCOMES]),
        ("year:..2016", [FILM]),
        ("year:1000..2016", [FILM]),
        ("year:2030..2040", []),
        ("footage year:..2016", [FILM]),
        ("footage -year:2019..2019", [FILM]),
    ],
)
def test_query_syntax(snapshot, q, expected):
    assert found(snapshot, q) == {"mode": "all", "ids": sorted(expected), "notices": []}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('topic:"use of force"', [HANDBOOK, FILM, OUTCOMES]),
        ('topic:"USE OF FORCE"', [HANDBOOK, FILM, OUTCOMES]),
        ('TOPIC:"Use of Force"', [HANDBOOK, FILM, OUTCOMES]),
        ('topic:"Mental Health and Crisis Response"', [HANDBOOK, SURVEY]),
        ("type:video", [FOOTAGE, FILM]),
        ("type:Report", [FOOTAGE, SURVEY, OUTCOMES]),
        ('type:report topic:"officer safety and wellness"', [FOOTAGE, OUTCOMES]),
        ("type:article", [CHECKLIST, SPREADSHEET]),
    ],
)
def test_facet_clauses_alone_browse_their_resources(snapshot, q, expected):
    assert found(snapshot, q) == {"mode": "browse", "ids": sorted(expected), "notices": []}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('training topic:"use of force"', [HANDBOOK, OUTCOMES]),
        ("training type:report", [OUTCOMES]),
        ("training type:video", []),
        ('training -topic:"mental health and crisis response"', [OUTCOMES]),
    ],
)
def test_facet_clauses_filter_words(snapshot, q, expected):
    assert found(snapshot, q) == {"mode": "all", "ids": sorted(expected), "notices": []}


def test_an_unknown_facet_value_in_the_query_says_so(snapshot):
    assert found(snapshot, "type:podcast") == {
        "mode": "browse",
        "ids": [],
        "notices": ["No type matches 'podcast'."],
    }


@pytest.mark.parametrize(
    ("q", "problem", "expected"),
    [
        ('"footage review', "unbalanced quotes", [FOOTAGE, FILM]),
        ('footage "review', "unbalanced quotes", [FOOTAGE, FILM]),
        ("(footage review", "unbalanced parentheses", [FOOTAGE, FILM]),
        ("footage review)", "unbalanced parentheses", [FOOTAGE, FILM]),
        ("*", "a wildcard '*' with fewer than 2 letters before it", []),
        ("z* footage", "a wildcard 'z*' with fewer than 2 letters before it", [FOOTAGE, FILM]),
        ("title:", "'title:' with nothing after it", []),
        ("footage:", "'footage:' with nothing after it", [FOOTAGE, FILM]),
        ("foo:bar", "unknown field 'foo:'", []),
        ("footage AND", "an AND, OR or NOT with nothing to join", [FOOTAGE, FILM]),
        ("OR footage", "an AND, OR or NOT with nothing to join", [FOOTAGE, FILM]),
        ("footage NOT", "an AND, OR or NOT with nothing to join", [FOOTAGE, FILM]),
        ("footage AND OR review", "an AND, OR or NOT with nothing to join", [FOOTAGE, FILM]),
        ("year:abc", "a syntax the search cannot read", []),
    ],
)
def test_malformed_syntax_falls_back_to_plain_words_and_says_so(snapshot, q, problem, expected):
    response = run_search(snapshot, SearchParams(q=q))
    assert (response["query"]["mode"], response["query"]["fallback"]) == (
        "plain",
        syntax_notice(problem),
    )
    assert found(snapshot, q) == {
        "mode": "plain",
        "ids": sorted(expected),
        "notices": [syntax_notice(problem)],
    }


def test_control_characters_are_ignored_and_noted(snapshot):
    assert found(snapshot, "footage\x00review\x1b") == {
        "mode": "all",
        "ids": [FOOTAGE, FILM],
        "notices": [CONTROL],
    }
    assert found(snapshot, "footage\treview")["notices"] == []


def test_a_10000_character_query_is_cut_and_says_so(snapshot):
    assert found(snapshot, "footage " * 1250) == {
        "mode": "all",
        "ids": [FOOTAGE, FILM],
        "notices": [CUT],
    }


def test_only_the_first_words_of_a_long_query_are_used(snapshot):
    words = " ".join(["footage"] + [f"w{n}x" for n in range(MAX_UNITS + 5)])
    # A long query ranks every resource matching any of its words: no fallback needed.
    assert found(snapshot, words)["notices"] == [
        f"Only the first {MAX_UNITS} words of the query were used."
    ]


def test_a_boost_bomb_is_capped(snapshot):
    def scores(q):
        return [hit["score"] for hit in run_search(snapshot, SearchParams(q=q))["results"]]

    assert scores("footage^1000000") == scores(f"footage^{query_module.MAX_BOOST:g}")
    assert scores("footage^1000000") != scores("footage^2")


def test_fuzzy_distance_is_capped(snapshot):
    assert found(snapshot, "fotage~5") == found(snapshot, "fotage~2")
    assert found(snapshot, "fotage~2")["ids"] == [FOOTAGE, FILM]


def test_fuzzy_search_finds_titles_and_bodies_one_edit_away(snapshot):
    assert found(snapshot, "fotage~")["ids"] == [FOOTAGE, FILM]


def test_wildcard_expansion_drops_the_rarest_words(monkeypatch):
    snapshot = ram_snapshot(
        [
            Resource(id="common", title="Common", body="rabbit radish"),
            Resource(id="also-common", title="Also Common", body="rabbit radish"),
            Resource(id="rare", title="Uncommon", body="ramp"),
        ]
    )
    assert sorted(ids(run_search(snapshot, SearchParams(q="ra*")))) == [
        "also-common",
        "common",
        "rare",
    ]
    monkeypatch.setattr(bounds_module, "MAX_EXPANSIONS", 2)
    response = run_search(snapshot, SearchParams(q="ra*"))
    assert sorted(ids(response)) == ["also-common", "common"]
    assert response["query"]["notices"] == [
        "'ra' matches many words; the 2 most common were searched."
    ]


def test_long_natural_language_queries_list_those_with_most_words_first(snapshot):
    # De-escalation Training Outcomes has 4 of the 5 words; the handbook 2 of them: fewer
    # than the minimum of 3, so it is kept, and ranks without the bonus.
    q = "training outcomes injuries reductions clinicians"
    response = run_search(snapshot, SearchParams(q=q))
    query = response["query"]
    assert (query["mode"], query["min_match"], query["min_match_total"], query["notices"]) == (
        "most",
        3,
        1,
        [],
    )
    assert (response["total"], ids(response)) == (2, [OUTCOMES, HANDBOOK])
    # A word neither matches adds nothing: still two results, one meeting the minimum of 3.
    longer = run_search(snapshot, SearchParams(q=q.replace("clinicians", "clinicians axolotl")))
    assert (longer["query"]["min_match"], longer["query"]["min_match_total"]) == (3, 1)
    assert ids(longer) == [OUTCOMES, HANDBOOK]


def test_a_question_of_few_key_words_lists_those_missing_one_after(snapshot):
    # Four typed words, two of them key words: the handbook has both, the outcomes one.
    question = run_search(snapshot, SearchParams(q="the training of clinicians"))
    query = question["query"]
    assert (query["mode"], query["min_match"], query["min_match_total"]) == ("all", 2, 1)
    assert (question["total"], ids(question)) == (2, [HANDBOOK, OUTCOMES])
    # Three typed words are key words: every one must match.
    short = run_search(snapshot, SearchParams(q="training for clinicians"))
    assert (short["total"], ids(short), short["query"]["min_match_total"]) == (1, [HANDBOOK], 1)
    # Fields and operators run as written, however long the query: nothing has both words
    # here, so the search says it fell back to any word.
    explicit = run_search(snapshot, SearchParams(q="the title:training of clinicians"))
    assert (explicit["query"]["mode"], explicit["query"]["notices"]) == ("any", [FALLBACK])


@pytest.mark.parametrize("q", ["training clinicians", "clinicians training"])
def test_two_word_queries_still_need_both_words(snapshot, q):
    # Training: outcomes and the handbook; clinicians: the handbook alone.
    response = run_search(snapshot, SearchParams(q=q))
    query = response["query"]
    assert (query["mode"], query["min_match"], query["min_match_total"]) == ("all", 2, 1)
    assert (response["total"], ids(response)) == (1, [HANDBOOK])
    # Either word alone finds more: the outcomes have training but no clinicians.
    assert sorted(ids(run_search(snapshot, SearchParams(q="training")))) == sorted(
        [OUTCOMES, HANDBOOK]
    )


def test_a_query_matching_nothing_with_all_words_falls_back_to_any_word(snapshot):
    response = run_search(snapshot, SearchParams(q="marmalade zeppelin"))
    assert response["query"]["fallback"] == FALLBACK
    assert found(snapshot, "marmalade zeppelin") == {
        "mode": "any",
        "ids": [FOOTAGE, HANDBOOK],
        "notices": [FALLBACK],
    }
    explicit = run_search(snapshot, SearchParams(q="marmalade OR zeppelin"))
    assert (explicit["query"]["mode"], explicit["query"]["fallback"]) == ("all", None)


def test_no_fallback_when_a_word_matches_nothing_anywhere(snapshot):
    assert found(snapshot, "qwertyuiop") == {"mode": "all", "ids": [], "notices": []}


def test_an_empty_query_browses(snapshot):
    assert found(snapshot, "   ") == {
        "mode": "browse",
        "ids": sorted([OUTCOMES, HANDBOOK, FOOTAGE, SURVEY, SPREADSHEET, FILM, CHECKLIST]),
        "notices": [],
    }


@pytest.mark.parametrize(
    ("q", "expected", "expansions"),
    [
        ("CIT", [HANDBOOK, SURVEY], [{"term": "CIT", "expanded_to": ["crisis intervention team"]}]),
        ("cit", [HANDBOOK, SURVEY], [{"term": "CIT", "expanded_to": ["crisis intervention team"]}]),
        (
            "crisis intervention team",
            [HANDBOOK, SURVEY],
            [{"term": "crisis intervention team", "expanded_to": ["CIT"]}],
        ),
        ("BWC", [FOOTAGE], [{"term": "BWC", "expanded_to": ["body camera"]}]),
        ("body camera", [FOOTAGE], [{"term": "body camera", "expanded_to": ["BWC"]}]),
        ("coordinator", [SURVEY], []),
        ("intervention", [HANDBOOK], []),
    ],
)
def test_thesaurus_expands_both_ways(snapshot, q, expected, expansions):
    response = run_search(snapshot, SearchParams(q=q))
    assert (sorted(ids(response)), response["query"]["expansions"]) == (
        sorted(expected),
        expansions,
    )


def test_every_expansion_used_is_listed(snapshot):
    response = run_search(snapshot, SearchParams(q="CIT BWC"))
    assert response["query"]["expansions"] == [
        {"term": "CIT", "expanded_to": ["crisis intervention team"]},
        {"term": "BWC", "expanded_to": ["body camera"]},
    ]
    assert (response["query"]["mode"], sorted(ids(response))) == (
        "any",
        sorted([FOOTAGE, SURVEY, HANDBOOK]),
    )


@pytest.mark.parametrize(
    ("units", "required"),
    [(1, 1), (2, 2), (3, 3), (4, 2), (5, 3), (6, 3), (7, 1), (20, 1)],
)
def test_the_match_policy_requires_all_then_half_then_any_word(units, required):
    assert query_module.DEFAULT_POLICY.minimum(units) == required


def test_ranking_only_requires_any_word():
    assert [query_module.RANKING_ONLY.minimum(n) for n in (1, 2, 5, 9)] == [1, 1, 1, 1]


def test_a_long_natural_language_query_is_ranked_over_any_word(snapshot):
    response = found(snapshot, "footage zeppelin w1x w2x w3x w4x w5x")
    assert (response["mode"], response["notices"]) == ("ranked", [])


@pytest.mark.parametrize(
    ("q", "years"),
    [
        # The library's years: 2015, 2017, 2019, 2021, 2023 (and one undated).
        ("year:2015..2017", [2015, 2017]),
        ("Year:2019..", [2019, 2021, 2023]),
        ("year:..2016", [2015]),
        ("year:[2016 TO 2020]", [2017, 2019]),
        ("year:2016..2016", []),
    ],
)
def test_year_ranges_are_read_as_the_index_years_within_them(snapshot, q, years):
    parsed = snapshot.builder.parse(q)
    terms = parsed.query.child.subqueries if years else []
    assert (parsed.mode, sorted(term.text for term in terms)) == ("all", years)
    # The dots make a range only after `year:`: elsewhere they separate two words.
    assert snapshot.builder.parse(q.replace("ear", "ears")).mode == "plain"


def test_a_short_query_lists_those_matching_some_of_its_words_after_the_rest(snapshot):
    # The full matches, their count and the first page stay as narrowing makes them; the
    # outcomes (training, no clinicians) follow the handbook, apart and counted apart.
    response = run_search(snapshot, SearchParams(q="training clinicians"))
    some = response["suggestions"]["some_words"]
    assert (response["total"], ids(response)) == (1, [HANDBOOK])
    assert (some["total"], [r["id"] for r in some["results"]]) == (1, [OUTCOMES])
    assert response["links"]["next"] is None
    # A page at a time: the handbook on the first, the outcomes on the second.
    first = run_search(snapshot, SearchParams(q="training clinicians", per_page=1))
    second = run_search(snapshot, SearchParams(q="training clinicians", per_page=1, page=2))
    assert (ids(first), first["suggestions"]["some_words"]["results"]) == ([HANDBOOK], [])
    assert first["links"]["next"] == "/search.json?q=training+clinicians&page=2&per_page=1"
    assert (ids(second), [r["id"] for r in second["suggestions"]["some_words"]["results"]]) == (
        [],
        [OUTCOMES],
    )
    assert run_search(snapshot, SearchParams(q="training clinicians", page=3))["results"] == []


def test_partial_matches_follow_the_full_ones_in_any_sort(snapshot):
    # Oldest first, the handbook (2021) still comes before the outcomes (2023), and the
    # film (2015, footage alone) after the report (2019, both words).
    for q, full, some in [
        ("training clinicians", [HANDBOOK], [OUTCOMES]),
        ("footage zeppelin", [FOOTAGE], [FILM]),
    ]:
        response = run_search(snapshot, SearchParams(q=q, sort="oldest"))
        listed = [r["id"] for r in response["suggestions"]["some_words"]["results"]]
        assert (ids(response), listed) == (full, some)
