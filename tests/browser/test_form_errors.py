"""A reversed year range in chromium: the search stays, the error sits beside the fields
(issue 14, item 4)."""

from __future__ import annotations

import re

from .conftest import describe
from .search_page import QUERY, get_json, params_of, result_titles, search_box

PHONE = {"width": 375, "height": 667}
MESSAGE = "“From” (2021) is after “To” (2015): swap them or change one."


def test_a_reversed_range_keeps_the_query_and_filters(page, live_server, expect, page_errors, axe):
    page.goto(f"{live_server}/search?q={QUERY}&type=Report")
    report = page.get_by_role("checkbox", name=re.compile(r"^Report \d+ results?$"))
    page.get_by_role("spinbutton", name="From", exact=True).fill("2021")
    page.get_by_role("spinbutton", name="To", exact=True).fill("2015")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year_to=2015"))

    expect(search_box(page)).to_have_value(QUERY)
    expect(report).to_be_checked()
    year_from = page.get_by_role("spinbutton", name="From", exact=True)
    expect(year_from).to_have_value("2021")
    expect(year_from).to_have_attribute("aria-invalid", "true")
    expect(year_from).to_have_accessible_description(MESSAGE)
    expect(page.locator("#year-error")).to_be_visible()
    violations = axe(page)
    assert violations == [], describe(violations)
    expected = get_json(page, live_server, f"/search.json?q={QUERY}&type=Report")
    assert result_titles(page) == [r["title"] for r in expected["results"]] != []
    page.get_by_role("spinbutton", name="To", exact=True).fill("2022")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year_to=2022"))
    assert params_of(page.url) == {
        "q": [QUERY],
        "type": ["Report"],
        "year_from": ["2021"],
        "year_to": ["2022"],
    }
    expect(page.locator("#year-error")).to_have_count(0)
    # Chromium logs the page's own 400 status; nothing else failed (scripts, styles, CSP).
    assert page_errors == [
        "console error: Failed to load resource: the server responded with a status of 400"
        " (BAD REQUEST)"
    ]


def test_on_a_phone_the_error_links_to_the_fields_in_the_panel(page, live_server, expect):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/search?q={QUERY}&year_from=2021&year_to=2015")
    notice = page.locator(".notice--error")
    expect(notice).to_be_in_viewport()
    expect(notice).to_have_text(f"The years were not applied: {MESSAGE} Change the years")
    expect(page.locator("#year-error")).to_be_hidden()
    notice.get_by_role("link", name="Change the years").click()
    year_from = page.get_by_role("spinbutton", name="From", exact=True)
    expect(year_from).to_be_focused()
    expect(year_from).to_be_in_viewport()
    expect(page.locator("#year-error")).to_be_visible()
