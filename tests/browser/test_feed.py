"""The search's Atom feed, found as a browser or feed reader finds it: the page's
`<link rel="alternate">` (issue 14, item 9)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from .search_page import QUERY, get_json


def test_the_page_announces_its_feed_and_the_feed_lists_newest_first(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}&sort=title")
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert href == f"/search.atom?q={QUERY}"
    follow = page.get_by_role("link", name="Follow this search")
    expect(follow).to_be_visible()
    expect(follow).to_have_attribute("href", href)

    response = page.request.get(live_server + href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    entries = BeautifulSoup(response.text(), "xml").find_all("entry")
    newest = get_json(page, live_server, f"/search.json?q={QUERY}&sort=newest")["results"]
    assert [entry.title.get_text() for entry in entries] == [r["title"] for r in newest]
    assert [r["title"] for r in newest] != [
        r["title"] for r in get_json(page, live_server, f"/search.json?q={QUERY}")["results"]
    ], "the miss: relevance lists them otherwise"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.+", entries[0].updated.get_text())


def test_cite_this_search_opens_with_the_permalink(page, live_server, expect, axe):
    from .conftest import describe

    page.goto(f"{live_server}/search?q={QUERY}&page=2")
    citation = page.locator("#citation")
    expect(citation).to_be_hidden()
    page.get_by_text("Cite this search", exact=True).click()
    expect(citation).to_be_visible()
    total = get_json(page, live_server, f"/search.json?q={QUERY}")["total"]
    expect(citation).to_contain_text(f"{total} resources, index version ")
    expect(citation).to_contain_text(f"{live_server}/search?q={QUERY} (accessed ")
    violations = axe(page)
    assert violations == [], describe(violations)
