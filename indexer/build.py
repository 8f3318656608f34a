"""Step six: the librarian's operations `build` and `check`, free of any CLI, and
`publish_version`, the one way a new index version goes live (`update.py` uses it too).

`build` reads every page, merges, extracts the resources' documents (`shelf`: from the
content-hash cache when unchanged), writes a new index version beside the one in use, with
the document files it serves, validates it (document count, a smoke query, the judged
queries when a judge is given), says what changed for readers against the version in use,
and publishes it. `check` reads and merges
without writing anything. A failure at any point leaves the published index as it was.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term

from . import derived, posting_arrays, shelf, whoosh_internals
from .catalog import CATALOG_FILE, read_catalog
from .changes import reader_changes, summarised
from .corpus import check_corpus, list_pages
from .documents import Document
from .judgments import Judge
from .pagecache import CACHE_FILE, PageCache, PageState
from .parallel import cpu_count, parallel_map
from .reading import changed_pages, read_one, unread_state  # noqa: F401  (also read from here)
from .records import ERROR, NOTICE, Problem, Resource, Sighting
from .report import BuildReport
from .resources import Collection, merge_sightings
from .schema import ID, TITLE, text_words, to_document
from .segments import write_index
from .spill import SPILL_FILE, TextSpill
from .store import DEFAULT_KEEP_VERSIONS, INDEX_FORMAT, IndexStore, StoreError
from .thesaurus import (
    ANALYSED_FILE,
    THESAURUS_FILE,
    Thesaurus,
    ThesaurusError,
    analysed_groups,
    load_thesaurus,
)
from .vocabulary import (
    VOCABULARY_FILE,
    Vocabulary,
    VocabularyError,
    parse_vocabulary,
    read_vocabulary_text,
)

SETTINGS_KEY = "settings_sha256"
OnPage = Callable[[str], None] | None


class BuildFailed(Exception):
    """The build cannot be published; the published index is untouched."""

    def __init__(self, message: str, report: BuildReport):
        super().__init__(message)
        report.failure = message
        self.report = report


@dataclass
class Inputs:
    """The corpus-wide files: vocabulary and catalog, read on every run (they are small)."""

    vocabulary: Vocabulary | None
    settings_sha: str
    thesaurus_text: str
    catalog_state: PageState
    catalog: list[Sighting]
    problems: list[Problem] = field(default_factory=list)
    vocabulary_text: str = ""  # published beside the index: the search app resolves aliases
    thesaurus: Thesaurus = field(default_factory=Thesaurus)  # analysed, published beside it


def read_inputs(corpus: Path, report: BuildReport) -> Inputs:
    """The corpus-wide files, or BuildFailed when the vocabulary or thesaurus is unusable."""
    try:
        vocabulary_text = read_vocabulary_text(corpus)
        vocabulary = None if vocabulary_text is None else parse_vocabulary(vocabulary_text)
    except (VocabularyError, OSError) as error:
        raise BuildFailed(f"{VOCABULARY_FILE}: {error}", report) from None
    problems = []
    if vocabulary is None:
        problems.append(
            Problem(NOTICE, VOCABULARY_FILE, "no vocabulary file: topics and types kept as printed")
        )
    try:
        # Checked here so a broken thesaurus fails the build, not the search app.
        thesaurus = load_thesaurus(corpus / THESAURUS_FILE, text_words())
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
    return Inputs(
        vocabulary,
        settings.hexdigest(),
        thesaurus_text,
        state,
        catalog,
        problems + catalog_problems,
        vocabulary_text or "",
        thesaurus,
    )


def documents_of(
    resources: Iterable[Resource], texts: dict[str, Document] | None = None
) -> dict[str, dict]:
    """Each resource's index document, by id (with its documents' text, by source)."""
    return {resource.id: to_document(resource, texts) for resource in resources}


def _smoke_test(path: Path, count: int, probe_id: str, report: BuildReport) -> None:
    """Open the new index and check its document count and one search, or BuildFailed."""
    try:
        index = whoosh_index.open_dir(str(path))
        with index.searcher() as searcher:
            if searcher.doc_count() != count:
                message = f"index holds {searcher.doc_count()} documents, expected {count}"
                raise BuildFailed(message, report)
            probe = searcher.document(id=probe_id) or {}
            words = text_words()(probe.get(TITLE, ""))
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
        "report": summarised(report.to_dict()),
    }


def _check_publishable(report: BuildReport, documents: int, strict: bool) -> None:
    if documents == 0:
        raise BuildFailed("no resources found; refusing to publish an empty index", report)
    if strict and report.warnings:
        raise BuildFailed(f"--strict: {report.warnings} warning(s) are fatal", report)


def _read_all(
    corpus: Path,
    cache: PageCache | None,
    report: BuildReport,
    on_page: OnPage,
    processes: int,
    spill: TextSpill | None = None,
):
    """Every page's sightings, their texts spilled when a spill is given; remembered in the
    cache when one is given."""
    sightings: list[Sighting] = []
    paths = list_pages(corpus)
    reads = parallel_map(partial(read_one, corpus), paths, processes)
    for path, read in zip(paths, reads, strict=True):
        state, found, problems = read
        report.pages_read += 1
        report.problems.extend(problems)
        if not found and any(p.level == ERROR for p in problems):
            report.pages_skipped += 1
        sightings.extend(map(spill.slim, found) if spill else found)
        if cache is not None:
            cache.put_page(path, state or unread_state(corpus, path), found, problems)
        if on_page:
            on_page(path)
    return sightings


def _finish(collection: Collection, report: BuildReport) -> None:
    report.resources = len(collection.resources)
    report.duplicates_merged = collection.duplicates_merged
    report.problems.extend(collection.all_problems())


def check(corpus: Path, on_page: OnPage = None, index: Path | None = None) -> BuildReport:
    """Read and merge the corpus as a build would, writing nothing; with an index, also
    say which pages changed since it was built."""
    whoosh_internals.apply_fixes()
    started = time.monotonic()
    report = BuildReport("check")
    corpus = check_corpus(corpus)
    if index is not None:
        report.changes = changed_pages(corpus, index)
    inputs = read_inputs(corpus, report)
    report.problems.extend(inputs.problems)
    # No index is written: the texts are dropped as read (their stand-ins merge the same).
    with TextSpill(Path(os.devnull)) as spill:
        sightings = _read_all(corpus, None, report, on_page, cpu_count(), spill)
    _finish(merge_sightings([*sightings, *inputs.catalog], inputs.vocabulary), report)
    report.seconds = time.monotonic() - started
    return report


def build(
    corpus: Path,
    index: Path,
    strict: bool = False,
    on_page: OnPage = None,
    processes: int | None = None,
    keep: int = DEFAULT_KEEP_VERSIONS,
    judge: Judge | None = None,
) -> BuildReport:
    """Build a new index from the whole corpus and publish it if complete and valid, with
    `processes` workers (default: one per core) when the corpus is big enough to gain,
    keeping the last `keep` versions published."""
    whoosh_internals.apply_fixes()
    corpus = check_corpus(corpus)
    store = IndexStore(index, keep)
    with store.lock():
        report = BuildReport("build")
        return build_locked(corpus, store, report, strict, on_page, processes, judge)


def build_locked(
    corpus: Path,
    store: IndexStore,
    report: BuildReport,
    strict: bool,
    on_page: OnPage,
    processes: int | None = None,
    judge: Judge | None = None,
) -> BuildReport:
    """`build` for a caller holding the store's lock (`update` falls back to it)."""
    processes = processes or cpu_count()
    started = time.monotonic()
    inputs = read_inputs(corpus, report)
    report.problems.extend(inputs.problems)
    stage = partial(_stage_build, corpus, store, inputs, report, on_page, processes)
    return publish_version(store, report, corpus, strict, stage, started, judge)


