"""The documents of resources in the build (issue 12): bad documents named in the report with
the resource still indexed, the content-hash cache that a rebuild and `update` reuse, and the
files a published version carries."""

from __future__ import annotations

import json
import os
from pathlib import Path

from whoosh.fields import STORED

from indexer.build import build
from indexer.extraction import DocumentCache
from indexer.schema import make_schema
from indexer.shelf import EXTRACTED_DIR, FILES_DIR, LISTING_FILE
from indexer.store import IndexStore
from indexer.update import update
from tests.conftest import resource_page, stored_documents, write_page

NOTES_ID = "wombat-notes"
NOTES_PAGE = f"resources/{NOTES_ID}.html"
NOTES_TEXT = "wombat burrows numbat\fsecond page about bilby tunnels"


def links(*hrefs: str) -> str:
    items = "".join(f'<li><a class="resource-document" href="{href}">x</a></li>' for href in hrefs)
    return f'<ul class="resource-documents">{items}</ul>'


def with_documents(corpus: Path, *hrefs: str) -> Path:
    page = resource_page("Wombat Notes", "Report | 2020", ["Use of Force"], body="<p>Short.</p>")
    page = page.replace("</article>", links(*hrefs) + "</article>")
    write_page(corpus, NOTES_PAGE, page)
    write_page(corpus, "files/notes.txt", NOTES_TEXT)
    return corpus


def stored(index: Path, resource_id: str) -> dict:
    return next(d for d in stored_documents(index) if d["id"] == resource_id)


def test_bad_documents_are_named_in_the_report_and_the_resource_still_indexed(corpus, tmp_path):
    write_page(corpus, "files/broken.pdf", "not a PDF at all")
    write_page(corpus, "files/tool.exe", "MZ")
    with_documents(
        corpus,
        "/files/notes.txt",
        "../files/missing.pdf",
        "/files/broken.pdf",
        "/files/tool.exe",
        "../../../etc/passwd",
        "https://example.org/report.pdf",
    )
    index = tmp_path / "index"
    report = build(corpus, index)
    assert report.published
    assert [str(p) for p in report.sorted_problems() if p.path == NOTES_PAGE] == [
        f"error: {NOTES_PAGE} (resource): document link skipped: link '../../../etc/passwd'"
        " leads outside the corpus folder",
        f"error: {NOTES_PAGE} (resource): document files/missing.pdf: no such file in the corpus",
        f"error: {NOTES_PAGE} (resource): document files/broken.pdf: not a PDF (no %PDF- header)",
        f"error: {NOTES_PAGE} (resource): document files/tool.exe: .exe is not a document"
        " format read here",
    ]
    fields = stored(index, NOTES_ID)
    assert [(d["source"], d["format"], d.get("problem")) for d in fields["documents"]] == [
        ("files/notes.txt", "txt", None),
        ("files/missing.pdf", "pdf", "DocumentMissing"),
        ("files/broken.pdf", "pdf", "CorruptDocument"),
        ("files/tool.exe", "exe", "UnsupportedFormat"),
        ("https://example.org/report.pdf", "link", None),
    ]
    assert fields["document_pages"] == [
        ["wombat burrows numbat", "second page about bilby tunnels"],
        [],
        [],
        [],
        [],
    ]
    listing = json.loads((IndexStore(index).published().path / LISTING_FILE).read_text())
    served = {source for source, entry in listing.items() if entry["served"]}
    assert served == {"files/notes.txt"}


