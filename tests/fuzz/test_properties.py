"""Property-based tests: any query, any parameters, any page bytes.

No exception escapes the query path or the page parser; every response is a well-formed
200 or 400; every page gives a resource or a reported problem.
"""

from __future__ import annotations

import os
from html import escape
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.pages import parse_page
from search_app.params import SearchParams
from search_app.search import run_search
from tests.search.conftest import app, client, library, library_index, snapshot  # noqa: F401

RESPONSE_KEYS = {
    "query", "total", "page", "per_page", "results", "facets",
    "suggestions", "links", "index", "took_ms",
}  # fmt: skip
# FUZZ_EXAMPLES=2000 for a longer run (make soak); 150 keeps `make test` quick.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Query syntax characters mixed with words of the tiny library, so parsing is exercised.
QUERY_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
SYNTAX = st.sampled_from(
    ['"', "(", ")", "*", "?", "~", "^", ":", "-", "+", " OR ", " AND ", " NOT ", "title:",
     "topic:", "type:", "year:", "..", "[", "]", "{", "}", "\\", "/", "\x00", "\u202e"]
)  # fmt: skip
WORDS = st.sampled_from(["footage", "crisis", "cit", "zeppelin", "use", "force", "2017", "camera"])
QUERIES = st.lists(st.one_of(SYNTAX, WORDS, st.text(QUERY_ALPHABET, max_size=12)), max_size=12).map(
    " ".join
)
PARAMETER_VALUES = st.one_of(
    st.text(QUERY_ALPHABET, max_size=30),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", "relevance", "newest", "title", "Report", "Use of Force", "0", "1e3"]),
)
PARAMETER_NAMES = st.sampled_from(
    ["q", "topic", "type", "year_from", "year_to", "sort", "page", "per_page", "x"]
)


@FAST
@given(text=QUERIES)
def test_any_query_gives_a_well_formed_response(snapshot, text):  # noqa: F811
    response = run_search(snapshot, SearchParams(q=text))
    assert set(response) == RESPONSE_KEYS
    assert response["total"] >= len(response["results"])
    assert response["query"]["mode"] in {"browse", "all", "most", "ranked", "any", "plain"}


@FAST
@given(pairs=st.lists(st.tuples(PARAMETER_NAMES, PARAMETER_VALUES), max_size=6))
@pytest.mark.parametrize("path", ["/search.json", "/search", "/search.csv", "/suggest.json"])
def test_any_parameters_give_a_200_or_a_400_with_a_message(client, path, pairs):  # noqa: F811
    response = client.get(f"{path}?{urlencode(pairs)}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        if path.endswith((".json", ".csv")):
            error = response.get_json()["error"]
            assert error["status"] == 400 and error["message"]
        else:
            assert "Traceback" not in response.get_data(as_text=True)


@FAST
@given(data=st.binary(max_size=2000))
def test_any_bytes_give_a_resource_or_a_reported_problem(data):
    parsed = parse_page("fuzz.html", data)
    assert parsed.sightings or parsed.problems


@FAST
@given(
    title=st.text(QUERY_ALPHABET, max_size=80),
    meta=st.text(QUERY_ALPHABET, max_size=40),
    topics=st.lists(st.text(QUERY_ALPHABET, max_size=30), max_size=4),
    href=st.text(QUERY_ALPHABET, max_size=40),
)
def test_any_card_gives_a_resource_or_a_reported_problem(title, meta, topics, href):
    items = "".join(f"<li>{escape(t)}</li>" for t in topics)
    page = (
        f'<html><body><article class="resource-card"><p class="resource-meta">{escape(meta)}</p>'
        f'<h3 class="resource-title"><a href="{escape(href)}">{escape(title)}</a></h3>'
        f'<ul class="resource-topics">{items}</ul></article></body></html>'
    )
    parsed = parse_page("card.html", page.encode("utf-8"))
    assert parsed.sightings or parsed.problems
    for sighting in parsed.sightings:
        assert sighting.id and sighting.title
