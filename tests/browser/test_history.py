"""Back, Forward and reload in chromium: the controls always show what the URL says, never
the state the browser kept from before (issue 14, item 1)."""

from __future__ import annotations

import re

from .search_page import QUERY, TOPIC, params_of, search_box

# What the controls show: every ticked box, both menus, the years and the search box.
READ_CONTROLS = """() => ({
    ticked: [...document.querySelectorAll('.facets input[type=checkbox]:checked')]
        .map(box => box.name + '=' + box.value),
    sort: document.getElementById('sort').value,
    per_page: document.getElementById('per_page').value,
    year_from: document.getElementById('year_from').value,
    q: document.getElementById('q').value,
})"""


def controls(page) -> dict:
    return page.evaluate(READ_CONTROLS)


def unfiltered(**changes) -> dict:
    """The controls of `/search?q=crisis` with some changed."""
    return {
        "ticked": [],
        "sort": "relevance",
        "per_page": "10",
        "year_from": "",
        "q": QUERY,
    } | changes


def report_box(page):
    return page.get_by_role("checkbox", name=re.compile(r"^Report \d+ results?$"))


def test_back_and_forward_show_the_controls_of_the_url(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}")
    report_box(page).check()
    page.wait_for_url(re.compile(r"type=Report"))
    page.get_by_label("Sort by").select_option("newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    assert controls(page) == unfiltered(ticked=["type=Report"], sort="newest")

    page.go_back()
    assert params_of(page.url) == {"q": [QUERY], "type": ["Report"]}
    assert controls(page) == unfiltered(ticked=["type=Report"])
    page.go_back()
    assert params_of(page.url) == {"q": [QUERY]}
    assert controls(page) == unfiltered()
    expect(report_box(page)).not_to_be_checked()

    page.go_forward()
    assert params_of(page.url) == {"q": [QUERY], "type": ["Report"]}
    assert controls(page) == unfiltered(ticked=["type=Report"])
    page.go_back()
    # The next tick sends only itself: Report is not sent a second time.
    page.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} \d+ results?$")).check()
    page.wait_for_url(re.compile(r"topic="))
    assert params_of(page.url) == {"q": [QUERY], "topic": [TOPIC]}
    assert controls(page) == unfiltered(ticked=[f"topic={TOPIC}"])


def test_a_reload_drops_what_was_typed_but_not_sent(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}&year_from=2015")
    search_box(page).fill("police")
    page.locator("#year_from").fill("2019")
    page.reload()
    assert controls(page) == unfiltered(year_from="2015")
    expect(search_box(page)).to_have_value(QUERY)


def test_back_without_javascript_shows_the_controls_of_the_url(no_js_page, live_server):
    page = no_js_page
    page.goto(f"{live_server}/search?q={QUERY}")
    report_box(page).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"type=Report"))
    page.go_back()
    assert params_of(page.url) == {"q": [QUERY]}
    assert controls(page) == unfiltered()
    page.go_forward()
    assert controls(page) == unfiltered(ticked=["type=Report"])


def test_a_typed_query_goes_with_a_tick_and_a_sort(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}")
    search_box(page).fill("police")
    report_box(page).check()
    page.wait_for_url(re.compile(r"type=Report"))
    assert params_of(page.url) == {"q": ["police"], "type": ["Report"]}
    expect(search_box(page)).to_have_value("police")
    search_box(page).fill("")
    page.get_by_label("Sort by").select_option("title")
    page.wait_for_url(re.compile(r"sort=title"))
    assert params_of(page.url) == {"type": ["Report"], "sort": ["title"], "per_page": ["10"]}


def test_browsing_says_it_lists_newest_first(page, live_server, expect):
    page.goto(f"{live_server}/search?type=Report")
    menu = page.get_by_label("Sort by")
    expect(menu).to_have_value("newest")
    expect(menu.locator("option")).to_have_text(["Newest first", "Oldest first", "Title A–Z"])
    # The miss: with words, relevance is the order, and says so.
    page.goto(f"{live_server}/search?q={QUERY}")
    expect(menu).to_have_value("relevance")
    expect(menu.locator("option")).to_have_count(4)
