"""Step one and a half: a resource's document file -> pages of plain text.

A resource page may link documents (README "Documents"): a file inside the corpus, or an
outside address that is kept as a link and never fetched. This module finds the file safely
(inside the corpus after resolving symbolic links, a regular file, never a FIFO opened, at
most `MAX_DOCUMENT_BYTES`), and turns its bytes into a `Document`: a tuple of page texts.
PDFs are read with PDFium (pypdfium2: the fastest of the three libraries compared by
`bench/extraction.py`, and the best text), Word files with python-docx, HTML documents with
BeautifulSoup and lxml (the main text only), plain text as it is. Every bad case is an
exception named for its condition; `Document.failed` turns one into the record the build
reports. Running extraction in worker processes, with limits and a cache, is `extraction.py`.
No Whoosh and no Flask here.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .pagetext import clean_pages, join_lines
from .records import ERROR, WARNING, Problem

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 5_000  # more than any report the library lists; a page tree beyond is a bomb
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # what a .docx may inflate to
MAX_PACKING_RATIO = 100  # a part may inflate 100 times (text XML packs about 10 times)
MEGABYTE = 1024 * 1024

PDF, DOCX, HTML, TEXT, LINK = "pdf", "docx", "html", "txt", "link"
FORMATS = {".pdf": PDF, ".docx": DOCX, ".html": HTML, ".htm": HTML, ".txt": TEXT}
OUTSIDE_SCHEMES = ("http", "https")
PDF_MAGIC = b"%PDF-"
FORM_FEED = "\f"  # a plain-text page break
# Not the document's text: site furniture and code (the issue: "not navigation or footers").
HTML_NOISE = ("nav", "header", "footer", "aside", "script", "style", "noscript", "template")
HTML_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "pre", "blockquote")


class DocumentError(Exception):
    """A document that gives no text; the message says why, for the build report."""

    level = ERROR


class DocumentMissing(DocumentError):
    """The link names a file that is not in the corpus."""


class DocumentOutsideCorpus(DocumentError):
    """The link, or a symbolic link on its way, leads out of the corpus folder."""


class DocumentNotAFile(DocumentError):
    """The link names a folder, a FIFO, a device or a socket, which is never opened."""


class DocumentTooLarge(DocumentError):
    """The file is over `MAX_DOCUMENT_BYTES`."""


class UnsupportedFormat(DocumentError):
    """The file's suffix is none of the formats read."""


class EncryptedDocument(DocumentError):
    """The file needs a password to be read."""


class CorruptDocument(DocumentError):
    """The file is damaged or truncated, or not the format its suffix says."""


class DocumentBomb(DocumentError):
    """The file would unpack to far more than its size: pages or bytes beyond the limits."""


class ExtractionTimedOut(DocumentError):
    """The worker reading the file ran past the time limit and was stopped."""


class ExtractionCrashed(DocumentError):
    """The worker reading the file died: out of its memory limit, or a crash in a library."""


class NoTextLayer(DocumentError):
    """A PDF with pages but no text on them: scanned images, not searchable inside."""

    level = WARNING


@dataclass(frozen=True)
class Document:
    """One document of a resource: where it is, its format, and its text page by page.

    `source` is a corpus-relative path (`files/eo-14074.pdf`) or an outside address. A
    document that could not be read has no pages and names its `problem` (the exception's
    name, e.g. `EncryptedDocument`), its `level` and its `message`.
    """

    source: str
    format: str
    pages: tuple[str, ...] = ()
    size: int = 0
    sha256: str = ""
    problem: str | None = None
    level: str | None = None
    message: str | None = None

    @property
    def text(self) -> str:
        """All pages, separated by blank lines."""
        return "\n\n".join(page for page in self.pages if page)

    @classmethod
    def failed(cls, source: str, format: str, error: DocumentError, **known) -> Document:
        """The record of a document that gave no text, from the exception that says why."""
        return cls(
            source,
            format,
            problem=type(error).__name__,
            level=error.level,
            message=str(error),
            **known,
        )

    def report(self, path: str, element: str | None = None) -> Problem | None:
        """The build report's line for this document, found on page `path`; None if fine."""
        if self.problem is None:
            return None
        return Problem(self.level, path, f"document {self.source}: {self.message}", None, element)


