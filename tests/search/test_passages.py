"""A result's documents and passages from stored fields (`search_app.passages`)."""

from __future__ import annotations

from search_app.passages import documents, passages

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


def test_only_the_pages_shown_or_where_a_phrase_may_start_are_read_word_by_word(monkeypatch):
    """Pages are ranked from word counts; where their words are is read for the pages shown
    and for pages holding a phrase's words (a long report is not analysed word by word for
    every result)."""
    import search_app.passages as module

    read = []
    stems = module._stems
    monkeypatch.setattr(module, "_stems", lambda text: read.append(text) or stems(text))
    pages = [[f"page {n} kangaroo" if n % 10 == 0 else f"page {n} emu" for n in range(40)]]
    record = {**PDF_RECORD, "sha256": "only-shown"}
    found = passages(fields(record, pages=pages), {"kangaroo"}, VERSION)
    assert [p["page"] for p in found] == [1, 11, 21]
    assert read == ["page 0 kangaroo", "page 10 kangaroo", "page 20 kangaroo"]
    read.clear()
    phrase = passages(
        fields(record, pages=pages), {"kangaroo", "emu"}, VERSION, (("emu", "kangaroo"),)
    )
    assert [p["page"] for p in phrase] == [1, 2, 3]  # no "emu kangaroo": by words then
    # Read: where "emu" is before a page with "kangaroo" (9, 19, 29) with the page after,
    # then the three shown; not the 40 pages.
    assert sorted(set(read)) == sorted(
        {f"page {n} emu" for n in (9, 19, 29)}
        | {f"page {n} kangaroo" for n in (0, 10, 20, 30)}
        | {"page 1 emu", "page 2 emu"}
    )
