"""Search-as-you-type in chromium: the ARIA combobox with the keyboard and the mouse, and
its debounce (few requests to /suggest.json while someone types)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from .search_page import PREFIX, get_json, params_of, search_box

# Keys typed this far apart come faster than the debounce (200 ms) or slower than it.
FAST_TYPING_MS = 30
SLOW_TYPING_MS = 400
# Time for a debounced request that was going to be sent to go out.
SETTLE_MS = 500


def suggestion_options(page):
    """The options of the suggestions listbox (the sort menu's options are options too)."""
    return page.get_by_role("listbox", name="Suggestions").get_by_role("option")


def open_suggestions(page, live_server, expect, text: str = PREFIX) -> list[dict]:
    """Type `text` into the search box and wait for its suggestions; return them as
    /suggest.json gives them."""
    suggestions = get_json(page, live_server, f"/suggest.json?q={text}")["suggestions"]
    assert len(suggestions) >= 3, f"the shipped corpus has suggestions for {text!r}"
    search_box(page).press_sequentially(text, delay=FAST_TYPING_MS)
    expect(suggestion_options(page)).to_have_count(len(suggestions))
    return suggestions


def test_arrow_keys_move_through_the_suggestions_and_escape_closes_them(
    page, live_server, expect, screenshots, page_errors
):
    page.goto(live_server + "/")
    box = search_box(page)
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(page.locator("#q-suggestions")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    suggestions = open_suggestions(page, live_server, expect)

    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "q-suggestions")
    options = listbox.get_by_role("option")
    expect(options).to_have_text([f"{s['kind']}{s['value']}" for s in suggestions])
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(listbox.locator('[aria-selected="true"]')).to_have_count(0)

    for key, index in (("ArrowDown", 0), ("ArrowDown", 1), ("ArrowDown", 2), ("ArrowUp", 1)):
        box.press(key)
        expect(box).to_have_attribute("aria-activedescendant", f"q-suggestion-{index}")
        expect(options.nth(index)).to_have_attribute("aria-selected", "true")
        expect(listbox.locator('[aria-selected="true"]')).to_have_count(1)
        expect(box).to_be_focused()
    page.screenshot(path=screenshots / "suggestions-open.png")

    box.press("Escape")
    expect(page.locator("#q-suggestions")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(box).to_have_value(PREFIX)
    assert page.url == live_server + "/"
    assert page_errors == []


@pytest.mark.parametrize("index", [0, 1], ids=["topic", "title"])
def test_enter_on_a_chosen_suggestion_goes_to_it(page, live_server, expect, index):
    page.goto(live_server + "/")
    suggestions = open_suggestions(page, live_server, expect)
    chosen = suggestions[index]
    assert chosen["kind"] == ("topic", "title")[index]
    box = search_box(page)
    for _ in range(index + 1):
        box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(live_server + chosen["url"])

    if chosen["kind"] == "topic":
        assert params_of(page.url) == {"topic": [chosen["value"]]}
        name = re.compile(rf"^{re.escape(chosen['value'])} \d+ results?$")
        expect(page.get_by_role("checkbox", name=name)).to_be_checked()
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text(chosen["value"])


def test_enter_without_a_chosen_suggestion_searches_for_the_text(page, live_server, expect):
    page.goto(live_server + "/")
    open_suggestions(page, live_server, expect)
    search_box(page).press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    assert params_of(page.url) == {"q": [PREFIX]}


def test_clicking_a_suggestion_goes_to_it(page, live_server, expect):
    page.goto(live_server + "/")
    suggestions = open_suggestions(page, live_server, expect)
    suggestion_options(page).nth(2).click()
    page.wait_for_url(live_server + suggestions[2]["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text(suggestions[2]["value"])


def test_tabbing_away_closes_the_suggestions(page, live_server, expect):
    page.goto(live_server + "/")
    open_suggestions(page, live_server, expect)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_focused()
    expect(page.locator("#q-suggestions")).to_be_hidden()
    expect(search_box(page)).to_have_attribute("aria-expanded", "false")


def test_typing_on_gives_a_fresh_list_with_no_option_chosen(page, live_server, expect):
    """Regression: the new list kept the old list's aria-activedescendant, so a screen
    reader announced an option that was not selected (and Enter did not go to it)."""
    page.goto(live_server + "/")
    open_suggestions(page, live_server, expect)
    box = search_box(page)
    for _ in range(3):
        box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "q-suggestion-2")

    longer = PREFIX + "is team"
    fresh = get_json(page, live_server, f"/suggest.json?q={longer}")["suggestions"]
    box.press_sequentially(longer[len(PREFIX) :], delay=FAST_TYPING_MS)
    options = suggestion_options(page)
    expect(options).to_have_text([f"{s['kind']}{s['value']}" for s in fresh])
    expect(page.locator('[role="option"][aria-selected="true"]')).to_have_count(0)
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "q-suggestion-0")


def test_a_label_found_through_its_alias_says_which(page, live_server, expect):
    # The shipped vocabulary: "Mass Demonstration Response" is an alias of the topic
    # "Response to Mass Demonstrations".
    page.goto(live_server + "/")
    typed = "Mass Demon"
    suggestions = get_json(page, live_server, f"/suggest.json?q={typed}")["suggestions"]
    assert suggestions[0] == {
        "kind": "topic",
        "value": "Response to Mass Demonstrations",
        "url": "/search?topic=Response+to+Mass+Demonstrations",
        "alias": "Mass Demonstration Response",
    }
    search_box(page).press_sequentially(typed, delay=FAST_TYPING_MS)
    expect(suggestion_options(page).first).to_have_text(
        "topicResponse to Mass Demonstrations (also called “Mass Demonstration Response”)"
    )
    expect(page.locator(".combobox__alias")).to_have_count(1)


def suggest_requests(page) -> list[str]:
    """The `q` of every request the page sends to /suggest.json from now on."""
    sent: list[str] = []

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if parts.path == "/suggest.json":
            sent.append(parse_qs(parts.query)["q"][0])

    page.on("request", on_request)
    return sent


def test_fast_typing_sends_one_request(page, live_server, expect):
    page.goto(live_server + "/")
    sent = suggest_requests(page)
    search_box(page).press_sequentially("crisis team", delay=FAST_TYPING_MS)
    expect(suggestion_options(page).first).to_be_visible()
    page.wait_for_timeout(SETTLE_MS)
    # Eleven keys, one request (two if the machine stalled between two keys).
    assert sent[-1] == "crisis team" and len(sent) <= 2, sent


def test_slow_typing_sends_a_request_per_pause(page, live_server, expect):
    """The miss to the hit above: the counting sees every request when typing pauses."""
    page.goto(live_server + "/")
    sent = suggest_requests(page)
    search_box(page).press_sequentially("cri", delay=SLOW_TYPING_MS)
    page.wait_for_timeout(SETTLE_MS)
    # One letter is too short to ask about.
    assert sent == ["cr", "cri"]


def test_a_multi_word_prefix_keeps_its_titles_and_the_count_is_announced(page, live_server, expect):
    """Issue 14, item 6: "use of" must not lose what "use" found with "of" in it."""
    use = [s["value"] for s in get_json(page, live_server, "/suggest.json?q=use")["suggestions"]]
    use_of = get_json(page, live_server, "/suggest.json?q=use%20of")["suggestions"]
    assert "Guiding Principles on Use of Force" in use
    with_of = [value for value in use if re.search(r"\buse of\b", value, re.I)]
    assert [s["value"] for s in use_of][: len(with_of)] == with_of, "words in a row come first"
    # The miss: a word no title has in that place finds less.
    assert "Guiding Principles on Use of Force" not in [
        s["value"]
        for s in get_json(page, live_server, "/suggest.json?q=use%20offic")["suggestions"]
    ]

    page.goto(live_server + "/")
    search_box(page).press_sequentially("use of", delay=FAST_TYPING_MS)
    expect(suggestion_options(page)).to_have_count(len(use_of))
    expect(
        suggestion_options(page).filter(has_text="Guiding Principles on Use of Force")
    ).to_have_count(1)
    status = page.locator("#q-suggestions-count")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(f"{len(use_of)} suggestions, up and down arrows to choose")
    search_box(page).press("Escape")
    expect(status).to_have_text("")


def test_on_a_phone_the_suggestions_leave_the_search_button_uncovered(page, live_server, expect):
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(live_server + "/")
    search_box(page).press_sequentially(PREFIX, delay=FAST_TYPING_MS)
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    button = page.get_by_role("button", name="Search", exact=True)
    expect(button).to_be_visible()
    a, b = listbox.bounding_box(), button.bounding_box()
    overlap = (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and (a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
    )
    assert not overlap, (a, b)
    button.click()
    page.wait_for_url(re.compile(r"q=cris"))
