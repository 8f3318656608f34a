"""What changed for readers between two index versions: resources added, removed, and
changed (which stored fields), for the build and update reports and `resource-index diff`.

Each version's page cache keeps every document's hash by id (`pagecache.py`), so the ids
added, removed and changed come from two small SQLite reads, without opening a Whoosh
index; only the documents whose hash differs are read back from both indexes to name the
fields that differ. Exact (a changed document always has a different hash, and only those
are compared) and cheap: the cost grows with the change, not with the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from .pagecache import CACHE_FILE, PageCache
from .schema import CONTENT, ID
from .store import IndexStore

# Ids a report shows of each kind of change before "and N more" (all with --verbose/--json).
IDS_SHOWN = 5


@dataclass(frozen=True)
class Changes:
    """Resources added, removed and changed (id -> the stored fields that differ) from one
    version (`before`, None when nothing was published) to another (`after`)."""

    before: str | None
    after: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def to_dict(self) -> dict:
        """The changes as JSON-ready data (the shape `diff --json` prints)."""
        return {
            "before": self.before,
            "after": self.after,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": {resource_id: list(fields) for resource_id, fields in self.changed},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Changes:
        """The inverse of `to_dict`."""
        return cls(
            data["before"],
            data["after"],
            tuple(data["added"]),
            tuple(data["removed"]),
            tuple((i, tuple(fields)) for i, fields in data["changed"].items()),
        )

    def lines(self, verbose: bool = False) -> list[str]:
        """The changes as text: counts, fields changed, then a few ids of each (or all)."""
        fields: dict[str, int] = {}
        for _, names in self.changed:
            for name in names:
                fields[name] = fields.get(name, 0) + 1
        by_field = ", ".join(f"{name} {count}" for name, count in sorted(fields.items()))
        lines = [
            f"for readers, {self.before or 'nothing published'} -> {self.after}:"
            f" {len(self.added)} added, {len(self.removed)} removed,"
            f" {len(self.changed)} changed" + (f" ({by_field})" if by_field else "")
        ]
        changed = [f"{resource_id} ({', '.join(names)})" for resource_id, names in self.changed]
        for kind, items in (("added", self.added), ("removed", self.removed), ("changed", changed)):
            shown = items if verbose else items[:IDS_SHOWN]
            lines.extend(f"  {kind}: {item}" for item in shown)
            if len(items) > len(shown):
                lines.append(f"  ... and {len(items) - len(shown)} more {kind} (--verbose)")
        return lines


def document_hashes(version: Path) -> dict[str, str]:
    """Every document's hash in a version folder, by id."""
    with PageCache(version / CACHE_FILE, read_only=True) as cache:
        return cache.document_hashes()


def changed_fields(before: dict, after: dict) -> tuple[str, ...]:
    """The stored fields whose values differ (a field present in one only differs); the
    indexed text when only unstored fields do."""
    names = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    return tuple(names) or (CONTENT,)


def compare_versions(before: Path | None, after: Path, after_name: str | None = None) -> Changes:
    """What changed for readers from the version folder `before` (None: nothing) to `after`
    (named `after_name` when it is not yet in place)."""
    new = document_hashes(after)
    old = document_hashes(before) if before is not None else {}
    differing = sorted(i for i in new.keys() & old.keys() if new[i] != old[i])
    changed = []
    if differing:
        with (
            whoosh_index.open_dir(str(before)).searcher() as old_searcher,
            whoosh_index.open_dir(str(after)).searcher() as new_searcher,
        ):
            for resource_id in differing:
                fields = changed_fields(
                    old_searcher.document(**{ID: resource_id}) or {},
                    new_searcher.document(**{ID: resource_id}) or {},
                )
                changed.append((resource_id, fields))
    return Changes(
        before.name if before is not None else None,
        after_name or after.name,
        tuple(sorted(new.keys() - old.keys())),
        tuple(sorted(old.keys() - new.keys())),
        tuple(changed),
    )


def reader_changes(store: IndexStore, folder: Path, name: str) -> dict | None:
    """What a new version (in `folder`, to be published as `name`) changes for readers
    against the published one, for the build report; None when none is published, or it
    cannot be read (it is being replaced because it is damaged)."""
    current = store.current_version()
    if current is None:
        return None
    try:
        return compare_versions(store.versions / current, folder, name).to_dict()
    except Exception:  # a damaged published version: whatever sqlite or Whoosh raise
        return None


def summarised(report: dict) -> dict:
    """A report as the manifest keeps it: changes for readers counted, not listed (a build
    that changes every resource would otherwise list them all in every manifest)."""
    changes = report["reader_changes"]
    if changes is not None:
        counted = {kind: len(changes[kind]) for kind in ("added", "removed", "changed")}
        report["reader_changes"] = {**changes, **counted}
    return report
