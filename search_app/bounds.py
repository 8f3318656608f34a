"""Step one of a search, the bounds: what one query's wildcard, prefix, fuzzy and year-range
terms and phrases may cost (issue 11: no request may cost seconds).

Each expandable term is replaced by its most common words within one `Allowance` per query
(index words kept, lexicon words scanned, postings read), fuzzy distances and boosts are
capped, year ranges become the index's years, and phrases past the query's allowance of
positions are searched as their words. Every cut adds a notice. New nodes are returned; the
parsed ones are left as they are.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from itertools import islice

from whoosh import query
from whoosh.query import And, Or, Phrase, Term

from indexer.records import YEAR_CEILING
from indexer.schema import CONTENT, YEAR
from indexer.whoosh_internals import multiterm_btexts

from . import budget
from .notices import Notice, Reason
from .scores import MAX_PHRASE_CHECKED
from .spelling import LazySpeller

MAX_EXPANSIONS = 64
MAX_EXPANSION_SCAN = 5000
# One query's wildcard, prefix and fuzzy terms together: at most this many index words in
# all (each term gets a fair share of what is left, at least its commonest word), and this
# many lexicon words scanned to find them. 32 two-letter wildcards expanded to 2,048 words
# after scanning 160,000 (2.3 s at 10,000 resources); 250 of them read 1.25 million. Each
# word costs its posting list, read once per worker: the commonest are the costliest.
MAX_QUERY_EXPANSIONS = 128
MAX_QUERY_SCAN = 20_000
MIN_SCAN = 64
# ...and at most this many postings (the documents of each word kept, summed): what reading
# them costs, whatever the size of the index. A term keeps its commonest word in any case.
MAX_QUERY_POSTINGS = 200_000
# Phrases one query checks word by word in order, and the positions they may read in all
# (the documents of the words checked, in `content`); the others are searched as their
# words. An OR of 19 phrases read 64 position lists (5 s at 10,000 resources).
MAX_PHRASES = 4
MAX_PHRASE_POSTINGS = 50_000
MAX_FUZZY_DISTANCE = 2
MIN_FUZZY_PREFIX = 1
MAX_BOOST = 10.0


@dataclass
class Allowance:
    """What one query may still spend on expanding its terms (see MAX_QUERY_EXPANSIONS).

    A term typed once is one term in every text field: its share is taken once, and used in
    each field."""

    terms: int = field(default_factory=lambda: MAX_QUERY_EXPANSIONS)
    scanned: int = field(default_factory=lambda: MAX_QUERY_SCAN)
    postings: int = field(default_factory=lambda: MAX_QUERY_POSTINGS)
    expandable: int = 0  # typed wildcard, prefix and fuzzy terms without a share yet
    shares: dict = field(default_factory=dict)  # by typed term: (words, scanned, postings)
    spent: set = field(default_factory=set)  # typed terms whose unused share was given back
    phrases: dict = field(default_factory=dict)  # by word tuple: checked in order or not
    positions: int = field(default_factory=lambda: MAX_PHRASE_POSTINGS)

    def share(self, key) -> tuple[int, int, int]:
        """The words a typed term may keep, the lexicon words it may scan, and the postings
        its words may have (in each field it searches)."""
        if key not in self.shares:
            left = max(1, self.expandable)
            keep = min(MAX_EXPANSIONS, max(1, self.terms // left))
            scan = min(MAX_EXPANSION_SCAN, max(MIN_SCAN, self.scanned // left))
            postings = self.postings // left
            self.shares[key] = (keep, scan, postings)
            self.expandable -= 1
            self.terms, self.scanned = max(0, self.terms - keep), max(0, self.scanned - scan)
            self.postings = max(0, self.postings - postings)
        return self.shares[key]

    def spend(self, key, kept: int, scanned: int, postings: int) -> None:
        """Give back what a term's first field left of its share, for the terms after it."""
        if key not in self.spent:
            self.spent.add(key)
            keep, scan, allowed = self.shares[key]
            self.terms += keep - min(keep, kept)
            self.scanned += scan - min(scan, scanned)
            self.postings += allowed - min(allowed, postings)


