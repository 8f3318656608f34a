"""What the browser tests read off the search page, and the JSON they compare it with.

The page renders the same results dict `/search.json` returns, so the tests read the page's
state (result titles, facet values with counts and ticks) into the shape of that dict and
compare whole structures.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# The shipped corpus: "crisis" finds 27 resources (3 pages of 10; 3 by their documents' text),
# "crisses" none but offers "crises" (one edit away, 2 resources; "crsis" is one edit from
# "crisis", which did-you-mean prefers), and a topic plus a type that never meet give no
# results with two ways back.
QUERY = "crisis"
TOPIC = "Use of Force"
MISSPELLING = "crisses"
EXCLUDING_FILTERS = "/search?q=crisis&topic=Use+of+Force&type=Video"
PREFIX = "cris"

# How the facet sidebar lists one facet's values: value, count, ticked.
READ_FACETS = """() => Object.fromEntries(['topic', 'type'].map(name => [name,
    [...document.querySelectorAll(`.facets input[name="${name}"]`)].map(box => {
        const label = document.querySelector(`label[for="${box.id}"]`);
        return [label.querySelector('.facet__value').textContent.trim(),
                parseInt(label.querySelector('.facet__count').textContent, 10),
                box.checked];
    })]))"""


def params_of(url: str) -> dict[str, list[str]]:
    """The non-blank query parameters of a URL, each with its list of values."""
    return parse_qs(urlsplit(url).query)


def result_titles(page) -> list[str]:
    """The titles of the result cards, in order."""
    return [title.strip() for title in page.locator(".result__title a").all_inner_texts()]


def facets_on(page) -> dict[str, list[list]]:
    """The topic and type facets the sidebar shows: [value, count, ticked] each."""
    return page.evaluate(READ_FACETS)


def facets_in(data: dict) -> dict[str, list[list]]:
    """The same shape from a `/search.json` response."""
    return {
        name: [
            [value["value"], value["count"], value["selected"]] for value in data["facets"][name]
        ]
        for name in ("topic", "type")
    }


def get_json(page, base: str, path: str) -> dict:
    """GET `path` from the live server with the page's request context, as JSON."""
    response = page.request.get(base + path)
    assert response.ok, f"{path}: HTTP {response.status}"
    return response.json()


def json_of_page(page, base: str) -> dict:
    """`/search.json` with the same parameters as the search page the browser is on."""
    query = urlsplit(page.url).query
    return get_json(page, base, "/search.json" + (f"?{query}" if query else ""))


def search_box(page):
    """The search box: a combobox (it offers suggestions), labelled like the library's own."""
    return page.get_by_role("combobox", name="Search the resource library")


def submit_query(page, text: str):
    """Type a query into the search box, press Enter and wait for the results page; returns
    the search box."""
    box = search_box(page)
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    return box


# The main states of the pages, for the checks every state must pass (axe, a clean console):
# name -> (path, viewport width or None for the default, text typed into the search box).
NARROW = {"width": 320, "height": 640}
RESOURCE = "/resources/how-to-successfully-implement-a-mobile-crisis-team"
STATES = {
    "home": ("/", None, None),
    "results": (f"/search?q={QUERY}", None, None),
    "facet-selected": (f"/search?q={QUERY}&topic={TOPIC}", None, None),
    "page-2": (f"/search?q={QUERY}&page=2", None, None),
    "no-results": (f"/search?q={MISSPELLING}", None, None),
    "filters-exclude-everything": (EXCLUDING_FILTERS, None, None),
    "resource": (RESOURCE, None, None),
    "suggestions-open": ("/", None, PREFIX),
    "mobile-320-results": (f"/search?q={QUERY}&topic={TOPIC}", NARROW, None),
    "mobile-320-resource": (RESOURCE, NARROW, None),
    "mobile-320-suggestions": ("/", NARROW, PREFIX),
}


def show_state(page, base: str, name: str) -> None:
    """Bring `page` to the state `name` of STATES (suggestions open with one chosen)."""
    path, viewport, typed = STATES[name]
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(base + path)
    if typed:
        search_box(page).press_sequentially(typed, delay=30)
        page.get_by_role("listbox", name="Suggestions").get_by_role("option").first.wait_for()
        search_box(page).press("ArrowDown")
    # The live region is filled a moment after load: check the page as it then is.
    if page.locator("#result-count").count():
        page.wait_for_function(
            "() => document.getElementById('live-status').textContent.trim() !== ''"
        )
