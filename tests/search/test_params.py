"""Search parameters read from a query string, bounded, and written back (search_app/params.py)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from search_app.errors import UserError
from search_app.params import SearchParams, parse_params

# Bad parameters and the message the visitor reads (also used by the API and CLI tests).
BAD_CASES = [
    ([("page", "0")], "page must be a whole number from 1 to 1000 (got 0)"),
    ([("page", "abc")], "page must be a whole number from 1 to 1000 (got 'abc')"),
    ([("page", "-1")], "page must be a whole number from 1 to 1000 (got -1)"),
    ([("page", "1.5")], "page must be a whole number from 1 to 1000 (got '1.5')"),
    ([("page", "1001")], "page must be a whole number from 1 to 1000 (got 1001)"),
    (
        [("page", "9" * 40)],
        "page must be a whole number from 1 to 1000 (got '99999999999999999999')",
    ),
    ([("per_page", "1000")], "per_page must be a whole number from 1 to 100 (got 1000)"),
    ([("per_page", "0")], "per_page must be a whole number from 1 to 100 (got 0)"),
    ([("sort", "bogus")], "sort must be one of relevance, newest, oldest, title (got 'bogus')"),
    ([("year_from", "abc")], "year_from must be a whole number from 1800 to 2100 (got 'abc')"),
    ([("year_to", "3000")], "year_to must be a whole number from 1800 to 2100 (got 3000)"),
    (
        [("year_from", "2020"), ("year_to", "2010")],
        "year_from (2020) must not be after year_to (2010)",
    ),
    (
        [("topic", f"Topic {n}") for n in range(21)],
        "at most 20 topic values can be selected at once",
    ),
    ([("type", f"Type {n}") for n in range(21)], "at most 20 type values can be selected at once"),
    ([("topic", "x" * 201)], "a topic value must be at most 200 characters"),
    ([("q", "a"), ("q", "b")], "q must be given once"),
    ([("q", "a" * 20_001)], "q must be at most 20000 characters"),
]
BAD_PARAMETERS = [
    pytest.param(pairs, message, id="&".join(f"{k}={v[:12]}" for k, v in pairs[:2]))
    for pairs, message in BAD_CASES
]


def test_defaults():
    assert parse_params(MultiDict()) == SearchParams(
        q="",
        selected=(),
        year_from=None,
        year_to=None,
        sort="relevance",
        page=1,
        per_page=10,
    )


def test_every_parameter_is_read():
    args = MultiDict(
        [
            ("q", "body camera"),
            ("topic", "Use of Force"),
            ("topic", " Officer Safety and Wellness "),
            ("topic", "Use of Force"),
            ("type", "Report"),
            ("year_from", "2015"),
            ("year_to", " 2020 "),
            ("sort", "Newest"),
            ("page", "2"),
            ("per_page", "5"),
        ]
    )
    assert parse_params(args) == SearchParams(
        q="body camera",
        selected={"topic": ("Use of Force", "Officer Safety and Wellness"), "type": ("Report",)},
        year_from=2015,
        year_to=2020,
        sort="newest",
        page=2,
        per_page=5,
    )


def test_blank_values_are_left_out():
    args = MultiDict(
        [("topic", ""), ("topic", "  "), ("year_from", ""), ("page", " "), ("sort", "")]
    )
    assert parse_params(args) == SearchParams()


@pytest.mark.parametrize(("pairs", "message"), BAD_PARAMETERS)
def test_bad_parameters_say_which_and_why(pairs, message):
    with pytest.raises(UserError) as raised:
        parse_params(MultiDict(pairs))
    assert (raised.value.status, raised.value.message) == (400, message)


def test_to_query_leaves_defaults_out():
    assert SearchParams().to_query() == ""
    assert SearchParams(q="cit").to_query(page=2) == "q=cit&page=2"


def written_out(params: SearchParams) -> str:
    """The query string of parameters as urlencode writes their non-default pairs."""
    pairs = [("q", params.q)] if params.q else []
    pairs += [(name, value) for name, values in params.selected for value in values]
    years = (("year_from", params.year_from), ("year_to", params.year_to))
    pairs += [(name, str(year)) for name, year in years if year is not None]
    pairs += [("year", "Undated")] if params.undated else []
    pairs += [("sort", params.sort)] if params.sort != "relevance" else []
    pairs += [("page", str(params.page))] if params.page != 1 else []
    pairs += [("per_page", str(params.per_page))] if params.per_page != 10 else []
    return urlencode(pairs)


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
VALUES = st.lists(TEXT, max_size=3).map(tuple)
YEARS = st.none() | st.integers(1800, 2100)
PARAMS = st.builds(
    SearchParams,
    q=TEXT,
    selected=st.fixed_dictionaries({"topic": VALUES, "type": VALUES}),
    year_from=YEARS,
    year_to=YEARS,
    sort=st.sampled_from(["relevance", "newest", "oldest", "title"]),
    page=st.integers(1, 1000),
    per_page=st.integers(1, 100),
    undated=st.booleans(),
)
CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "q": TEXT,
        "selected": st.fixed_dictionaries({}, optional={"topic": VALUES, "type": VALUES}),
        "year_from": YEARS,
        "page": st.integers(1, 1000),
        "undated": st.booleans(),
        "sort": st.sampled_from(["relevance", "newest"]),
    },
)


@given(PARAMS, CHANGES)
def test_to_query_is_urlencode_of_the_changed_parameters(params, changes):
    """Links written with cached pairs and no copy are those urlencode writes of a copy."""
    expected = written_out(replace(params, **changes))
    assert params.to_query(**changes) == expected
    assert params.url("/search", **changes) == (f"/search?{expected}" if expected else "/search")


def test_to_query_refuses_an_unknown_parameter():
    with pytest.raises(TypeError):
        SearchParams().to_query(color="red")


def test_to_query_round_trips():
    params = SearchParams(
        q='"body camera" -zeppelin',
        selected={
            "topic": ("Use of Force", "Mental Health and Crisis Response"),
            "type": ("Guidebook/Tool",),
        },
        year_from=2015,
        year_to=2020,
        sort="oldest",
        page=3,
        per_page=25,
    )
    assert parse_params(MultiDict(parse_qsl(params.to_query()))) == params


def test_filters_as_the_response_shows_them():
    params = SearchParams(selected={"topic": ("Use of Force",)}, year_to=2017)
    assert params.filters() == {
        "topic": ["Use of Force"],
        "type": [],
        "year_from": None,
        "year_to": 2017,
        "year": [],
    }
