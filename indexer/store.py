"""Step five: the index folder, where builds are written beside the index in use and published.

Layout of an index folder::

    index/
      CURRENT                  the name of the published version (replaced atomically)
      versions/<version>/      one complete Whoosh index each, with manifest.json
      versions/<version>.partial/   a build in progress (removed if it fails or is killed)
      HISTORY                  the versions published, oldest first (for `roll_back`)
      build.lock               held (flock) by the one build running

Readers open `CURRENT` and the version it names; a build writes a new version, validates it,
then replaces `CURRENT` in one `os.replace`, so readers see the old index or the new one,
never a half-built one. The last `keep` versions published are kept (the previous one for
readers still holding it open, the others to roll back to).

Rolling back pops the history: it publishes again the version published before the current
one, with the same lock, atomic switch and fsync as a build. Rolling back twice goes two
publishes back; a build after a rollback is pushed on top of the version rolled back to.
`CURRENT` is the truth and `HISTORY` its annotation, written first: read back, the history
ends at the last mention of `CURRENT` (a publish killed between the two writes is not in it)
and names only versions still kept.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from .schema import make_schema
from .whoosh_internals import apply_fixes

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
LOCK_FILE = "build.lock"
MANIFEST_FILE = "manifest.json"
PARTIAL_SUFFIX = ".partial"
INDEX_FORMAT = "knowledge-lab-index/2"
HISTORY_FILE = "HISTORY"
# How many published versions are kept: the current one, the previous one (readers may still
# hold it) and more to roll back to. A setting: `resource-index --keep`, RESOURCE_INDEX_KEEP.
DEFAULT_KEEP_VERSIONS = 3
MIN_KEEP_VERSIONS = 2
# Rewritten by each version, so never hard-linked from the one before.
SKIPPED_ON_COPY = {MANIFEST_FILE, "pages.sqlite", "MAIN_WRITELOCK"}
_VERSION_NAME = re.compile(r"v\d{8}T\d{6}\d{6}Z-\d+")


class StoreError(Exception):
    """The index folder cannot be used; the message says why and what to do."""


class IndexLocked(StoreError):
    """Another build holds the index folder's lock."""


class IndexNotWritable(StoreError):
    """The index folder (or its parent) cannot be written."""


class NothingToRollBack(StoreError):
    """No earlier published version is kept to roll back to."""


class IndexMissing(StoreError):
    """No index has been published in the folder yet (`version` None), or it is damaged."""

    def __init__(self, message: str, version: str | None = None):
        super().__init__(message)
        self.version = version


@dataclass(frozen=True)
class Published:
    """The version in use: its name, folder and manifest."""

    version: str
    path: Path
    manifest: dict


def _not_writable(path: Path, error: OSError) -> IndexNotWritable:
    reason = error.strerror or str(error)
    return IndexNotWritable(f"cannot write the index folder {path}: {reason}")


