"""Safety of the pages (search_app/__init__.py, web.py, templates): hostile text shows as text,
no inline script or style, security headers, cache headers on hashed static assets."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

import search_app
from tests.search.conftest import FOOTAGE, HANDBOOK, USE_OF_FORCE

from .conftest import (
    ASSET,
    BREAKOUT,
    HOSTILE,
    HOSTILE_BODY,
    HOSTILE_TITLE,
    HOSTILE_TOPIC,
    SCRIPT,
    facet_items,
    result_ids,
    text,
    url_parts,
)

STATIC = Path(search_app.__file__).parent / "static"
YEAR_SECONDS = 365 * 24 * 3600
HOSTILE_QUERY = f"{SCRIPT} {BREAKOUT}"

# Every kind of page, with the status each answers.
PAGES = [
    ("/", 200),
    ("/search?q=footage", 200),
    ("/search?q=marmalaid", 200),
    ("/search?q=footage&type=Article", 200),
    ("/search?per_page=3&page=2&topic=Use+of+Force&year_from=2016", 200),
    ("/search?q=quarantined", 200),
    ("/search?" + urlencode({"q": HOSTILE_QUERY}), 200),
    ("/search?" + urlencode({"topic": HOSTILE_TOPIC}), 200),
    (f"/resources/{HANDBOOK}", 200),
    (f"/resources/{HOSTILE}", 200),
    ("/resources/no-such-resource", 404),
    ("/search?page=abc", 400),
]
JSON_RESPONSES = [
    ("/search.json?q=footage", 200),
    (f"/resources/{HANDBOOK}.json", 200),
    ("/suggest.json?q=cri", 200),
    ("/search.json?page=abc", 400),
    ("/resources/no-such-resource.json", 404),
]


def assert_inert(soup: BeautifulSoup) -> None:
    """Only the app's own script, no event-handler attribute, no inline style of any kind."""
    scripts = soup.find_all("script")
    assert [ASSET.fullmatch(s.get("src", "")) is not None for s in scripts] == [True]
    assert scripts[0]["src"].startswith("/static/search.js?v=") and not scripts[0].string
    handlers = [
        (tag.name, name)
        for tag in soup.find_all(True)
        for name in tag.attrs
        if name.startswith("on")
    ]
    assert handlers == []
    assert soup.find_all(style=True) == [] and soup.find_all("style") == []
    for tag in soup.find_all(["a", "link", "form", "img"]):
        target = tag.get("href") or tag.get("action") or tag.get("src") or ""
        assert not target.strip().lower().startswith(("javascript:", "data:")), tag


@pytest.mark.parametrize(("url", "status"), PAGES)
def test_no_inline_script_style_or_handler_on_any_page(page, url, status):
    assert_inert(page(url, status=status))


def test_a_hostile_resource_page_shows_its_text_as_text(page):
    soup = page(f"/resources/{HOSTILE}")
    assert_inert(soup)
    assert text(soup.find("h1")) == HOSTILE_TITLE
    assert text(soup.title).startswith(HOSTILE_TITLE)
    assert [text(a) for a in soup.select("dl.resource__facts a")] == [USE_OF_FORCE, HOSTILE_TOPIC]
    assert url_parts(soup.select("dl.resource__facts a")[1]["href"]) == (
        "/search",
        [("topic", HOSTILE_TOPIC)],
    )
    assert [text(p) for p in soup.select(".resource__text p")] == [HOSTILE_BODY]


def test_a_hostile_result_shows_its_text_as_text(page):
    soup = page("/search?q=quarantined")
    assert_inert(soup)
    assert result_ids(soup) == [HOSTILE]
    card = soup.select_one("li.result")
    assert text(card.select_one(".result__title")) == HOSTILE_TITLE
    assert [text(li) for li in card.select(".result__topics li")] == [USE_OF_FORCE, HOSTILE_TOPIC]
    snippet = card.select_one(".result__snippet")
    assert text(snippet) == HOSTILE_BODY.removesuffix(".")
    assert [m.name for m in snippet.find_all(True)] == ["mark"]
    assert [value for value, _, _ in facet_items(soup, "topic")] == [HOSTILE_TOPIC, USE_OF_FORCE]