class Bounds:
    """Bounds one query's terms against one index: its lexicon, its years and the speller."""

    def __init__(self, reader, words, years: list[int], speller: LazySpeller | None = None):
        self.reader = reader
        self.words = words  # text -> analysed words (the builder's analyzer)
        self.years = years
        # Fuzzy words from the speller (None: Whoosh's terms_within, unbounded).
        self.speller = speller

    def bound(
        self,
        nodes: list[query.Query],
        syntax: str,
        notices: list[Notice],
        allowance: Allowance | None = None,
    ) -> list[query.Query]:
        """New nodes with wildcard and fuzzy terms replaced by their most common expansions
        (within the query's allowance), fuzzy distances and boosts capped, and phrases past
        the first MAX_PHRASES searched as their words."""
        if allowance is None:
            allowance = Allowance(expandable=count_expandable(nodes))
        return [self._bound(node, syntax, notices, allowance) for node in nodes]

    def _bound(
        self, node: query.Query, syntax: str, notices: list[Notice], allowance: Allowance
    ) -> query.Query:
        if isinstance(node, Phrase):
            return self._bound_phrase(node, notices, allowance)
        if isinstance(node, query.NumericRange) and node.fieldname == YEAR:
            return self._year_terms(node)
        if isinstance(node, query.FuzzyTerm):
            node = changed(
                node,
                maxdist=min(node.maxdist, MAX_FUZZY_DISTANCE),
                prefixlength=max(node.prefixlength, MIN_FUZZY_PREFIX),
            )
        if isinstance(node, query.MultiTerm):
            return self._expand_terms(node, syntax, notices, allowance)
        if node.boost > MAX_BOOST:
            node = changed(node, boost=MAX_BOOST)
        if node.is_leaf():
            return node
        return node.apply(lambda child: self._bound(child, syntax, notices, allowance))

    def _bound_phrase(self, node: Phrase, notices: list[Notice], allowance: Allowance):
        """A phrase as it is while the query has checked fewer than MAX_PHRASES, within
        MAX_PHRASE_POSTINGS (a phrase typed is one in every text field, decided once), else
        its words, all required."""
        words = tuple(node.words)
        if node.boost > MAX_BOOST:
            node = changed(node, boost=MAX_BOOST)
        if words not in allowance.phrases:
            # The positions the evaluator may read: those of its rarest words, in content.
            counts = sorted(self.reader.doc_frequency(CONTENT, word) for word in words)
            cost = sum(counts[:MAX_PHRASE_CHECKED])
            checked = sum(allowance.phrases.values())
            if checked >= MAX_PHRASES:
                note(notices, Reason.MANY_PHRASES, limit=MAX_PHRASES)
                allowance.phrases[words] = False
            elif cost > allowance.positions:
                note(notices, Reason.COMMON_PHRASES)
                allowance.phrases[words] = False
            else:
                allowance.positions -= cost
                allowance.phrases[words] = True
                if len(words) > MAX_PHRASE_CHECKED:
                    note(notices, Reason.LONG_PHRASE, limit=MAX_PHRASE_CHECKED)
        if allowance.phrases[words]:
            return node
        return And([Term(node.fieldname, word) for word in words], boost=node.boost)

    def _year_terms(self, node: query.NumericRange) -> query.Query:
        """A year range as the index's years within it. Whoosh's numeric ranges with an open
        or low start (`year:..2016`) underflow and match years after the end."""
        low = -1 if node.start is None else node.start + (1 if node.startexcl else 0)
        high = YEAR_CEILING if node.end is None else node.end - (1 if node.endexcl else 0)
        years = [Term(YEAR, year) for year in self.years if low <= year <= high]
        return query.ConstantScoreQuery(Or(years), score=node.boost) if years else query.NullQuery

    def _fuzzy_words(self, node: query.FuzzyTerm, syntax: str):
        """Words within the fuzzy distance of the word as typed (the parser hands over its
        stem, which is further from the unstemmed spelling words), from all the text."""
        typed = node.text
        if getattr(node, "startchar", None) is not None and syntax:
            typed = syntax[node.startchar : node.endchar].lower().split("~")[0] or typed
        prefix = typed[: node.prefixlength]
        if self.speller is not None:
            # Nearest and commonest first, bounded in word length and comparisons.
            speller = self.speller.get(self.reader)
            return speller.within(typed, node.maxdist, prefix=len(prefix))
        return self.reader.terms_within(CONTENT, typed, node.maxdist, prefix=len(prefix))

    def _expand_terms(
        self, node: query.MultiTerm, syntax: str, notices: list[Notice], allowance: Allowance
    ) -> query.Query:
        key = _expandable_key(node)
        keep, scan, postings = allowance.share(key)
        if budget.exhausted():
            budget.cut()
            return query.NullQuery
        found = (
            self._fuzzy_words(node, syntax)
            if isinstance(node, query.FuzzyTerm)
            else multiterm_btexts(node, self.reader)
        )
        words = list(islice(found, scan))
        scanned = len(words)
        fuzzy = isinstance(node, query.FuzzyTerm)
        if not fuzzy and scanned == scan < MAX_EXPANSION_SCAN:
            note(notices, Reason.EXPANSIONS_CUT)
        frequency = {word: self._frequency(node.fieldname, word) for word in words}
        if len(words) > keep:
            if not fuzzy:  # fuzzy words come nearest, then commonest, first
                words.sort(key=lambda w: -frequency[w])
            words = words[:keep]
            if keep == MAX_EXPANSIONS:
                note(notices, Reason.MANY_EXPANSIONS, text=node.text, kept=MAX_EXPANSIONS)
            else:
                note(notices, Reason.EXPANSIONS_CUT)
        total = 0
        for count, word in enumerate(words):
            total += frequency[word]
            if count and total > postings:
                words = words[:count]
                total -= frequency[word]
                note(notices, Reason.EXPANSIONS_CUT)
                break
        allowance.spend(key, len(words), scanned, total)
        if not words:
            return query.NullQuery
        # Prefixes and wildcards give bytes; fuzzy terms give the words as text.
        texts = [w.decode("utf-8") if isinstance(w, bytes) else w for w in words]
        if isinstance(node, query.FuzzyTerm):
            # Fuzzy matching runs over the unstemmed spelling words: stem them back.
            texts = [stem for text in texts for stem in self.words(text)]
        terms = [Term(node.fieldname, text) for text in dict.fromkeys(texts)]
        return Or(terms, boost=min(node.boost, MAX_BOOST))

    def _frequency(self, fieldname: str, word: bytes | str) -> int:
        """The documents of an expansion: an index word (bytes), or a spelling word."""
        if isinstance(word, bytes):
            return self.reader.doc_frequency(fieldname, word)
        stems = self.words(word)
        return self.reader.doc_frequency(fieldname, stems[0]) if stems else 0


def note(notices: list[Notice], reason: Reason, **details) -> None:
    """Add a notice once."""
    note = Notice.of(reason, **details)
    if note not in notices:
        notices.append(note)


def _expandable_key(node: query.MultiTerm) -> tuple:
    """A wildcard, prefix or fuzzy term as typed, whatever field it searches."""
    return type(node).__name__, node.text


def count_expandable(nodes) -> int:
    """The typed wildcard, prefix and fuzzy terms of query trees (who share the allowance)."""
    return len(set(_expandables(nodes)))


def _expandables(nodes):
    for node in nodes:
        if isinstance(node, query.MultiTerm):
            yield _expandable_key(node)
        elif not node.is_leaf():
            yield from _expandables(node.children())


def changed(node: query.Query, **attributes) -> query.Query:
    """A copy of a node with some attributes changed (the parsed node is left as it is)."""
    node = copy.copy(node)
    for name, value in attributes.items():
        setattr(node, name, value)
    return node
