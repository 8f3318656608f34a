"""Step six: the librarian's operations, `build`, `update` and `check`, free of any CLI.

`build` reads every page, merges, writes a new index version beside the one in use,
validates it (document count, a smoke query) and publishes it. `update` re-reads only the
pages whose content changed since the published version and rewrites only the documents
of the resources they mention, giving the same documents a full build would. `check` reads
and merges without writing anything. A failure at any point leaves the published index as
it was.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term

from .catalog import CATALOG_FILE, read_catalog
from .corpus import PageReadError, check_corpus, list_pages, page_stat, read_page
from .pagecache import CACHE_FILE, PageCache, PageState
from .pages import parse_page
from .parallel import cpu_count, parallel_map, workers_of_this_process, writer_options
from .records import CATALOG, ERROR, NOTICE, RESOURCE_PAGE, Problem, Resource, Sighting
from .report import BuildReport
from .resources import Collection, merge_sightings
from .schema import ID, TITLE, document_hash, make_schema, text_analyzer, to_document
from .store import INDEX_FORMAT, IndexMissing, IndexStore
from .thesaurus import THESAURUS_FILE, ThesaurusError, load_thesaurus
from .vocabulary import VOCABULARY_FILE, Vocabulary, VocabularyError, load_vocabulary

WRITER_MEMORY_MB = 256
SETTINGS_KEY = "settings_sha256"
OnPage = Callable[[str], None] | None


class BuildFailed(Exception):
    """The build cannot be published; the published index is untouched."""

    def __init__(self, message: str, report: BuildReport):
        super().__init__(message)
        report.failure = message
        self.report = report


@dataclass
class _Inputs:
    """The corpus-wide files: vocabulary and catalog, read on every run (they are small)."""

    vocabulary: Vocabulary | None
    settings_sha: str
    thesaurus_text: str
    catalog_state: PageState
    catalog: list[Sighting]
    problems: list[Problem] = field(default_factory=list)


def _read_inputs(corpus: Path, report: BuildReport) -> _Inputs:
    try:
        vocabulary = load_vocabulary(corpus)
    except (VocabularyError, OSError) as error:
        raise BuildFailed(f"{VOCABULARY_FILE}: {error}", report) from None
    problems = []
    if vocabulary is None:
        problems.append(
            Problem(NOTICE, VOCABULARY_FILE, "no vocabulary file: topics and types kept as printed")
        )
    analyzer = text_analyzer()
    try:
        # Checked here so a broken thesaurus fails the build, not the search app.
        load_thesaurus(corpus / THESAURUS_FILE, lambda text: [t.text for t in analyzer(text)])
        thesaurus_path = corpus / THESAURUS_FILE
        thesaurus_text = thesaurus_path.read_text("utf-8-sig") if thesaurus_path.is_file() else ""
    except (ThesaurusError, OSError, UnicodeDecodeError) as error:
        raise BuildFailed(f"{THESAURUS_FILE}: {error}", report) from None
    settings = hashlib.sha256()
    for name in (VOCABULARY_FILE, THESAURUS_FILE):
        path = corpus / name
        settings.update(path.read_bytes() if path.is_file() else b"")
        settings.update(b"\0")
    data, catalog, catalog_problems = read_catalog(corpus)
    state = PageState(hashlib.sha256(data).hexdigest(), len(data), 0)
    return _Inputs(
        vocabulary,
        settings.hexdigest(),
        thesaurus_text,
        state,
        catalog,
        problems + catalog_problems,
    )


def _read_one(
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


def _unread_state(corpus: Path, path: str) -> PageState:
    """A page that cannot be read, remembered by size and time so `update` retries it only
    when it changes (else every update would publish a new version)."""
    try:
        stat = page_stat(corpus, path)
    except OSError:
        return PageState("", 0, 0)
    return PageState("", stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _documents(resources: Iterable[Resource]) -> dict[str, dict]:
    return {resource.id: to_document(resource) for resource in resources}


def _write_index(folder: Path, resources: list[Resource], processes: int) -> dict[str, str]:
    """A new Whoosh index of the resources' documents, in id order (sub-writers each take a
    share); each document is made as it is written, so only one is held at a time. Returns
    each document's hash."""
    hashes = {}
    options = writer_options(resources, processes)
    with workers_of_this_process():
        writer = whoosh_index.create_in(str(folder), make_schema()).writer(
            limitmb=WRITER_MEMORY_MB, **options
        )
        try:
            for resource in sorted(resources, key=lambda r: r.id):
                document = to_document(resource)
                hashes[resource.id] = document_hash(document)
                writer.add_document(**document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return hashes


def _smoke_test(path: Path, count: int, probe_id: str, report: BuildReport) -> None:
    """Open the new index and check its document count and one search, or BuildFailed."""
    try:
        index = whoosh_index.open_dir(str(path))
        with index.searcher() as searcher:
            if searcher.doc_count() != count:
                message = f"index holds {searcher.doc_count()} documents, expected {count}"
                raise BuildFailed(message, report)
            probe = searcher.document(id=probe_id) or {}
            words = [token.text for token in text_analyzer()(probe.get(TITLE, ""))]
            query = Term(TITLE, words[0]) if words else Term(ID, probe_id)
            found = {hit[ID] for hit in searcher.search(query, limit=None)}
            if probe_id not in found:
                raise BuildFailed(f"smoke query {query} does not find {probe_id!r}", report)
    except BuildFailed:
        raise
    except Exception as error:  # a damaged new index fails the build, whatever Whoosh raises
        raise BuildFailed(f"the new index cannot be read back: {error}", report) from None


def _manifest(version: str, report: BuildReport, documents: int, corpus: Path) -> dict:
    return {
        "format": INDEX_FORMAT,
        "version": version,
        "corpus": str(corpus),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(report.seconds, 3),
        "documents": documents,
        "report": report.to_dict(),
    }


def _check_publishable(report: BuildReport, documents: int, strict: bool) -> None:
    if documents == 0:
        raise BuildFailed("no resources found; refusing to publish an empty index", report)
    if strict and report.warnings:
        raise BuildFailed(f"--strict: {report.warnings} warning(s) are fatal", report)


def _read_all(
    corpus: Path, cache: PageCache | None, report: BuildReport, on_page: OnPage, processes: int
):
    """Every page's full sightings; remembered in the cache when one is given."""
    sightings: list[Sighting] = []
    paths = list_pages(corpus)
    reads = parallel_map(partial(_read_one, corpus), paths, processes)
    for path, read in zip(paths, reads, strict=True):
        state, found, problems = read
        report.pages_read += 1
        report.problems.extend(problems)
        if not found and any(p.level == ERROR for p in problems):
            report.pages_skipped += 1
        sightings.extend(found)
        if cache is not None:
            cache.put_page(path, state or _unread_state(corpus, path), found, problems)
        if on_page:
            on_page(path)
    return sightings


def _finish(collection: Collection, report: BuildReport) -> None:
    report.resources = len(collection.resources)
    report.duplicates_merged = collection.duplicates_merged
    report.problems.extend(collection.all_problems())


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
            state = _read_one(corpus, path)[0]
            if state is None or state.sha256 != old.sha256:
                changes["changed"].append(path)
    changes["removed"] = sorted(set(states) - set(current) - {CATALOG_FILE})
    return changes


def check(corpus: Path, on_page: OnPage = None, index: Path | None = None) -> BuildReport:
    """Read and merge the corpus as a build would, writing nothing; with an index, also
    say which pages changed since it was built."""
    started = time.monotonic()
    report = BuildReport("check")
    if index is not None:
        report.changes = changed_pages(check_corpus(corpus), index)
    corpus = check_corpus(corpus)
    inputs = _read_inputs(corpus, report)
    report.problems.extend(inputs.problems)
    sightings = _read_all(corpus, None, report, on_page, cpu_count())
    _finish(merge_sightings([*sightings, *inputs.catalog], inputs.vocabulary), report)
    report.seconds = time.monotonic() - started
    return report


def build(
    corpus: Path,
    index: Path,
    strict: bool = False,
    on_page: OnPage = None,
    processes: int | None = None,
) -> BuildReport:
    """Build a new index from the whole corpus and publish it if complete and valid, with
    `processes` workers (default: one per core) when the corpus is big enough to gain."""
    corpus = check_corpus(corpus)
    store = IndexStore(index)
    with store.lock():
        return _build_locked(corpus, store, BuildReport("build"), strict, on_page, processes)


def _build_locked(
    corpus: Path,
    store: IndexStore,
    report: BuildReport,
    strict: bool,
    on_page: OnPage,
    processes: int | None = None,
):
    processes = processes or cpu_count()
    started = time.monotonic()
    inputs = _read_inputs(corpus, report)
    report.problems.extend(inputs.problems)
    name, partial = store.new_version()
    try:
        with PageCache(partial / CACHE_FILE) as cache:
            sightings = _read_all(corpus, cache, report, on_page, processes)
            cache.put_page(CATALOG_FILE, inputs.catalog_state, inputs.catalog, [])
            cache.set_meta(SETTINGS_KEY, inputs.settings_sha)
            seen = {s.id for s in (*sightings, *inputs.catalog)}
            collection = merge_sightings([*sightings, *inputs.catalog], inputs.vocabulary)
            del sightings  # the resources keep what they need of them
            _finish(collection, report)
            resources = collection.resources
            _check_publishable(report, len(resources), strict)
            (partial / THESAURUS_FILE).write_text(inputs.thesaurus_text, encoding="utf-8")
            hashes = _write_index(partial, resources, processes)
            for resource_id in seen:
                problems = collection.problems.get(resource_id, ())
                cache.put_document(resource_id, hashes.get(resource_id), problems)
        _smoke_test(partial, len(hashes), min(hashes), report)
        report.documents_added = len(hashes)
        report.seconds = time.monotonic() - started
        store.publish(name, partial, _manifest(name, report, len(hashes), corpus))
    except BaseException:
        store.discard(partial)
        raise
    report.version, report.published = name, True
    return report


def _damage(store: IndexStore, published) -> str | None:
    """Why a published version cannot be the base of an update (its files were damaged or
    removed), or None: its index opens and holds the documents its manifest counts, its
    thesaurus loads and its page cache reads."""
    try:
        with store.open_index(published).searcher() as searcher:
            if searcher.doc_count() != published.manifest.get("documents"):
                return "its document count differs from its manifest"
            searcher.document(id=next(iter(searcher.lexicon(ID)), b"").decode("utf-8"))
        analyzer = text_analyzer()
        load_thesaurus(
            published.path / THESAURUS_FILE, lambda text: [t.text for t in analyzer(text)]
        )
        with PageCache(published.path / CACHE_FILE, read_only=True) as cache:
            cache.get_meta(SETTINGS_KEY)  # a damaged database fails its first query
    except Exception as error:  # whatever Whoosh, sqlite or the thesaurus raise on damage
        return f"{type(error).__name__}: {error}"
    return None


def update(corpus: Path, index: Path, strict: bool = False, on_page: OnPage = None) -> BuildReport:
    """Re-index only what changed since the published version (a full build if none is)."""
    corpus = check_corpus(corpus)
    store = IndexStore(index)
    report = BuildReport("update")
    with store.lock():
        try:
            published = store.published()
        except IndexMissing:
            report.problems.append(Problem(NOTICE, str(index), "no published index: full build"))
            return _build_locked(corpus, store, report, strict, on_page)
        damage = _damage(store, published)
        if damage:
            message = f"the published index cannot be updated ({damage}): full build"
            report.problems.append(Problem(NOTICE, str(index), message))
            return _build_locked(corpus, store, report, strict, on_page)
        with PageCache(published.path / CACHE_FILE, read_only=True) as old:
            settings_sha = old.get_meta(SETTINGS_KEY)
        inputs = _read_inputs(corpus, report)
        if inputs.settings_sha != settings_sha:
            message = "vocabulary or thesaurus changed: full build"
            report.problems.append(Problem(NOTICE, VOCABULARY_FILE, message))
            return _build_locked(corpus, store, report, strict, on_page)
        return _Updater(corpus, store, published, inputs, report).run(strict, on_page)


class _Updater:
    """One incremental update: changed pages, affected resources, rewritten documents."""

    def __init__(self, corpus, store: IndexStore, published, inputs: _Inputs, report: BuildReport):
        self.corpus, self.store, self.published = corpus, store, published
        self.inputs, self.report = inputs, report
        self.fresh: dict[str, tuple[Sighting, ...]] = {}
        self.affected: set[str] = set()

    def scan(self, cache: PageCache, on_page: OnPage) -> None:
        """Re-read pages whose size or time changed; re-parse those whose content did."""
        states = cache.page_states()
        current = list_pages(self.corpus)
        for path in current:
            self.report.pages_read += 1
            if on_page:
                on_page(path)
            old = states.get(path)
            try:
                stat = page_stat(self.corpus, path)
            except OSError:
                stat = None
            if old and stat and old.same_file(stat):
                continue
            state, found, problems = _read_one(self.corpus, path)
            if old and state and old.sha256 == state.sha256:
                cache.touch_page(path, state)
                continue
            self.report.pages_reparsed += 1
            self.affected |= cache.ids_of_page(path) | {s.id for s in found}
            cache.put_page(path, state or _unread_state(self.corpus, path), found, problems)
            self.fresh[path] = found
        for path in set(states) - set(current) - {CATALOG_FILE}:
            self.report.pages_reparsed += 1
            self.affected |= cache.ids_of_page(path)
            cache.remove_page(path)
        if states.get(CATALOG_FILE, PageState("", 0, 0)).sha256 != self.inputs.catalog_state.sha256:
            self.affected |= cache.ids_of_page(CATALOG_FILE) | {s.id for s in self.inputs.catalog}
            cache.put_page(CATALOG_FILE, self.inputs.catalog_state, self.inputs.catalog, [])

    def full_sighting(self, slim: Sighting) -> Sighting | None:
        """A cached sighting with its text back (resource pages are re-read for it)."""
        if slim.kind != RESOURCE_PAGE:
            return slim
        if slim.path not in self.fresh:
            self.fresh[slim.path] = _read_one(self.corpus, slim.path)[1]
        return next((s for s in self.fresh[slim.path] if s.id == slim.id), None)

    def rewrite(self, cache: PageCache) -> dict[str, dict | None]:
        """Re-merge the affected resources: id -> new document, or None to delete it."""
        sightings = [s for s in self.inputs.catalog if s.id in self.affected]
        for resource_id in sorted(self.affected):
            for slim in cache.sightings_of(resource_id):
                full = None if slim.kind == CATALOG else self.full_sighting(slim)
                if full is not None:
                    sightings.append(full)
        collection = merge_sightings(sightings, self.inputs.vocabulary)
        documents = _documents(collection.resources)
        old = cache.document_hashes()
        operations: dict[str, dict | None] = {}
        for resource_id in sorted(self.affected):
            document = documents.get(resource_id)
            digest = document_hash(document) if document else None
            if digest != old.get(resource_id):
                operations[resource_id] = document
                if document is None:
                    self.report.documents_deleted += 1
                elif resource_id in old:
                    self.report.documents_updated += 1
                else:
                    self.report.documents_added += 1
            cache.put_document(resource_id, digest, collection.problems.get(resource_id, ()))
        return operations

    @staticmethod
    def apply(partial: Path, operations: dict[str, dict | None]) -> None:
        """Rewrite the changed documents in the copied index (Whoosh commits atomically)."""
        writer = whoosh_index.open_dir(str(partial)).writer(limitmb=WRITER_MEMORY_MB)
        for resource_id in sorted(operations):
            document = operations[resource_id]
            if document is None:
                writer.delete_by_term(ID, resource_id)
            else:
                writer.update_document(**document)
        writer.commit()

    def run(self, strict: bool, on_page: OnPage) -> BuildReport:
        started = time.monotonic()
        report = self.report
        name, partial = self.store.new_version()
        try:
            self.store.copy_version(self.published.path, partial)
            with PageCache.copy(self.published.path / CACHE_FILE, partial / CACHE_FILE) as cache:
                self.scan(cache, on_page)
                operations = self.rewrite(cache)
                report.problems.extend([*self.inputs.problems, *cache.page_problems()])
                report.problems.extend(cache.document_problems())
                ids = sorted(cache.document_hashes())
                report.resources = len(ids)
                report.duplicates_merged = cache.duplicates_merged()
                report.pages_skipped = cache.skipped_pages()
            _check_publishable(report, len(ids), strict)
            if not operations and not report.pages_reparsed:
                self.store.discard(partial)
                report.version = self.published.version
                report.seconds = time.monotonic() - started
                return report
            if operations:
                self.apply(partial, operations)
            _smoke_test(partial, len(ids), ids[0], report)
            report.seconds = time.monotonic() - started
            self.store.publish(name, partial, _manifest(name, report, len(ids), self.corpus))
        except BaseException:
            self.store.discard(partial)
            raise
        report.version, report.published = name, True
        return report
