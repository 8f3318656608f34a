"""PDF page text tidied: running headers, footers and page numbers dropped, broken words joined;
the documents folder kept out of the pages the indexer reads."""

from __future__ import annotations

import sys
from pathlib import Path

from bs4 import BeautifulSoup

from indexer.corpus import list_pages
from indexer.pagetext import clean_pages, rejoin_words

sys.path.insert(0, str(Path(__file__).parents[2] / "tools"))
import corpus_pages  # noqa: E402  (tools/ is not a package)


def page(number: int, *body: str, header: str = "Annual Report 2024  Agency") -> str:
    return "\r\n".join([header, *body, f"Page {number} of 3"])


def test_recurring_header_and_page_numbers_are_dropped_and_text_kept():
    pages = [
        page(1, "Annual Report 2024", "Introduction text."),
        page(2, "Second page text.", "Annual Report 2024 in the middle stays."),
        page(3, "Third page text."),
    ]
    assert clean_pages(pages) == (
        "Annual Report 2024\nIntroduction text.",
        "Second page text.\nAnnual Report 2024 in the middle stays.",
        "Third page text.",
    )


def test_a_line_on_one_page_only_is_text_not_a_header():
    pages = [
        "Unique opening\r\nbody one",
        "Other opening\r\nbody two",
        "Third opening\r\nbody three",
    ]
    assert clean_pages(pages) == tuple(p.replace("\r\n", "\n") for p in pages)


def test_a_single_page_keeps_its_first_line_but_not_a_lone_page_number():
    assert clean_pages(["Title line\r\nText.\r\n- 1 -"]) == ("Title line\nText.",)


def test_line_end_hyphens_are_decided_by_the_document_itself():
    pages = [
        "the enfor-\ncement of law and enforcement",  # printed whole elsewhere: joined
        "community-based work and community-\nbased care",  # printed hyphenated: kept
        "African\x02American and a rare-\nword",  # capitalised: kept; unknown: joined
        "soft\u00adhyphen never shows, a dash - alone stays, law enfor\ufffecement",
    ]
    assert rejoin_words(pages) == (
        "the enforcement of law and enforcement",
        "community-based work and community-based care",
        "African-American and a rareword",
        "softhyphen never shows, a dash - alone stays, law enforcement",
    )


def test_a_word_broken_across_pages_stays_on_the_first():
    assert rejoin_words(["ends with sub-", "recipient information", "Next page"]) == (
        "ends with subrecipient",
        "information",
        "Next page",
    )


def test_the_documents_folder_holds_no_pages(tmp_path):
    for relative in (
        "index.html",
        "files/report.html",
        "files/nested/x.htm",
        "topics/files/p.html",
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<html></html>")
    assert list_pages(tmp_path) == ["index.html", "topics/files/p.html"]


def test_document_links_are_rendered_in_the_resource_markup():
    resource = {
        "title": "A & B",
        "types": ["Policy"],
        "year": 2022,
        "topics": ["Use of Force"],
        "slug": "a-b",
        "documents": [
            {"href": "/files/a b.pdf", "format": "pdf", "label": "A & B"},
            {"href": "https://example.org/a", "format": "html", "label": "Online"},
        ],
    }
    soup = BeautifulSoup(corpus_pages.render_resource_page(resource), "lxml")
    links = soup.select("article.resource ul.resource-documents a.resource-document")
    assert [(a["href"], a["data-format"], a.get_text()) for a in links] == [
        ("/files/a b.pdf", "pdf", "A & B (PDF)"),
        ("https://example.org/a", "html", "Online (HTML)"),
    ]
    bare = BeautifulSoup(corpus_pages.render_resource_page({**resource, "documents": []}), "lxml")
    assert bare.select(".resource-documents") == []
