"""Step four of a search, for documents: a result's documents and its best passages.

The index keeps each document's page texts (stored field `document_pages`), where each page
begins among the positions of the `document` field (`document_page_starts`), and what is
known of the document (`documents`: source, format, pages, size). A passage is one page: the
pages are ranked by how many of the query's distinct words they hold, then by how often they
hold them, then by page number; the best `MAX_PASSAGES` are shown, each a highlighted
snippet with its page number and a link to the document at that page (`#page=N`, which PDF
viewers follow). Which pages hold which words comes from the index: each query word's
positions in the resource's `document` field (the version's mapped posting arrays) fall on
the pages whose starts precede them, so a 40-page report is never read to rank its pages;
only a page shown is read, up to its first matched word.

A local document's link names the index version it was published with
(`/documents/<version>/<source>`), so that a rebuild and its documents switch together;
an outside address is kept as the link itself.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import numpy as np

from indexer.documents import DOCX, HTML, LINK, PDF, TEXT, is_outside_link
from indexer.records import ERROR
from indexer.schema import DOCUMENT_PAGE_STARTS, DOCUMENT_PAGES, DOCUMENTS, WORD

from .highlights import TEXT_WORDS

MAX_PASSAGES = 3
PASSAGE_CHARS = 400  # of a page, from the first matched word (or phrase), highlighted
PASSAGE_BEFORE = 120  # and before it
DOCUMENTS_PATH = "/documents"
# A word's positions in a resource's `document` field, sorted.
Where = Callable[[str], np.ndarray]
FORMAT_LABELS = {PDF: "PDF", DOCX: "Word", HTML: "web page", TEXT: "text"}


def document_link(version: str, source: str) -> str:
    """The app's address of a local document of an index version, or an outside address."""
    if is_outside_link(source):
        return source
    return f"{DOCUMENTS_PATH}/{quote(version)}/{quote(source)}"


def page_link(link: str, format: str, page: int) -> str:
    """The link to one page of a document (PDF viewers follow `#page=N`)."""
    return f"{link}#page={page}" if format == PDF else link


def label(record: dict) -> str:
    """What a link to the document says: "Open the document (PDF, 24 pages)"."""
    if record["format"] == LINK:
        return "Open the document (on another site)"
    kind = FORMAT_LABELS.get(record["format"], record["format"].upper() or "file")
    pages = record.get("pages")
    if record["format"] == PDF and pages:
        return f"Open the document ({kind}, {pages} page{'s' if pages != 1 else ''})"
    return f"Open the document ({kind})"


def documents(fields: dict, version: str) -> list[dict]:
    """A resource's documents as the JSON shows them: source, format, pages, size, link."""
    shown = []
    for record in fields.get(DOCUMENTS, []):
        if record.get("level") == ERROR:
            continue  # unreadable, or not in the corpus: nothing to open
        link = document_link(version, record["source"])
        shown.append(
            {
                "source": record["source"],
                "format": record["format"],
                "pages": record.get("pages"),
                "size": record.get("size"),
                "link": link,
                "label": label(record),
            }
        )
    return shown


