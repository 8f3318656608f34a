"""Small screens in chromium: the filters panel ("Filter results (2)", "Show N results"), the
first result in the first screen (a phone, and a desktop at 200 % zoom), and a Tab order that
follows what is seen (issue 14, items 2 and 3)."""

from __future__ import annotations

import re

import pytest

from .search_page import NARROW, QUERY, TOPIC, get_json, params_of, search_box

PHONE = {"width": 375, "height": 667}
# A 1280 x 900 desktop window at 200 % zoom lays out as 640 x 450 CSS pixels.
ZOOM_200 = {"width": 640, "height": 450}
DESKTOP = {"width": 1280, "height": 900}
TWO_FILTERS = f"/search?q={QUERY}&type=Report&year_from=2010"
MAX_TAB_STOPS = 150

# Where each Tab stops: the focused element and its box on the page (not the screen).
TAB_STOP = """() => {
    const el = document.activeElement;
    const box = el.getBoundingClientRect();
    return {tag: el.tagName, text: (el.textContent || el.value || '').trim().slice(0, 30),
            id: el.id, x: Math.round(box.left + scrollX), y: Math.round(box.top + scrollY),
            in_panel: !!el.closest('#filters'), in_results: !!el.closest('.results')};
}"""


def tab_stops(page) -> list[dict]:
    """Every Tab stop from the top of the page until the focus leaves it."""
    stops = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(TAB_STOP)
        if stop["tag"] == "BODY" or stop in stops:
            break
        stops.append(stop)
    return stops


def first_result_bottom(page) -> float:
    """Where the first result's title ends, from the top of the screen."""
    box = page.locator(".result__title").first.bounding_box()
    return box["y"] + box["height"]


def filters_link(page):
    return page.get_by_role("link", name=re.compile(r"^Filter results"))


def show_button(page):
    return page.get_by_role("button", name=re.compile(r"^Show [\d,]+ results?$"))


def total_of(page, base: str, query: str) -> int:
    return get_json(page, base, f"/search.json?{query}")["total"]


def test_a_phone_shows_the_first_result_and_a_filters_link_with_the_count(
    page, live_server, expect, screenshots
):
    page.set_viewport_size(PHONE)
    page.goto(live_server + TWO_FILTERS)
    page.screenshot(path=screenshots / "phone-375.png")
    expect(filters_link(page)).to_have_text("Filter results (2) selected")
    expect(filters_link(page)).to_have_attribute("aria-expanded", "false")
    assert first_result_bottom(page) <= PHONE["height"], "the first result is on the first screen"
    expect(page.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} "))).to_be_hidden()
    expect(page.get_by_role("heading", name="Filter results")).to_be_hidden()


def test_the_filters_panel_counts_ticks_and_applies_them_together(
    page, live_server, expect, screenshots, page_errors
):
    page.set_viewport_size(PHONE)
    page.goto(live_server + TWO_FILTERS)
    filters_link(page).click()
    panel = page.locator("#filters")
    expect(page.locator("#filters-heading")).to_be_focused()
    expect(page.locator("#filters-heading")).to_be_in_viewport()
    expect(filters_link(page)).to_have_attribute("aria-expanded", "true")
    assert page.url == live_server + TWO_FILTERS + "#filters-heading"
    # The page behind is inert: out of reach of Tab and of screen readers.
    assert search_box(page).evaluate("box => box.closest('[inert]') !== null")
    assert panel.evaluate("panel => panel.closest('[inert]') === null")
    total = total_of(page, live_server, TWO_FILTERS.split("?")[1])
    expect(show_button(page)).to_have_text(f"Show {total} results")

    topic = panel.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} \d+ results?$"))
    topic.check()
    narrowed = total_of(page, live_server, TWO_FILTERS.split("?")[1] + f"&topic={TOPIC}")
    assert narrowed < total
    noun = "result" if narrowed == 1 else "results"
    expect(show_button(page)).to_have_text(f"Show {narrowed} {noun}")
    assert page.url == live_server + TWO_FILTERS + "#filters-heading", (
        "a tick alone applies nothing"
    )
    page.screenshot(path=screenshots / "phone-375-filters.png")

    show_button(page).click()
    page.wait_for_url(re.compile(r"topic="))
    assert params_of(page.url) == {
        "q": [QUERY],
        "topic": [TOPIC],
        "type": ["Report"],
        "year_from": ["2010"],
    }
    # The new page opens at the count of the results, the panel closed.
    count = page.locator("#result-count")
    expect(count).to_be_focused()
    expect(count).to_be_in_viewport()
    expect(page.locator("#filters-heading")).to_be_hidden()
    expect(filters_link(page)).to_have_text("Filter results (3) selected")
    # Back returns to the results before, not to the open panel.
    page.go_back()
    assert page.url == live_server + TWO_FILTERS
    expect(page.locator("#filters-heading")).to_be_hidden()
    assert page_errors == []


