"""The OpenSearch description and browser suggestions (search_app/web.py, views.py,
templates/opensearch.xml), so browsers can add the library as a search engine."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.search.conftest import HANDBOOK, MENTAL_HEALTH

OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"


def test_the_description_is_valid_opensearch_xml(client):
    response = client.get("/opensearch.xml")
    assert (response.status_code, response.mimetype) == (
        200,
        "application/opensearchdescription+xml",
    )
    soup = BeautifulSoup(response.get_data(as_text=True), "xml")
    root = soup.find("OpenSearchDescription")
    assert (root.namespace, root.parent is soup) == (OPENSEARCH_NS, True)
    assert (soup.find("ShortName").get_text(), soup.find("InputEncoding").get_text()) == (
        "Knowledge Lab",
        "UTF-8",
    )
    assert {url["type"]: (url["template"], url.get("method")) for url in soup.find_all("Url")} == {
        "text/html": ("http://localhost/search?q={searchTerms}", "get"),
        "application/x-suggestions+json": (
            "http://localhost/suggest.json?format=opensearch&q={searchTerms}",
            "get",
        ),
        "application/opensearchdescription+xml": ("http://localhost/opensearch.xml", None),
    }


def test_the_description_names_the_host_it_was_asked_on(client):
    response = client.get("/opensearch.xml", base_url="https://library.example.org")
    soup = BeautifulSoup(response.get_data(as_text=True), "xml")
    assert soup.find("Url", type="text/html")["template"] == (
        "https://library.example.org/search?q={searchTerms}"
    )


@pytest.mark.parametrize(
    "url", ["/", "/search?q=footage", f"/resources/{HANDBOOK}", "/resources/no-such-resource"]
)
def test_every_page_links_the_description(client, url):
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    links = soup.find_all("link", rel="search")
    assert [(link["type"], link["href"], link.get("title")) for link in links] == [
        ("application/opensearchdescription+xml", "/opensearch.xml", "Knowledge Lab resources")
    ]


def test_opensearch_suggestions_are_the_query_and_its_completions(client):
    response = client.get("/suggest.json?format=opensearch&q=cri")
    plain = client.get("/suggest.json?q=cri").get_json()["suggestions"]
    assert response.mimetype == "application/json"
    assert response.get_json() == [
        "cri",
        [MENTAL_HEALTH, "Crisis Intervention Team Handbook"],
    ]
    assert response.get_json()[1] == [s["value"] for s in plain]


@pytest.mark.parametrize(("q", "completions"), [("c", []), ("zzxqv", []), ("", [])])
def test_opensearch_suggestions_without_completions(client, q, completions):
    response = client.get(f"/suggest.json?format=opensearch&q={q}")
    assert response.get_json() == [q, completions]
