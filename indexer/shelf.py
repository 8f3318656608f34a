"""Step six, for documents: extracting the resources' documents, and the files a version carries.

`extract` runs `extraction.extract_all` over every document the resources link, with its
content-hash cache in the index folder (outside `versions/`, so pruning keeps it: a rebuild
or `update` never extracts an unchanged file again), and names each bad document in the
build report (file, resource page, reason); the resource is still indexed from its metadata.

A published version carries its documents: `files/<sha256>` (each readable local document,
stored by content, hard-linked from the version before when unchanged) and `documents.json`
(each source's hash, format, size, page count, the resources linking it, and its file's
status when it was read: `update` reads again only the files whose status changed). The
app serves only what that listing names, so a rebuild and its documents switch together
with `CURRENT`, and a version pruned takes its files with it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from .documents import LINK, Document, DocumentError, file_status, read_document, sha256
from .extraction import extract_all
from .records import ERROR, RESOURCE_PAGE, WARNING, Problem, Resource

EXTRACTED_DIR = "documents"  # in the index folder: the cache of extracted texts
FILES_DIR = "files"  # in a version folder: the documents it serves, by content hash
LISTING_FILE = "documents.json"  # in a version folder: source -> what is known of it


def page_of(resource: Resource) -> str:
    """The page a resource's documents are reported on: its resource page, else the first."""
    pages = [s.path for s in resource.sources if s.kind == RESOURCE_PAGE] or [
        s.path for s in resource.sources
    ]
    return pages[0] if pages else resource.id


def linked(resources: Iterable[Resource]) -> dict[str, list[str]]:
    """Each document source, with the ids of the resources linking it."""
    found: dict[str, list[str]] = {}
    for resource in resources:
        for source in resource.documents:
            found.setdefault(source, []).append(resource.id)
    return found


def extract(
    corpus: Path, index_root: Path, sources: Iterable[str], processes: int
) -> dict[str, Document]:
    """Every source's document, from the cache of `index_root` or extracted afresh."""
    return extract_all(sources, corpus, index_root / EXTRACTED_DIR, processes)


def statuses(corpus: Path, sources: Iterable[str]) -> dict[str, list[int]]:
    """Each local document file's status (`documents.file_status`), to be taken before the
    files are read."""
    found = {source: file_status(corpus, source) for source in sources}
    return {source: status for source, status in found.items() if status is not None}


def unchanged(listing: dict[str, dict], status: dict[str, list[int]]) -> dict[str, dict]:
    """The listed documents whose files have the status they had when they were read."""
    return {
        source: known
        for source, known in listing.items()
        if known.get("status") and status.get(source) == known["status"]
    }


def problems_of(resource: Resource, documents: dict[str, Document]) -> list[Problem]:
    """The build report's lines for a resource's bad documents."""
    page = page_of(resource)
    found = (documents[s].report(page, "resource") for s in resource.documents if s in documents)
    return [problem for problem in found if problem is not None]


def read_listing(folder: Path) -> dict[str, dict]:
    """A version's documents listing (empty for a version without documents)."""
    try:
        return json.loads((folder / LISTING_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def write_files(
    folder: Path,
    corpus: Path,
    documents: dict[str, Document],
    links: dict[str, list[str]],
    previous: Path | None = None,
    status: dict[str, list[int]] | None = None,
    carried: dict[str, dict] | None = None,
) -> list[Problem]:
    """Put each readable local document into `folder/files/<sha256>` and write the listing.

    The bytes are read again (safely) and must hash as extracted: a file that changed since
    is left out of this version (a warning), never served with another file's text. A
    document not read again (`carried`: unchanged since `previous`, which listed it) keeps
    its listing entry and its file.
    """
    files = folder / FILES_DIR
    files.mkdir(exist_ok=True)
    listing, problems = {}, []
    status, carried = status or {}, carried or {}
    for source in sorted(links):
        if source not in documents and source in carried:
            known = carried[source]
            listing[source] = {**known, "ids": links[source]}
            if known.get("served") and not (files / known["sha256"]).exists():
                found = Document(source, known["format"], sha256=known["sha256"])
                try:
                    _place(corpus, found, files / known["sha256"], previous)
                except (OSError, DocumentError) as error:
                    message = f"document {source}: not published with this version ({error})"
                    problems.append(Problem(WARNING, source, message))
                    listing[source]["served"] = False
            continue
        document = documents.get(source) or Document(source, "")
        # A scanned PDF (no text layer: a warning) still opens; a damaged file is not served.
        served = bool(document.sha256) and document.format != LINK and document.level != ERROR
        if served and not (files / document.sha256).exists():
            try:
                _place(corpus, document, files / document.sha256, previous)
            except (OSError, DocumentError) as error:
                message = f"document {source}: not published with this version ({error})"
                problems.append(Problem(WARNING, source, message))
                served = False
        # Unreadable documents are listed too (without a file), so `update` sees them mended.
        listing[source] = {
            "sha256": document.sha256,
            "format": document.format,
            "size": document.size,
            "pages": len(document.pages),
            "served": served,
            "ids": links[source],
            "status": status.get(source) if document.sha256 else None,
        }
    temporary = folder / f".{LISTING_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(listing, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, folder / LISTING_FILE)  # never through a link to the last version's
    return problems


def _place(corpus: Path, document: Document, target: Path, previous: Path | None) -> None:
    """A document's file in a new version: linked from the version before, else copied."""
    old = previous / FILES_DIR / document.sha256 if previous else None
    if old is not None and old.is_file():
        os.link(old, target)
        return
    data = read_document(corpus, document.source)
    if sha256(data) != document.sha256:
        raise OSError("the file changed while the index was built")
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, target)