def test_escape_closes_the_panel_and_forgets_its_ticks(page, live_server, expect):
    page.set_viewport_size(PHONE)
    page.goto(live_server + TWO_FILTERS)
    filters_link(page).click()
    topic = page.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} \d+ results?$"))
    topic.check()
    page.keyboard.press("Escape")
    expect(page.locator("#filters-heading")).to_be_hidden()
    expect(filters_link(page)).to_be_focused()
    expect(filters_link(page)).to_have_attribute("aria-expanded", "false")
    assert page.url == live_server + TWO_FILTERS
    assert not search_box(page).evaluate("box => box.closest('[inert]') !== null")
    filters_link(page).click()
    expect(topic).not_to_be_checked()
    page.get_by_role("link", name="Close the filters").click()
    expect(page.locator("#filters-heading")).to_be_hidden()


def test_the_panel_opens_without_javascript(no_js_page, live_server, expect):
    page = no_js_page
    page.set_viewport_size(PHONE)
    page.goto(live_server + TWO_FILTERS)
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    filters_link(page).click()
    expect(page.get_by_role("heading", name="Filter results")).to_be_in_viewport()
    page.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} \d+ results?$")).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"topic="))
    assert params_of(page.url)["topic"] == [TOPIC]
    expect(page.get_by_role("heading", name="Filter results")).to_be_hidden()


@pytest.mark.parametrize("viewport", [ZOOM_200, NARROW], ids=["desktop-at-200%", "320px"])
def test_the_first_result_is_on_the_first_screen(page, live_server, viewport, screenshots):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server}/search?q={QUERY}")
    page.screenshot(path=screenshots / f"first-screen-{viewport['width']}.png")
    assert first_result_bottom(page) <= viewport["height"]


def test_the_miss_a_wide_screen_shows_the_filters_without_a_panel(page, live_server, expect):
    page.goto(live_server + TWO_FILTERS)
    expect(filters_link(page)).to_be_hidden()
    expect(show_button(page)).to_be_hidden()
    expect(page.get_by_role("heading", name="Filter results")).to_be_in_viewport()
    expect(page.get_by_role("link", name="Close the filters")).to_be_hidden()


@pytest.mark.parametrize("viewport", [PHONE, ZOOM_200], ids=["phone", "desktop-at-200%"])
def test_on_a_small_screen_tab_follows_the_page_down(page, live_server, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server + TWO_FILTERS)
    stops = tab_stops(page)
    assert [stop for stop in stops if stop["in_panel"]] == [], "the closed panel has no stop"
    assert stops and any(stop["in_results"] for stop in stops)
    visible = [stop for stop in stops if stop["y"] >= 0]
    tops = [stop["y"] for stop in visible]
    assert tops == sorted(tops), [(s["text"], s["y"]) for s in visible]


def test_on_a_desktop_the_filters_come_before_the_results_and_can_be_skipped(
    page, live_server, expect
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server + TWO_FILTERS)
    stops = tab_stops(page)
    side = [i for i, stop in enumerate(stops) if stop["in_panel"]]
    results = [i for i, stop in enumerate(stops) if stop["in_results"]]
    assert side and results and max(side) < min(results), "the left column, then the results"

    page.goto(live_server + TWO_FILTERS)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to results")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_be_focused()
    # From the count, the first result is past the two chips and "Clear all filters".
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Clear all filters")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".result__title a").first).to_be_focused()
