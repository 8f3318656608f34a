"""Results people can move on from: topic tags that link to their topic, numbered pages,
and a heading that says what was searched and filtered (issue 14, item 7)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from search_app.web import page_numbers

from .conftest import USE_OF_FORCE, text


@pytest.mark.parametrize(
    ("page", "total", "numbers"),
    [
        (1, 5, [1]),
        (1, 30, [1, 2, 3]),
        (5, 100, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (4, 100, [1, 2, 3, 4, 5, 6, None, 10]),
        (10, 100, [1, None, 8, 9, 10]),
        (1, 0, [1]),
    ],
)
def test_page_numbers_show_the_ends_and_the_neighbours(page, total, numbers):
    assert page_numbers(page, total, 10) == numbers


def test_topic_tags_link_to_their_topic(page, search):
    soup = page("/search?q=footage")
    tags = [(text(a), a["href"]) for a in soup.select(".result__topics a.tag")]
    assert tags == [
        (topic, "/search?" + urlencode({"topic": topic}))
        for result in search("q=footage")["results"]
        for topic in result["topics"]
    ]
    assert len(tags) > 2


def test_numbered_pages_mark_the_current_one(page):
    soup = page("/search?per_page=3&page=2")
    numbers = [
        (text(a), a["href"], a.get("aria-current")) for a in soup.select(".pagination__number")
    ]
    assert numbers == [
        ("Page 1", "/search?per_page=3", None),
        ("Page 2", "/search?page=2&per_page=3", "page"),
        ("Page 3", "/search?page=3&per_page=3", None),
    ]
    assert page("/search").select(".pagination__number") == []


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("", "Find resources"),
        ("q=footage", "Resources for “footage”"),
        (
            f"q=footage&topic={USE_OF_FORCE}&type=Report&year_from=2015",
            f"Resources for “footage”: Topic {USE_OF_FORCE}; Type Report; Year 2015–…",
        ),
        ("type=Report", "Resources: Type Report"),
    ],
)
def test_the_heading_says_what_was_searched_and_filtered(page, query, heading):
    assert [text(h1) for h1 in page(f"/search?{query}").find_all("h1")] == [heading]