def test_a_hostile_topic_filter_shows_as_text(page):
    soup = page("/search?" + urlencode({"topic": HOSTILE_TOPIC}))
    assert_inert(soup)
    assert [text(chip) for chip in soup.select("a.chip")] == [
        f"Topic: {HOSTILE_TOPIC} × (remove this filter)"
    ]
    assert [value for value, _, checked in facet_items(soup, "topic") if checked] == [HOSTILE_TOPIC]
    hidden = soup.select_one('form.search-form input[name="topic"]')
    assert (hidden["type"], hidden["value"]) == ("hidden", HOSTILE_TOPIC)


def test_a_hostile_query_shows_as_text(page):
    soup = page("/search?" + urlencode({"q": HOSTILE_QUERY}))
    assert_inert(soup)
    assert soup.find("input", attrs={"name": "q"}, type="search")["value"] == HOSTILE_QUERY
    assert text(soup.title).startswith(f"{HOSTILE_QUERY} – ")
    assert HOSTILE_QUERY in text(soup.select_one("#result-count"))
    hidden = soup.select_one('form.facets input[name="q"]')
    assert (hidden["type"], hidden["value"]) == ("hidden", HOSTILE_QUERY)


def test_an_ordinary_page_has_its_one_script(page):
    """The miss of the hostile tests: the app's own script is found and allowed."""
    scripts = page(f"/resources/{FOOTAGE}").find_all("script")
    assert [(s["src"].split("?")[0], s.has_attr("defer")) for s in scripts] == [
        ("/static/search.js", True)
    ]


def csp(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: sources}."""
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize(("url", "status"), PAGES + JSON_RESPONSES + [("/opensearch.xml", 200)])
def test_security_headers_on_every_response(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    policy = csp(response.headers["Content-Security-Policy"])
    assert [name for name, sources in policy.items() if "'unsafe-inline'" in sources] == []
    assert [name for name, sources in policy.items() if "'unsafe-eval'" in sources] == []
    assert (policy["script-src"], policy["style-src"], policy["frame-ancestors"]) == (
        ["'self'"],
        ["'self'"],
        ["'none'"],
    )
    assert {
        name: response.headers.get(name)
        for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
    } == {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


@pytest.mark.parametrize(("url", "status"), [p for p in PAGES if p[1] != 200])
def test_error_pages_are_html_without_a_traceback(client, url, status):
    response = client.get(url)
    body = response.get_data(as_text=True)
    assert (response.status_code, response.mimetype) == (status, "text/html")
    assert "Traceback" not in body and ".py" not in body


def test_an_unexpected_error_is_a_500_page_without_a_traceback(app, monkeypatch):
    from search_app import web

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals at /srv/app.py line 3")

    monkeypatch.setattr(web, "run_search", explode)
    monkeypatch.setattr(app.logger, "disabled", True)
    response = app.test_client().get("/search?q=x")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert (response.status_code, response.mimetype) == (500, "text/html")
    assert text(soup.find("h1")) == "Something went wrong on our side; please try again."
    assert "secret internals" not in str(soup) and "Traceback" not in str(soup)


def asset_links(soup: BeautifulSoup) -> dict[str, str]:
    """The app's static assets as the page links them: {file name: URL}."""
    urls = [link["href"] for link in soup.select('link[href^="/static/"]')]
    urls += [script["src"] for script in soup.find_all("script")]
    return {ASSET.fullmatch(url)["name"]: url for url in urls}


def test_static_assets_are_linked_with_their_content_hash(page):
    assert asset_links(page("/search")) == {
        name: f"/static/{name}?v={hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]}"
        for name in ("style.css", "favicon.svg", "search.js")
    }
    assert asset_links(page("/resources/no-such-resource", status=404)) == asset_links(
        page("/search")
    )


def test_static_assets_are_cached_for_a_year_and_pages_are_not(client, page):
    for name, url in asset_links(page("/search")).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response.get_data() == (STATIC / name).read_bytes()
        assert response.headers["Cache-Control"] == f"public, max-age={YEAR_SECONDS}"
        response.close()
    assert f"max-age={YEAR_SECONDS}" not in client.get("/search").headers.get("Cache-Control", "")
