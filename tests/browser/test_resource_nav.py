"""The resource page is not a dead end, in chromium: back to the search it came from,
previous and next within those results, topics to browse (issue 14, item 8)."""

from __future__ import annotations

import re

from .search_page import QUERY, RESOURCE, get_json, params_of


def test_a_resource_opened_from_results_leads_back_and_on(page, live_server, expect):
    search = f"{live_server}/search?q={QUERY}&page=2"
    page.goto(search)
    results = get_json(page, live_server, f"/search.json?q={QUERY}&page=2")["results"]
    page.get_by_role("link", name=results[1]["title"], exact=True).click()
    page.wait_for_url(re.compile(r"/resources/"))

    nav = page.get_by_role("navigation", name="Search results")
    expect(nav.get_by_role("link")).to_have_text(
        [
            "← Back to results",
            f"Previous result: {results[0]['title']}",
            f"Next result: {results[2]['title']}",
        ]
    )
    nav.get_by_role("link", name=re.compile("^Next result")).click()
    page.wait_for_url(f"{live_server}/resources/{results[2]['id']}")
    expect(nav.get_by_role("link", name=re.compile("^Previous result"))).to_have_text(
        f"Previous result: {results[1]['title']}"
    )
    nav.get_by_role("link", name="← Back to results").click()
    page.wait_for_url(search)
    assert params_of(page.url) == {"q": [QUERY], "page": ["2"]}


def test_a_resource_opened_directly_offers_no_result_navigation(page, live_server, expect):
    page.goto(live_server + RESOURCE)
    expect(page.get_by_role("navigation", name="Search results")).to_be_hidden()
    listed = page.get_by_role("region", name="Where it is listed").get_by_role("link")
    expect(listed.first).to_have_text(re.compile(r"^Topic “.+”$"))
    listed.first.click()
    page.wait_for_url(re.compile(r"/search\?topic="))
    assert list(params_of(page.url)) == ["topic"]


def test_previous_and_next_cross_to_the_neighbouring_pages_of_results(page, live_server, expect):
    """At the last result of page 2, "Next result" is the first of page 3, and from there
    "Back to results" returns to page 3; at the first of page 2, "Previous result" is the
    last of page 1."""
    second = get_json(page, live_server, f"/search.json?q={QUERY}&page=2")["results"]
    third = get_json(page, live_server, f"/search.json?q={QUERY}&page=3")["results"]
    first = get_json(page, live_server, f"/search.json?q={QUERY}&page=1")["results"]
    page.goto(f"{live_server}/search?q={QUERY}&page=2")
    page.get_by_role("link", name=second[-1]["title"], exact=True).click()
    page.wait_for_url(re.compile(r"/resources/"))
    nav = page.get_by_role("navigation", name="Search results")
    expect(nav.get_by_role("link")).to_have_text(
        [
            "← Back to results",
            f"Previous result: {second[-2]['title']}",
            f"Next result: {third[0]['title']}",
        ]
    )
    nav.get_by_role("link", name=re.compile("^Next result")).click()
    page.wait_for_url(f"{live_server}/resources/{third[0]['id']}")
    nav.get_by_role("link", name="← Back to results").click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert params_of(page.url) == {"q": [QUERY], "page": ["3"]}

    # The miss, the other way: the first result of page 2 goes back to page 1's last.
    page.goto(f"{live_server}/search?q={QUERY}&page=2")
    page.get_by_role("link", name=second[0]["title"], exact=True).click()
    page.wait_for_url(re.compile(r"/resources/"))
    expect(nav.get_by_role("link")).to_have_text(
        [
            "← Back to results",
            f"Previous result: {first[-1]['title']}",
            f"Next result: {second[1]['title']}",
        ]
    )
