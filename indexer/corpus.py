"""Step one: find the page files of a corpus and read them safely.

Only regular files inside the corpus folder are read (symbolic links that lead out of it or
loop are refused, and pipes, sockets and devices are never opened), at most
`MAX_PAGE_BYTES` each, and each read is named by its path relative to the
corpus, which is what every report and the build manifest show.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

PAGE_SUFFIXES = (".html", ".htm")
# Resources' document files (README "Documents"): an HTML document there is not a page.
DOCUMENTS_FOLDER = "files"
MAX_PAGE_BYTES = 5 * 1024 * 1024
MEGABYTE = 1024 * 1024
READ_ATTEMPTS = 3  # a page written to while read is read again, this many times at most


class CorpusError(Exception):
    """The corpus as a whole cannot be read (missing folder, not a folder)."""


class PageReadError(Exception):
    """One page file cannot be read; the message says why, for the build report."""


class PageChanging(PageReadError):
    """A file was written while it was read: what was read may be half old, half new."""


@dataclass(frozen=True)
class PageFile:
    """A page file of the corpus: its path relative to the corpus root, its bytes, and its
    size and times as they were when the read began."""

    path: str
    data: bytes
    size: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0

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


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in a librarian's words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a folder" if stat.S_ISDIR(mode) else "not a regular file"


def inside_file(root: Path, relative: str) -> str:
    """The real path of a regular file inside the folder `root`, links followed, or a
    PageReadError: a link loop, a link out of the folder, a pipe, socket, device or folder
    (never opened: opening a pipe waits for a writer forever)."""
    try:
        path = os.path.realpath(os.path.join(root, relative), strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PageReadError("symbolic link loop") from None
        raise PageReadError(f"cannot read: {error.strerror or error}") from None
    if not Path(path).is_relative_to(os.path.realpath(root)):
        raise PageReadError("link leads outside the corpus folder")
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise PageReadError(f"cannot read: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        raise PageReadError(f"{_kind(mode)}, not a file")
    return path


def read_inside(root: Path, relative: str, limit: int) -> tuple[bytes, os.stat_result]:
    """Up to `limit` + 1 bytes of a regular file inside `root` (none when its size is over
    the limit), and its status taken before the read (a write during or after the read
    changes its change time, so `update` sees it), or a PageReadError naming the problem."""
    path = inside_file(root, relative)
    try:
        # Non-blocking and not following links: a pipe or link swapped in since the check
        # above is refused, not waited on.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise PageReadError(f"{_kind(status.st_mode)}, not a file")
            data = handle.read(limit + 1) if status.st_size <= limit else b""
            after = os.fstat(handle.fileno())
    except OSError as error:
        raise PageReadError(f"cannot read: {error.strerror or error}") from None
    if _times(after) != _times(status):
        raise PageChanging("changed while read")
    return data, status


def _times(status: os.stat_result) -> tuple[int, int, int]:
    return status.st_size, status.st_mtime_ns, status.st_ctime_ns


def page_stat(corpus: Path, relative: str) -> os.stat_result:
    """A page file's status, links followed, or the link's own when it leads nowhere (a loop,
    a missing target), so an unreadable page keeps one state from run to run."""
    path = os.path.join(corpus, relative)
    try:
        return os.stat(path)
    except OSError:
        return os.lstat(path)


def read_page(corpus: Path, relative: str, limit: int = MAX_PAGE_BYTES) -> PageFile:
    """The bytes of one page, or a PageReadError naming the problem."""
    for _attempt in range(READ_ATTEMPTS):
        try:
            data, status = read_inside(corpus, relative, limit)
            break
        except PageChanging:
            continue
        except PageReadError as error:
            raise PageReadError(f"{error}; skipped") from None
    else:
        raise PageReadError(f"written to while read, {READ_ATTEMPTS} times; skipped")
    if status.st_size > limit:
        size = status.st_size / MEGABYTE
        raise PageReadError(
            f"page is {size:.1f} MB, over the {limit / MEGABYTE:.0f} MB cap; skipped"
        )
    if len(data) > limit:
        raise PageReadError(f"page grew past the {limit / MEGABYTE:.0f} MB cap while read; skipped")
    return PageFile(relative, data, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
