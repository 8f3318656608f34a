"""The published index as the search app sees it: one consistent snapshot per request.

A snapshot bundles a searcher with what is derived from its index version (facet value
sets, query builder, thesaurus, manifest). Searchers are reused across requests (one per
thread, as Whoosh searchers are not shared between threads); the derived data is shared by
all threads of a version. Each request checks whether `CURRENT` changed (one `stat`) and,
if a new version was published, moves to it without a restart; a request in flight keeps
the snapshot it started with, so no response mixes two versions.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from indexer.schema import DOCUMENT, SEARCH_FIELDS, text_words
from indexer.store import IndexMissing, IndexStore, StoreError
from indexer.thesaurus import load_published_thesaurus
from indexer.vocabulary import Vocabulary, parse_vocabulary, read_vocabulary_text
from indexer.whoosh_internals import apply_fixes

from .errors import UserError
from .facets import FacetSets
from .highlights import TEXT_WORDS
from .query import DEFAULT_POLICY, MatchPolicy, QueryBuilder
from .ranking import ranking
from .rows import LazyRows
from .scores import Evaluator, TermScores
from .spelling import LazySpeller

UNAVAILABLE = 503
INDEX_UNAVAILABLE = "The search index is not available"
# What anonymous clients are told; the full reason (with the index folder's path) is the
# error's `detail`, for the log.
NOT_PUBLISHED = "no index is published yet; please try again later"
DAMAGED = "index version {version} is damaged: its files cannot be read"


def index_unavailable(error: Exception) -> UserError:
    """The one 503, for an index that is missing, damaged or unreadable (while opening it or
    in mid-request), saying why without server paths: the store's reason in `detail`."""
    if isinstance(error, StoreError):
        detail = str(error)
        version = error.version if isinstance(error, IndexMissing) else None
        reason = DAMAGED.format(version=version) if version else NOT_PUBLISHED
    else:  # Whoosh raises many kinds on damaged files (EOFError, struct.error...)
        reason = detail = f"its files cannot be read ({error_name(error)})"
    return UserError(
        f"{INDEX_UNAVAILABLE}: {reason}", UNAVAILABLE, f"{INDEX_UNAVAILABLE}: {detail}"
    )


def error_name(error: Exception) -> str:
    """An exception's class as a reader can place it: `EOFError`, `struct.error`."""
    kind = type(error)
    module = kind.__module__.rsplit(".", 1)[-1]
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


@dataclass(frozen=True)
class Shared:
    """What every thread's searcher of one index version shares."""

    version: str
    manifest: dict
    facets: FacetSets
    thesaurus: object
    terms: TermScores | None = None  # None: a cache for each search (tests)
    vocabulary: Vocabulary | None = None  # the version's aliases (None: labels as indexed)
    speller: LazySpeller = field(default_factory=LazySpeller)  # built on first use
    rows: LazyRows = field(default_factory=LazyRows)  # export rows, read on first use


@dataclass
class Snapshot:
    """One thread's view of one index version."""

    shared: Shared
    searcher: object
    builder: QueryBuilder

    @property
    def version(self) -> str:
        return self.shared.version

    def evaluator(self) -> Evaluator:
        """Matches and scores for this snapshot's queries, with its version's term cache."""
        facets = self.shared.facets
        terms = self.shared.terms or TermScores(facets.size)
        return Evaluator(self.searcher, terms, facets.everything.mask)

    def document_words(self, docnum: int):
        """A word's positions in one resource's documents (its `document` field), sorted:
        what `passages.passages` finds a result's best pages with. None without the
        version's term cache (a test's or a judge's snapshot): a version without posting
        arrays reads a word's positions in every resource, worth it only when kept, and
        `passages` then analyses the resource's own pages instead."""
        terms = self.shared.terms
        if terms is None:
            return None
        searcher = self.searcher
        return lambda word: terms.document_positions(
            searcher, DOCUMENT, word.encode("utf-8"), docnum
        )

    def info(self) -> dict:
        """The response's `index` block: document count, version, build time."""
        return {
            "documents": self.searcher.doc_count(),
            "version": self.shared.version,
            "built_at": self.shared.manifest.get("built_at"),
        }


