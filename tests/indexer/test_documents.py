"""Documents: every format read from the shipped files, every bad file the tests make reported
by name, workers bounded in time and memory, and the cache by content hash."""

from __future__ import annotations

import io
import os
import re
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from indexer import documents
from indexer.documents import (
    MAX_DOCUMENT_BYTES,
    Document,
    DocumentOutsideCorpus,
    extract_pages,
    locate,
)
from indexer.extraction import extract_all
from indexer.records import ERROR, WARNING, Problem

REPO = Path(__file__).parents[2]
CORPUS = REPO / "corpus"
sys.path.insert(0, str(REPO / "tools"))
import corpus_documents  # noqa: E402  (tools/ is not a package)

# ../shared beside the repository; a git worktree (/work/wt/<branch>) has it one level up.
FULLTEXT = next(
    (
        p / "shared" / "fulltext"
        for p in (REPO.parent, REPO.parent.parent)
        if (p / "shared").is_dir()
    ),
    REPO.parent / "shared" / "fulltext",
)
SHIPPED = {corpus_documents.document_file(entry): entry for entry in corpus_documents.FULLTEXT}
# The shipped documents' formats and page counts (PDF pages as typeset; Word pages from its
# explicit page breaks; an HTML document is one page).
SHIPPED_PAGES = {
    "files/doj-crt-ferguson-investigation-report-summary-2015.pdf": ("pdf", 6),
    "files/eo-14053-public-safety-native-americans-mmip-2021.pdf": ("pdf", 5),
    "files/eo-14074-advancing-effective-accountable-policing-2022.pdf": ("pdf", 21),
    "files/eo-14288-strengthening-law-enforcement-2025.pdf": ("pdf", 2),
    "files/wh-fact-sheet-eo-14074-first-anniversary-2023.pdf": ("pdf", 5),
    "files/wh-fact-sheet-eo-14074-second-anniversary-2024.pdf": ("pdf", 5),
    "files/wh-fact-sheet-eo-14074-signing-2022.pdf": ("pdf", 4),
    "files/wh-fact-sheet-safer-america-plan-2022.docx": ("docx", 9),
    "files/wh-remarks-signing-eo-14074-2022.html": ("html", 1),
}


def words(text: str) -> list[str]:
    """The words of a text, hyphens inside words left out, as the typesetter printed them.

    A hyphen at a line end may be the word's own (community-based) or the typesetter's
    (enfor-cement); extraction joins it unless the document prints the word with a hyphen
    elsewhere (pagetext.rejoin_words), and PDFium itself drops some: so words are compared
    without their inner hyphens. What is compared is everything else: every word, in order,
    with no header, footer or page number among them.
    """
    for character, substitute in corpus_documents.PDF_SUBSTITUTES.items():
        text = text.replace(character, substitute)
    return [re.sub(r"(?<=\w)-(?=\w)", "", word) for word in text.split()]


def source_words(entry) -> list[str]:
    """Every word of a shipped text in reading order: title, citation line, then the text."""
    stem, _, title, *_ = entry
    citation, blocks = corpus_documents.parse_text((FULLTEXT / f"{stem}.txt").read_text("utf-8"))
    return words(" ".join([title, citation, *(text for _, text in blocks)]))


def run(sources, corpus, cache, **options) -> dict[str, tuple]:
    """extract_all's outcome per source as (format, pages, problem, level, message)."""
    found = extract_all(sources, corpus, cache, **options)
    return {s: (d.format, len(d.pages), d.problem, d.level, d.message) for s, d in found.items()}


