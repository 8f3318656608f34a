"""Step two, for the catalog file: JSON Lines rows that add resources or correct metadata.

Each line of `catalog.jsonl` is one JSON object naming a resource by `id` or `url` and
giving any of `title`, `types`, `year`, `topics`, `description`, `body`, `documents` (corpus
paths from the corpus root, or web addresses), `exclude`. Fields
a row gives win over what the pages say; fields it leaves out change nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .corpus import PageReadError, read_inside
from .documents import DocumentOutsideCorpus, is_outside_link, locate
from .pages import (
    MAX_TITLE_LENGTH,
    MAX_YEAR,
    MIN_YEAR,
    clean_block,
    clean_text,
    id_from_link,
    safe_url,
    slugify,
)
from .records import CATALOG, ERROR, Problem, Sighting

CATALOG_FILE = "catalog.jsonl"
MAX_CATALOG_BYTES = 64 * 1024 * 1024
FIELDS = {
    "id",
    "url",
    "title",
    "types",
    "year",
    "topics",
    "description",
    "body",
    "documents",
    "exclude",
}


class RowError(ValueError):
    """A catalog row that cannot be used; the message says which field and why."""


def _labels(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RowError(f"{name} must be a list of strings or a comma-separated string")
    return tuple(label for label in (clean_text(v) for v in value) if label)


def _year(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise RowError(f"year must be a year between {MIN_YEAR} and {MAX_YEAR}, or null")
    return value


def _text(row: dict, name: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(f"{name} must be a string")
    # Control characters never reach the pages; description and body keep their lines.
    return clean_block(value) if name in ("description", "body") else clean_text(value)


def _documents(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RowError("documents must be a list of corpus paths or web addresses")
    sources = []
    for href in (v.strip() for v in value):
        if not href:
            continue
        # Corpus paths are from the corpus root: `files/x.pdf` is `/files/x.pdf`.
        rooted = href if is_outside_link(href) else "/" + href.lstrip("/")
        try:
            sources.append(locate("", rooted))
        except DocumentOutsideCorpus as error:
            raise RowError(f"documents: {error}") from None
    return tuple(dict.fromkeys(sources))


def parse_row(row: object, path: str, number: int) -> Sighting:
    """One catalog row as a sighting, or a RowError."""
    if not isinstance(row, dict):
        raise RowError("each line must be a JSON object")
    unknown = sorted(set(row) - FIELDS)
    if unknown:
        raise RowError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(FIELDS))})")
    url = _text(row, "url")
    if url is not None and safe_url(url) is None:
        raise RowError("url must be a web address or a path on the site")
    resource_id = slugify(_text(row, "id") or "") or id_from_link(url)
    if not resource_id:
        raise RowError("needs an id or a url to name the resource")
    if not isinstance(row.get("exclude", False), bool):
        raise RowError("exclude must be true or false")
    title = _text(row, "title")
    if title is not None and not (0 < len(title) <= MAX_TITLE_LENGTH):
        raise RowError(f"title must have 1 to {MAX_TITLE_LENGTH} characters")
    return Sighting(
        id=resource_id,
        path=path,
        kind=CATALOG,
        title=title,
        types=_labels(row["types"], "types") if "types" in row else None,
        year=_year(row.get("year")),
        has_year="year" in row,
        topics=_labels(row["topics"], "topics") if "topics" in row else None,
        url=url,
        description=_text(row, "description"),
        body=_text(row, "body"),
        documents=_documents(row["documents"]) if "documents" in row else None,
        line=number,
        element="row",
        exclude=row.get("exclude") is True,
    )


def parse_catalog(text: str, path: str = CATALOG_FILE) -> tuple[list[Sighting], list[Problem]]:
    """The sightings of a catalog file's text, and a problem for each row that is unusable."""
    sightings, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            sightings.append(parse_row(json.loads(line), path, number))
        except json.JSONDecodeError as error:
            problems.append(
                Problem(ERROR, path, f"not valid JSON: {error.msg}; row skipped", number)
            )
        except RecursionError:  # the JSON reader nests one call per bracket
            message = "not valid JSON: nested too deeply; row skipped"
            problems.append(Problem(ERROR, path, message, number))
        except RowError as error:
            problems.append(Problem(ERROR, path, f"{error}; row skipped", number))
    return sightings, problems


def read_catalog(corpus: Path) -> tuple[bytes, list[Sighting], list[Problem]]:
    """The catalog file's bytes (b"" when absent), its sightings and its problems."""
    if not os.path.lexists(corpus / CATALOG_FILE):
        return b"", [], []
    try:
        data, _ = read_inside(corpus, CATALOG_FILE, MAX_CATALOG_BYTES)
    except PageReadError as error:
        return b"", [], [Problem(ERROR, CATALOG_FILE, f"{error}; catalog not read")]
    if len(data) > MAX_CATALOG_BYTES:
        return data, [], [Problem(ERROR, CATALOG_FILE, "catalog over the size cap; not read")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"not valid UTF-8 (byte at offset {error.start}); catalog not read"
        return data, [], [Problem(ERROR, CATALOG_FILE, message)]
    sightings, problems = parse_catalog(text)
    return data, sightings, problems