class IndexHolder:
    """Opens the published index of a folder and keeps it fresh."""

    def __init__(self, index_dir: Path, policy: MatchPolicy = DEFAULT_POLICY):
        apply_fixes()  # create_app and the CLI make one: an unsupported Whoosh stops them here
        self.store = IndexStore(Path(index_dir))
        self.policy = policy
        self.local = threading.local()
        self.lock = threading.Lock()
        self.shared: dict[str, Shared] = {}
        # The last vocabulary file's text and what it parsed to (a publish seldom changes it).
        self.vocabulary: tuple[str | None, Vocabulary | None] = (None, None)

    def snapshot(self) -> Snapshot:
        """The current thread's snapshot of the published version, or a 503 UserError."""
        stamp = self.store.current_stamp()
        current: Snapshot | None = getattr(self.local, "snapshot", None)
        if current is not None and stamp == getattr(self.local, "stamp", None):
            return current
        try:
            published = self.store.published()
            if current is not None and current.version == published.version:
                self.local.stamp = stamp
                return current
            index = self.store.open_index(published)
            searcher = index.searcher(weighting=ranking())
            shared = self._shared(published, searcher)
        except Exception as error:  # missing, or damaged: Whoosh raises many kinds (EOFError...)
            raise index_unavailable(error) from None
        if current is not None:
            current.searcher.close()
        builder = QueryBuilder(
            searcher, shared.thesaurus, self.policy, shared.vocabulary, shared.speller
        )
        snapshot = Snapshot(shared, searcher, builder)
        self.local.snapshot, self.local.stamp = snapshot, stamp
        return snapshot

    def forget(self) -> None:
        """Close this thread's searcher: its next request opens a fresh one (after a request
        was stopped half-way through reading it)."""
        current: Snapshot | None = getattr(self.local, "snapshot", None)
        self.local.snapshot = self.local.stamp = None
        if current is not None:
            with contextlib.suppress(Exception):  # whatever state it was left in
                current.searcher.close()

    def warm(self, terms: int) -> bool:
        """Read the published version's derived data ahead (facet sets, sort ranks, field
        lengths, the `terms` commonest terms, the speller and its words' stems for
        highlighting, the export rows), then close this thread's searcher: processes
        forked afterwards share the data and open searchers of their own. False when no
        index is available (requests will say why)."""
        try:
            snapshot = self.snapshot()
        except UserError:
            return False
        snapshot.shared.terms.warm(snapshot.searcher, SEARCH_FIELDS, terms)
        printed = snapshot.shared.speller.get(snapshot.searcher.reader()).printed
        TEXT_WORDS.learn(sorted(printed, key=lambda word: -printed[word]))
        snapshot.shared.rows.get(snapshot.searcher)
        snapshot.searcher.close()
        self.local = threading.local()
        return True

    def _shared(self, published, searcher) -> Shared:
        with self.lock:
            shared = self.shared.get(published.version)
            if shared is None:
                thesaurus = load_published_thesaurus(published.path, text_words())
                facets = FacetSets.read(searcher, published.path)
                shared = Shared(
                    published.version,
                    published.manifest,
                    facets,
                    thesaurus,
                    TermScores(facets.size, folder=published.path),
                    self._vocabulary(published.path),
                    LazySpeller(published.path),
                    LazyRows(published.path),
                )
                # Keep only the newest versions' data: older ones are no longer published.
                self.shared = {published.version: shared}
            return shared

    def _vocabulary(self, folder: Path) -> Vocabulary | None:
        """A version's vocabulary (None without a file), parsed again only when its text is
        not the previous version's."""
        text = read_vocabulary_text(folder)
        if text is None:
            return None
        if text != self.vocabulary[0]:
            self.vocabulary = (text, parse_vocabulary(text))
        return self.vocabulary[1]
