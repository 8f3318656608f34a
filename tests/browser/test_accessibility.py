"""Accessibility in chromium: axe-core on every main state (whose console must stay clean
too), the keyboard alone (skip link, visible focus at every stop, a facet ticked with the
space bar) and a 320 px wide screen."""

from __future__ import annotations

import re

import pytest

from .conftest import describe
from .search_page import NARROW, QUERY, RESOURCE, STATES, TOPIC, params_of, search_box, show_state

# What the focused element looks like: its outline, and whether it takes up room on screen.
FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim().slice(0, 40),
            outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
            onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0};
}"""
# More Tab stops than the page has: the walk ends when focus leaves the page.
MAX_TAB_STOPS = 150


@pytest.mark.parametrize("state", STATES)
def test_main_state_has_no_serious_axe_violation_nor_console_error(
    page, live_server, axe, page_errors, state
):
    """One page load per state for both checks: the console errors include CSP violations
    (test_safety.py shows the watcher catches them)."""
    show_state(page, live_server, state)
    violations = axe(page)
    assert violations == [], f"{state}:\n{describe(violations)}"
    assert page_errors == [], f"{state}: the page logged errors"


def test_axe_finds_no_serious_violation_with_results_matching_some_words(page, live_server, axe):
    # Two words, one full match: those matching some of the words follow under a heading.
    page.goto(live_server + "/search?q=charlottesville+protest")
    assert page.locator("#some-words").count() == 1
    violations = axe(page)
    assert violations == [], describe(violations)


def test_axe_finds_no_serious_violation_on_an_error_page(page, live_server, axe):
    response = page.goto(live_server + "/resources/no-such-resource")
    assert response is not None and response.status == 404
    violations = axe(page)
    assert violations == [], describe(violations)


def focus_style(page) -> dict:
    return page.evaluate(FOCUS_STYLE)


def test_tab_reaches_the_skip_link_then_the_search_box(page, live_server, expect):
    page.goto(live_server + "/")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.bounding_box()["y"] < 0, "the skip link is off screen until focused"

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    style = focus_style(page)
    assert style["onScreen"] and style["outline"] != "none" and style["width"] >= 2, style

    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(search_box(page)).to_be_focused()
    style = focus_style(page)
    assert style["outline"] != "none" and style["width"] >= 2, style

    page.keyboard.type(QUERY)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=crisis"))
    # On to the facets with Tab, and tick one with the space bar.
    topic = page.get_by_role("checkbox", name=re.compile(rf"^{TOPIC} \d+ results?$"))
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        if topic.evaluate("box => box === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached the {TOPIC} checkbox")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"topic="))
    assert params_of(page.url) == {"q": [QUERY], "topic": [TOPIC]}
    expect(topic).to_be_checked()
    # The new page keeps the focus on the box, so the next one is a Tab away.
    expect(topic).to_be_focused()
    page.keyboard.press("Tab")
    following = page.evaluate("() => document.activeElement.value")
    assert following and following != TOPIC
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"topic=.+topic="))
    assert params_of(page.url) == {"q": [QUERY], "topic": [TOPIC, following]}


def test_the_sort_menu_works_with_arrow_keys(page, live_server, expect):
    """Arrow keys browse the options without leaving the page (WCAG 3.2.2: a change of
    setting is not a change of context); Enter applies the one shown, and the menu keeps
    the focus for the next key."""
    page.goto(f"{live_server}/search?q={QUERY}")
    menu = page.get_by_label("Sort by")
    apply = page.get_by_role("button", name="Apply", exact=True)
    expect(apply).to_be_hidden()
    menu.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(menu).to_have_value("oldest")
    expect(apply).to_be_visible()
    page.wait_for_timeout(300)  # time enough for a page load that must not happen
    assert params_of(page.url) == {"q": [QUERY]}, "browsing the options applies nothing"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=oldest"))
    expect(menu).to_have_value("oldest")
    expect(menu).to_be_focused()
    expect(apply).to_be_hidden()
    page.keyboard.press("ArrowUp")
    expect(menu).to_have_value("newest")
    apply.click()
    page.wait_for_url(re.compile(r"sort=newest"))
    expect(menu).to_have_value("newest")


@pytest.mark.parametrize(
    "path", [f"/search?q={QUERY}&topic={TOPIC}", RESOURCE], ids=["search", "resource"]
)
def test_every_tab_stop_shows_its_focus(page, live_server, path):
    page.goto(live_server + path)
    unfocused = page.get_by_role("link", name="Skip to main content").evaluate(
        "el => getComputedStyle(el).outlineStyle"
    )
    assert unfocused == "none", "the outline appears with focus, not before"
    stops = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        style = focus_style(page)
        if style["tag"] == "BODY" or (stops and style == stops[0]):
            break
        stops.append(style)
    assert len(stops) > 10, stops
    hidden = [s for s in stops if s["outline"] == "none" or s["width"] < 2 or not s["onScreen"]]
    assert hidden == [], f"focus not visible at: {hidden}"


def test_a_narrow_screen_shows_results_first_and_links_to_the_filters(
    page, live_server, expect, screenshots
):
    page.set_viewport_size(NARROW)
    page.goto(f"{live_server}/search?q={QUERY}&topic={TOPIC}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the page scrolls sideways: {width}px wide"
    results = page.locator(".results").bounding_box()
    filters = page.locator("#filters-heading")
    assert results["y"] < filters.bounding_box()["y"], "results come before the filters"
    page.screenshot(path=screenshots / "mobile-320.png", full_page=True)

    link = page.get_by_role("link", name="Filter results")
    expect(link).to_be_visible()
    link.click()
    expect(filters).to_be_focused()
    assert page.url.endswith("#filters-heading")
    expect(filters).to_be_in_viewport()


def test_a_wide_screen_shows_the_filters_beside_the_results(page, live_server, expect):
    """The miss to the narrow-screen hit: side by side, and no link needed."""
    page.goto(f"{live_server}/search?q={QUERY}")
    expect(page.get_by_role("link", name="Filter results")).to_be_hidden()
    results = page.locator(".results").bounding_box()
    filters = page.locator("#filters-heading").bounding_box()
    assert filters["x"] + filters["width"] <= results["x"], "the filters sit left of the results"


@pytest.mark.parametrize("state", [name for name in STATES if name.startswith("mobile-320")])
def test_a_narrow_screen_never_scrolls_sideways(page, live_server, state):
    show_state(page, live_server, state)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{state}: {width}px wide"
