"""Step two: parse one page's bytes into sightings of resources (the only bs4 importer).

A topic (listing) page yields one sighting per resource card; a resource page yields one
sighting with the resource's text. The parser is tolerant of the markup a real site has
(wrappers, thumbnails, whitespace, entities, curly quotes) and strict about meaning: what it
cannot read with confidence becomes a Problem naming the file, line and element.

Reading is linear in the page's size: each card reads only its own elements (those not
inside a card nested in it), so a page whose cards are left unclosed, each nested in the one
before, costs no more than a well-formed one (1,000 such cards took 82 s when every card
searched all its descendants). A page still gets `MAX_PARSE_SECONDS`, then is an error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from .documents import DocumentOutsideCorpus, locate
from .encoding import BINARY_SNIFF_BYTES, byte_order_mark, decode
from .records import (  # noqa: F401  (MAX_ID_LENGTH and slugify: the id rules, re-exported)
    ERROR,
    LISTING,
    MAX_ID_LENGTH,
    MAX_YEAR,
    MIN_YEAR,
    RESOURCE_PAGE,
    WARNING,
    Problem,
    Sighting,
    slugify,
)
from .timelimit import TimeLimitExceeded, time_limit

CARD_CLASS = "resource-card"
ARTICLE_CLASS = "resource"
META_CLASS = "resource-meta"
TITLE_CLASS = "resource-title"
TOPICS_CLASS = "resource-topics"
DESCRIPTION_CLASS = "resource-description"
BODY_CLASS = "resource-body"
DOCUMENT_CLASS = "resource-document"  # a link to one of the resource's documents


MAX_PARSE_SECONDS = 60.0  # a 5 MB page of unclosed cards: 7 s at load 4.5 on 2 cores, 19 s at 7
MAX_TITLE_LENGTH = 1000
SAFE_URL_SCHEMES = ("http", "https")

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_YEAR = re.compile(r"\d{4}")
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True)
class ParsedPage:
    """The sightings a page gives and the problems found while reading it."""

    sightings: tuple[Sighting, ...]
    problems: tuple[Problem, ...]


def clean_text(text: str) -> str:
    """Text with control characters removed, unicode composed and whitespace collapsed."""
    return _SPACES.sub(" ", clean_block(text)).strip()


def clean_block(text: str) -> str:
    """Text with control characters removed and unicode composed, line breaks kept."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", text)).strip()


def id_from_link(href: str | None) -> str:
    """The resource id a link names: the last part of its path (`/resources/x/` is `x`)."""
    if not href:
        return ""
    path = unquote(urlsplit(href.strip()).path)
    stem = PurePosixPath(path).name if path.strip("/") else ""
    for suffix in (".html", ".htm"):
        stem = stem.removesuffix(suffix)
    return slugify(stem)


def safe_url(href: str | None) -> str | None:
    """The link if it is a web address or a path, else None (no `javascript:` or `data:`)."""
    if not href:
        return None
    href = clean_text(href)
    scheme = urlsplit(href).scheme.lower()
    if scheme:
        return href if scheme in SAFE_URL_SCHEMES else None
    # `//host/x` (and `\\host`, `/\host`, which browsers read alike) leaves the site.
    return None if href[:2].replace("\\", "/") == "//" else href


def _has_class(tag: Tag, name: str) -> bool:
    return name in (tag.get("class") or ())


