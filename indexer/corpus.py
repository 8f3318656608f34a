"""Step one: find the page files of a corpus and read them safely.

Only files inside the corpus folder are read (symbolic links that lead out of it are
refused), at most `MAX_PAGE_BYTES` each, and each read is named by its path relative to the
corpus, which is what every report and the build manifest show.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

PAGE_SUFFIXES = (".html", ".htm")
# Resources' document files (README "Documents"): an HTML document there is not a page.
DOCUMENTS_FOLDER = "files"
MAX_PAGE_BYTES = 5 * 1024 * 1024
MEGABYTE = 1024 * 1024


class CorpusError(Exception):
    """The corpus as a whole cannot be read (missing folder, not a folder)."""


class PageReadError(Exception):
    """One page file cannot be read; the message says why, for the build report."""


@dataclass(frozen=True)
class PageFile:
    """A page file of the corpus: its path relative to the corpus root, and its bytes."""

    path: str
    data: bytes

    @property
    def sha256(self) -> str:
        """The content hash that `update` compares to find changed pages."""
        return hashlib.sha256(self.data).hexdigest()


def check_corpus(corpus: Path) -> Path:
    """The corpus folder, resolved, or a CorpusError saying what is wrong with it."""
    if not corpus.exists():
        raise CorpusError(f"corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise CorpusError(f"corpus is not a folder: {corpus}")
    if not os.access(corpus, os.R_OK | os.X_OK):
        raise CorpusError(f"corpus folder is not readable: {corpus}")
    return corpus.resolve()


def list_pages(corpus: Path) -> list[str]:
    """Relative paths of the corpus's page files, sorted, so builds read them in one order."""
    root = check_corpus(corpus)
    found = []
    for folder, subfolders, files in os.walk(root, onerror=None):
        top = folder == os.fspath(root)
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and not (top and d == DOCUMENTS_FOLDER)
        )
        # Plain strings, not Path objects: a corpus has 100,000s of pages.
        prefix = os.path.relpath(folder, root).replace(os.sep, "/") + "/"
        prefix = "" if prefix == "./" else prefix
        found.extend(
            prefix + name
            for name in files
            if name.lower().endswith(PAGE_SUFFIXES) and not name.startswith(".")
        )
    return sorted(found)


def read_page(corpus: Path, relative: str, limit: int = MAX_PAGE_BYTES) -> PageFile:
    """The bytes of one page, or a PageReadError naming the problem."""
    root = corpus.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise PageReadError("link leads outside the corpus folder; skipped")
    try:
        size = path.stat().st_size
        if size > limit:
            raise PageReadError(
                f"page is {size / MEGABYTE:.1f} MB, over the {limit / MEGABYTE:.0f} MB cap; skipped"
            )
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise PageReadError(f"cannot read: {error.strerror or error}") from None
    if len(data) > limit:
        raise PageReadError(f"page grew past the {limit / MEGABYTE:.0f} MB cap while read; skipped")
    return PageFile(relative, data)
