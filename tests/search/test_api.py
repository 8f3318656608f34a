"""The JSON API: /search.json, /resources/<id>.json, /healthz, errors and index reloads
(search_app/views.py, search_app/snapshots.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from indexer.build import build
from indexer.store import CURRENT_FILE, IndexStore
from search_app import create_app
from search_app import views as views_module

from .conftest import (
    ALL_IDS_NEWEST_FIRST,
    CHECKLIST,
    FILM,
    FOOTAGE,
    HANDBOOK,
    MENTAL_HEALTH,
    OUTCOMES,
    RESOURCES,
    SURVEY,
    USE_OF_FORCE,
    ids,
    resource_page,
    write_library,
)
from .test_params import BAD_PARAMETERS

RESPONSE_KEYS = [
    "query",
    "total",
    "page",
    "per_page",
    "results",
    "facets",
    "suggestions",
    "links",
    "index",
    "took_ms",
]
QUERY_KEYS = [
    "q",
    "mode",
    "expansions",
    "fallback",
    "notices",
    "filters",
    "sort",
    "min_match",
    "min_match_total",
]
RESULT_KEYS = [
    "id",
    "title",
    "url",
    "types",
    "topics",
    "year",
    "snippet",
    "title_html",
    "matched_fields",
    "score",
    "snippet_page",
    "snippet_link",
    "documents",
    "passages",
]
NO_RESOURCE = "There is no resource with that id."
NO_PAGE = "There is no page at this address."


def error(status: int, message: str) -> dict:
    return {"error": {"status": status, "message": message}}


def marks(html: str) -> list[str]:
    """The texts a highlighted snippet marks."""
    return [mark.get_text() for mark in BeautifulSoup(html, "html.parser").find_all("mark")]


def test_the_response_keys_are_a_stable_contract(search):
    response = search(q="footage")
    assert list(response) == RESPONSE_KEYS
    assert list(response["query"]) == QUERY_KEYS
    assert [list(result) for result in response["results"]] == [RESULT_KEYS, RESULT_KEYS]
    assert list(response["facets"]) == ["topic", "type", "year"]
    assert list(response["suggestions"]) == ["did_you_mean", "remove_filters", "some_words"]
    assert list(response["links"]) == ["self", "next", "prev"]
    assert list(response["index"]) == ["documents", "version", "built_at"]
    assert isinstance(response["took_ms"], float) and response["took_ms"] >= 0


def test_the_query_block(search):
    response = search(q="CIT", type="report", year_from="2015", sort="newest")
    assert response["query"] == {
        "q": "CIT",
        "mode": "all",
        "expansions": [{"term": "CIT", "expanded_to": ["crisis intervention team"]}],
        "fallback": None,
        "notices": [],
        "filters": {
            "topic": [],
            "type": ["Report"],
            "year_from": 2015,
            "year_to": None,
            "year": [],
        },
        "sort": "newest",
        "min_match": 1,
        "min_match_total": 1,
    }
    assert (response["total"], ids(response)) == (1, [SURVEY])


def test_a_result_in_full_with_its_hostile_text_escaped(search):
    [result] = search(q="zeppelin")["results"]
    score = result.pop("score")
    assert isinstance(score, float) and score > 0
    assert result == {
        "id": FOOTAGE,
        "title": "Body Camera Footage Review",
        "url": f"/resources/{FOOTAGE}/",
        "types": ["Report", "Video"],
        "topics": ["Technology Implementation", "Officer Safety and Wellness"],
        "year": 2019,
        "snippet": "Auditors flagged a clip captioned &lt;script&gt;alert('"
        '<mark class="match term0">zeppelin</mark>'
        "')&lt;/script&gt; during the audit",
        "title_html": "Body Camera Footage Review",
        "matched_fields": ["body"],
        "snippet_page": None,
        "snippet_link": None,
        "documents": [],
        "passages": [],
    }
    soup = BeautifulSoup(result["snippet"], "html.parser")
    assert (soup.find("script"), marks(result["snippet"])) == (None, ["zeppelin"])
    assert "<script>alert('zeppelin')</script>" in soup.get_text()


def test_matched_words_are_marked_in_titles_and_snippets(search):
    results = search(q="footage")["results"]
    assert [(r["id"], marks(r["title_html"]), marks(r["snippet"])) for r in results] == [
        (FOOTAGE, ["Footage"], ["footage"]),
        (FILM, [], ["footage"]),
    ]


def test_an_undated_result_has_a_null_year(search):
    [result] = search(q="checklist")["results"]
    assert (result["id"], result["year"]) == (CHECKLIST, None)


def test_a_browsing_result_shows_the_start_of_its_description(search):
    result = search()["results"][0]
    assert (result["id"], result["snippet"], result["title_html"], result["score"]) == (
        OUTCOMES,
        "Measured reductions in injuries after training.",
        "De-escalation Training Outcomes",
        None,
    )


def test_paging_covers_every_result_once(client):
    pages, url = [], "/search.json?per_page=3"
    while url:
        response = client.get(url).get_json()
        pages.append((response["page"], ids(response), response["links"]))
        url = response["links"]["next"]
    assert pages == [
        (
            1,
            ALL_IDS_NEWEST_FIRST[:3],
            {
                "self": "/search.json?per_page=3",
                "next": "/search.json?page=2&per_page=3",
                "prev": None,
            },
        ),
        (
            2,
            ALL_IDS_NEWEST_FIRST[3:6],
            {
                "self": "/search.json?page=2&per_page=3",
                "next": "/search.json?page=3&per_page=3",
                "prev": "/search.json?per_page=3",
            },
        ),
        (
            3,
            ALL_IDS_NEWEST_FIRST[6:],
            {
                "self": "/search.json?page=3&per_page=3",
                "next": None,
                "prev": "/search.json?page=2&per_page=3",
            },
        ),
    ]


def test_a_page_past_the_end_is_empty(search):
    response = search(q="footage", page=5)
    assert (response["total"], response["page"], response["results"], response["links"]) == (
        2,
        5,
        [],
        {
            "self": "/search.json?q=footage&page=5",
            "next": None,
            "prev": "/search.json?q=footage&page=4",
        },
    )


def test_the_index_block_names_the_published_version(search, library_index):
    store = IndexStore(library_index)
    published = store.published()
    assert search()["index"] == {
        "documents": len(RESOURCES),
        "version": published.version,
        "built_at": published.manifest["built_at"],
    }


@pytest.mark.parametrize(
    ("q", "notice"),
    [
        ("footage " * 1250, "The query was cut to its first 1000 characters."),
        ("footage\x00\x07", "The query's control characters were ignored."),
        ('"footage', "The query had unbalanced quotes; its words were searched instead."),
        ("(footage", "The query had unbalanced parentheses; its words were searched instead."),
        (
            "*",
            "The query had a wildcard '*' with fewer than 2 letters before it; its words were"
            " searched instead.",
        ),
        (
            "title:",
            "The query had 'title:' with nothing after it; its words were searched instead.",
        ),
        ("foo:bar", "The query had unknown field 'foo:'; its words were searched instead."),
        (
            "footage AND",
            "The query had an AND, OR or NOT with nothing to join; its words were searched instead.",
        ),
    ],
)
def test_malformed_queries_are_answered_with_a_notice(client, q, notice):
    response = client.get("/search.json", query_string={"q": q})
    assert (response.status_code, response.get_json()["query"]["notices"]) == (200, [notice])


@pytest.mark.parametrize("path", ["/search.json", "/search.csv", "/search.ris", "/search.bib"])
@pytest.mark.parametrize(("pairs", "message"), BAD_PARAMETERS)
def test_bad_parameters_are_a_400_saying_which_and_why(client, path, pairs, message):
    response = client.get(path, query_string=pairs)
    assert (response.status_code, response.get_json()) == (400, error(400, message))


def test_a_resource_with_its_sources_and_related_resources(client, library_index):
    response = client.get(f"/resources/{HANDBOOK}.json")
    published = IndexStore(library_index).published()
    assert (response.status_code, response.get_json()) == (
        200,
        {
            "id": HANDBOOK,
            "title": "Crisis Intervention Team Handbook",
            "url": f"/resources/{HANDBOOK}/",
            "types": ["Guidebook/Tool"],
            "topics": [MENTAL_HEALTH, USE_OF_FORCE],
            "year": 2021,
            "description": "A field guide to the marmalade referral model for patrol officers.",
            "body": "Curriculum\n\nForty hours of scenario training alongside clinicians.",
            "sections": ["Curriculum"],
            "sources": [
                {"path": f"resources/{HANDBOOK}.html", "kind": "resource"},
                {
                    "path": "topics/use-of-force/page-1.html",
                    "kind": "listing",
                    "label": USE_OF_FORCE,
                },
            ],
            "related": [
                {
                    "id": OUTCOMES,
                    "title": "De-escalation Training Outcomes",
                    "year": 2023,
                    "types": ["Report"],
                },
                {
                    "id": SURVEY,
                    "title": "CIT Coordinator Survey",
                    "year": 2019,
                    "types": ["Report"],
                },
                {"id": FILM, "title": "Use of Force Reporting", "year": 2015, "types": ["Video"]},
            ],
            "index": {
                "documents": len(RESOURCES),
                "version": published.version,
                "built_at": published.manifest["built_at"],
            },
            "documents": [],
            "q": "",
            "passages": [],
        },
    )


def test_an_undated_resource(client):
    response = client.get(f"/resources/{CHECKLIST}.json").get_json()
    assert (response["year"], response["types"], response["body"], response["sections"]) == (
        None,
        ["Article"],
        "",
        [],
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/resources/no-such-resource.json", NO_RESOURCE),
        ("/resources/Crisis-Intervention-Team-Handbook.json", NO_RESOURCE),
        ("/resources/-leading-dash.json", NO_RESOURCE),
        ("/resources/under_score.json", NO_RESOURCE),
        ("/resources/" + "a" * 500 + ".json", NO_RESOURCE),
        ("/resources/%00.json", NO_RESOURCE),
        ("/resources/..%2F..%2Fetc%2Fpasswd.json", NO_PAGE),
        ("/resources/../../etc/passwd.json", NO_PAGE),
        # Read by the HTML route /resources/<id> as the id ".json", which is malformed.
        ("/resources/.json", NO_RESOURCE),
        ("/nothing-here.json", NO_PAGE),
    ],
)
def test_unknown_or_malformed_resource_ids_are_a_404(client, path, message):
    response = client.get(path)
    assert (response.status_code, response.get_json()) == (404, error(404, message))


def test_other_pages_answer_errors_in_html(client):
    response = client.get("/nothing-here")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert (response.status_code, response.mimetype) == (404, "text/html")
    assert (page.title.get_text(), page.h1.get_text()) == (
        f"{NO_PAGE} · National Law Enforcement Knowledge Lab",
        NO_PAGE,
    )


def test_healthz(client, library_index):
    published = IndexStore(library_index).published()
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (
        200,
        {
            "status": "ok",
            "index": {
                "documents": len(RESOURCES),
                "version": published.version,
                "built_at": published.manifest["built_at"],
            },
        },
    )


def test_an_unexpected_error_is_a_500_without_a_traceback(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(views_module, "run_search", broken)
    response = client.get("/search.json?q=footage")
    assert (response.status_code, response.get_json()) == (
        500,
        error(500, "Something went wrong on our side; please try again."),
    )


MISSING_PATHS = [
    "/search.json",
    "/search.json?q=footage",
    "/search.csv",
    "/search.ris",
    "/search.bib",
    f"/resources/{HANDBOOK}.json",
    "/suggest.json?q=cri",
    "/healthz",
]


@pytest.mark.parametrize("path", MISSING_PATHS)
def test_a_missing_index_is_a_503(tmp_path, path):
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    response = client.get(path)
    # The folder's path stays in the server log (tests/hardening/test_http_edges.py).
    message = "The search index is not available: no index is published yet; please try again later"
    assert (response.status_code, response.get_json()) == (503, error(503, message))


def test_a_damaged_index_is_a_503(tmp_path, library_index):
    index = tmp_path / "index"
    (index / "versions").mkdir(parents=True)
    version = IndexStore(library_index).current_version()
    (index / CURRENT_FILE).write_text(version + "\n", encoding="ascii")
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    response = client.get("/search.json")
    message = (
        f"The search index is not available: index version {version} is damaged: "
        "its files cannot be read"
    )
    assert (response.status_code, response.get_json()) == (503, error(503, message))


def test_a_searcher_is_reused_across_requests(app):
    holder = app.extensions["index_holder"]
    assert holder.snapshot() is holder.snapshot()


NEW_RESOURCE = (
    "quagga-patrol-notes",
    "Quagga Patrol Notes",
    ["Article"],
    2024,
    [USE_OF_FORCE],
    "<p>Notes from the quagga patrol.</p>",
    "",
)


def test_a_newly_published_index_is_seen_without_a_restart(tmp_path: Path):
    corpus = write_library(tmp_path / "corpus")
    index = tmp_path / "index"
    build(corpus, index)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    before = client.get("/search.json?q=quagga").get_json()
    (corpus / "resources" / f"{NEW_RESOURCE[0]}.html").write_text(
        resource_page(*NEW_RESOURCE), encoding="utf-8"
    )
    build(corpus, index)
    after = client.get("/search.json?q=quagga").get_json()
    assert (before["total"], before["index"]["documents"]) == (0, len(RESOURCES))
    assert (ids(after), after["index"]["documents"]) == (
        ["quagga-patrol-notes"],
        len(RESOURCES) + 1,
    )
    assert (
        after["index"]["version"]
        == IndexStore(index).current_version()
        != before["index"]["version"]
    )
    health = client.get("/healthz").get_json()
    assert health["index"]["version"] == after["index"]["version"]
    resource = client.get("/resources/quagga-patrol-notes.json")
    assert (resource.status_code, resource.get_json()["title"]) == (200, "Quagga Patrol Notes")
