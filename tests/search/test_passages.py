"""A result's documents and passages from stored fields (`search_app.passages`)."""

from __future__ import annotations

import pytest

from search_app.passages import analysed, documents, passages

VERSION = "v20260101T000000000000Z-1"
PDF_RECORD = {"source": "files/a b.pdf", "format": "pdf", "pages": 3, "size": 10, "sha256": "1"}


def fields(*records: dict, pages=None) -> dict:
    stored = {"documents": list(records)}
    if pages is not None:
        stored["document_pages"] = pages
    return stored


def test_documents_link_local_files_by_version_and_keep_outside_links():
    outside = {"source": "https://example.org/r.pdf", "format": "link"}
    missing = {
        "source": "files/gone.pdf",
        "format": "pdf",
        "problem": "DocumentMissing",
        "level": "error",
        "message": "no such file in the corpus",
    }
    scanned = {**PDF_RECORD, "source": "files/scan.pdf", "pages": 0, "level": "warning"}
    assert documents(fields(PDF_RECORD, outside, missing, scanned), VERSION) == [
        {
            "source": "files/a b.pdf",
            "format": "pdf",
            "pages": 3,
            "size": 10,
            "link": f"/documents/{VERSION}/files/a%20b.pdf",
            "label": "Open the document (PDF, 3 pages)",
        },
        {
            "source": "https://example.org/r.pdf",
            "format": "link",
            "pages": None,
            "size": None,
            "link": "https://example.org/r.pdf",
            "label": "Open the document (on another site)",
        },
        {
            "source": "files/scan.pdf",
            "format": "pdf",
            "pages": 0,
            "size": 10,
            "link": f"/documents/{VERSION}/files/scan.pdf",
            "label": "Open the document (PDF)",
        },
    ]


def test_passages_rank_phrase_pages_then_more_words_and_keep_three():
    pages = [["kangaroo alone", "kangaroo wallaby wallaby", "kangaroo wallaby", "wallaby kangaroo"]]
    found = passages(fields(PDF_RECORD, pages=pages), {"kangaroo", "wallabi"}, VERSION)
    assert [(p["page"], p["link"]) for p in found] == [
        (2, f"/documents/{VERSION}/files/a%20b.pdf#page=2"),
        (3, f"/documents/{VERSION}/files/a%20b.pdf#page=3"),
        (4, f"/documents/{VERSION}/files/a%20b.pdf#page=4"),
    ]
    phrase = passages(
        fields(PDF_RECORD, pages=pages),
        {"kangaroo", "wallabi"},
        VERSION,
        (("wallabi", "kangaroo"),),
    )
    # "wallaby | kangaroo" across the break of pages 2 and 3, and on page 4; only those.
    assert [p["page"] for p in phrase] == [2, 4]
    assert passages(fields(PDF_RECORD, pages=pages), {"platypu"}, VERSION) == []
    assert passages(fields(PDF_RECORD), {"kangaroo"}, VERSION) == []


def test_pages_are_ranked_from_the_positions_given_and_only_those_shown_are_read(monkeypatch):
    """With the index's positions and page starts (what a search passes), no page is
    analysed to rank them: only a page shown is read, up to its first matched word."""
    import search_app.passages as module

    pages = [[f"kangaroo page {n}" if n % 10 == 0 else f"page {n} emu" for n in range(40)]]
    starts, where = analysed(pages)
    stored = {**fields(PDF_RECORD, pages=pages), "document_page_starts": starts}
    read = []
    offset_of = module._offset_of
    monkeypatch.setattr(
        module, "_offset_of", lambda text, k: read.append(text) or offset_of(text, k)
    )
    monkeypatch.setattr(module, "analysed", lambda pages_of: pytest.fail("pages analysed"))
    found = passages(stored, {"kangaroo"}, VERSION, where=where)
    assert [p["page"] for p in found] == [1, 11, 21]
    assert read == ["kangaroo page 0", "kangaroo page 10", "kangaroo page 20"]
    read.clear()
    phrase = passages(stored, {"kangaroo", "emu"}, VERSION, (("emu", "kangaroo"),), where=where)
    # "emu | kangaroo" across the breaks of pages 10-11, 20-21, 30-31: pages 10, 20, 30.
    assert [p["page"] for p in phrase] == [10, 20, 30]
    assert read == [f"page {n} emu" for n in (9, 19, 29)]


def test_positions_for_other_pages_than_the_stored_ones_are_not_trusted():
    """Page starts that do not match the pages (one per page of each document) are
    ignored: the pages are analysed instead."""
    pages = [["emu", "kangaroo wallaby"]]
    starts, where = analysed(pages)
    for wrong in ([[0]], [[0, 1], [2]], None, "0,1"):
        stored = {**fields(PDF_RECORD, pages=pages), "document_page_starts": wrong}
        assert [p["page"] for p in passages(stored, {"wallabi"}, VERSION, where=where)] == [2]


def test_a_passage_starts_at_the_first_matched_word_of_its_page():
    text = "The of and " + "filler " * 60 + "kangaroo at last " + "more " * 200
    found = passages(fields(PDF_RECORD, pages=[[text]]), {"kangaroo"}, VERSION)
    snippet = found[0]["snippet"]
    assert snippet.count(">kangaroo</mark>") == 1
    assert snippet.startswith("filler") and snippet.count("filler") < 60