def passages(
    fields: dict,
    words: set[str],
    version: str,
    phrases: tuple[tuple[str, ...], ...] = (),
    top: int = MAX_PASSAGES,
    where: Where | None = None,
) -> list[dict]:
    """The best pages of a resource's documents for the query's words, best first: pages
    where a phrase of the query starts (also one that runs on to the next page; when there
    are some, only those), then pages holding more of the words, then more often, then the
    earlier page. `where` gives a word's positions in the resource's `document` field (the
    index's postings); without it, or without the pages' starts, the pages are analysed."""
    pages_of = fields.get(DOCUMENT_PAGES, [])
    if not words or not any(pages_of):
        return []
    starts = fields.get(DOCUMENT_PAGE_STARTS)
    if where is None or not _same_shape(starts, pages_of):
        starts, where = analysed(pages_of)
    texts = [
        (number, index, text)
        for number, pages in enumerate(pages_of)
        for index, text in enumerate(pages)
    ]
    begins = np.fromiter((at for own in starts for at in own), dtype=np.int64, count=len(texts))
    found = {word: np.asarray(where(word), dtype=np.int64) for word in _needed(words, phrases)}
    counts = np.zeros((len(words), len(texts)), dtype=np.int64)
    for row, word in enumerate(sorted(words)):
        counts[row] = np.bincount(_pages(begins, found[word]), minlength=len(texts))
    held = (counts > 0).sum(axis=0)
    phrase_at = _phrase_positions(found, phrases)
    on_phrase = np.bincount(_pages(begins, phrase_at), minlength=len(texts))
    chosen = np.flatnonzero(on_phrase if on_phrase.any() else held)
    # Best first: phrase starts, then distinct words, then occurrences, then document order.
    order = np.lexsort((chosen, -counts[:, chosen].sum(axis=0), -held[chosen], -on_phrase[chosen]))
    records = fields.get(DOCUMENTS, [])
    shown = []
    for at in chosen[order][:top]:
        number, index, text = texts[at]
        if number >= len(records):
            continue
        record, pages = records[number], pages_of[number]
        # The first of the words (or where a phrase starts) on the page: its k-th word kept.
        marks = phrase_at if on_phrase[at] else np.concatenate([found[w] for w in words])
        end = begins[at + 1] if at + 1 < len(begins) else np.iinfo(np.int64).max
        here = marks[(marks >= begins[at]) & (marks < end)]
        first = _offset_of(text, int(here.min() - begins[at])) if len(here) else None
        if first is None:  # positions and text disagree: where the words are found
            first = TEXT_WORDS.first(text, words) or 0
        # Whoosh's highlighter analyses all it is given: a short window is a fast one.
        low = text.rfind(" ", 0, max(0, first - PASSAGE_BEFORE)) + 1
        window = text[low : first + PASSAGE_CHARS]
        if first + PASSAGE_CHARS < len(text):
            window = window.rsplit(" ", 1)[0]  # no word cut in half
        elif on_phrase[at] and index + 1 < len(pages):  # a phrase may run on to the next page
            window += "\n" + pages[index + 1][:PASSAGE_BEFORE].rsplit(" ", 1)[0]
        link = document_link(version, record["source"])
        shown.append(
            {
                "page": index + 1,
                "source": record["source"],
                "format": record["format"],
                "snippet": TEXT_WORDS.snippet(window, words),
                "link": page_link(link, record["format"], index + 1),
            }
        )
    return shown


def analysed(pages_of: list[list[str]]) -> tuple[list[list[int]], Where]:
    """What the index knows of a resource's document pages, from their text: where each
    page begins, and each word's positions (for a caller without the index)."""
    positions: dict[str, list[int]] = {}
    starts, at = [], 0
    for pages in pages_of:
        own = []
        for text in pages:
            own.append(at)
            for match in WORD.finditer(text):
                stem = TEXT_WORDS.stem(match.group())
                if stem is not None:
                    positions.setdefault(stem, []).append(at)
                    at += 1
        starts.append(own)
    return starts, lambda word: np.asarray(positions.get(word, ()), dtype=np.int64)


def _same_shape(starts, pages_of) -> bool:
    return (
        isinstance(starts, list)
        and len(starts) == len(pages_of)
        and all(len(own) == len(pages) for own, pages in zip(starts, pages_of, strict=True))
    )


def _needed(words: set[str], phrases: tuple[tuple[str, ...], ...]) -> set[str]:
    return set(words).union(*phrases)


def _pages(begins: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Each position's page: the last one beginning at or before it (pages without a word
    begin where the next one does)."""
    return np.maximum(np.searchsorted(begins, positions, side="right") - 1, 0)


def _phrase_positions(
    found: dict[str, np.ndarray], phrases: tuple[tuple[str, ...], ...]
) -> np.ndarray:
    """Where each phrase starts (its words at consecutive positions), all phrases together."""
    starts = [np.zeros(0, dtype=np.int64)]
    for phrase in phrases:
        at = found[phrase[0]]
        for offset, word in enumerate(phrase[1:], 1):
            at = at[np.isin(at + offset, found[word], assume_unique=True)]
        starts.append(at)
    return np.unique(np.concatenate(starts))


def _offset_of(text: str, k: int) -> int | None:
    """The character offset of the k-th word of a page the index keeps (stop words are
    not numbered), or None if the page has fewer."""
    stem_of = TEXT_WORDS.stem
    for match in WORD.finditer(text):
        if stem_of(match.group()) is not None:
            if k == 0:
                return match.start()
            k -= 1
    return None