class IndexStore:
    """An index folder: its published version, its lock, and the publishing of new versions."""

    def __init__(self, root: Path, keep: int = DEFAULT_KEEP_VERSIONS):
        if keep < MIN_KEEP_VERSIONS:
            raise ValueError(f"keep must be at least {MIN_KEEP_VERSIONS}, not {keep}")
        self.root = Path(root)
        self.versions = self.root / VERSIONS_DIR
        self.keep = keep

    # Reading

    def current_version(self) -> str | None:
        """The published version's name, or None when nothing is published."""
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return name if _VERSION_NAME.fullmatch(name) else None

    def current_stamp(self) -> tuple[int, int] | None:
        """A cheap fingerprint of `CURRENT` (inode, mtime) that changes at each publish."""
        try:
            stat = (self.root / CURRENT_FILE).stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def kept_versions(self) -> list[str]:
        """The complete versions in the folder, oldest build first."""
        if not self.versions.is_dir():
            return []
        return sorted(p.name for p in self.versions.iterdir() if _VERSION_NAME.fullmatch(p.name))

    def history(self) -> list[str]:
        """The versions published, oldest first, ending with the current one; only those
        still kept. A folder published before the history was written: its kept versions up
        to the current one, in build order."""
        current = self.current_version()
        if current is None:
            return []
        kept = self.kept_versions()
        try:
            text = (self.root / HISTORY_FILE).read_text(encoding="ascii")
            names = [name for name in text.split() if _VERSION_NAME.fullmatch(name)]
        except (OSError, UnicodeDecodeError):
            names = [name for name in kept if name <= current]
        if current in names:
            names = names[: len(names) - names[::-1].index(current)]
        else:
            names.append(current)
        return [name for name in names if name in kept]

    def published(self, version: str | None = None) -> Published:
        """The version in use (or a kept `version`), checked to be one this project wrote,
        or IndexMissing."""
        version = version or self.current_version()
        if version is None:
            raise IndexMissing(f"no index published in {self.root}; run `resource-index build`")
        path = self.versions / version
        try:
            manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise IndexMissing(f"index version {version} is damaged: {error}", version) from None
        if not isinstance(manifest, dict) or manifest.get("format") != INDEX_FORMAT:
            message = f"{path} was not written by this indexer; refusing to open it"
            raise IndexMissing(message, version)
        return Published(version, path, manifest)

    def open_index(self, published: Published | None = None):
        """The Whoosh index of the version in use (only ever one this indexer wrote)."""
        apply_fixes()  # every published index is opened here: `stats`, the search app
        published = published or self.published()
        try:
            index = whoosh_index.open_dir(str(published.path))
        except Exception as error:  # Whoosh raises many kinds on damaged files
            raise IndexMissing(
                f"index version {published.version} cannot be opened: {error}", published.version
            ) from None
        missing = sorted(set(make_schema().names()) - set(index.schema.names()))
        # Written by an older indexer: a missing searched field fails every query, a missing
        # stored one (the page starts of passages) leaves the app reading what it lacks.
        if missing:
            raise IndexMissing(
                f"index version {published.version} was built by an older indexer (no field"
                f" {', '.join(missing)}); rebuild it with `resource-index build`",
                published.version,
            )
        return index

    # Writing

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the build lock, or fail at once with IndexLocked if another build has it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise _not_writable(self.root, error) from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise _not_writable(self.root, error) from None
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise IndexLocked(
                    f"another build is running on {self.root} ({holder}); try again when it ends"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, since {datetime.now(UTC):%H:%M:%S} UTC\n")
            handle.flush()
            try:
                self.remove_partials()
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def new_version(self) -> tuple[str, Path]:
        """A fresh version name and its `.partial` folder to build in (hold the lock)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"v{stamp}-{os.getpid()}"
        path = self.versions / (name + PARTIAL_SUFFIX)
        try:
            path.mkdir(parents=True)
        except OSError as error:
            raise _not_writable(self.versions, error) from None
        return name, path

    def copy_version(self, source: Path, target: Path) -> None:
        """Fill a partial folder with a version's files, hard-linked (Whoosh never rewrites a
        segment file in place), or copied where links are impossible."""
        for item in source.iterdir():
            if item.name in SKIPPED_ON_COPY or not item.is_file():
                continue
            try:
                os.link(item, target / item.name)
            except OSError:
                shutil.copy2(item, target / item.name)

    def publish(self, name: str, partial: Path, manifest: dict) -> Path:
        """Write the manifest, move the version into place, and point `CURRENT` at it."""
        final = self.versions / name
        history = self.history()
        try:
            _write_atomically(partial / MANIFEST_FILE, json.dumps(manifest, indent=1))
            _fsync_dir(partial)
            os.replace(partial, final)
        except OSError as error:
            raise _not_writable(self.root, error) from None
        self._switch([*history, name])
        return final

    def roll_back(self) -> tuple[str, str]:
        """Publish again the version published before the current one (hold the lock and
        check it opens first); returns (from, to), or NothingToRollBack."""
        current = self.published().version
        history = self.history()
        if len(history) < 2:
            raise NothingToRollBack(
                f"nothing to roll back to: no version published before {current} is kept"
                f" in {self.root} (see --keep)"
            )
        # The version rolled back to must be one this indexer wrote and must open, as a
        # build's new version must pass its smoke test, or `CURRENT` stays as it is.
        self.open_index(self.published(history[-2])).close()
        self._switch(history[:-1])
        return history[-1], history[-2]

    def _switch(self, history: list[str]) -> None:
        """Point `CURRENT` at the last version of `history`, atomically and durably, then
        remove the versions no longer kept."""
        replaced = self.current_version()
        try:
            _write_atomically(self.root / HISTORY_FILE, "\n".join(history) + "\n")
            _write_atomically(self.root / CURRENT_FILE, history[-1] + "\n")
            _fsync_dir(self.root)
        except OSError as error:
            raise _not_writable(self.root, error) from None
        self.remove_old_versions(replaced)

    def discard(self, partial: Path) -> None:
        """Remove a build that failed validation."""
        shutil.rmtree(partial, ignore_errors=True)

    def remove_partials(self) -> None:
        """Remove the leftovers of builds that were killed (only ever called under the lock):
        partial versions, and a `CURRENT` or `HISTORY` written but never moved into place."""
        if self.versions.is_dir():
            for item in self.versions.glob("*" + PARTIAL_SUFFIX):
                shutil.rmtree(item, ignore_errors=True)
        for name in (CURRENT_FILE, HISTORY_FILE):
            for item in self.root.glob(f".{name}.*"):
                item.unlink(missing_ok=True)

    def remove_old_versions(self, replaced: str | None = None) -> None:
        """Keep the last `keep` versions published and the one just replaced (readers may
        still hold it); a folder without a history keeps its newest builds."""
        names = self.kept_versions()
        recent = list(dict.fromkeys(reversed(self.history())))[: self.keep]
        keep = set(recent or names[-self.keep :]) | {replaced, self.current_version()}
        for name in names:
            if name not in keep:
                shutil.rmtree(self.versions / name, ignore_errors=True)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