def _own_tags(scope: Tag) -> Iterator[Tag]:
    """The tags inside `scope` in document order, except those inside a card nested in it
    (each element is walked by the one card it belongs to: linear however cards nest)."""
    stack = list(reversed(scope.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            yield node
            if not _has_class(node, CARD_CLASS):
                stack.extend(reversed(node.contents))


def _find_class(scope: Tag, name: str) -> Tag | None:
    return next((tag for tag in _own_tags(scope) if _has_class(tag, name)), None)


def _find_name(scope: Tag, names: tuple[str, ...]) -> Tag | None:
    return next((tag for tag in _own_tags(scope) if tag.name in names), None)


def _find_link(scope: Tag) -> Tag | None:
    return next((tag for tag in _own_tags(scope) if tag.name == "a" and tag.get("href")), None)


def _card_holders(cards: list[Tag]) -> set[int]:
    """The ids of the elements that have a card inside them (each marked once)."""
    holders: set[int] = set()
    for card in cards:
        for parent in card.parents:
            if id(parent) in holders:
                break
            holders.add(id(parent))
    return holders


class _PageReader:
    """Reads one parsed page, collecting sightings and problems as it goes."""

    def __init__(self, path: str, soup: BeautifulSoup):
        self.path = path
        self.soup = soup
        self.problems: list[Problem] = []
        self.sightings: list[Sighting] = []
        self.cards = soup.find_all(class_=CARD_CLASS)
        self.holders = _card_holders(self.cards)

    def text(self, tag: Tag | None) -> str:
        """The text of an element, without that of cards nested in it."""
        if tag is None:
            return ""
        if id(tag) not in self.holders:
            return clean_text(tag.get_text(" "))
        types = tag.interesting_string_types
        parts, stack = [], list(reversed(tag.contents))
        while stack:
            node = stack.pop()
            if isinstance(node, Tag) and _has_class(node, CARD_CLASS):
                continue
            if isinstance(node, Tag) and id(node) in self.holders:
                stack.extend(reversed(node.contents))
            elif isinstance(node, Tag | NavigableString):
                parts.append(node.get_text(" ", types=types))
        return clean_text(" ".join(parts))

    def paragraphs(self, tag: Tag | None) -> str:
        """Block text with paragraph breaks kept, for description and body."""
        if tag is None:
            return ""
        names = ("p", "li", *_HEADINGS)
        blocks = [self.text(block) for block in _own_tags(tag) if block.name in names]
        blocks = [block for block in blocks if block]
        return "\n\n".join(blocks) if blocks else self.text(tag)

    def report(self, level: str, message: str, tag: Tag | None = None, element: str | None = None):
        line = getattr(tag, "sourceline", None) if tag is not None else None
        self.problems.append(Problem(level, self.path, message, line, element))

    def page_label(self) -> str | None:
        heading = self.soup.find("h1")
        return self.text(heading) or None

    def read_meta(self, scope: Tag, element: str) -> tuple[tuple[str, ...], int | None, bool]:
        """Types and year from `TYPES | YEAR` (or `TYPES` alone when undated)."""
        meta = _find_class(scope, META_CLASS)
        if meta is None:
            self.report(
                WARNING, "no types/year line (class resource-meta); undated", scope, element
            )
            return (), None, True
        parts = [part.strip() for part in self.text(meta).split("|")]
        if len(parts) > 2:
            self.report(
                WARNING, f"types/year line {self.text(meta)!r} has several '|'", meta, element
            )
        types_text = parts[0]
        year_text = parts[-1] if len(parts) > 1 else ""
        if len(parts) == 1 and _YEAR.fullmatch(types_text):
            types_text, year_text = "", types_text
        types = tuple(t for t in (clean_text(t) for t in types_text.split(",")) if t)
        if not types:
            self.report(WARNING, "no resource type on the types/year line", meta, element)
        if not year_text:
            return types, None, True
        if _YEAR.fullmatch(year_text) and MIN_YEAR <= int(year_text) <= MAX_YEAR:
            return types, int(year_text), True
        self.report(WARNING, f"unreadable year {year_text!r}; treated as undated", meta, element)
        return types, None, True

    def read_topics(self, scope: Tag) -> tuple[str, ...]:
        box = _find_class(scope, TOPICS_CLASS)
        if box is None:
            return ()
        items = [item for item in _own_tags(box) if item.name == "li"] or [box]
        return tuple(label for label in (self.text(item) for item in items) if label)

    def read_title(self, scope: Tag, element: str) -> tuple[str | None, Tag | None]:
        tag = _find_class(scope, TITLE_CLASS) or _find_name(scope, _HEADINGS)
        title = self.text(tag)
        if not title:
            self.report(
                ERROR, "no title (class resource-title or a heading); skipped", scope, element
            )
            return None, tag
        if len(title) > MAX_TITLE_LENGTH:
            self.report(WARNING, f"title over {MAX_TITLE_LENGTH} characters; cut", tag, element)
            title = title[:MAX_TITLE_LENGTH]
        return title, tag

    def read_link(self, href: str | None, tag: Tag | None, element: str) -> str | None:
        url = safe_url(href)
        if href and url is None:
            self.report(WARNING, f"unsafe link {clean_text(href)[:80]!r} dropped", tag, element)
        return url

    def read_documents(self, scope: Tag, element: str) -> tuple[str, ...] | None:
        """The documents a resource links (`a.resource-document[href]`), as corpus paths or
        outside addresses; a link leading out of the corpus is an error, and skipped."""
        sources = []
        for tag in _own_tags(scope):
            if tag.name != "a" or not _has_class(tag, DOCUMENT_CLASS) or not tag.get("href"):
                continue
            try:
                sources.append(locate(self.path, clean_text(tag["href"])))
            except DocumentOutsideCorpus as error:
                self.report(ERROR, f"document link skipped: {error}", tag, element)
        return tuple(dict.fromkeys(sources)) or None

    def read_card(self, card: Tag, number: int, label: str | None) -> None:
        element = f"card {number}"
        title, title_tag = self.read_title(card, element)
        if title is None:
            return
        link = (_find_link(title_tag) if title_tag else None) or _find_link(card)
        url = self.read_link(link.get("href") if link else None, link, element)
        resource_id = id_from_link(url) or slugify(title)
        if not resource_id:
            self.report(ERROR, f"no usable link or title to identify {title!r}", card, element)
            return
        types, year, has_year = self.read_meta(card, element)
        self.sightings.append(
            Sighting(
                id=resource_id,
                path=self.path,
                kind=LISTING,
                title=title,
                types=types,
                year=year,
                has_year=has_year,
                topics=self.read_topics(card),
                url=url,
                label=label,
                line=card.sourceline,
                element=element,
                documents=self.read_documents(card, element),
            )
        )

    def read_article(self, article: Tag) -> None:
        element = "resource"
        title, _ = self.read_title(article, element)
        if title is None:
            return
        canonical = self.soup.find("link", rel="canonical", href=True)
        url = self.read_link(canonical.get("href") if canonical else None, canonical, element)
        resource_id = id_from_link(url) or slugify(PurePosixPath(self.path).stem)
        types, year, has_year = self.read_meta(article, element)
        body = _find_class(article, BODY_CLASS)
        sections = (
            tuple(self.text(h) for h in _own_tags(body) if h.name in _HEADINGS) if body else ()
        )
        self.sightings.append(
            Sighting(
                id=resource_id,
                path=self.path,
                kind=RESOURCE_PAGE,
                title=title,
                types=types,
                year=year,
                has_year=has_year,
                topics=self.read_topics(article),
                url=url or f"/resources/{resource_id}/",
                description=self.paragraphs(_find_class(article, DESCRIPTION_CLASS)),
                body=self.paragraphs(body),
                sections=tuple(s for s in sections if s),
                line=article.sourceline,
                element=element,
                documents=self.read_documents(article, element),
            )
        )

    def read(self) -> None:
        articles = self.soup.find_all(class_=ARTICLE_CLASS)
        if len(articles) > 1:
            self.report(
                ERROR, f"{len(articles)} resource articles on one page; only the first read"
            )
        if articles:
            self.read_article(articles[0])
        # A wrapper that only holds a card is not read; a card nested in another by an
        # unclosed tag is, when it has a title of its own.
        cards = [
            c
            for c in self.cards
            if _find_class(c, TITLE_CLASS) is not None or id(c) not in self.holders
        ]
        label = self.page_label() if cards else None
        for number, card in enumerate(cards, 1):
            self.read_card(card, number, label)
        if not articles and not cards:
            self.report(WARNING, "no resource cards and no resource article: not a resource page")


def parse_page(path: str, data: bytes) -> ParsedPage:
    """The sightings and problems of one page file's bytes (an error past MAX_PARSE_SECONDS)."""
    try:
        with time_limit(MAX_PARSE_SECONDS) as limit:
            return _parse(path, data)
    except TimeLimitExceeded:
        if not limit.expired:  # a longer limit around the build's own: not the page's fault
            raise
        message = f"parsing took over {MAX_PARSE_SECONDS:g} s (deeply nested markup?); skipped"
        return ParsedPage((), (Problem(ERROR, path, message),))


def _parse(path: str, data: bytes) -> ParsedPage:
    empty = ParsedPage((), (Problem(ERROR, path, "empty file; skipped"),))
    if not data.strip():
        return empty
    if byte_order_mark(data) is None and b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return ParsedPage((), (Problem(ERROR, path, "binary file, not an HTML page; skipped"),))
    text, encoding_note = decode(data)
    if not text.strip():
        return empty
    reader = _PageReader(path, BeautifulSoup(text, "lxml"))
    if encoding_note:
        reader.report(WARNING, encoding_note)
    if not _HTML_END.search(text[-BINARY_SNIFF_BYTES:]):
        reader.report(WARNING, "no closing </html>: the page may be truncated")
    reader.read()
    return ParsedPage(tuple(reader.sightings), tuple(reader.problems))
