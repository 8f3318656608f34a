"""Every search is also an Atom feed, newest first, linked from its page (issue 14, item 9)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from .conftest import USE_OF_FORCE, text, url_parts

ATOM = "http://www.w3.org/2005/Atom"
BASE = "http://localhost"


def feed(client, query: str) -> BeautifulSoup:
    response = client.get(f"/search.atom?{query}")
    assert (response.status_code, response.headers["Content-Type"]) == (
        200,
        "application/atom+xml; charset=utf-8",
    )
    return BeautifulSoup(response.get_data(as_text=True), "xml")


def test_a_search_as_a_feed_lists_its_results_newest_first(client, search):
    soup = feed(client, f"q=training&topic={USE_OF_FORCE}&sort=title&page=2")
    root = soup.find("feed")
    assert root["xmlns"] == ATOM
    assert text(root.find("title", recursive=False)) == (
        f"Knowledge Lab resources for “training”: Topic {USE_OF_FORCE}"
    )
    links = {
        link["rel"]: (link["href"].startswith(BASE + "/"), url_parts(link["href"]))
        for link in root.find_all("link", recursive=False)
    }
    # The feed is always newest first: its own address needs no sort; the page keeps it.
    pairs = url_parts(f"?q=training&topic={USE_OF_FORCE}")[1]
    assert links == {
        "self": (True, ("/search.atom", pairs)),
        "alternate": (True, ("/search", sorted([*pairs, ("sort", "title")]))),
    }
    newest = search(f"q=training&topic={USE_OF_FORCE}&sort=newest")["results"]
    entries = root.find_all("entry")
    assert [
        (text(e.title), e.id.string, e.link["href"], [c["term"] for c in e.find_all("category")])
        for e in entries
    ] == [
        (r["title"], f"{BASE}/resources/{r['id']}", f"{BASE}/resources/{r['id']}", r["topics"])
        for r in newest
    ]
    assert [e.published.string if e.published else None for e in entries] == [
        f"{r['year']}-01-01T00:00:00Z" if r["year"] else None for r in newest
    ]
    assert all(e.updated.string == root.updated.string for e in entries)


def test_the_feed_escapes_what_it_carries(client):
    soup = feed(client, "q=quarantined")
    entry = soup.find("entry")
    assert "<script>" in text(entry.title)  # markup stays text, as in the page
    assert entry.find("script") is None


def test_the_page_links_its_feed(page):
    soup = page("/search?q=training&sort=title&page=2")
    alternate = soup.find("link", rel="alternate", type="application/atom+xml")
    assert url_parts(alternate["href"]) == ("/search.atom", [("q", "training")])
    assert text(soup.select_one(".follow a")) == "Follow this search"
    assert soup.select_one(".follow a")["href"] == alternate["href"]
    # The miss: the resource page has no feed.
    assert (
        page("/resources/no-such-resource", status=404).find("link", type="application/atom+xml")
        is None
    )


def test_cite_this_search_gives_permalink_date_version_and_count(page, client, search):
    from datetime import UTC, datetime

    soup = page(f"/search?q=training&topic={USE_OF_FORCE}&page=2&per_page=1")
    response = search(f"q=training&topic={USE_OF_FORCE}")
    box = soup.select_one("details.cite")
    assert text(box.summary) == "Cite this search"
    today = datetime.now(UTC).date().isoformat()
    version = response["index"]["version"]
    total = response["total"]
    assert " ".join(box.select_one("#citation").get_text().split()) == (
        f"National Law Enforcement Knowledge Lab, resource search for “training”: Topic "
        f"{USE_OF_FORCE}. {total} resources, index version {version}. "
        f"{BASE}/search?q=training&topic=Use+of+Force&per_page=1 (accessed {today})."
    )
    assert box.find("time")["datetime"] == today