def text_pdf(pages: list[str]) -> bytes:
    """A small PDF with one line of text per page."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=LETTER, invariant=1)
    for text in pages:
        pdf.drawString(72, 700, text)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def scanned_pdf(pages: int) -> bytes:
    """A PDF of drawings only, like a scan: pages without a text layer."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=LETTER, invariant=1)
    for number in range(pages):
        for line in range(30):
            pdf.rect(72, 700 - 20 * line, 300 + 7 * number, 8, fill=1)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(["secret words"])))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_tree_bomb(pages: int) -> bytes:
    """A small PDF of `pages` pages, each the same page object."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b"3 0 R " * pages + b"] /Count %d >>" % pages,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    return _pdf(objects)


def doubling_tree_bomb(depth: int) -> bytes:
    """A PDF of a few hundred bytes whose page tree doubles `depth` times: 2**depth pages."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        child = level + 3
        objects.append(
            b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count %d >>"
            % (child, child, 2 ** (depth - level))
        )
    objects.append(b"<< /Type /Page /MediaBox [0 0 612 792] >>")
    return _pdf(objects)


def nesting_bomb(depth: int) -> bytes:
    """A PDF whose one page's resources are arrays nested `depth` deep."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /X "
        + b"[" * depth
        + b"]" * depth
        + b" >> >>",
    ]
    return _pdf(objects)


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def zip_bomb_docx() -> bytes:
    """A .docx whose document part inflates 1,000 times, to 20 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (20 * 1024 * 1024))
    return out.getvalue()


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    (root / "files").mkdir(parents=True)
    return root


def put(corpus: Path, name: str, data: bytes) -> str:
    (corpus / "files" / name).write_bytes(data)
    return f"files/{name}"


# -- the shipped documents: every format, real -------------------------------------------


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return extract_all(sorted(SHIPPED_PAGES), CORPUS, cache, processes=2)


def test_every_shipped_document_is_read(shipped):
    outcome = {s: (d.format, len(d.pages), d.problem) for s, d in shipped.items()}
    assert outcome == {s: (f, n, None) for s, (f, n) in SHIPPED_PAGES.items()}
    assert {
        s: d.sha256 == documents.sha256((CORPUS / s).read_bytes()) for s, d in shipped.items()
    } == dict.fromkeys(SHIPPED_PAGES, True)


@pytest.mark.skipif(not FULLTEXT.is_dir(), reason="../shared/fulltext is absent")
@pytest.mark.parametrize("source", sorted(SHIPPED_PAGES))
def test_shipped_document_text_is_the_source_text_word_for_word(shipped, source):
    """Word order kept, hyphenated words joined, running headers and page numbers gone."""
    assert words(shipped[source].text) == source_words(SHIPPED[source])


def test_pdf_furniture_is_removed_and_text_kept(shipped):
    document = shipped["files/eo-14074-advancing-effective-accountable-policing-2022.pdf"]
    first_lines = [page.splitlines()[0] for page in document.pages]
    assert first_lines[0].startswith("Executive Order 14074: Advancing Effective")
    assert not [
        line
        for line in first_lines
        if line.startswith(("Page ", "Executive Order 14074 The White House"))
    ]
    assert ("Page 7" in document.text, "JOSEPH R. BIDEN JR." in document.text) == (False, True)


def test_html_document_is_its_main_text_only(shipped):
    text = shipped["files/wh-remarks-signing-eo-14074-2022.html"].text
    assert "THE VICE PRESIDENT" in text
    assert [
        n
        for n in (
            "Briefing Room",
            "Pennsylvania Ave",
            "More from",
            "documentElement",
            "font-family",
        )
        if n in text
    ] == []


def test_word_pages_follow_explicit_page_breaks(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("alpha first page")
    document.add_page_break()
    document.add_paragraph("beta second page")
    document.add_paragraph("gamma pushed").paragraph_format.page_break_before = True
    out = io.BytesIO()
    document.save(out)
    assert extract_pages("docx", out.getvalue()) == (
        "alpha first page",
        "beta second page",
        "gamma pushed",
    )
    single = docx.Document()
    single.add_paragraph("no breaks at all")
    out = io.BytesIO()
    single.save(out)
    assert extract_pages("docx", out.getvalue()) == ("no breaks at all",)


def test_plain_text_pages_are_form_feed_separated():
    assert extract_pages("txt", "one\fzwei caf\u00e9".encode()) == ("one", "zwei caf\u00e9")
    assert extract_pages("txt", "caf\xe9".encode("cp1252")) == ("caf\u00e9",)


# -- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/files/a.pdf", "files/a.pdf"),
        ("../files/a%20b.pdf", "files/a b.pdf"),
        ("notes/a.txt", "resources/notes/a.txt"),
        ("https://example.org/report.pdf", "https://example.org/report.pdf"),
    ],
)
def test_locate_names_a_corpus_file_or_keeps_an_outside_address(href, expected):
    assert locate("resources/page.html", href) == expected