@contextmanager
def _stage_build(
    corpus: Path,
    store: IndexStore,
    inputs: Inputs,
    report: BuildReport,
    on_page: OnPage,
    processes: int,
    folder: Path,
) -> Iterator[Staged]:
    """Read every page into a new page cache in `folder`, merge, and extract the documents;
    the index is written (with the thesaurus, the documents' files, and each document's hash
    in the cache) once publishable."""
    spill_path = folder / SPILL_FILE
    with PageCache(folder / CACHE_FILE) as cache, TextSpill(spill_path) as spill:
        sightings = _read_all(corpus, cache, report, on_page, processes, spill)
        spill.close()
        cache.put_page(CATALOG_FILE, inputs.catalog_state, inputs.catalog, [])
        cache.set_meta(SETTINGS_KEY, inputs.settings_sha)
        seen = {s.id for s in (*sightings, *inputs.catalog)}
        collection = merge_sightings([*sightings, *inputs.catalog], inputs.vocabulary)
        del sightings  # the resources keep what they need of them
        _finish(collection, report)
        resources = collection.resources
        links = shelf.linked(resources)
        statuses = shelf.statuses(corpus, links)  # before the files are read
        texts = shelf.extract(corpus, store.root, links, processes)
        document_problems = {r.id: shelf.problems_of(r, texts) for r in resources}
        report.problems.extend(p for found in document_problems.values() for p in found)

        def write() -> None:
            (folder / THESAURUS_FILE).write_text(inputs.thesaurus_text, encoding="utf-8")
            (folder / ANALYSED_FILE).write_text(analysed_groups(inputs.thesaurus), "utf-8")
            (folder / VOCABULARY_FILE).write_text(inputs.vocabulary_text, encoding="utf-8")
            hashes = write_index(folder, list(resources), processes, texts, spill_path)
            spill_path.unlink()
            previous = _published_path(store)
            report.problems.extend(
                shelf.write_files(folder, corpus, texts, links, previous, statuses)
            )
            for resource_id in seen:
                problems = (
                    *collection.problems.get(resource_id, ()),
                    *document_problems.get(resource_id, ()),
                )
                cache.put_document(resource_id, hashes.get(resource_id), problems)

        yield Staged([resource.id for resource in resources], write, added=len(resources))


