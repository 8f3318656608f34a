"""What visitors searched for: the opt-in query log (setting `QUERY_LOG`), and the
librarian's summary of it (`resource-search queries`).

One JSON line per search, first page only (paging through results is not a new search),
from the JSON API and the search page alike, holding exactly::

    {"time": "2026-12-01T10:02:03Z", "q": "taser", "filters": {"topic": ["Use of Force"]},
     "total": 4}

the query text, the filters chosen, the number of results, and the time to the second.
Nothing about the visitor: no address, no cookie, no user agent, no referrer, no session.
The file is rotated by size: past `max_bytes` it becomes `<log>.1` (and `.1` becomes `.2`,
up to `ROTATED_FILES`; the oldest is dropped). Writes are appended under an exclusive
`flock`, so the workers of one server can share a log. A log that cannot be written never
fails a search.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ROTATED_FILES = 5
# Longest query text kept (the parameters allow far longer; a log line stays small).
MAX_LOGGED_CHARS = 500
_SINCE = re.compile(r"(\d+)([dhm])")
_SINCE_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class QueryLog:
    """A query log file, appended to and rotated by size."""

    path: Path
    max_bytes: int = DEFAULT_MAX_BYTES

    def files(self) -> list[Path]:
        """The log and its rotated files, newest first (those that exist)."""
        names = [self.path, *(self.rotated(n) for n in range(1, ROTATED_FILES + 1))]
        return [path for path in names if path.is_file()]

    def rotated(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{number}")

    def record(self, q: str, filters: dict, total: int, when: datetime | None = None) -> None:
        """Append one search (filters without empty values), rotating the file if full."""
        when = when or datetime.now(UTC)
        entry = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "q": q[:MAX_LOGGED_CHARS],
            "filters": {name: value for name, value in filters.items() if value not in (None, [])},
            "total": total,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            if handle.tell() + len(line) > self.max_bytes and handle.tell() > 0:
                self.rotate()
                with open(self.path, "a", encoding="utf-8") as fresh:
                    fresh.write(line)
                return
            handle.write(line)

    def rotate(self) -> None:
        """Shift `<log>` to `<log>.1`, `.1` to `.2`..., dropping the oldest (hold the lock)."""
        for number in range(ROTATED_FILES, 1, -1):
            if self.rotated(number - 1).exists():
                os.replace(self.rotated(number - 1), self.rotated(number))
        os.replace(self.path, self.rotated(1))

    def entries(self, since: datetime | None = None) -> Iterator[dict]:
        """Every logged search (oldest file first), from `since` on; unreadable lines skipped."""
        for path in reversed(self.files()):
            with open(path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                        when = datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%SZ")
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut short by a full disk, or not ours
                    if since is None or when.replace(tzinfo=UTC) >= since:
                        yield entry


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `12h` or `30m` before `now`, or ValueError."""
    match = _SINCE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"expected a number and d, h or m (like 7d), not {text!r}")
    return now - timedelta(**{_SINCE_UNITS[match[2]]: int(match[1])})


def normalise(q: str) -> str:
    """A query as it is counted: case and spacing folded."""
    return " ".join(q.casefold().split())


def commonest(entries, zero_only: bool = False, limit: int | None = None) -> list[dict]:
    """Queries by how often they were searched (commonest first, then alphabetically), each
    with how many of those searches found nothing; only those that never found anything
    with `zero_only`. Searches without text (browsing by filters) are left out."""
    searched: Counter[str] = Counter()
    empty: Counter[str] = Counter()
    for entry in entries:
        q = normalise(str(entry.get("q", "")))
        if not q:
            continue
        searched[q] += 1
        if entry.get("total") == 0:
            empty[q] += 1
    rows = [
        {"q": q, "searches": count, "found_nothing": empty[q]}
        for q, count in searched.items()
        if not zero_only or empty[q] == count
    ]
    rows.sort(key=lambda row: (-row["searches"], row["q"]))
    return rows[:limit] if limit else rows
