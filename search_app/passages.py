"""Step four of a search, for documents: a result's documents and its best passages.

The index keeps each document's page texts (stored field `document_pages`) beside what is
known of the document (`documents`: source, format, pages, size). A passage is one page: the
pages are ranked by how many of the query's distinct words they hold, then by how often they
hold them, then by page number; the best `MAX_PASSAGES` are shown, each a highlighted
snippet with its page number and a link to the document at that page (`#page=N`, which PDF
viewers follow). Words are found as `highlights.TextWords` finds them in a body: one regular
expression and a cache of analysed words, so a 24-page report costs a few milliseconds.

A local document's link names the index version it was published with
(`/documents/<version>/<source>`), so that a rebuild and its documents switch together;
an outside address is kept as the link itself.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from urllib.parse import quote

from indexer.documents import DOCX, HTML, LINK, PDF, TEXT, is_outside_link
from indexer.records import ERROR
from indexer.schema import DOCUMENT_PAGES, DOCUMENTS, WORD

from .highlights import TEXT_WORDS

MAX_PASSAGES = 3
MAX_DOCUMENTS = 256  # documents whose analysed pages a process keeps
PASSAGE_CHARS = 400  # of a page, from the first matched word (or phrase), highlighted
PASSAGE_BEFORE = 120  # and before it
DOCUMENTS_PATH = "/documents"
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
) -> list[dict]:
    """The best pages of a resource's documents for the query's words, best first: pages
    where a phrase of the query starts (also one that runs on to the next page; when there
    are some, only those), then pages holding more of the words, then more often, then the
    earlier page."""
    if not words:
        return []
    candidates = []
    records = fields.get(DOCUMENTS, [])
    for number, (record, pages) in enumerate(
        zip(records, fields.get(DOCUMENT_PAGES, []), strict=False)
    ):
        counters = ANALYSED.get(record.get("sha256") or record["source"], pages)
        read: dict[int, list] = {}  # the pages read word by word, each once

        def stems_of(at: int, pages=pages, read=read) -> list[tuple[str, int]]:
            if at not in read:
                read[at] = _stems(pages[at])
            return read[at]

        for index, counter in enumerate(counters):
            counts = {word: counter[word] for word in words if word in counter}
            if not counts:
                continue
            starts = []
            after = counters[index + 1] if index + 1 < len(counters) else {}
            if any(  # a phrase may start here (and run on to the next page)
                phrase[0] in counter and all(w in counter or w in after for w in phrase)
                for phrase in phrases
            ):
                following = stems_of(index + 1) if index + 1 < len(pages) else []
                starts = _phrase_starts(stems_of(index), following, phrases)
            rank = (-len(starts), -len(counts), -sum(counts.values()), number, index)
            candidates.append((rank, record, index, counts, starts, pages))
    if any(rank[0] for rank, *_ in candidates):  # pages where a phrase is, and only those
        candidates = [found for found in candidates if found[0][0]]
    candidates.sort(key=lambda found: found[0])
    shown = []
    for _, record, index, counts, starts, pages in candidates[:top]:
        text = pages[index]
        first = starts[0] if starts else next(at for stem, at in _stems(text) if stem in counts)
        # Whoosh's highlighter analyses all it is given: a short window is a fast one.
        low = text.rfind(" ", 0, max(0, first - PASSAGE_BEFORE)) + 1
        window = text[low : first + PASSAGE_CHARS]
        if first + PASSAGE_CHARS < len(text):
            window = window.rsplit(" ", 1)[0]  # no word cut in half
        elif starts and index + 1 < len(pages):  # a phrase may run on to the next page
            window += "\n" + pages[index + 1][:PASSAGE_BEFORE].rsplit(" ", 1)[0]
        page, text = index + 1, window
        link = document_link(version, record["source"])
        shown.append(
            {
                "page": page,
                "source": record["source"],
                "format": record["format"],
                "snippet": TEXT_WORDS.snippet(text, words),
                "link": page_link(link, record["format"], page),
            }
        )
    return shown


class AnalysedPages:
    """How often each indexed word is on each page of a document, counted once per process
    (each distinct spelling of a page analysed once): a document is known by its content
    hash, and the `MAX_DOCUMENTS` last used are kept. Where on a page its words are is read
    only for the pages shown, and where a phrase of the query may start."""

    def __init__(self, size: int = MAX_DOCUMENTS):
        self.size = size
        self.found: OrderedDict[str, list] = OrderedDict()
        self.lock = threading.Lock()  # one per process, shared by the server's threads

    def get(self, key: str, pages: list[str]) -> list[dict[str, int]]:
        """Each page's word counts."""
        with self.lock:
            return self._get(key, pages)

    def _get(self, key: str, pages: list[str]) -> list[dict[str, int]]:
        found = self.found.get(key)
        if found is None or len(found) != len(pages):
            found = [_counts(text) for text in pages]
            if len(self.found) >= self.size:
                self.found.popitem(last=False)
            self.found[key] = found
        self.found.move_to_end(key)
        return found


def _counts(text: str) -> dict[str, int]:
    """How often each indexed word is on a page (what `_stems` finds, counted by stem)."""
    counts: dict[str, int] = {}
    stem_of = TEXT_WORDS.stem
    for spelling, count in Counter(WORD.findall(text)).items():
        stem = stem_of(spelling)
        if stem is not None:
            counts[stem] = counts.get(stem, 0) + count
    return counts


def _stems(text: str) -> list[tuple[str, int]]:
    """A page's indexed words in order (stop words left out, as the index leaves them out of
    its positions), each with its character offset."""
    found = ((TEXT_WORDS.stem(match.group()), match.start()) for match in WORD.finditer(text))
    return [(stem, start) for stem, start in found if stem is not None]


def _phrase_starts(
    stems: list[tuple[str, int]],
    following: list[tuple[str, int]],
    phrases: tuple[tuple[str, ...], ...],
) -> list[int]:
    """The character offsets on this page where a phrase starts (it may end on the next)."""
    if not phrases:
        return []
    sequence = [stem for stem, _ in stems]
    longest = max(len(phrase) for phrase in phrases)
    sequence += [stem for stem, _ in following[: longest - 1]]
    starts = []
    for position, (stem, start) in enumerate(stems):
        for phrase in phrases:
            if stem == phrase[0] and tuple(sequence[position : position + len(phrase)]) == phrase:
                starts.append(start)
                break
    return starts


ANALYSED = AnalysedPages()
