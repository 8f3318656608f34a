"""The resource page and the error pages (search_app/web.py, templates/resource.html and
error.html): metadata, where it is listed, related resources; 404s without a traceback."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.search.conftest import (
    CHECKLIST,
    HANDBOOK,
    LISTING_PATH,
    MENTAL_HEALTH,
    USE_OF_FORCE,
    WELLNESS,
)
from tests.search.test_params import BAD_PARAMETERS

from .conftest import facet_items, result_ids, text

SITE = "National Law Enforcement Knowledge Lab"
NO_RESOURCE = "There is no resource with that id."
NO_PAGE = "There is no page at this address."


def facts(soup: BeautifulSoup) -> dict[str, str]:
    """The resource's facts list: each term and its text."""
    return {
        text(row.find("dt")): text(row.find("dd"))
        for row in soup.select("dl.resource__facts > div")
    }


def links(soup: BeautifulSoup, selector: str) -> list[tuple[str, str]]:
    """The (text, href) of the links under a selector."""
    return [(text(a), a["href"]) for a in soup.select(f"{selector} a")]


def test_a_resource_page_in_full(page, client):
    soup = page(f"/resources/{HANDBOOK}")
    data = client.get(f"/resources/{HANDBOOK}.json").get_json()
    assert [text(h1) for h1 in soup.find_all("h1")] == ["Crisis Intervention Team Handbook"]
    assert text(soup.title) == f"Crisis Intervention Team Handbook · {SITE}"
    assert facts(soup) == {
        "Type": "Guidebook/Tool",
        "Year": "2021",
        "Topics": f"{MENTAL_HEALTH} {USE_OF_FORCE}",
    }
    assert links(soup, "dl.resource__facts") == [
        (MENTAL_HEALTH, "/search?topic=Mental+Health+and+Crisis+Response"),
        (USE_OF_FORCE, "/search?topic=Use+of+Force"),
    ]
    # Where it is listed, for people: the topic as a link browsing it, no file paths (issue
    # 14, item 8); the JSON keeps the paths.
    assert [text(li) for li in soup.select("ul.sources > li")] == [
        "Its own resource page",
        f"Topic “{USE_OF_FORCE}” (browse every resource on this topic)",
    ]
    assert links(soup, "ul.sources") == [(f"Topic “{USE_OF_FORCE}”", "/search?topic=Use+of+Force")]
    assert LISTING_PATH not in soup.get_text() and ".html" not in soup.get_text()
    assert [source["path"] for source in data["sources"]] == [
        f"resources/{HANDBOOK}.html",
        LISTING_PATH,
    ]
    assert links(soup, "ul.related") == [
        (item["title"], f"/resources/{item['id']}") for item in data["related"]
    ]
    assert len(data["related"]) >= 2
    alternate = soup.find("link", rel="alternate", type="application/json")
    assert alternate["href"] == f"/resources/{HANDBOOK}.json"


def test_a_topic_link_searches_that_topic(page):
    soup = page(f"/resources/{HANDBOOK}")
    href = dict(links(soup, "dl.resource__facts"))[MENTAL_HEALTH]
    found = page(href)
    assert [value for value, _, checked in facet_items(found, "topic") if checked] == [
        MENTAL_HEALTH
    ]
    assert HANDBOOK in result_ids(found)


def test_related_links_lead_to_resource_pages(page):
    soup = page(f"/resources/{HANDBOOK}")
    for title, href in links(soup, "ul.related"):
        assert text(page(href).find("h1")) == title


def test_an_undated_resource_says_undated(page):
    soup = page(f"/resources/{CHECKLIST}")
    assert facts(soup) == {"Type": "Article", "Year": "Undated", "Topics": WELLNESS}
    assert [text(li) for li in soup.select("ul.sources > li")] == ["Its own resource page"]


