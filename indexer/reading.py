"""Step one and two for a build, page by page: one page file read and parsed, with the state
`update` compares next time (size, modification and change time, hash), and the pages that
changed since the published index (for `check` and `stats`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .catalog import CATALOG_FILE
from .corpus import PageReadError, list_pages, page_stat, read_page
from .pagecache import CACHE_FILE, PageCache, PageState
from .pages import parse_page
from .records import ERROR, Problem, Sighting
from .store import IndexMissing, IndexStore


def read_one(
    corpus: Path, path: str
) -> tuple[PageState | None, tuple[Sighting, ...], list[Problem]]:
    """One page's state, sightings and problems; a page that cannot be read has no state."""
    try:
        page = read_page(corpus, path)
    except (PageReadError, OSError) as error:
        return None, (), [Problem(ERROR, path, str(error))]
    parsed = parse_page(path, page.data)
    return (
        PageState(page.sha256, page.size, page.mtime_ns, page.ctime_ns),
        parsed.sightings,
        list(parsed.problems),
    )


def unread_state(corpus: Path, path: str) -> PageState:
    """A page that cannot be read, remembered by size and time so `update` retries it only
    when it changes (else every update would publish a new version)."""
    try:
        stat = page_stat(corpus, path)
    except OSError:
        return PageState("", 0, 0)
    return PageState("", stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def changed_pages(corpus: Path, index: Path) -> dict[str, list[str]] | None:
    """Pages added, changed or removed since the published index was built (None when no
    index is published). Sizes and times first; contents only where those differ."""
    try:
        published = IndexStore(index).published()
        with PageCache(published.path / CACHE_FILE, read_only=True) as cache:
            states = cache.page_states()
    except (IndexMissing, sqlite3.Error):
        return None
    current = list_pages(corpus)
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for path in current:
        old = states.get(path)
        if old is None:
            changes["added"].append(path)
            continue
        try:
            stat = page_stat(corpus, path)
        except OSError:
            changes["changed"].append(path)
            continue
        if not old.same_file(stat):
            state = read_one(corpus, path)[0]
            if state is None or state.sha256 != old.sha256:
                changes["changed"].append(path)
    changes["removed"] = sorted(set(states) - set(current) - {CATALOG_FILE})
    return changes
