"""Step six's last check before publishing: judged queries, the resources a librarian
expects in the top N of a search, run on the new version before it goes live.

`judged-queries.toml` in the corpus folder lists them::

    top = 3                        # default N for every query

    [[query]]
    q = "taser"
    expect = ["electronic-control-weapons"]
    top = 1                        # this query's own N
    filters = { topic = ["Use of Force"], year_from = 2015 }   # as in a search URL

The search itself is an argument (`Judge.search`): the indexer never imports the search
app, so the data flow stays one way; `resource-index` gives the search app's own ranking
(`search_app.judging.rank`), the one researchers see. Each failure is a warning of the
build report, so `--strict` (warnings are fatal) refuses to publish.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .records import WARNING, Problem

JUDGED_FILE = "judged-queries.toml"
DEFAULT_TOP = 3
MAX_TOP = 100
JUDGED_FAILURE = "judged query failed"
QUERY_KEYS = {"q", "expect", "top", "filters"}

# A version folder and the queries -> each query's ranked ids (at least its top N).
Search = Callable[[Path, Sequence["JudgedQuery"]], list[list[str]]]


class JudgmentsError(ValueError):
    """The judged-queries file cannot be read; the message says where."""


@dataclass(frozen=True)
class JudgedQuery:
    """A query, its filters (search URL parameters) and the ids expected in its top N."""

    q: str
    expect: tuple[str, ...]
    top: int = DEFAULT_TOP
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def describe(self) -> str:
        """The query as a librarian wrote it: `'taser' [topic=Use of Force]`."""
        shown = "; ".join(f"{name}={', '.join(values)}" for name, values in self.filters)
        return repr(self.q) + (f" [{shown}]" if shown else "")


def _strings(value, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise JudgmentsError(f"{where}: expected a string or a list of strings")
    return tuple(str(v) for v in values)


def _top(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TOP:
        raise JudgmentsError(f"{where}: top must be a whole number from 1 to {MAX_TOP}")
    return value


def parse_judgments(text: str) -> list[JudgedQuery]:
    """The judged queries of a file's text, or JudgmentsError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise JudgmentsError(f"{JUDGED_FILE}: {error}") from None
    default_top = _top(data.get("top", DEFAULT_TOP), JUDGED_FILE)
    entries = data.get("query", [])
    if not isinstance(entries, list):
        raise JudgmentsError(f"{JUDGED_FILE}: [[query]] must be an array of tables")
    queries = []
    for number, entry in enumerate(entries, 1):
        where = f"{JUDGED_FILE}: query {number}"
        unknown = sorted(set(entry) - QUERY_KEYS)
        if unknown:
            raise JudgmentsError(f"{where}: unknown key(s) {', '.join(unknown)}")
        if not isinstance(entry.get("q"), str):
            raise JudgmentsError(f"{where}: q (the query text) is missing")
        if "expect" not in entry:
            raise JudgmentsError(f"{where}: expect (the resource ids) is missing")
        filters = entry.get("filters", {})
        if not isinstance(filters, dict):
            raise JudgmentsError(f"{where}: filters must be a table")
        queries.append(
            JudgedQuery(
                entry["q"],
                _strings(entry["expect"], f"{where}: expect"),
                _top(entry.get("top", default_top), where),
                tuple((name, _strings(v, f"{where}: {name}")) for name, v in filters.items()),
            )
        )
    return queries


def load_judgments(corpus: Path) -> list[JudgedQuery]:
    """The corpus's judged queries (none when it has no file), or JudgmentsError."""
    path = corpus / JUDGED_FILE
    if not path.is_file():
        return []
    try:
        return parse_judgments(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise JudgmentsError(f"{JUDGED_FILE}: {error}") from None


def failures(query: JudgedQuery, number: int, ranked: list[str]) -> list[Problem]:
    """A warning for each expected id missing from the query's top N (with its rank)."""
    problems = []
    for expected in query.expect:
        if expected in ranked[: query.top]:
            continue
        where = f"rank {ranked.index(expected) + 1}" if expected in ranked else "not found"
        message = f"{query.describe()}: {expected!r} not in the top {query.top} ({where})"
        problems.append(
            Problem(WARNING, JUDGED_FILE, message, None, f"query {number}", JUDGED_FAILURE)
        )
    return problems


@dataclass(frozen=True)
class Judge:
    """Judged queries and the search that runs them on a version folder."""

    queries: tuple[JudgedQuery, ...]
    search: Search

    def check(self, version: Path) -> list[Problem]:
        """Every failure of the judged queries on the version folder."""
        if not self.queries:
            return []
        rankings = self.search(version, self.queries)
        return [
            problem
            for number, (query, ranked) in enumerate(zip(self.queries, rankings, strict=True), 1)
            for problem in failures(query, number, ranked)
        ]