def assert_error_page(soup: BeautifulSoup, status: int, message: str) -> None:
    """An error page: the message as its one heading and title, the status, a search form."""
    assert [text(h1) for h1 in soup.find_all("h1")] == [message]
    assert text(soup.title) == f"{message} · {SITE}"
    assert text(soup.select_one(".error__status")) == f"Error {status}"
    form = soup.find("form", role="search")
    assert (form["method"], form["action"]) == ("get", "/search")
    assert form.find("input", attrs={"name": "q"}) is not None
    assert "Traceback" not in soup.get_text() and 'File "' not in soup.get_text()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/resources/no-such-resource", NO_RESOURCE),
        ("/resources/Crisis-Intervention-Team-Handbook", NO_RESOURCE),
        ("/resources/-handbook", NO_RESOURCE),
        ("/resources/%2e%2e", NO_RESOURCE),
        ("/resources/" + "a" * 121, NO_RESOURCE),
        ("/resources/..%2F..%2Fetc%2Fpasswd", NO_PAGE),
        ("/resources/../../etc/passwd", NO_PAGE),
        ("/resources/%2e%2e/%2e%2e/pyproject.toml", NO_PAGE),
        ("/static/../search_app/web.py", NO_PAGE),
        ("/static/%2e%2e/web.py", NO_PAGE),
        ("/no-such-page", NO_PAGE),
    ],
)
def test_unknown_malformed_and_traversing_paths_are_a_404_page(page, path, message):
    assert_error_page(page(path, status=404), 404, message)


def test_a_known_resource_is_not_a_404(page):
    assert text(page(f"/resources/{CHECKLIST}").find("h1")) == "Wellness Checklist for Night Shifts"


def test_the_site_link_form_with_a_slash_shows_the_resource(client):
    # Results carry the site's link (`/resources/<id>/`); followed on this host it works too.
    response = client.get(f"/resources/{CHECKLIST}/")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert (response.status_code, text(soup.find("h1"))) == (
        200,
        "Wellness Checklist for Night Shifts",
    )


def test_error_pages_say_their_charset(client):
    assert (
        client.get("/resources/no-such-thing").headers["Content-Type"] == "text/html; charset=utf-8"
    )


# A bad year range keeps the search page (tests/web/test_form_errors.py); the rest do not.
YEAR_FIELDS = {"year_from", "year_to"}
YEAR_PARAMETERS = [p for p in BAD_PARAMETERS if {k for k, _ in p.values[0]} <= YEAR_FIELDS]
OTHER_PARAMETERS = [p for p in BAD_PARAMETERS if p not in YEAR_PARAMETERS]


@pytest.mark.parametrize(("pairs", "message"), OTHER_PARAMETERS)
def test_a_bad_parameter_is_a_400_page_with_the_exact_message(client, pairs, message):
    response = client.get("/search", query_string=pairs)
    assert (response.status_code, response.mimetype) == (400, "text/html")
    assert_error_page(BeautifulSoup(response.get_data(as_text=True), "html.parser"), 400, message)


def test_page_abc_is_a_400_page(page):
    soup = page("/search?page=abc", status=400)
    assert_error_page(soup, 400, "page must be a whole number from 1 to 1000 (got 'abc')")


def test_where_it_is_listed_names_topics_as_the_vocabulary_does(app):
    from search_app.web import listed

    resource = {
        "topics": [USE_OF_FORCE],
        "sources": [
            {"kind": "listing", "label": "USE OF  FORCE", "path": "topics/a.html"},
            {"kind": "listing", "label": "Retired Topic", "path": "topics/b.html"},
            {"kind": "listing", "label": None, "path": "topics/c.html"},
            {"kind": "resource", "label": None, "path": "resources/d.html"},
        ],
    }
    with app.test_request_context():
        places = listed(resource)
    assert places == [
        {"kind": "listing", "label": USE_OF_FORCE, "url": "/search?topic=Use+of+Force"},
        {"kind": "listing", "label": "Retired Topic", "url": "/search?topic=Retired+Topic"},
        {"kind": "listing", "label": None, "url": None},
        {"kind": "resource", "label": None, "url": None},
    ]