def _published_path(store: IndexStore) -> Path | None:
    """The published version's folder (its document files can be linked), or None."""
    try:
        return store.published().path
    except StoreError:
        return None


@dataclass
class Staged:
    """A new version being staged: the ids its index will hold, what writes its index,
    whether anything changed (an update with nothing to do publishes nothing), and the
    documents to count as added once it passes its smoke test (a full build's; `update`
    counts its own changes as it stages)."""

    ids: list[str]
    write: Callable[[], None]
    changed: bool = True
    added: int = 0


def publish_version(
    store: IndexStore,
    report: BuildReport,
    corpus: Path,
    strict: bool,
    stage: Callable[[Path], AbstractContextManager[Staged]],
    started: float,
    judge: Judge | None = None,
) -> BuildReport:
    """Stage a new version in a partial folder with `stage(folder)`, check it may be
    published, write it, smoke-test it, write its posting arrays, run the judged queries on
    it, say what changed for readers, then write its manifest and switch to it atomically.
    Any failure discards the folder, so the published version stays as it was."""
    name, folder = store.new_version()
    try:
        with stage(folder) as staged:
            _check_publishable(report, len(staged.ids), strict)
            if staged.changed:
                staged.write()
        if not staged.changed:
            store.discard(folder)
            report.seconds = time.monotonic() - started
            return report
        _smoke_test(folder, len(staged.ids), min(staged.ids), report)
        derived.write_version(folder)  # derived once, read (mapped) by every search process
        posting_arrays.write(folder, _published_path(store))
        _judge(judge, folder, report, strict)
        report.reader_changes = reader_changes(store, folder, name)
        report.documents_added += staged.added
        report.seconds = time.monotonic() - started
        store.publish(name, folder, _manifest(name, report, len(staged.ids), corpus))
    except BaseException:
        store.discard(folder)
        raise
    report.version, report.published = name, True
    return report


def _judge(judge: Judge | None, folder: Path, report: BuildReport, strict: bool) -> None:
    """Run the judged queries on the new version; with --strict a failure is fatal."""
    if judge is None or not judge.queries:
        return
    failures = judge.check(folder)
    report.problems.extend(failures)
    report.judged = {"queries": len(judge.queries), "failed": len(failures)}
    if strict and failures:
        raise BuildFailed(f"--strict: {len(failures)} judged query failure(s) are fatal", report)