def test_a_page_without_document_links_has_no_documents(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    assert all("documents" not in fields for fields in stored_documents(index))


def test_a_rebuild_reads_extracted_text_from_the_cache(corpus, tmp_path):
    index = tmp_path / "index"
    build(with_documents(corpus, "/files/notes.txt"), index)
    cache = DocumentCache(index / EXTRACTED_DIR)
    [cached] = cache.folder.rglob("*.json")
    # Changed behind the build's back: a rebuild that extracted again would not see it.
    cached.write_text(json.dumps({**json.loads(cached.read_text()), "pages": ["from cache"]}))
    build(corpus, index)
    assert stored(index, NOTES_ID)["document_pages"] == [["from cache"]]


def test_update_re_extracts_a_changed_document_and_rewrites_only_its_resource(corpus, tmp_path):
    index = tmp_path / "index"
    build(with_documents(corpus, "/files/notes.txt"), index)
    store = IndexStore(index)
    first = store.published().path
    unchanged = update(corpus, index)
    assert (unchanged.published, unchanged.documents_updated) == (False, 0)
    write_page(corpus, "files/notes.txt", "platypus ledger")
    report = update(corpus, index)
    assert (report.published, report.documents_updated, report.documents_added) == (True, 1, 0)
    assert stored(index, NOTES_ID)["document_pages"] == [["platypus ledger"]]
    second = store.published().path
    listing = json.loads((second / LISTING_FILE).read_text())
    entry = listing["files/notes.txt"]
    assert (second / FILES_DIR / entry["sha256"]).read_text() == "platypus ledger"
    assert entry["ids"] == [NOTES_ID]
    assert json.loads((first / LISTING_FILE).read_text())["files/notes.txt"] != entry


def test_an_unchanged_document_is_linked_from_the_version_before(corpus, tmp_path):
    index = tmp_path / "index"
    build(with_documents(corpus, "/files/notes.txt"), index)
    store = IndexStore(index)
    first = store.published().path
    write_page(corpus, "resources/extra.html", resource_page("Extra Page", "Report | 2020"))
    assert update(corpus, index).published
    second = store.published().path
    [old] = (first / FILES_DIR).iterdir()
    new = second / FILES_DIR / old.name
    assert new.stat().st_ino == old.stat().st_ino


def reads_of_documents(monkeypatch) -> list[str]:
    """The document files read (by extraction, or to be placed in a version), as they are."""
    import indexer.extraction
    import indexer.shelf

    read = []
    original = indexer.extraction.read_document

    def counted(corpus, source, *args):
        read.append(source)
        return original(corpus, source, *args)

    monkeypatch.setattr(indexer.extraction, "read_document", counted)
    monkeypatch.setattr(indexer.shelf, "read_document", counted)
    return read


def test_update_reads_again_only_the_documents_whose_file_status_changed(
    corpus, tmp_path, monkeypatch
):
    """A document whose file has the status it had when read (device, inode, size,
    modification and change times) keeps its listing entry and its file without being read;
    one rewritten in place, even with its size and modification time put back, is read."""
    index = tmp_path / "index"
    write_page(corpus, "files/other.txt", "echidna spines")
    build(with_documents(corpus, "/files/notes.txt", "/files/other.txt"), index)
    store = IndexStore(index)
    first = store.published().path
    listed = json.loads((first / LISTING_FILE).read_text())
    assert all(len(entry["status"]) == 5 for entry in listed.values())
    read = reads_of_documents(monkeypatch)
    write_page(corpus, "resources/extra.html", resource_page("Extra Page", "Report | 2020"))
    assert update(corpus, index).published
    assert read == []
    second = store.published().path
    assert json.loads((second / LISTING_FILE).read_text()) == listed
    for entry in listed.values():
        assert (second / FILES_DIR / entry["sha256"]).stat().st_ino == (
            first / FILES_DIR / entry["sha256"]
        ).stat().st_ino
    # Same size, modification time put back: the change time still moves.
    path = corpus / "files/notes.txt"
    before = path.stat()
    path.write_text(NOTES_TEXT.replace("wombat", "wallab"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    report = update(corpus, index)
    # The changed file extracted, then placed in the version; the resource's other
    # document read for its rewritten index document.
    assert sorted(read) == ["files/notes.txt", "files/notes.txt", "files/other.txt"]
    assert (report.published, report.documents_updated) == (True, 1)
    assert stored(index, NOTES_ID)["document_pages"][0][0] == "wallab burrows numbat"


def test_a_listing_without_file_status_has_every_document_read_again(corpus, tmp_path, monkeypatch):
    """A version published before file statuses were listed: `update` reads every
    document again, and lists their statuses from then on."""
    index = tmp_path / "index"
    build(with_documents(corpus, "/files/notes.txt"), index)
    first = IndexStore(index).published().path
    listing = json.loads((first / LISTING_FILE).read_text())
    for entry in listing.values():
        del entry["status"]
    (first / LISTING_FILE).write_text(json.dumps(listing))
    read = reads_of_documents(monkeypatch)
    write_page(corpus, "resources/extra.html", resource_page("Extra Page", "Report | 2020"))
    assert update(corpus, index).published
    assert read == ["files/notes.txt"]
    second = IndexStore(index).published().path
    assert json.loads((second / LISTING_FILE).read_text())["files/notes.txt"]["status"]


def test_update_of_an_index_with_other_fields_is_a_full_build(corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    build(corpus, index)
    assert [p.message for p in update(corpus, index).problems] == []

    def older_schema():  # an index written before a field was added, as this one sees it
        schema = make_schema()
        schema.add("added_later", STORED())
        return schema

    monkeypatch.setattr("indexer.update.make_schema", older_schema)
    report = update(corpus, index)
    assert (report.published, [p.message for p in report.problems]) == (
        True,
        ["the published index has other fields than this indexer writes: full build"],
    )


def test_catalog_documents_join_the_resource_pages_own_page_first(corpus, tmp_path):
    with_documents(corpus, "/files/notes.txt")
    write_page(corpus, "files/more.txt", "echidna appendix")
    rows = [
        {"id": NOTES_ID, "documents": ["files/more.txt", "/files/notes.txt"]},
        {"id": "x", "documents": ["../outside.pdf"]},
    ]
    write_page(corpus, "catalog.jsonl", "\n".join(json.dumps(row) for row in rows))
    index = tmp_path / "index"
    report = build(corpus, index)
    assert [str(p) for p in report.sorted_problems() if p.path == "catalog.jsonl"] == [
        "error: catalog.jsonl:2: documents: link '/../outside.pdf' leads outside the corpus"
        " folder; row skipped"
    ]
    fields = stored(index, NOTES_ID)
    assert [d["source"] for d in fields["documents"]] == ["files/notes.txt", "files/more.txt"]
    assert fields["document_pages"][1] == ["echidna appendix"]