def is_outside_link(href: str) -> bool:
    """Whether a document link is a web address (kept as a link, never fetched)."""
    return urlsplit(href.strip()).scheme.lower() in OUTSIDE_SCHEMES


def locate(page_path: str, href: str) -> str:
    """The corpus-relative path a page's document link names, or the outside address itself.

    `../files/x.pdf` on `resources/a.html` is `files/x.pdf`; `/files/x.pdf` is from the corpus
    root. A link climbing above the root, or of another scheme, is DocumentOutsideCorpus.
    """
    href = href.strip()
    if is_outside_link(href):
        return href
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        raise DocumentOutsideCorpus(f"link {href!r} is neither a corpus file nor a web address")
    path = unquote(parts.path)
    if path.startswith("/"):
        joined = posixpath.normpath(path.lstrip("/") or ".")
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_path), path or "."))
    if joined in (".", "..") or joined.startswith(("../", "/")):
        raise DocumentOutsideCorpus(f"link {href!r} leads outside the corpus folder")
    return joined


def format_of(source: str) -> str:
    """The format a document's suffix names, or LINK for an outside address."""
    if is_outside_link(source):
        return LINK
    suffix = posixpath.splitext(urlsplit(source).path)[1].lower()
    if suffix not in FORMATS:
        raise UnsupportedFormat(f"{suffix or 'no suffix'} is not a document format read here")
    return FORMATS[suffix]


def _resolved(corpus: Path, source: str) -> Path:
    """A corpus document's file, links followed, or the DocumentError of one outside it."""
    root = corpus.resolve()
    try:
        path = (root / source).resolve()
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError for a loop, 3.13 OSError
        raise DocumentNotAFile("a loop of symbolic links") from None
    if not path.is_relative_to(root):
        raise DocumentOutsideCorpus("the file (or a symbolic link to it) is outside the corpus")
    return path


