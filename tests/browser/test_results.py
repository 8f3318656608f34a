"""Results people can move on from, in chromium: topic tags, numbered pages, a heading that
says what was searched, blank fields left out of URLs, targets of 24 px, and a focus ring
that shows on the dark header (issue 14, item 7)."""

from __future__ import annotations

import re

from .search_page import QUERY, TOPIC, get_json, params_of

# The contrast of the focused element's outline with the header's background (WCAG 1.4.11).
OUTLINE_CONTRAST = """() => {
    const rgb = text => text.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
    const luminance = ([r, g, b]) => {
        const [R, G, B] = [r, g, b].map(v => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    const outline = luminance(rgb(getComputedStyle(document.activeElement).outlineColor));
    const header = document.querySelector('.site-header');
    const background = luminance(rgb(getComputedStyle(header).backgroundColor));
    const [light, dark] = [Math.max(outline, background), Math.min(outline, background)];
    return (light + 0.05) / (dark + 0.05);
}"""
MIN_NON_TEXT_CONTRAST = 3
MIN_TARGET_PX = 24


def test_a_topic_tag_browses_that_topic(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}")
    page.locator(".result__topics").get_by_role("link", name=TOPIC, exact=True).first.click()
    page.wait_for_url(re.compile(r"topic="))
    assert params_of(page.url) == {"topic": [TOPIC]}
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Resources: Topic {TOPIC}")


def test_numbered_pages(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Resources for “{QUERY}”")
    numbers = page.locator(".pagination__number")
    expect(numbers).to_have_text(["Page 1", "Page 2", "Page 3"])
    expect(numbers.first).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Page 3", exact=True).click()
    page.wait_for_url(re.compile(r"page=3"))
    assert params_of(page.url) == {"q": [QUERY], "page": ["3"]}
    expect(page.locator('.pagination__number[aria-current="page"]')).to_have_text("Page 3")
    boxes = [numbers.nth(i).bounding_box() for i in range(3)]
    assert all(min(b["width"], b["height"]) >= MIN_TARGET_PX for b in boxes), boxes


def test_blank_fields_stay_out_of_the_url(page, live_server):
    page.goto(f"{live_server}/search?q={QUERY}")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert page.url == f"{live_server}/search?q={QUERY}"
    # The miss: a year typed is sent.
    page.get_by_role("spinbutton", name="To", exact=True).fill("2020")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year_to="))
    assert page.url == f"{live_server}/search?q={QUERY}&year_to=2020"


def test_histogram_rows_are_targets_of_24_px(page, live_server):
    page.goto(f"{live_server}/search?q={QUERY}")
    heights = page.locator("a.histogram__link").evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= MIN_TARGET_PX, heights


def test_the_focus_ring_shows_on_the_dark_header(page, live_server, expect):
    page.goto(live_server + "/")
    brand = page.get_by_role("link", name=re.compile("^Knowledge Lab"))
    for _ in range(5):
        page.keyboard.press("Tab")
        if brand.evaluate("link => link === document.activeElement"):
            break
    expect(brand).to_be_focused()
    assert page.evaluate(OUTLINE_CONTRAST) >= MIN_NON_TEXT_CONTRAST
    # The miss: the page's own ring, on white, is the orange one.
    page.get_by_role("button", name="Search", exact=True).focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    colour = page.evaluate("() => getComputedStyle(document.activeElement).outlineColor")
    assert colour == "rgb(194, 65, 12)"


def test_each_result_says_why_it_matched(page, live_server, expect):
    page.goto(f"{live_server}/search?q=CIT")
    expansions = get_json(page, live_server, "/search.json?q=CIT")["query"]["expansions"]
    assert expansions, "the shipped thesaurus expands CIT"
    reasons = page.locator(".result__why")
    expect(reasons).to_have_count(page.locator(".result").count())
    also = f"also searched {expansions[0]['expanded_to'][0]} for {expansions[0]['term']}"
    expect(reasons.filter(has_text=also).first).to_be_visible()
    # The miss: browsing has nothing to explain.
    page.goto(f"{live_server}/search?type=Report")
    expect(reasons).to_have_count(0)


def test_the_title_says_what_was_searched_and_filtered(page, live_server, expect):
    page.goto(f"{live_server}/search?q={QUERY}")
    expect(page).to_have_title(re.compile(rf"^{QUERY} – Resource search"))
    page.locator(".result__topics").get_by_role("link", name=TOPIC, exact=True).first.click()
    page.wait_for_url(re.compile(r"topic="))
    expect(page).to_have_title(re.compile(rf"^Topic {re.escape(TOPIC)} – Resource search"))


def test_empty_years_are_histogram_rows_that_select_their_year(page, live_server, expect):
    page.goto(f"{live_server}/search")
    rows = page.locator("ul.histogram > li")
    labels = rows.locator(".histogram__label").all_text_contents()
    years = [int(label) for label in labels if label.isdigit()]
    # A time line: every year from the newest to the oldest, the empty ones included.
    assert years == list(range(max(years), min(years) - 1, -1))
    empty = rows.filter(has_text=re.compile(r"\b0 results\b"))
    assert empty.count() > 0
    link = empty.first.get_by_role("link")
    year = link.locator(".histogram__label").text_content()
    box = link.bounding_box()
    assert min(box["width"], box["height"]) >= MIN_TARGET_PX, box
    link.click()
    page.wait_for_url(re.compile(r"year_from="))
    assert params_of(page.url) == {"year_from": [year], "year_to": [year]}
    expect(page.locator("#result-count")).to_contain_text("No")
