"""Search-as-you-type: facet label (topic, type) and title completions for what a visitor
has typed so far. A facet label is completed from its own words or from one of the
vocabulary's aliases (`corpus/vocabulary.toml`): typing "Mass Demon" suggests the canonical
topic the alias "Mass Demonstration Response" names, with the alias in `alias`."""

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
# Titles fetched per suggestion shown, so those where the typed words run together ("use
# of" in "Use of Force") can be put first.
CANDIDATES_PER_SUGGESTION = 4


def _label_matches(labels: list[str], words: list[str]) -> list[str]:
    """Labels in which every typed word starts a word (the last one may be partial)."""
    found = []
    for label in labels:
        label_words = label_key(label).replace(",", " ").split()
        if all(any(lw.startswith(w) for lw in label_words) for w in words):
            found.append(label)
    return found


def _words_start(title: str, words: list[str]) -> tuple[bool, bool]:
    """Whether every typed word starts a word of the title, and whether they do in a row."""
    title_words = label_key(title).replace(",", " ").replace(":", " ").split()
    every = all(any(tw.startswith(w) for tw in title_words) for w in words)
    in_a_row = any(
        all(tw.startswith(w) for tw, w in zip(title_words[i:], words, strict=False))
        and len(title_words) - i >= len(words)
        for i in range(len(title_words))
    )
    return every, in_a_row


def _begins(label: str, typed: list[str]) -> bool:
    """Whether the typed words begin the label, in a row (the last one may be partial)."""
    words = label_key(label).replace(",", " ").split()
    return len(words) >= len(typed) and all(
        w.startswith(t) for w, t in zip(words, typed, strict=False)
    )


def _facet_suggestions(builder, facet, typed: list[str]) -> list[dict]:
    """A facet's labels (those the index holds) the typed words complete, by their own
    words or through an alias, each once. The alias is named when the label was found
    through it alone, or when the typed words begin the alias but not the label ("Mass
    Demon": "Response to Mass Demonstrations", also called "Mass Demonstration Response")."""
    labels = builder.labels[facet.field]
    vocabulary = builder.aliases.get(facet.name)
    aliases: dict[str, list[str]] = {}
    for alias, label in vocabulary.aliases if vocabulary is not None else ():
        if label in labels and _label_matches([alias], typed):
            aliases.setdefault(label, []).append(alias)
    found = {}
    for label in _label_matches(labels, typed):
        begun = [a for a in aliases.get(label, ()) if _begins(a, typed)]
        found[label] = begun[0] if begun and not _begins(label, typed) else None
    for label, matched in aliases.items():
        found.setdefault(label, matched[0])
    suggestions = []
    for label, alias in found.items():
        suggestion = {
            "kind": facet.name,
            "value": label,
            "url": "/search?" + urlencode({facet.name: label}),
        }
        if alias is not None:
            suggestion["alias"] = alias
        suggestions.append(suggestion)
    return suggestions


def suggest(snapshot: Snapshot, text: str, limit: int) -> list[dict]:
    """Up to `limit` completions: matching topics and types first, then resource titles."""
    text, _ = clean_query(text[:MAX_SUGGEST_CHARS])
    typed = label_key(text).split()
    if len(text) < MIN_PREFIX_CHARS or not typed:
        return []
    builder = snapshot.builder
    suggestions = []
    for facet in facet_fields.FACETS:
        if facet.suggest:
            suggestions.extend(_facet_suggestions(builder, facet, typed))
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
    # A stop word ("of") is not indexed: as the last word after others it must not demand
    # an indexed word starting with it ("officer"); the stored titles are checked instead.
    if alternatives and (builder.words(last) or not clauses):
        clauses.append(Or(alternatives))
    if clauses:
        hits = snapshot.searcher.search(And(clauses), limit=limit * CANDIDATES_PER_SUGGESTION)
        titles = [(hit[TITLE], hit[ID], _words_start(hit[TITLE], typed)) for hit in hits]
        # Stable: in a row first, then every word starting one, each in the search's order.
        titles.sort(key=lambda t: (not t[2][1], not t[2][0]))
        for title, resource_id, _ in titles:
            suggestions.append(
                {"kind": "title", "value": title, "url": f"/resources/{resource_id}"}
            )
    return suggestions[:limit]
