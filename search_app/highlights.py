"""Step four of a search: which query words a result holds, and its highlighted snippet.

Whoosh's highlighter analyses all of the text it is given, and a body runs to thousands of
words: done for every result shown, that was most of a search's time. Here the words of a
text are found with the tokenizer's own pattern (one regular expression, in C) and each
distinct word is analysed once per process (a bounded cache), so knowing which query words
a body holds costs a set of lookups. Whoosh's highlighter then marks the words only in a
short window around their first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from whoosh import highlight

from indexer.derived import stem_words
from indexer.schema import WORD, text_analyzer

CACHE_LIMIT = 200_000  # distinct words remembered; the cache starts again when full
SNIPPET_CHARS = 240
SNIPPET_SURROUND = 60
SNIPPET_FRAGMENTS = 2
WINDOW_BEFORE = 120  # characters kept before the first matched word
WINDOW_AFTER = 900  # and after it: room for two fragments


class TextWords:
    """Analysed words of texts, each distinct word analysed once."""

    def __init__(self):
        self.analyzer = text_analyzer()
        self.cache: dict[str, str | None] = {}

    def stem(self, token: str) -> str | None:
        """The indexed form of a word as written, or None for a stop word."""
        try:
            return self.cache[token]
        except KeyError:
            pass
        found = [t.text for t in self.analyzer(token)]
        stem = found[0] if len(found) == 1 else None
        if len(self.cache) >= CACHE_LIMIT:
            self.cache.clear()
        self.cache[token] = stem
        return stem

    def learn(self, words: Iterable[str]) -> int:
        """Analyse dictionary words ahead (lower-case, accents folded, the commonest first),
        each remembered as printed in lower case and capitalised, in half of the cache at
        most; returns how many were learnt. gunicorn's master learns the words of the version it
        serves before its workers fork (`IndexHolder.warm`): none of them analyses those
        words again on its first searches."""
        # At most half the cache, two entries a word: the rest is left for other words, so
        # a worker's first unknown word does not find it full (and clear it).
        room = max(0, (CACHE_LIMIT // 2 - len(self.cache)) // 2)
        words = list(islice(words, room))
        for word, stem in zip(words, stem_words(words), strict=True):
            self.cache[word] = self.cache[word.capitalize()] = stem
        return len(words)

    def words(self, text: str) -> set[str]:
        """The indexed forms of every word of a text."""
        stems = {self.stem(token) for token in set(WORD.findall(text))}
        stems.discard(None)
        return stems

    def first(self, text: str, words: set[str]) -> int | None:
        """Where the first of the words occurs in the text (a character offset), or None."""
        for match in WORD.finditer(text):
            if self.stem(match.group()) in words:
                return match.start()
        return None

    def marked(self, text: str, words: set[str], fragmenter) -> str:
        """Escaped text with the words in <mark> ("" when none is in it)."""
        formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        return highlight.highlight(
            text, frozenset(words), self.analyzer, fragmenter, formatter, top=SNIPPET_FRAGMENTS
        )

    def snippet(self, text: str, words: set[str]) -> str:
        """The text around the first of the words, the words marked ("" when none is in it)."""
        start = self.first(text, words) if words else None
        if start is None:
            return ""
        low = max(0, start - WINDOW_BEFORE)
        if low:
            low = text.find(" ", low, start) + 1 or start
        window = text[low : start + WINDOW_AFTER]
        fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SNIPPET_SURROUND)
        return self.marked(window, words, fragmenter)

    def whole(self, text: str, words: set[str]) -> str:
        """All of a short text (a title), the words marked ("" when none is in it)."""
        if not words or not words & self.words(text):
            return ""
        return self.marked(text, words, highlight.WholeFragmenter())


TEXT_WORDS = TextWords()
