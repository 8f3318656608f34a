"""Step six, incrementally: `update`, the librarian's re-index of what changed, free of any CLI.

`update` re-reads only the pages whose content changed since the published version and
rewrites only the documents of the resources they mention, or that link a document file whose
content changed (only those files are extracted again: `shelf`), giving the same documents a
full build would, then publishes through `build.publish_version` like a build. It builds from
scratch when no usable version is published or the vocabulary or thesaurus changed. A
failure at any point leaves the published index as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index

from . import shelf, whoosh_internals
from .build import (
    SETTINGS_KEY,
    Inputs,
    OnPage,
    Staged,
    build_locked,
    documents_of,
    publish_version,
    read_inputs,
    read_one,
    unread_state,
)
from .catalog import CATALOG_FILE
from .corpus import check_corpus, list_pages, page_stat
from .judgments import Judge
from .pagecache import CACHE_FILE, PageCache, PageState
from .parallel import cpu_count
from .records import CATALOG, NOTICE, RESOURCE_PAGE, Problem, Sighting
from .report import BuildReport
from .resources import merge_sightings
from .schema import ID, document_hash, make_schema, text_words
from .segments import WRITER_MEMORY_MB
from .store import DEFAULT_KEEP_VERSIONS, IndexMissing, IndexStore, Published
from .thesaurus import load_published_thesaurus
from .vocabulary import VOCABULARY_FILE


def _damage(store: IndexStore, published: Published) -> str | None:
    """Why a published version cannot be the base of an update (its files were damaged or
    removed), or None: its index opens and holds the documents its manifest counts, its
    thesaurus loads and its page cache reads."""
    try:
        with store.open_index(published).searcher() as searcher:
            if searcher.doc_count() != published.manifest.get("documents"):
                return "its document count differs from its manifest"
            searcher.document(id=next(iter(searcher.lexicon(ID)), b"").decode("utf-8"))
        # What the app reads: the analysed groups (or the text, for older versions).
        load_published_thesaurus(published.path, text_words())
        with PageCache(published.path / CACHE_FILE, read_only=True) as cache:
            cache.get_meta(SETTINGS_KEY)  # a damaged database fails its first query
    except Exception as error:  # whatever Whoosh, sqlite or the thesaurus raise on damage
        return f"{type(error).__name__}: {error}"
    return None


def update(
    corpus: Path,
    index: Path,
    strict: bool = False,
    on_page: OnPage = None,
    keep: int = DEFAULT_KEEP_VERSIONS,
    judge: Judge | None = None,
) -> BuildReport:
    """Re-index only what changed since the published version (a full build if none is),
    keeping the last `keep` versions published."""
    whoosh_internals.apply_fixes()
    corpus = check_corpus(corpus)
    store = IndexStore(index, keep)
    report = BuildReport("update")
    with store.lock():
        try:
            published = store.published()
        except IndexMissing:
            report.problems.append(Problem(NOTICE, str(index), "no published index: full build"))
            return build_locked(corpus, store, report, strict, on_page, judge=judge)
        damage = _damage(store, published)
        if damage:
            message = f"the published index cannot be updated ({damage}): full build"
            report.problems.append(Problem(NOTICE, str(index), message))
            return build_locked(corpus, store, report, strict, on_page, judge=judge)
        if set(make_schema().names()) != set(store.open_index(published).schema.names()):
            message = "the published index has other fields than this indexer writes: full build"
            report.problems.append(Problem(NOTICE, str(index), message))
            return build_locked(corpus, store, report, strict, on_page, judge=judge)
        with PageCache(published.path / CACHE_FILE, read_only=True) as old:
            settings_sha = old.get_meta(SETTINGS_KEY)
        inputs = read_inputs(corpus, report)
        if inputs.settings_sha != settings_sha:
            message = "vocabulary or thesaurus changed: full build"
            report.problems.append(Problem(NOTICE, VOCABULARY_FILE, message))
            return build_locked(corpus, store, report, strict, on_page, judge=judge)
        return _Updater(corpus, store, published, inputs, report).run(strict, on_page, judge)


class _Updater:
    """One incremental update: changed pages, affected resources, rewritten documents."""

    def __init__(
        self, corpus, store: IndexStore, published: Published, inputs: Inputs, report: BuildReport
    ):
        self.corpus, self.store, self.published = corpus, store, published
        self.inputs, self.report = inputs, report
        self.fresh: dict[str, tuple[Sighting, ...]] = {}
        self.affected: set[str] = set()
        self.listing = shelf.read_listing(published.path)
        self.texts: dict = {}
        self.statuses: dict[str, list[int]] = {}
        self.carried: dict[str, dict] = {}

    def scan_documents(self) -> None:
        """Hash the published version's documents again, but those whose file has the status
        it had when read (extracting only changed ones, the cache has the rest): the
        resources linking a changed or vanished file are affected."""
        self.statuses = shelf.statuses(self.corpus, self.listing)
        self.carried = shelf.unchanged(self.listing, self.statuses)
        sources = [source for source in self.listing if source not in self.carried]
        self.texts = shelf.extract(self.corpus, self.store.root, sources, cpu_count())
        for source in sources:
            if self.texts[source].sha256 != self.listing[source]["sha256"]:
                self.affected |= set(self.listing[source]["ids"])

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
            state, found, problems = read_one(self.corpus, path)
            if old and state and old.sha256 == state.sha256:
                cache.touch_page(path, state)
                continue
            self.report.pages_reparsed += 1
            self.affected |= cache.ids_of_page(path) | {s.id for s in found}
            cache.put_page(path, state or unread_state(self.corpus, path), found, problems)
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
            self.fresh[slim.path] = read_one(self.corpus, slim.path)[1]
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
        new = [s for s in shelf.linked(collection.resources) if s not in self.texts]
        self.statuses |= shelf.statuses(self.corpus, new)  # before the files are read
        self.texts |= shelf.extract(self.corpus, self.store.root, new, cpu_count())
        documents = documents_of(collection.resources, self.texts)
        self.links = {
            source: [i for i in known["ids"] if i not in self.affected]
            for source, known in self.listing.items()
        }
        for source, ids in shelf.linked(collection.resources).items():
            self.links.setdefault(source, []).extend(ids)
        self.links = {source: sorted(ids) for source, ids in self.links.items() if ids}
        merged = {resource.id: resource for resource in collection.resources}
        old = cache.document_hashes_of(self.affected)
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
            problems = list(collection.problems.get(resource_id, ()))
            resource = merged.get(resource_id)
            if resource is not None:
                problems += shelf.problems_of(resource, self.texts)
            cache.put_document(resource_id, digest, problems)
        return operations

    @staticmethod
    def apply(folder: Path, operations: dict[str, dict | None]) -> None:
        """Rewrite the changed documents in the copied index (Whoosh commits atomically; an
        exception cancels the writer)."""
        if not operations:
            return
        with whoosh_index.open_dir(str(folder)).writer(limitmb=WRITER_MEMORY_MB) as writer:
            for resource_id in sorted(operations):
                document = operations[resource_id]
                if document is None:
                    writer.delete_by_term(ID, resource_id)
                else:
                    writer.update_document(**document)

    @contextmanager
    def stage(self, on_page: OnPage, folder: Path) -> Iterator[Staged]:
        """Copy the published version into `folder` and bring its page cache up to date;
        the changed documents are rewritten once the version is publishable."""
        report = self.report
        self.store.copy_version(self.published.path, folder)
        with PageCache.copy(self.published.path / CACHE_FILE, folder / CACHE_FILE) as cache:
            self.scan(cache, on_page)
            self.scan_documents()
            operations = self.rewrite(cache)
            report.problems.extend([*self.inputs.problems, *cache.page_problems()])
            report.problems.extend(cache.document_problems())
            ids = sorted(cache.document_hashes())
            report.resources = len(ids)
            report.duplicates_merged = cache.duplicates_merged()
            report.pages_skipped = cache.skipped_pages()
        changed = bool(operations or report.pages_reparsed)
        yield Staged(ids, partial(self.write, folder, operations), changed=changed)

    def write(self, folder: Path, operations: dict[str, dict | None]) -> None:
        """Rewrite the changed documents, and put the documents' files beside them."""
        self.apply(folder, operations)
        problems = shelf.write_files(
            folder,
            self.corpus,
            self.texts,
            self.links,
            self.published.path,
            self.statuses,
            self.carried,
        )
        self.report.problems.extend(problems)

    def run(self, strict: bool, on_page: OnPage, judge: Judge | None = None) -> BuildReport:
        """Stage, check and publish the update; with nothing changed, publish nothing."""
        started = time.monotonic()
        stage = partial(self.stage, on_page)
        report = publish_version(
            self.store, self.report, self.corpus, strict, stage, started, judge
        )
        if not report.published:
            report.version = self.published.version
        return report
