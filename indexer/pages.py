"""Step two: parse one page's bytes into sightings of resources (the only bs4 importer).

A topic (listing) page yields one sighting per resource card; a resource page yields one
sighting with the resource's text. The parser is tolerant of the markup a real site has
(wrappers, thumbnails, whitespace, entities, curly quotes) and strict about meaning: what it
cannot read with confidence becomes a Problem naming the file, line and element.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag

from .records import ERROR, LISTING, RESOURCE_PAGE, WARNING, Problem, Sighting

CARD_CLASS = "resource-card"
ARTICLE_CLASS = "resource"
META_CLASS = "resource-meta"
TITLE_CLASS = "resource-title"
TOPICS_CLASS = "resource-topics"
DESCRIPTION_CLASS = "resource-description"
BODY_CLASS = "resource-body"

MIN_YEAR, MAX_YEAR = 1800, 2100
MAX_ID_LENGTH = 120
MAX_TITLE_LENGTH = 1000
BINARY_SNIFF_BYTES = 8192
FALLBACK_ENCODING = "cp1252"
SAFE_URL_SCHEMES = ("http", "https")

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_YEAR = re.compile(r"\d{4}")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True)
class ParsedPage:
    """The sightings a page gives and the problems found while reading it."""

    sightings: tuple[Sighting, ...]
    problems: tuple[Problem, ...]


def clean_text(text: str) -> str:
    """Text with control characters removed, unicode composed and whitespace collapsed."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return _SPACES.sub(" ", text).strip()


def slugify(text: str) -> str:
    """A stable, URL-safe id from any text: lower-case ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_ID_LENGTH:
        slug = slug[:MAX_ID_LENGTH].rsplit("-", 1)[0] or slug[:MAX_ID_LENGTH]
    return slug


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
    return href if scheme in SAFE_URL_SCHEMES or not scheme else None


def decode(data: bytes) -> tuple[str, str | None]:
    """The page's text and, when it was not UTF-8, a message saying how it was read."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        bad = f"byte 0x{data[error.start]:02X} at offset {error.start}"
    declared = _CHARSET.search(data[:BINARY_SNIFF_BYTES])
    if declared:
        name = declared.group(1).decode("ascii", "replace")
        try:
            if codecs.lookup(name).name != "utf-8":
                return data.decode(name), None
        except (LookupError, UnicodeDecodeError):
            pass
    text = data.decode(FALLBACK_ENCODING, errors="replace")
    return text, f"not valid UTF-8 ({bad}); read as Windows-1252, check accented letters"


def _find_class(scope: Tag, name: str) -> Tag | None:
    return scope.find(class_=name)


def _owns_title(card: Tag) -> bool:
    titles = card.find_all(class_=TITLE_CLASS)
    return any(title.find_parent(class_=CARD_CLASS) is card for title in titles)


def _text(tag: Tag | None) -> str:
    return clean_text(tag.get_text(" ")) if tag is not None else ""


def _paragraphs(tag: Tag | None) -> str:
    """Block text with paragraph breaks kept, for description and body."""
    if tag is None:
        return ""
    blocks = [_text(block) for block in tag.find_all(["p", "li", *_HEADINGS])]
    blocks = [block for block in blocks if block]
    return "\n\n".join(blocks) if blocks else _text(tag)


class _PageReader:
    """Reads one parsed page, collecting sightings and problems as it goes."""

    def __init__(self, path: str, soup: BeautifulSoup):
        self.path = path
        self.soup = soup
        self.problems: list[Problem] = []
        self.sightings: list[Sighting] = []

    def report(self, level: str, message: str, tag: Tag | None = None, element: str | None = None):
        line = getattr(tag, "sourceline", None) if tag is not None else None
        self.problems.append(Problem(level, self.path, message, line, element))

    def page_label(self) -> str | None:
        heading = self.soup.find("h1")
        return _text(heading) or None

    def read_meta(self, scope: Tag, element: str) -> tuple[tuple[str, ...], int | None, bool]:
        """Types and year from `TYPES | YEAR` (or `TYPES` alone when undated)."""
        meta = _find_class(scope, META_CLASS)
        if meta is None:
            self.report(
                WARNING, "no types/year line (class resource-meta); undated", scope, element
            )
            return (), None, True
        parts = [part.strip() for part in _text(meta).split("|")]
        if len(parts) > 2:
            self.report(WARNING, f"types/year line {_text(meta)!r} has several '|'", meta, element)
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
        items = box.find_all("li") or [box]
        return tuple(label for label in (_text(item) for item in items) if label)

    def read_title(self, scope: Tag, element: str) -> tuple[str | None, Tag | None]:
        tag = _find_class(scope, TITLE_CLASS) or scope.find(_HEADINGS)
        title = _text(tag)
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

    def read_card(self, card: Tag, number: int, label: str | None) -> None:
        element = f"card {number}"
        title, title_tag = self.read_title(card, element)
        if title is None:
            return
        link = (title_tag.find("a", href=True) if title_tag else None) or card.find("a", href=True)
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
        sections = tuple(_text(h) for h in body.find_all(_HEADINGS)) if body else ()
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
                description=_paragraphs(_find_class(article, DESCRIPTION_CLASS)),
                body=_paragraphs(body),
                sections=tuple(s for s in sections if s),
                line=article.sourceline,
                element=element,
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
            for c in self.soup.find_all(class_=CARD_CLASS)
            if _owns_title(c) or not c.find(class_=CARD_CLASS)
        ]
        label = self.page_label() if cards else None
        for number, card in enumerate(cards, 1):
            self.read_card(card, number, label)
        if not articles and not cards:
            self.report(WARNING, "no resource cards and no resource article: not a resource page")


def parse_page(path: str, data: bytes) -> ParsedPage:
    """The sightings and problems of one page file's bytes."""
    if not data.strip():
        return ParsedPage((), (Problem(ERROR, path, "empty file; skipped"),))
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return ParsedPage((), (Problem(ERROR, path, "binary file, not an HTML page; skipped"),))
    text, encoding_note = decode(data)
    reader = _PageReader(path, BeautifulSoup(text, "lxml"))
    if encoding_note:
        reader.report(WARNING, encoding_note)
    if not _HTML_END.search(text[-BINARY_SNIFF_BYTES:]):
        reader.report(WARNING, "no closing </html>: the page may be truncated")
    reader.read()
    return ParsedPage(tuple(reader.sightings), tuple(reader.problems))
