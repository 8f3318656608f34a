"""Search-as-you-type: facet label (topic, type) and title completions for what a visitor has typed so far."""

from __future__ import annotations

from urllib.parse import urlencode

from whoosh.query import And, Or, Term

from indexer import facet_fields
from indexer.schema import ID, TITLE
from indexer.vocabulary import label_key

from .querytext import clean_query
from .snapshots import Snapshot

MAX_SUGGEST_CHARS = 100
MIN_PREFIX_CHARS = 2
MAX_PREFIX_TERMS = 64


def _label_matches(labels: list[str], words: list[str]) -> list[str]:
    """Labels in which every typed word starts a word (the last one may be partial)."""
    found = []
    for label in labels:
        label_words = label_key(label).replace(",", " ").split()
        if all(any(lw.startswith(w) for lw in label_words) for w in words):
            found.append(label)
    return found


def suggest(snapshot: Snapshot, text: str, limit: int) -> list[dict]:
    """Up to `limit` completions: matching topics and types first, then resource titles."""
    text, _ = clean_query(text[:MAX_SUGGEST_CHARS])
    typed = label_key(text).split()
    if len(text) < MIN_PREFIX_CHARS or not typed:
        return []
    builder = snapshot.builder
    suggestions = []
    for facet in facet_fields.FACETS:
        if not facet.suggest:
            continue
        for label in _label_matches(builder.labels[facet.field], typed):
            suggestions.append(
                {
                    "kind": facet.name,
                    "value": label,
                    "url": "/search?" + urlencode({facet.name: label}),
                }
            )
    complete, last = typed[:-1], typed[-1]
    clauses = [Term(TITLE, stem) for word in complete for stem in builder.words(word)]
    reader = snapshot.searcher.reader()
    prefixes = [
        w.decode()
        for _, w in zip(range(MAX_PREFIX_TERMS), reader.expand_prefix(TITLE, last), strict=False)
    ]
    alternatives = [Term(TITLE, p) for p in prefixes] + [
        Term(TITLE, s) for s in builder.words(last)
    ]
    if alternatives:
        clauses.append(Or(alternatives))
    if clauses:
        hits = snapshot.searcher.search(And(clauses), limit=limit)
        for hit in hits:
            suggestions.append(
                {"kind": "title", "value": hit[TITLE], "url": f"/resources/{hit[ID]}"}
            )
    return suggestions[:limit]
