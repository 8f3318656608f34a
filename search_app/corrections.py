"""Step five of a search: what to try when it finds little (the response's `suggestions`).

A respelling of the query from the index's own words ("did you mean"), offered only when it
finds more; and each selected filter whose removal would give more results, with the count.

Respellings come from the version's `spelling.Speller`: one bounded look-up per distinct word
of the first MAX_UNITS (Whoosh's corrector ran a pure-Python edit distance against the whole
dictionary per word: 12 s for 32 unknown 30-letter words at 10,000 resources). The look-ups
stop when the request's budget runs low (`budget`).
"""

from __future__ import annotations

from whoosh.analysis import LowercaseFilter, RegexTokenizer

from indexer import facet_fields
from indexer.facet_fields import UNDATED
from indexer.schema import DOCUMENT

from . import budget
from . import facets as facet_sets
from .matching import Match, matching_docs
from .params import SearchParams
from .query import ANY, BROWSE, MAX_UNITS
from .snapshots import Snapshot

FEW_RESULTS = 5


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
    builder = snapshot.builder
    speller = snapshot.shared.speller.get(builder.reader)
    words = [token.text for token in _raw_words(text)]
    replacements = {}
    # No more words than a query searches (the first MAX_UNITS).
    for word in list(dict.fromkeys(words))[:MAX_UNITS]:
        if budget.exhausted():
            budget.cut()
            return None
        stems = builder.words(word)
        if stems and builder.reader.doc_frequency(DOCUMENT, stems[0]):
            continue  # a word found only in documents is no misspelling
        suggestion = speller.suggest(word)
        if suggestion is not None:
            replacements[word] = suggestion
    if not replacements or budget.exhausted():
        return None
    corrected = " ".join(replacements.get(w.lower(), w) for w in text.split(" "))
    matched, _ = matching_docs(snapshot, builder.parse(corrected))
    total = len(facet_sets.intersect(matched, selected))
    # In the any-word fallback nothing matched all the words: any full match is better.
    if total <= (0 if found.mode == ANY else len(found.filtered)):
        return None
    return {"q": corrected, "total": total, "url": params.url(base_path, q=corrected, page=1)}


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
            ranged = params.year_from is not None or params.year_to is not None
            label = f"{params.year_from or '…'}–{params.year_to or '…'}" if ranged else ""
            if params.undated:
                label = f"{label} or {UNDATED}" if label else UNDATED
            removals.append(
                {
                    "facet": years,
                    "value": label,
                    "total": total,
                    "url": params.url(
                        base_path, page=1, year_from=None, year_to=None, undated=False
                    ),
                }
            )
    return sorted(removals, key=lambda r: -r["total"])


def _raw_words(text: str):
    """Words as typed (lower-cased, not stemmed), which the spelling corrector expects."""
    return (RegexTokenizer() | LowercaseFilter())(text)
