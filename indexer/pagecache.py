"""What a build remembers for the next `update`: each page's hash and sightings, each
document's hash and merge problems, in one SQLite file inside the index version.

Sightings are kept without their description and body (those can be large; an update that
needs them re-reads the page), so the cache stays small and an update touches only the
resources whose pages changed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .records import ERROR, Problem, Sighting

CACHE_FILE = "pages.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER, mtime_ns INTEGER,
    problems TEXT NOT NULL, ctime_ns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sightings (path TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sightings_by_id ON sightings (id);
CREATE INDEX IF NOT EXISTS sightings_by_path ON sightings (path);
CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, hash TEXT NOT NULL,
    problems TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class PageState:
    """A page as last read: content hash, then size, modification and change times (a cheap
    first check). The change time is the one no one can set back (`touch -r` restores the
    modification time only); 0 means it was not trusted, and the page is hashed again."""

    sha256: str
    size: int
    mtime_ns: int
    ctime_ns: int = 0

    def same_file(self, status: os.stat_result) -> bool:
        """Whether a file's status shows it unchanged since this state (no need to hash)."""
        return self.ctime_ns != 0 and (self.size, self.mtime_ns, self.ctime_ns) == (
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
        )


def _problems_json(problems: Iterable[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems])


def _problems(text: str) -> list[Problem]:
    return [Problem.from_dict(p) for p in json.loads(text)]


def slim(sighting: Sighting) -> Sighting:
    """A sighting without its (possibly large) description and body."""
    return replace(sighting, description=None, body=None)


class PageCache:
    """The SQLite cache of one index version."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = path
        if read_only:
            # A published version is never written: open it so that it cannot be.
            self.db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        else:
            self.db = sqlite3.connect(path)
            self.db.executescript(_SCHEMA)
            if not self._has_ctime():  # a cache written before change times were kept
                self.db.execute("ALTER TABLE pages ADD COLUMN ctime_ns INTEGER NOT NULL DEFAULT 0")

    def _has_ctime(self) -> bool:
        return any(row[1] == "ctime_ns" for row in self.db.execute("PRAGMA table_info(pages)"))

    @classmethod
    def copy(cls, source: Path, target: Path) -> PageCache:
        """A writable copy of another version's cache."""
        shutil.copyfile(source, target)
        return cls(target)

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    def __enter__(self) -> PageCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # Pages

    def page_states(self) -> dict[str, PageState]:
        """Every cached page's state, by path."""
        ctime = "ctime_ns" if self._has_ctime() else "0"
        rows = self.db.execute(f"SELECT path, sha256, size, mtime_ns, {ctime} FROM pages")
        return {path: PageState(*state) for path, *state in rows}

    def page_problems(self) -> list[Problem]:
        """The problems of every cached page, in path order."""
        # Most pages have no problem: "[]" rows are not read back.
        rows = self.db.execute("SELECT problems FROM pages WHERE problems != '[]' ORDER BY path")
        return [problem for (text,) in rows for problem in _problems(text)]

    def put_page(self, path: str, state: PageState, sightings, problems) -> None:
        """Remember a page's state, slim sightings and problems (replacing what was there)."""
        self.remove_page(path)
        self.db.execute(
            "INSERT INTO pages (path, sha256, size, mtime_ns, ctime_ns, problems)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                path,
                state.sha256,
                state.size,
                state.mtime_ns,
                state.ctime_ns,
                _problems_json(problems),
            ),
        )
        self.db.executemany(
            "INSERT INTO sightings VALUES (?, ?, ?)",
            [(path, s.id, json.dumps(slim(s).to_dict())) for s in sightings],
        )

    def touch_page(self, path: str, state: PageState) -> None:
        """Record a new size and time for a page whose content did not change."""
        self.db.execute(
            "UPDATE pages SET size = ?, mtime_ns = ?, ctime_ns = ? WHERE path = ?",
            (state.size, state.mtime_ns, state.ctime_ns, path),
        )

    def remove_page(self, path: str) -> None:
        self.db.execute("DELETE FROM pages WHERE path = ?", (path,))
        self.db.execute("DELETE FROM sightings WHERE path = ?", (path,))

    def ids_of_page(self, path: str) -> set[str]:
        """The resource ids a cached page sighted."""
        return {
            row[0] for row in self.db.execute("SELECT id FROM sightings WHERE path = ?", (path,))
        }

    def sightings_of(self, resource_id: str) -> list[Sighting]:
        """The slim cached sightings of one resource."""
        rows = self.db.execute("SELECT data FROM sightings WHERE id = ?", (resource_id,))
        return [Sighting.from_dict(json.loads(data)) for (data,) in rows]

    def duplicates_merged(self) -> int:
        """Sightings beyond the first of each resource."""
        sql = "SELECT COUNT(*) - COUNT(DISTINCT id) FROM sightings"
        return self.db.execute(sql).fetchone()[0]

    def skipped_pages(self) -> int:
        """Pages that gave no sighting because of an error."""
        rows = self.db.execute(
            "SELECT problems FROM pages WHERE path NOT IN (SELECT path FROM sightings)"
        )
        return sum(1 for (text,) in rows if any(p.level == ERROR for p in _problems(text)))

    # Documents

    def document_hashes(self) -> dict[str, str]:
        """The hash of every indexed document, by id."""
        return dict(self.db.execute("SELECT id, hash FROM documents WHERE hash != ''"))

    def document_hashes_of(self, ids) -> dict[str, str]:
        """The hashes of some indexed documents, by id (those not indexed left out)."""
        found = {}
        for resource_id in ids:
            row = self.db.execute(
                "SELECT hash FROM documents WHERE id = ? AND hash != ''", (resource_id,)
            ).fetchone()
            if row:
                found[resource_id] = row[0]
        return found

    def put_document(self, resource_id: str, digest: str | None, problems) -> None:
        """Remember a resource's document hash (None when it is not indexed) and problems."""
        self.db.execute("DELETE FROM documents WHERE id = ?", (resource_id,))
        if digest is not None or problems:
            self.db.execute(
                "INSERT INTO documents VALUES (?, ?, ?)",
                (resource_id, digest or "", _problems_json(problems)),
            )

    def document_problems(self) -> list[Problem]:
        rows = self.db.execute("SELECT problems FROM documents WHERE problems != '[]' ORDER BY id")
        return [problem for (text,) in rows for problem in _problems(text)]

    # Whole-corpus inputs

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