def file_status(corpus: Path, source: str) -> list[int] | None:
    """A corpus document's file status (device, inode, size, modification and change times
    in nanoseconds), or None if it is no readable regular file: taken before the file is
    read, the same status later means the same bytes (a change or a replacement moves the
    change time)."""
    if is_outside_link(source):
        return None
    try:
        status = _resolved(corpus, source).stat()
    except (DocumentError, OSError):
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def read_document(corpus: Path, source: str, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of a corpus document, read safely, or the DocumentError that says why not."""
    path = _resolved(corpus, source)
    try:
        _check_file(path.stat(), limit)  # a FIFO or device is refused before it is opened
        # O_NONBLOCK: a FIFO swapped in after that check must not make the open wait.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise DocumentMissing("no such file in the corpus") from None
    except OSError as error:
        raise DocumentNotAFile(f"cannot open: {error.strerror or error}") from None
    with os.fdopen(descriptor, "rb") as handle:
        _check_file(os.fstat(handle.fileno()), limit)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise DocumentTooLarge(f"grew past the {limit / MEGABYTE:.0f} MB limit while read")
    return data


def _check_file(status: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise DocumentNotAFile("not a regular file (a folder, FIFO, device or socket)")
    if status.st_size > limit:
        raise DocumentTooLarge(
            f"{status.st_size / MEGABYTE:.1f} MB, over the {limit / MEGABYTE:.0f} MB limit"
        )


def sha256(data: bytes) -> str:
    """The content hash documents are cached by."""
    return hashlib.sha256(data).hexdigest()


def extract_pages(format: str, data: bytes) -> tuple[str, ...]:
    """The page texts of a document's bytes, or a DocumentError."""
    if format == PDF:
        return pdf_pages(data)
    if format == DOCX:
        return docx_pages(data)
    if format == HTML:
        return (html_text(data),)
    if format == TEXT:
        return tuple(page.strip() for page in decode_text(data).split(FORM_FEED))
    raise UnsupportedFormat(f"{format} is not a document format read here")


def pdf_pages(data: bytes) -> tuple[str, ...]:
    """A PDF's text layer, page by page, without running headers and footers."""
    import pypdfium2 as pdfium  # a worker's import: the build itself never loads PDFium
    import pypdfium2.raw as pdfium_c

    if not data.startswith(PDF_MAGIC):
        raise CorruptDocument("not a PDF (no %PDF- header)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedDocument("encrypted: needs a password to be read") from None
        raise CorruptDocument("damaged or truncated PDF: PDFium cannot open it") from None
    try:
        count = len(pdf)
        if count > MAX_PDF_PAGES:
            raise DocumentBomb(f"{count:,} pages, over the {MAX_PDF_PAGES:,} page limit")
        pages = []
        for number in range(count):
            page = pdf[number]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())  # a quarter faster than get_text_bounded
            textpage.close()
            page.close()
    except pdfium.PdfiumError:
        raise CorruptDocument("damaged PDF: PDFium cannot read a page") from None
    finally:
        pdf.close()
    if pages and not any(page.strip() for page in pages):
        raise NoTextLayer(
            f"no text layer, not searchable inside ({count} {_pages(count)} without text)"
        )
    return clean_pages(pages)


def _pages(count: int) -> str:
    return "page" if count == 1 else "pages"


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError) as error:
        raise CorruptDocument(f"damaged or truncated Word file ({error})") from None
    total = 0
    for member in archive.infolist():
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > MAX_UNPACKED_BYTES or (
            ratio > MAX_PACKING_RATIO and member.file_size > MEGABYTE
        ):
            raise DocumentBomb(
                f"{member.filename} unpacks to {member.file_size / MEGABYTE:.0f} MB, over"
                f" {MAX_PACKING_RATIO} times its packed size; a zip bomb"
            )
    return archive


def docx_pages(data: bytes) -> tuple[str, ...]:
    """A Word file's paragraphs and tables, in order, cut into pages at explicit page breaks.

    A .docx stores no pages: Word lays them out when it renders, so the only page boundaries
    in the file are the breaks an author typed (a page break, or "page break before" on a
    paragraph). Without any, the whole text is page 1.
    """
    import docx  # a worker's import
    from docx.oxml.ns import qn

    _check_zip(data)
    try:
        body = docx.Document(io.BytesIO(data)).element.body
    except Exception as error:  # python-docx raises many kinds on a damaged package
        raise CorruptDocument(f"not a readable Word file ({type(error).__name__})") from None
    text, br, tab, page_before = qn("w:t"), qn("w:br"), qn("w:tab"), qn("w:pageBreakBefore")
    pages, lines, line = [], [], []

    def end_page():
        lines.append("".join(line))
        line.clear()
        pages.append(join_lines(lines))
        lines.clear()

    for paragraph in body.iter(qn("w:p")):
        if paragraph.find(f"{qn('w:pPr')}/{page_before}") is not None and (lines or line):
            end_page()
        for node in paragraph.iter(text, br, tab):
            if node.tag == text:
                line.append(node.text or "")
            elif node.tag == tab:
                line.append("\t")
            elif node.get(qn("w:type")) == "page":
                end_page()
            else:
                line.append("\n")
        lines.append("".join(line))
        line.clear()
    pages.append(join_lines(lines))
    return tuple(page.strip() for page in pages)


def html_text(data: bytes) -> str:
    """An HTML document's main text: `<main>` (or the body) without navigation and footers."""
    from bs4 import BeautifulSoup  # pages.py reads pages; this reads documents, not pages

    soup = BeautifulSoup(data, "lxml")
    for tag in soup.find_all(HTML_NOISE):
        tag.decompose()
    main = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup
    for block in main.find_all(HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    return join_lines(main.get_text().splitlines())


def decode_text(data: bytes) -> str:
    """Plain text as UTF-8 (a BOM allowed), else as Windows-1252, which decodes any byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
