"""The page with JavaScript switched off: plain GET forms, applied with their buttons."""

from __future__ import annotations

import re

from .search_page import QUERY, TOPIC, facets_in, facets_on, json_of_page, params_of, search_box


def test_facets_and_sort_apply_with_their_buttons(no_js_page, live_server, expect, screenshots):
    page = no_js_page
    page.goto(f"{live_server}/search?q={QUERY}")
    assert "js" not in (page.locator("html").get_attribute("class") or "").split()
    apply_filters = page.get_by_role("button", name="Apply filters")
    apply_sort = page.get_by_role("button", name="Apply", exact=True)
    expect(apply_filters).to_be_visible()
    expect(apply_sort).to_be_visible()
    expect(page.locator("#live-status")).to_have_text("")

    topic = page.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} \d+ results?$"))
    report = page.get_by_role("checkbox", name=re.compile(r"^Report \d+ results?$"))
    topic.check()
    report.check()
    page.locator("#year_from").fill("2015")
    assert page.url == f"{live_server}/search?q={QUERY}", "nothing applies before the button"
    apply_filters.click()
    page.wait_for_url(re.compile(r"topic="))

    expected_params = {"q": [QUERY], "topic": [TOPIC], "type": ["Report"], "year_from": ["2015"]}
    assert params_of(page.url) == expected_params
    expect(topic).to_be_checked()
    expect(report).to_be_checked()
    expect(page.locator(".chip")).to_have_text(
        [
            re.compile(rf"Topic:\s+{TOPIC}"),
            re.compile(r"Type:\s+Report"),
            re.compile("Year:\\s+2015–…"),
        ]
    )
    assert facets_on(page) == facets_in(json_of_page(page, live_server))

    page.get_by_label("Sort by").select_option("title")
    assert params_of(page.url) == expected_params, "nothing applies before the button"
    apply_sort.click()
    page.wait_for_url(re.compile(r"sort=title"))
    assert params_of(page.url) == {**expected_params, "sort": ["title"], "per_page": ["10"]}
    titles = [r["title"] for r in json_of_page(page, live_server)["results"]]
    expect(page.locator(".result__title a")).to_have_text(titles)
    page.screenshot(path=screenshots / "no-javascript.png", full_page=True)


def test_the_search_box_is_a_plain_form(no_js_page, live_server, expect):
    page = no_js_page
    page.goto(f"{live_server}/search?q={QUERY}&topic={TOPIC}")
    box = search_box(page)
    box.fill("police")
    expect(page.locator("#q-suggestions")).to_be_hidden()
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=police&"))
    # A new search keeps the filters (hidden fields of the search form).
    assert params_of(page.url) == {"q": ["police"], "topic": [TOPIC]}
    total = json_of_page(page, live_server)["total"]
    # 13 since the full-text resources joined the shipped corpus: a first page of 10.
    assert total == 13
    expect(page.locator("#result-count")).to_have_text(
        f"{total} resources for “police”, showing 1–10"
    )
