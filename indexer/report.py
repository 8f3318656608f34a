"""The report every command ends with: what was read, what was indexed, what went wrong.

The CLI prints it as text on stderr or, with `--json`, as JSON on stdout; the manifest of
each published index keeps the report of the build that made it. Errors and warnings are
listed one by one; notices (a catalog-only build gives one per resource without a topic) are
counted by kind, and listed one by one with `verbose`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from .changes import Changes
from .records import ERROR, LEVELS, NOTICE, WARNING, Problem


@dataclass
class BuildReport:
    """Counts and problems of one run of `build`, `update` or `check`."""

    command: str
    pages_read: int = 0
    pages_skipped: int = 0
    pages_reparsed: int = 0
    resources: int = 0
    duplicates_merged: int = 0
    problems: list[Problem] = field(default_factory=list)
    documents_added: int = 0
    documents_updated: int = 0
    documents_deleted: int = 0
    version: str | None = None
    published: bool = False
    seconds: float = 0.0
    failure: str | None = None
    # `check --index`: pages added, changed or removed since the published index.
    changes: dict[str, list[str]] | None = None
    # `build`, `update`: what the new version changes for readers (`Changes.to_dict`).
    reader_changes: dict | None = None
    # With judged queries: how many were run and how many failed (each failure a warning).
    judged: dict | None = None

    def count(self, level: str) -> int:
        """How many problems of one level (error, warning, notice) the run found."""
        return sum(1 for problem in self.problems if problem.level == level)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)

    def sorted_problems(self) -> list[Problem]:
        """Problems by level (errors first), then file and line."""
        return sorted(
            self.problems,
            key=lambda p: (LEVELS.index(p.level), p.path, p.line or 0, p.element or ""),
        )

    def notice_kinds(self) -> list[dict]:
        """Notices counted by kind, commonest first, each with its first instance."""
        notices = [p for p in self.sorted_problems() if p.level == NOTICE]
        counts = Counter(p.kind or p.message for p in notices)
        first = {}
        for problem in notices:
            first.setdefault(problem.kind or problem.message, problem)
        return [
            {"kind": kind, "count": count, "first": str(first[kind])}
            for kind, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]

    def to_dict(self) -> dict:
        """The report as JSON-ready data (the shape `--json` prints)."""
        data = asdict(self)
        data["problems"] = [
            {name: value for name, value in asdict(p).items() if name != "kind"}
            for p in self.sorted_problems()
        ]
        data["notice_kinds"] = self.notice_kinds()
        data["errors"] = self.errors
        data["warnings"] = self.warnings
        data["notices"] = self.count(NOTICE)
        data["seconds"] = round(self.seconds, 3)
        return data

    def lines(self, verbose: bool = False) -> list[str]:
        """The report as lines of text for a librarian (every notice with `verbose`)."""
        lines = [
            f"pages read: {self.pages_read}"
            + (f" ({self.pages_skipped} skipped, see errors)" if self.pages_skipped else ""),
            f"resources: {self.resources} ({self.duplicates_merged} duplicate sightings merged)",
        ]
        if self.command == "update":
            lines.append(
                f"pages re-parsed: {self.pages_reparsed}; documents added {self.documents_added},"
                f" updated {self.documents_updated}, deleted {self.documents_deleted}"
            )
        lines.append(
            f"errors: {self.errors}, warnings: {self.warnings}, notices: {self.count(NOTICE)}"
        )
        shown = [p for p in self.sorted_problems() if verbose or p.level != NOTICE]
        lines.extend(f"  {problem}" for problem in shown)
        if not verbose:
            lines.extend(_notice_summary(kind) for kind in self.notice_kinds())
        if self.judged is not None:
            judged = self.judged
            lines.append(f"judged queries: {judged['queries']}, failed: {judged['failed']}")
        if self.reader_changes is not None and self.reader_changes["before"]:
            lines.extend(Changes.from_dict(self.reader_changes).lines(verbose))
        if self.command == "check" and self.changes is not None:
            counts = ", ".join(f"{len(paths)} {kind}" for kind, paths in self.changes.items())
            lines.append(f"pages since the published index: {counts}")
            lines.extend(
                f"  {kind}: {path}" for kind, paths in self.changes.items() for path in paths
            )
        if self.failure:
            lines.append(f"FAILED: {self.failure}")
        elif self.published:
            lines.append(f"published index version {self.version} in {self.seconds:.1f} s")
        elif self.version:
            lines.append(f"index version {self.version} is up to date; nothing to publish")
        return lines


def _notice_summary(kind: dict) -> str:
    """One kind of notice: the notice itself when alone, else a count and the first one."""
    if kind["count"] == 1:
        return f"  {kind['first']}"
    return (
        f"  notice x{kind['count']}: {kind['kind']} (first: {kind['first']}; --verbose lists each)"
    )
