"""Step four, faster: a text field's postings from each distinct word's analysis, memoised.

Whoosh analyses every occurrence of every word through its chain of generators (tokenizer,
lower case, accent folding, stop words, stemming), a few microseconds a token: the largest
share of a build's CPU. This project's analyzer treats each token on its own (no filter
looks at the tokens around it; the stop filter only renumbers positions, so the words it
keeps are numbered on from the first one kept), so a token's term depends on its text alone.
`WordMap` runs Whoosh's own analyzer once per distinct token and remembers the term (or that
it is dropped); `Positions` values are then made by the format's own `encode`. The postings
are byte for byte Whoosh's (tests compare them on generated and awkward text); an analyzer
with any other part falls back to Whoosh's path.
"""

from __future__ import annotations

from whoosh import formats
from whoosh.analysis import (
    CharsetFilter,
    CompositeAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)

MAX_WORDS = 500_000  # distinct tokens remembered before the memo starts again
_TOKEN_FILTERS = (LowercaseFilter, CharsetFilter, StopFilter, StemFilter)
_DROPPED = None


def memoisable(analyzer) -> bool:
    """Whether an analyzer maps each token on its own: a regex tokenizer (matches, not gaps)
    followed only by lower case, character folding, stop words (renumbering) and stemming."""
    if not isinstance(analyzer, CompositeAnalyzer) or not analyzer.items:
        return False
    tokenizer, *filters = analyzer.items
    if type(tokenizer) is not RegexTokenizer or tokenizer.gaps:
        return False
    stops = [f for f in filters if isinstance(f, StopFilter)]
    return all(type(f) in _TOKEN_FILTERS for f in filters) and all(s.renumber for s in stops)


class WordMap:
    """Each distinct token's term under one analyzer (and without its stemmer, for spelling)."""

    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.finditer = analyzer.items[0].expression.finditer
        self.terms: dict[str, str | None] = {}
        self.unstemmed: dict[str, str | None] = {}

    def _analyse(self, token: str, no_morph: bool) -> str | None:
        found = [t.text for t in self.analyzer(token, positions=True, no_morph=no_morph)]
        if len(found) > 1:  # not a token on its own: cannot happen with the filters allowed
            raise ValueError(f"{token!r} analyses to {len(found)} words")
        return found[0] if found else _DROPPED

    def tokens(self, text: str) -> list[str]:
        return [match.group(0) for match in self.finditer(text)]

    def terms_of(self, text: str) -> list[str | None]:
        """Each token's term, in order (None for a token the analyzer drops)."""
        terms = self.terms
        if len(terms) > MAX_WORDS:
            terms.clear()
        found = []
        for token in self.tokens(text):
            term = terms.get(token, "")
            if term == "":
                term = terms[token] = self._analyse(token, no_morph=False)
            found.append(term)
        return found

    def kept(self, text: str) -> tuple[int, list[str]]:
        """The position of the first word kept (0 when none is) and the terms kept, in order."""
        terms = self.terms_of(text)
        kept = [term for term in terms if term is not _DROPPED]
        first = next((at for at, term in enumerate(terms) if term is not _DROPPED), 0)
        return first, kept

    def starts(self, texts: list[str]) -> list[int]:
        """Where each text begins in the positions of the texts joined (by a separator no
        token spans, as a field indexed from them numbers its words): the position its first
        kept word has, or would have. The stop filter numbers the first word kept by its
        place among all tokens and the ones after it on from there, so a text's start is
        that first position plus the words kept in the texts before it."""
        shapes = []  # each text: its tokens, the place of its first kept one, how many kept
        for text in texts:
            terms = self.terms_of(text)
            kept = [at for at, term in enumerate(terms) if term is not _DROPPED]
            shapes.append((len(terms), kept[0] if kept else None, len(kept)))
        first, before = 0, 0
        for tokens, first_kept, _ in shapes:
            if first_kept is not None:
                first = before + first_kept
                break
            before += tokens
        starts, kept_before = [], 0
        for _, _, kept in shapes:
            starts.append(first + kept_before)
            kept_before += kept
        return starts

    def spellable(self, text: str) -> list[str]:
        """The distinct unstemmed words of a text, sorted (`FieldType.spellable_words`)."""
        memo = self.unstemmed
        if len(memo) > MAX_WORDS:
            memo.clear()
        words = set()
        for token in dict.fromkeys(self.tokens(text)):
            word = memo.get(token, "")
            if word == "":
                word = memo[token] = self._analyse(token, no_morph=True)
            if word is not _DROPPED:
                words.add(word)
        return sorted(words)


def positions_postings(words: WordMap, fmt: formats.Positions, text: str):
    """`fmt.word_values(text, analyzer)` made from the memo: (term, frequency, weight, value)
    for each distinct term, in order of first occurrence, positions numbered as the stop
    filter numbers them."""
    first, kept = words.kept(text)
    positions: dict[str, list[int]] = {}
    for offset, term in enumerate(kept):
        found = positions.get(term)
        if found is None:
            positions[term] = [first + offset]
        else:
            found.append(first + offset)
    boost = fmt.field_boost
    encode = fmt.encode
    return [
        (term, len(found), float(len(found)) * boost, encode(found))
        for term, found in positions.items()
    ]
