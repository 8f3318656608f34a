"""Step five of a search: what to try when it finds little (the response's `suggestions`).

A respelling of the query from the index's own words ("did you mean"), offered only when it
finds more; and each selected filter whose removal would give more results, with the count.
"""

from __future__ import annotations

from whoosh.analysis import LowercaseFilter, RegexTokenizer

from indexer import facet_fields
from indexer.schema import CONTENT, DOCUMENT

from . import facets as facet_sets
from .matching import Match, matching_docs
from .params import SearchParams
from .query import ANY, BROWSE, MAX_UNITS
from .snapshots import Snapshot

FEW_RESULTS = 5
MAX_CORRECTION_DISTANCE = 2
SUGGESTIONS_PER_WORD = 3
KNOWN_IN = (CONTENT, DOCUMENT)


def did_you_mean(
    snapshot: Snapshot,
    text: str,
    found: Match,
    selected: dict,
    params: SearchParams,
    base_path: str,
) -> dict | None:
    """A respelling from the index's own words, when the query finds little."""
    if found.mode == BROWSE or (found.mode != ANY and len(found.filtered) >= FEW_RESULTS):
        return None
    searcher = snapshot.searcher
    builder = snapshot.builder
    correctors = [searcher.corrector(CONTENT)]
    words = [token.text for token in _raw_words(text)]
    replacements = {}
    # No more words than a query searches (the first MAX_UNITS).
    for word in list(dict.fromkeys(words))[:MAX_UNITS]:
        stems = builder.words(word)
        if not stems or any(searcher.doc_frequency(name, stems[0]) for name in KNOWN_IN):
            continue  # a word of the index (also one only in documents) is no misspelling
        # The closest words first; keep the first that some document contains.
        suggestions = [
            suggestion
            for corrector in correctors
            for suggestion in corrector.suggest(
                word, limit=SUGGESTIONS_PER_WORD, maxdist=MAX_CORRECTION_DISTANCE
            )
            if frequency(snapshot, suggestion)
        ]
        if suggestions:
            replacements[word] = suggestions[0]
    if not replacements:
        return None
    corrected = " ".join(replacements.get(w.lower(), w) for w in text.split(" "))
    matched, _ = matching_docs(snapshot, builder.parse(corrected))
    total = len(facet_sets.intersect(matched, selected))
    # In the any-word fallback nothing matched all the words: any full match is better.
    if total <= (0 if found.mode == ANY else len(found.filtered)):
        return None
    return {"q": corrected, "total": total, "url": params.url(base_path, q=corrected, page=1)}


def frequency(snapshot: Snapshot, word: str) -> int:
    """How many documents contain a word (as analyzed) in any text field."""
    stems = snapshot.builder.words(word)
    return snapshot.searcher.doc_frequency(CONTENT, stems[0]) if stems else 0


def filter_removals(
    sets, found: Match, selected: dict, params: SearchParams, base_path: str
) -> list[dict]:
    """Which selected filter to remove, and how many results that would give."""
    current = len(found.filtered)
    if current >= FEW_RESULTS:
        return []
    removals = []
    options = [
        (facet.name, value)
        for facet in facet_fields.keyword_facets()
        for value in params.values(facet.name)
    ]
    for name, value in options:
        remaining = tuple(v for v in params.values(name) if v != value)
        without = dict(selected, **{name: sets.union(name, remaining) if remaining else None})
        total = len(facet_sets.intersect(found.matched, without))
        if total > current:
            removals.append(
                {
                    "facet": name,
                    "value": value,
                    "total": total,
                    "url": params.url(base_path, page=1, selected=params.choosing(name, remaining)),
                }
            )
    years = facet_fields.range_facet().name
    if selected[years] is not None:
        total = len(facet_sets.intersect(found.matched, selected, skip=years))
        if total > current:
            label = f"{params.year_from or '…'}–{params.year_to or '…'}"
            removals.append(
                {
                    "facet": years,
                    "value": label,
                    "total": total,
                    "url": params.url(base_path, page=1, year_from=None, year_to=None),
                }
            )
    return sorted(removals, key=lambda r: -r["total"])


def _raw_words(text: str):
    """Words as typed (lower-cased, not stemmed), which the spelling corrector expects."""
    return (RegexTokenizer() | LowercaseFilter())(text)
