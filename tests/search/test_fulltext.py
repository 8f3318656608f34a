"""Full-text search of the shipped corpus's documents (issue 12): judged queries (a phrase
from inside a document, phrases across a page break, a question) with the resource and page
that must come first, and the links that lead to the document at that page, in the JSON, the
HTML and the CLI; and the documents served safely by index version."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from indexer.build import build
from indexer.schema import DOCUMENT_PAGE_STARTS, DOCUMENT_PAGES
from search_app import create_app
from search_app.cli import cli
from search_app.passages import passages
from search_app.scores import TermScores
from search_app.search import query_phrases, query_words
from search_app.snapshots import IndexHolder

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

EO_14053 = "executive-order-14053-improving-public-safety-and-criminal-justice-for-native"
EO_14074 = "executive-order-14074-advancing-effective-accountable-policing-and-criminal"
FERGUSON = "investigation-of-the-ferguson-police-department-section-i-report-summary"
REMARKS = "remarks-by-president-biden-and-vice-president-harris-at-signing-of-an-executive"
SAFER_AMERICA = "fact-sheet-president-biden-s-safer-america-plan"
EO_14053_PDF = "files/eo-14053-public-safety-native-americans-mmip-2021.pdf"
FERGUSON_PDF = "files/doj-crt-ferguson-investigation-report-summary-2015.pdf"
EO_14074_PDF = "files/eo-14074-advancing-effective-accountable-policing-2022.pdf"
REMARKS_HTML = "files/wh-remarks-signing-eo-14074-2022.html"
SAFER_AMERICA_DOCX = "files/wh-fact-sheet-safer-america-plan-2022.docx"
BODY_WORN_CAMERA_RESOURCES = {
    "body-worn-cameras-what-the-evidence-tells-us",
    "do-police-body-worn-cameras-reduce-citizen-fatalities-results-of-a-county-wide",
}

# query, the resource that must come first, its document and the page of its best passage.
JUDGED = [
    # "...including the unidentified | human remains": across the break of pages 3 and 4.
    ('"unidentified human remains"', EO_14053, EO_14053_PDF, 3),
    # "...despite acknowledging their needlessly | harmful consequences": pages 3 and 4.
    ('"needlessly harmful consequences"', FERGUSON, FERGUSON_PDF, 3),
    # A section heading on page 12 of a 21-page executive order.
    ('"ensuring appropriate use of body-worn cameras"', EO_14074, EO_14074_PDF, 12),
    # A question, answered on page 2 of the Ferguson report.
    ("how is Ferguson law enforcement shaped by the focus on revenue?", FERGUSON, FERGUSON_PDF, 2),
    # Inside the HTML document (one page) and the Word file (page 5 of 9).
    ('"elected district attorney"', REMARKS, REMARKS_HTML, 1),
    ('"clear court backlogs"', SAFER_AMERICA, SAFER_AMERICA_DOCX, 5),
]


@pytest.fixture(scope="module")
def shipped_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("fulltext") / "index"
    report = build(CORPUS, index)
    assert report.published and report.errors == 0, report.to_dict()
    return index


@pytest.fixture(scope="module")
def client(shipped_index):
    return create_app({"INDEX_DIR": str(shipped_index), "RATE_LIMIT": ""}).test_client()


@pytest.fixture(scope="module")
def version(client) -> str:
    return client.get("/healthz").get_json()["index"]["version"]


def marks(html: str) -> list[str]:
    return [mark.get_text() for mark in BeautifulSoup(html, "html.parser").find_all("mark")]


def fetch(client, url: str, **options):
    """A response read in full and closed (a served file is otherwise left open)."""
    with client.get(url, **options) as response:
        response.get_data()
        return response


def link_of(version: str, source: str, page: int | None = None) -> str:
    anchor = f"#page={page}" if page and source.endswith(".pdf") else ""
    return f"/documents/{version}/{source}{anchor}"


@pytest.mark.parametrize(("q", "resource_id", "source", "page"), JUDGED)
def test_judged_full_text_queries_find_the_resource_and_page_first(
    client, version, q, resource_id, source, page
):
    first = client.get("/search.json", query_string={"q": q}).get_json()["results"][0]
    assert first["id"] == resource_id
    assert "document" in first["matched_fields"]
    best = first["passages"][0]
    assert (best["page"], best["source"], best["link"]) == (
        page,
        source,
        link_of(version, source, page),
    )
    assert "<mark" in best["snippet"]


@pytest.mark.parametrize("arrays", [True, False], ids=["posting arrays", "whoosh postings"])
@pytest.mark.parametrize(
    "q",
    [q for q, *_ in JUDGED]
    + ["deadly force", "police department", '"use of force"', "body worn camera", "the revenue"],
)
def test_pages_found_from_the_postings_are_the_pages_the_text_shows(shipped_index, arrays, q):
    """A result's passages found from its words' positions in the index (the version's
    posting arrays, or Whoosh's postings) and the stored page starts are those found by
    analysing every page of its documents."""
    snapshot = IndexHolder(shipped_index).snapshot()
    if not arrays:  # a term cache that reads Whoosh's postings (no arrays folder)
        terms = TermScores(snapshot.shared.facets.size)
        snapshot = replace(snapshot, shared=replace(snapshot.shared, terms=terms))
    query = snapshot.builder.parse(q).query
    words, phrases = query_words(query), query_phrases(query)
    compared = 0
    for docnum in snapshot.searcher.reader().all_doc_ids():
        fields = snapshot.searcher.stored_fields(docnum)
        if not fields.get(DOCUMENT_PAGES):
            continue
        assert fields[DOCUMENT_PAGE_STARTS]
        where = snapshot.document_words(docnum)
        found = passages(fields, words, snapshot.version, phrases, where=where)
        assert found == passages(fields, words, snapshot.version, phrases), fields["id"]
        compared += bool(found)
    assert compared


@pytest.mark.parametrize("q", ['"remains human unidentified"', '"harmful needlessly consequences"'])
def test_the_same_words_in_another_order_are_no_phrase(client, q):
    assert client.get("/search.json", query_string={"q": q}).get_json()["total"] == 0


def test_a_result_snippet_is_its_best_passage_and_says_its_page(client, version):
    first = client.get("/search.json", query_string={"q": '"unidentified human remains"'})
    result = first.get_json()["results"][0]
    assert result["snippet_page"] == 3
    assert result["snippet_link"] == link_of(version, EO_14053_PDF, 3)
    assert result["snippet"] == result["passages"][0]["snippet"]
    # The passage runs on to the next page, where the phrase ends.
    assert marks(result["snippet"]) == ["unidentified", "human", "remains"]
    assert result["documents"] == [
        {
            "source": EO_14053_PDF,
            "format": "pdf",
            "pages": 5,
            "size": (CORPUS / EO_14053_PDF).stat().st_size,
            "link": link_of(version, EO_14053_PDF),
            "label": "Open the document (PDF, 5 pages)",
        }
    ]


def test_several_good_pages_show_up_to_three_passages_best_first(client):
    found = client.get("/search.json", query_string={"q": "deadly force"}).get_json()
    by_id = {result["id"]: result for result in found["results"]}
    pages = [passage["page"] for passage in by_id[EO_14074]["passages"]]
    assert len(pages) == 3 and len(set(pages)) == 3
    assert all(p["source"] == EO_14074_PDF for p in by_id[EO_14074]["passages"])
    assert all(
        {m.lower() for m in marks(p["snippet"])} & {"deadly", "force"}
        for p in by_id[EO_14074]["passages"]
    )


def test_a_text_match_keeps_its_snippet_without_a_page(client):
    found = client.get("/search.json", query_string={"q": "body-worn cameras"}).get_json()
    first = found["results"][0]
    assert (first["snippet_page"], first["snippet_link"], first["passages"]) == (None, None, [])


def test_short_precise_resources_are_not_drowned_by_long_documents(client):
    found = client.get("/search.json", query_string={"q": '"body-worn cameras"'}).get_json()
    ids = [result["id"] for result in found["results"]]
    assert set(ids[:2]) == BODY_WORN_CAMERA_RESOURCES
    assert EO_14074 in ids[2:]  # its report mentions them too: found, below the precise ones


def test_resource_json_lists_its_documents_and_the_passages_of_its_search(client, version):
    url = f"/resources/{EO_14053}.json"
    plain = client.get(url).get_json()
    assert plain["documents"] == [
        {
            "source": EO_14053_PDF,
            "format": "pdf",
            "pages": 5,
            "size": (CORPUS / EO_14053_PDF).stat().st_size,
            "link": link_of(version, EO_14053_PDF),
            "label": "Open the document (PDF, 5 pages)",
        }
    ]
    assert (plain["q"], plain["passages"]) == ("", [])
    searched = client.get(url, query_string={"q": '"unidentified human remains"'}).get_json()
    assert [(p["page"], p["link"]) for p in searched["passages"]] == [
        (3, link_of(version, EO_14053_PDF, 3))
    ]


def test_search_page_leads_to_the_document_and_its_page(client, version):
    page = client.get("/search", query_string={"q": '"unidentified human remains"'})
    soup = BeautifulSoup(page.data, "lxml")
    result = soup.select_one("li.result")
    # Its accessible name tells it from the results' own "Page 3" link.
    passages = result.select("a.passage__page")
    assert [(a.get_text(" ", strip=True), a["href"]) for a in passages] == [
        ("Page 3 of the document", link_of(version, EO_14053_PDF, 3))
    ]
    assert [(a.get_text(strip=True), a["href"]) for a in result.select("a.document-link")] == [
        ("Open the document (PDF, 5 pages)", link_of(version, EO_14053_PDF))
    ]
    assert result.select_one("h3 a")["href"] == f"/resources/{EO_14053}"
    pages_link = result.select_one("p.result__pages a")["href"]
    assert pages_link == f"/resources/{EO_14053}?q=%22unidentified+human+remains%22"
    # The resource page reached from the search lists the matching passages...
    resource = BeautifulSoup(client.get(pages_link).data, "lxml")
    assert [a["href"] for a in resource.select("a.passage__page")] == [
        link_of(version, EO_14053_PDF, 3)
    ]
    assert [a.get_text(strip=True) for a in resource.select("a.document-link")] == [
        "Open the document (PDF, 5 pages)"
    ]
    # ...and reached directly, only the document.
    direct = BeautifulSoup(client.get(f"/resources/{EO_14053}").data, "lxml")
    assert direct.select("a.passage__page") == []
    assert len(direct.select("a.document-link")) == 1


def test_resources_without_documents_show_no_document_links(client):
    found = client.get("/search", query_string={"q": '"body-worn cameras"'})
    first = BeautifulSoup(found.data, "lxml").select_one("li.result")
    assert first.select("a.document-link") == [] and first.select("a.passage__page") == []


def test_cli_prints_the_document_link_and_the_passage_page(shipped_index):
    output = CliRunner().invoke(
        cli, ["query", '"unidentified human remains"', "--index", str(shipped_index)]
    )
    assert output.exit_code == 0, output.output
    version = re.search(r"/documents/(v[^/]+)/", output.output).group(1)
    lines = [line.strip() for line in output.output.splitlines()]
    assert f"Open the document (PDF, 5 pages): {link_of(version, EO_14053_PDF)}" in lines
    assert f"page 3: {link_of(version, EO_14053_PDF, 3)}" in lines
    assert not any(line.startswith("page 4:") for line in lines)


def test_a_document_is_served_with_its_type_name_ranges_and_cache(client, version):
    link = link_of(version, EO_14053_PDF)
    data = (CORPUS / EO_14053_PDF).read_bytes()
    whole = fetch(client, link)
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Content-Type"] == "application/pdf"
    assert whole.headers["Content-Disposition"] == (
        "inline; filename=eo-14053-public-safety-native-americans-mmip-2021.pdf"
    )
    assert whole.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = fetch(client, link, headers={"Range": "bytes=0-99"})
    assert (part.status_code, part.data) == (206, data[:100])
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    again = fetch(client, link, headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304


def test_html_and_word_documents_are_sandboxed_or_downloaded(client, version):
    html = fetch(client, link_of(version, REMARKS_HTML))
    assert html.headers["Content-Type"].startswith("text/html")
    assert html.headers["Content-Security-Policy"].startswith("sandbox;")
    word = fetch(client, link_of(version, SAFER_AMERICA_DOCX))
    assert word.headers["Content-Disposition"] == (
        "attachment; filename=wh-fact-sheet-safer-america-plan-2022.docx"
    )


@pytest.mark.parametrize(
    "path",
    [
        "files/../files/eo-14053-public-safety-native-americans-mmip-2021.pdf",
        "files/%2e%2e/manifest.json",
        "../manifest.json",
        "pages.sqlite",
        "documents.json",
        "files/not-listed.pdf",
        "resources/executive-order-14053-improving-public-safety-and-criminal-justice-for-native.html",
    ],
)
def test_only_listed_documents_of_the_published_version_are_served(client, version, path):
    assert fetch(client, f"/documents/{version}/{path}").status_code == 404
    assert fetch(client, link_of(version, EO_14053_PDF)).status_code == 200


def test_a_link_to_another_version_moves_to_the_published_one(client, version):
    old = "/documents/v20200101T000000000000Z-1/" + EO_14053_PDF
    moved = fetch(client, old)
    assert (moved.status_code, moved.headers["Location"]) == (
        302,
        link_of(version, EO_14053_PDF),
    )
    gone = fetch(client, "/documents/v20200101T000000000000Z-1/files/not-listed.pdf")
    assert gone.status_code == 404


def test_a_word_found_only_in_documents_is_no_misspelling(client, monkeypatch):
    from search_app.spelling import Speller

    calls = []
    suggest = Speller.suggest

    def counted(self, text, *args, **options):
        calls.append(text)
        return suggest(self, text, *args, **options)

    monkeypatch.setattr(Speller, "suggest", counted)
    known = client.get("/search.json", query_string={"q": "unidentified"}).get_json()
    assert (known["total"], known["suggestions"]["did_you_mean"], calls) == (1, None, [])
    client.get("/search.json", query_string={"q": "unidentifeid"})
    assert calls == ["unidentifeid"]
