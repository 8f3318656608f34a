"""The records that flow through the indexer: what a page says, what we report, what we index.

No BeautifulSoup and no Whoosh here: these are plain frozen dataclasses that every other
step of the pipeline shares, and that the build manifest stores as JSON.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"
NOTICE = "notice"
LEVELS = (ERROR, WARNING, NOTICE)

# The years a resource can have (pages and catalog rows giving others are refused), and a
# bound above all of them: where a year range left open ends.
MIN_YEAR, MAX_YEAR = 1800, 2100
YEAR_CEILING = 10**4

LISTING = "listing"
RESOURCE_PAGE = "resource"
CATALOG = "catalog"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error), doubtful (warning) or worth knowing (notice) about the input."""

    level: str
    path: str
    message: str
    line: int | None = None
    element: str | None = None
    # What sort of problem it is, for reports that count them by kind ("" = its message).
    kind: str = field(default="", compare=False)

    def location(self) -> str:
        """The file, line and element, as `path:line (element)`."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return where if not self.element else f"{where} ({self.element})"

    def __str__(self) -> str:
        return f"{self.level}: {self.location()}: {self.message}"

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        """The inverse of `dataclasses.asdict`."""
        return cls(**data)


@dataclass(frozen=True)
class Sighting:
    """What one page (or one catalog row) says about one resource, exactly as printed.

    Labels are not yet mapped through the vocabulary: that happens when sightings of the
    same resource are merged, so a vocabulary change needs no re-parse.
    """

    id: str
    path: str
    kind: str
    title: str | None = None
    types: tuple[str, ...] | None = None
    year: int | None = None
    has_year: bool = False
    topics: tuple[str, ...] | None = None
    url: str | None = None
    description: str | None = None
    body: str | None = None
    sections: tuple[str, ...] | None = None
    label: str | None = None
    line: int | None = None
    element: str | None = None
    exclude: bool = False
    documents: tuple[str, ...] | None = None  # corpus paths or outside addresses (locate)

    def to_dict(self) -> dict:
        """A JSON-ready dict, without the fields left at None."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> Sighting:
        """The inverse of `to_dict`."""
        data = dict(data)
        for name in ("types", "topics", "sections", "documents"):
            if data.get(name) is not None:
                data[name] = tuple(data[name])
        return cls(**data)


@dataclass(frozen=True)
class Source:
    """A page a resource was found on: its corpus path, kind, and the page's heading."""

    path: str
    kind: str
    label: str | None = None


@dataclass(frozen=True)
class Resource:
    """One resource of the library, merged from all its sightings and normalised."""

    id: str
    title: str
    types: tuple[str, ...] = ()
    year: int | None = None
    topics: tuple[str, ...] = ()
    url: str = ""
    description: str = ""
    body: str = ""
    sections: tuple[str, ...] = ()
    sources: tuple[Source, ...] = field(default=())
    documents: tuple[str, ...] = ()  # its documents' sources, resource page's first


# Resource ids: the last part of a resource's link, as a slug of at most MAX_ID_LENGTH.
MAX_ID_LENGTH = 120
ID_HASH_CHARS = 12  # an over-long id ends with this much of its full slug's SHA-256
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A stable, URL-safe id from any text: lower-case ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) <= MAX_ID_LENGTH:
        return slug
    # Cut, but never merge two long ids that share their beginning: the cut id ends with a
    # hash of the whole slug, so the same link always gives the same id.
    digest = hashlib.sha256(slug.encode("ascii")).hexdigest()[:ID_HASH_CHARS]
    room = MAX_ID_LENGTH - ID_HASH_CHARS - 1
    head = slug[:room].rsplit("-", 1)[0] or slug[:room]
    return f"{head.rstrip('-')}-{digest}"
