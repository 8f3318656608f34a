"""Fixtures of the HTML page tests: the search tests' tiny library plus one hostile resource,
its index, the app and its client, and helpers that read pages with BeautifulSoup.

Fixtures chain like flaskr's: `library` -> `library_index` -> `app` -> `client` (the shared
chain of `tests.conftest.define_app_fixtures`), built once per session (no test changes them). `page(url)` GETs a page and parses it; `search(**params)`
is the JSON API's answer for the same parameters, which the page must render.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag

from tests.conftest import define_app_fixtures
from tests.search.conftest import RESOURCES, USE_OF_FORCE, VOCABULARY, write_library

# Markup that must always show as text: a script element and an attribute break-out.
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '" onmouseover="x'
HOSTILE = "hostile-resource"
HOSTILE_TITLE = f"{SCRIPT} {BREAKOUT} Hostile Handbook"
HOSTILE_TOPIC = f"{SCRIPT} {BREAKOUT} Topic"
HOSTILE_BODY = f"Quarantined {SCRIPT} text {BREAKOUT} kept as text."
# The vocabulary names the hostile topic, so the build reports no warning about it.
WEB_VOCABULARY = VOCABULARY + f"\n[[topic]]\nname = '{HOSTILE_TOPIC}'\n"
WEB_RESOURCES = [
    *RESOURCES,
    (
        HOSTILE,
        HOSTILE_TITLE,
        ["Report"],
        2020,
        [USE_OF_FORCE, HOSTILE_TOPIC],
        "",
        # Resource pages hold HTML: the hostile text is written escaped, as a page would.
        "<p>"
        + HOSTILE_BODY.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        + "</p>",
    ),
]
# What the app links its own assets as; every other script is injected.
ASSET = re.compile(r"/static/(?P<name>[\w.-]+)\?v=(?P<hash>[0-9a-f]{12})")


def write_web_library(root: Path) -> Path:
    """The search tests' tiny library, plus a resource whose title, topic and body are hostile."""
    write_library(root, WEB_RESOURCES)
    (root / "vocabulary.toml").write_text(WEB_VOCABULARY, encoding="utf-8")
    return root


# The app without the rate limit: the suite sends hundreds of requests a minute from one address.
library, library_index, app, client = define_app_fixtures(
    write_web_library, {"TESTING": True, "RATE_LIMIT": ""}, "web"
)


@pytest.fixture(scope="session")
def page(client):
    """GET an HTML page (asserting the status and HTML type); the parsed document."""

    def get(url: str, status: int = 200) -> BeautifulSoup:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        assert response.mimetype == "text/html", (url, response.mimetype)
        return BeautifulSoup(response.get_data(as_text=True), "html.parser")

    return get


@pytest.fixture(scope="session")
def search(client):
    """GET /search.json with a query string (or pairs); the JSON body (asserting a 200)."""

    def get(query: str | list[tuple[str, str]] = "") -> dict:
        query = query if isinstance(query, str) else urlencode(query)
        response = client.get(f"/search.json?{query}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


def text(element: Tag | None) -> str:
    """An element's text with whitespace collapsed ("" for no element)."""
    return " ".join(element.get_text(" ").split()) if element is not None else ""


def accessible_text(element: Tag) -> str:
    """The text a screen reader reads: without `aria-hidden` parts, whitespace collapsed."""
    copy = BeautifulSoup(str(element), "html.parser")
    for hidden in copy.select('[aria-hidden="true"]'):
        hidden.decompose()
    return " ".join(copy.get_text("").split())


def url_parts(url: str) -> tuple[str, list[tuple[str, str]]]:
    """A URL's path and its query pairs, sorted (the order of parameters means nothing)."""
    parts = urlsplit(url)
    return parts.path, sorted(parse_qsl(parts.query))


def form_pairs(form: Tag) -> list[tuple[str, str]]:
    """The name/value pairs a browser submits for a GET form, in document order: hidden and
    filled-in inputs (empty ones too), checked checkboxes, each select's selected option."""
    pairs = []
    for field in form.find_all(["input", "select"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "select":
            options = field.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")] or options[:1]
            pairs += [(name, o.get("value", o.get_text())) for o in chosen]
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                pairs.append((name, field.get("value", "on")))
        elif field.get("type") not in ("submit", "button", "image", "reset"):
            pairs.append((name, field.get("value", "")))
    return pairs


def submit(form: Tag) -> str:
    """The URL a browser goes to when the GET form is submitted."""
    assert form.get("method", "get").lower() == "get"
    return f"{form['action']}?{urlencode(form_pairs(form))}"


def result_ids(soup: BeautifulSoup) -> list[str]:
    """The ids of the result cards, in order, from their links to /resources/<id>."""
    links = [card.select_one(".result__title a")["href"] for card in soup.select("li.result")]
    assert all(link.startswith("/resources/") for link in links), links
    return [link.removeprefix("/resources/") for link in links]


def facet_items(soup: BeautifulSoup, name: str) -> list[tuple[str, str, bool]]:
    """A facet's checkboxes as (value, accessible label, checked), in order."""
    form = soup.select_one("form.facets")
    items = []
    for box in form.select(f'input[type="checkbox"][name="{name}"]'):
        label = form.find("label", attrs={"for": box["id"]})
        items.append((box["value"], accessible_text(label), box.has_attr("checked")))
    return items