@pytest.mark.parametrize(
    ("href", "message"),
    [
        ("../../etc/passwd.pdf", "link '../../etc/passwd.pdf' leads outside the corpus folder"),
        ("/../x.pdf", "link '/../x.pdf' leads outside the corpus folder"),
        (
            "file:///etc/passwd",
            "link 'file:///etc/passwd' is neither a corpus file nor a web address",
        ),
        (
            "//evil.example/x.pdf",
            "link '//evil.example/x.pdf' is neither a corpus file nor a web address",
        ),
    ],
)
def test_locate_refuses_links_leaving_the_corpus(href, message):
    with pytest.raises(DocumentOutsideCorpus) as raised:
        locate("resources/page.html", href)
    assert str(raised.value) == message


# -- bad documents -------------------------------------------------------------------------


def test_every_bad_document_is_a_named_problem_and_the_good_one_is_read(corpus, tmp_path):
    good = put(corpus, "good.pdf", text_pdf(["quokka one", "quokka two"]))
    shipped = (CORPUS / "files" / "eo-14288-strengthening-law-enforcement-2025.pdf").read_bytes()
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(text_pdf(["outside"]))
    (corpus / "files" / "link-out.pdf").symlink_to(outside)
    (corpus / "files" / "link-in.pdf").symlink_to(corpus / "files" / "good.pdf")
    os.mkfifo(corpus / "files" / "fifo.pdf")
    (corpus / "files" / "loop.pdf").symlink_to(corpus / "files" / "loop.pdf")
    with open(corpus / "files" / "huge.pdf", "wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no disk used
    sources = [
        good,
        "files/link-in.pdf",
        put(corpus, "encrypted.pdf", encrypted_pdf()),
        put(corpus, "scanned.pdf", scanned_pdf(3)),
        put(corpus, "truncated.pdf", shipped[: len(shipped) // 2]),
        put(corpus, "not-a.pdf", b"<html>a page, named .pdf</html>"),
        put(corpus, "pages-bomb.pdf", page_tree_bomb(100_000)),
        put(corpus, "zip-bomb.docx", zip_bomb_docx()),
        put(corpus, "broken.docx", b"PK\x03\x04 not really a zip"),
        put(corpus, "sheet.xls", b"cells"),
        "files/huge.pdf",
        "files/missing.pdf",
        "files/link-out.pdf",
        "files/fifo.pdf",
        "files/loop.pdf",
        "https://example.org/report.pdf",
    ]
    started = time.monotonic()
    outcome = run(sources, corpus, tmp_path / "cache", processes=2, time_limit=20)
    assert time.monotonic() - started < 20
    assert outcome == {
        good: ("pdf", 2, None, None, None),
        "files/link-in.pdf": ("pdf", 2, None, None, None),
        "files/encrypted.pdf": (
            "pdf",
            0,
            "EncryptedDocument",
            ERROR,
            "encrypted: needs a password to be read",
        ),
        "files/scanned.pdf": (
            "pdf",
            0,
            "NoTextLayer",
            WARNING,
            "no text layer, not searchable inside (3 pages without text)",
        ),
        "files/truncated.pdf": (
            "pdf",
            0,
            "CorruptDocument",
            ERROR,
            "damaged or truncated PDF: PDFium cannot open it",
        ),
        "files/not-a.pdf": ("pdf", 0, "CorruptDocument", ERROR, "not a PDF (no %PDF- header)"),
        "files/pages-bomb.pdf": (
            "pdf",
            0,
            "DocumentBomb",
            ERROR,
            "100,000 pages, over the 5,000 page limit",
        ),
        "files/zip-bomb.docx": (
            "docx",
            0,
            "DocumentBomb",
            ERROR,
            "word/document.xml unpacks to 20 MB, over 100 times its packed size; a zip bomb",
        ),
        "files/broken.docx": (
            "docx",
            0,
            "CorruptDocument",
            ERROR,
            "damaged or truncated Word file (File is not a zip file)",
        ),
        "files/sheet.xls": (
            "xls",
            0,
            "UnsupportedFormat",
            ERROR,
            ".xls is not a document format read here",
        ),
        "files/huge.pdf": ("pdf", 0, "DocumentTooLarge", ERROR, "50.0 MB, over the 50 MB limit"),
        "files/missing.pdf": ("pdf", 0, "DocumentMissing", ERROR, "no such file in the corpus"),
        "files/link-out.pdf": (
            "pdf",
            0,
            "DocumentOutsideCorpus",
            ERROR,
            "the file (or a symbolic link to it) is outside the corpus",
        ),
        "files/fifo.pdf": (
            "pdf",
            0,
            "DocumentNotAFile",
            ERROR,
            "not a regular file (a folder, FIFO, device or socket)",
        ),
        "files/loop.pdf": ("pdf", 0, "DocumentNotAFile", ERROR, "a loop of symbolic links"),
        "https://example.org/report.pdf": ("link", 0, None, None, None),
    }


def test_deeply_nested_pdfs_end_within_the_time_limit(corpus, tmp_path):
    sources = [
        put(corpus, "nested.pdf", nesting_bomb(200_000)),
        put(corpus, "doubling.pdf", doubling_tree_bomb(40)),
    ]
    started = time.monotonic()
    outcome = run(sources, corpus, tmp_path / "cache", time_limit=10)
    assert time.monotonic() - started < 10
    assert outcome == {
        "files/nested.pdf": (
            "pdf",
            0,
            "NoTextLayer",
            WARNING,
            "no text layer, not searchable inside (1 page without text)",
        ),
        "files/doubling.pdf": (
            "pdf",
            0,
            "CorruptDocument",
            ERROR,
            "damaged or truncated PDF: PDFium cannot open it",
        ),
    }


def test_a_problem_goes_into_the_build_report_with_page_and_file():
    failed = Document.failed(
        "files/x.pdf", "pdf", documents.EncryptedDocument("encrypted: needs a password to be read")
    )
    assert failed.report("resources/x.html", "resource") == Problem(
        ERROR,
        "resources/x.html",
        "document files/x.pdf: encrypted: needs a password to be read",
        None,
        "resource",
    )
    assert Document("files/y.pdf", "pdf", pages=("text",)).report("resources/y.html") is None


# -- workers: time and memory limits -------------------------------------------------------


def slow_or_fast(format: str, data: bytes) -> tuple[str, ...]:
    """An extractor for the tests: sleeps on b'slow', dies on b'crash', hogs memory on b'hog'."""
    if data == b"slow":
        time.sleep(60)
    if data == b"crash":
        os._exit(3)
    if data == b"hog":
        hog = bytearray(4 * 1024 * 1024 * 1024)
        return (str(len(hog)),)
    return (data.decode(),)


def test_a_worker_over_the_time_limit_is_stopped_and_the_others_finish(corpus, tmp_path):
    names = {"a.txt": b"alpha", "slow.txt": b"slow", "b.txt": b"beta", "c.txt": b"gamma"}
    sources = [put(corpus, name, data) for name, data in names.items()]
    started = time.monotonic()
    outcome = run(
        sources, corpus, tmp_path / "cache", processes=2, time_limit=1.5, extract=slow_or_fast
    )
    assert time.monotonic() - started < 10
    assert outcome == {
        "files/a.txt": ("txt", 1, None, None, None),
        "files/slow.txt": (
            "txt",
            0,
            "ExtractionTimedOut",
            ERROR,
            "took over the 1.5 s time limit; stopped",
        ),
        "files/b.txt": ("txt", 1, None, None, None),
        "files/c.txt": ("txt", 1, None, None, None),
    }


def test_a_worker_that_dies_or_runs_out_of_memory_costs_one_document(corpus, tmp_path):
    names = {"crash.txt": b"crash", "a.txt": b"alpha", "hog.txt": b"hog", "b.txt": b"beta"}
    sources = [put(corpus, name, data) for name, data in names.items()]
    outcome = run(
        sources,
        corpus,
        tmp_path / "cache",
        processes=1,
        memory_limit=256 * 1024 * 1024,
        extract=slow_or_fast,
    )
    assert outcome == {
        "files/crash.txt": (
            "txt",
            0,
            "ExtractionCrashed",
            ERROR,
            "the worker died (a crash, or over its memory limit)",
        ),
        "files/a.txt": ("txt", 1, None, None, None),
        "files/hog.txt": ("txt", 0, "ExtractionCrashed", ERROR, "ran out of its memory limit"),
        "files/b.txt": ("txt", 1, None, None, None),
    }


# -- the cache -----------------------------------------------------------------------------


def counting(log: Path):
    def extract(format: str, data: bytes) -> tuple[str, ...]:
        with log.open("a") as handle:
            handle.write(data.decode(errors="replace")[:20].replace("\n", " ") + "\n")
        return slow_or_fast(format, data) if data in (b"slow",) else extract_pages(format, data)

    return extract


def test_an_unchanged_document_is_never_extracted_again(corpus, tmp_path):
    log, cache = tmp_path / "calls.log", tmp_path / "cache"
    sources = [
        put(corpus, "a.txt", b"alpha"),
        put(corpus, "b.txt", b"beta"),
        put(corpus, "encrypted.pdf", encrypted_pdf()),
        put(corpus, "slow.txt", b"slow"),
    ]
    copies = [put(corpus, "a-copy.txt", b"alpha")]
    cached = []

    def extract_twice():
        cached.clear()
        log.write_text("")
        found = extract_all(
            sources + copies,
            corpus,
            cache,
            processes=2,
            time_limit=1,
            extract=counting(log),
            on_document=lambda d, c: cached.append((d.source, c)),
        )
        return sorted(line[:5] for line in log.read_text().splitlines()), found

    calls, first = extract_twice()
    assert calls == ["%PDF-", "alpha", "alpha", "beta", "slow"]
    # Second run: only the timed-out document is tried again (a timeout may be load).
    calls, second = extract_twice()
    assert calls == ["slow"]
    assert sorted(cached) == [
        ("files/a-copy.txt", True),
        ("files/a.txt", True),
        ("files/b.txt", True),
        ("files/encrypted.pdf", True),
        ("files/slow.txt", False),
    ]
    assert {s: d for s, d in second.items() if s != "files/slow.txt"} == {
        s: d for s, d in first.items() if s != "files/slow.txt"
    }
    # A changed document, and only it, is extracted again.
    put(corpus, "b.txt", b"beta, edited")
    calls, third = extract_twice()
    assert (calls, third["files/b.txt"].pages) == (["beta,", "slow"], ("beta, edited",))


def test_a_damaged_cache_entry_is_extracted_again(corpus, tmp_path):
    log, cache = tmp_path / "calls.log", tmp_path / "cache"
    source = put(corpus, "a.txt", b"alpha")
    extract_all([source], corpus, cache, extract=counting(log))
    for entry in cache.rglob("*.json"):
        entry.write_text("{not json")
    found = extract_all([source], corpus, cache, extract=counting(log))
    assert (log.read_text().splitlines(), found[source].pages) == (["alpha", "alpha"], ("alpha",))
