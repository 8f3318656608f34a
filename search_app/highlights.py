"""Step four of a search: which query words a result holds, and its highlighted snippet.

Whoosh's highlighter analyses all of the text it is given, and a body runs to thousands of
words: done for every result shown, that was most of a search's time. Here the words of a
text are found with the tokenizer's own pattern (one regular expression, in C) and each
distinct word is analysed once per process (a bounded cache), so knowing which query words
a body holds costs a set of lookups. Whoosh's highlighter then marks the words only in a
short window around their first occurrence, fed the analyzer's own tokens from a cache of
each distinct token's analysis (`TextWords.tokens`: the analyzer treats every token alone,
so the stream is the one it would give, without stemming every occurrence again).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice, repeat

from whoosh import highlight
from whoosh.analysis import Token

from indexer.derived import stem_words
from indexer.schema import WORD, text_analyzer

CACHE_LIMIT = 200_000  # distinct words remembered; the cache starts again when full
SNIPPET_CHARS = 240
SNIPPET_SURROUND = 60
SNIPPET_FRAGMENTS = 2
WINDOW_BEFORE = 120  # characters kept before the first matched word
WINDOW_AFTER = 900  # and after it: room for two fragments
_UNKNOWN = object()  # a word not in the cache
HOLDS_CHUNK = 2000  # characters of a text searched at a time for the query's words
SPACE = re.compile(r"\s")


class TextWords:
    """Analysed words of texts, each distinct word analysed once."""

    def __init__(self):
        self.analyzer = text_analyzer()
        self.cache: dict[str, str | None] = {}
        # The analyzer's tokenizer pattern, and each token's analysis as the highlighter
        # asks for it (stop words kept, marked): its text, whether stopped, its boost.
        self.pattern = self.analyzer.items[0].expression
        self.forms: dict[str, tuple[str, bool, float] | None] = {}

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
        tokens = set(WORD.findall(text))
        for token in tokens.difference(self.cache):
            self.stem(token)
        stems = set(map(self.cache.get, tokens, repeat(_UNKNOWN)))
        if _UNKNOWN in stems:  # the cache started again meanwhile: one at a time
            stems = {self.stem(token) for token in tokens}
        stems.discard(None)
        return stems

    def holds(self, text: str, words: set[str]) -> set[str]:
        """Which of the words the text holds (`words & self.words(text)`), reading the text a
        chunk at a time and stopping once it has found them all: a result's body runs to
        thousands of words, and the query's are mostly near its start. Chunks end before a
        space, which no word spans."""
        found: set[str] = set()
        start = 0
        while start < len(text) and len(found) < len(words):
            end = start + HOLDS_CHUNK
            if end < len(text):
                space = SPACE.search(text, end)
                end = space.start() if space else len(text)
            found |= words & self.words(text[start:end])
            start = end
        return found

    def form(self, token: str, mode: str) -> tuple[str, bool, float] | None:
        """What the analyzer makes of one token of its tokenizer's (stop words kept): its
        text, whether it is a stop word, its boost; None if it is not one token alone."""
        key = token if mode == "query" else f"{mode}\0{token}"
        try:
            return self.forms[key]
        except KeyError:
            pass
        found = [
            (t.text, t.stopped, t.boost)
            for t in self.analyzer(token, chars=True, mode=mode, removestops=False)
        ]
        form = found[0] if len(found) == 1 else None
        if len(self.forms) >= CACHE_LIMIT:
            self.forms.clear()
        self.forms[key] = form
        return form

    def tokens(self, text: str, chars=True, mode="", removestops=False, **options):
        """The analyzer's tokens of a text with their character offsets and stop words kept
        (what Whoosh's highlighter asks of it), each distinct token analysed once; the
        analyzer itself for anything else."""
        matches = list(self.pattern.finditer(text)) if chars and not removestops else []
        forms = [self.form(match.group(), mode) for match in matches]
        if not chars or removestops or options or None in forms:
            yield from self.analyzer(
                text, chars=chars, mode=mode, removestops=removestops, **options
            )
            return
        # One token object, changed for each word, as Whoosh's tokenizer does.
        token = Token(chars=True, removestops=False, mode=mode)
        for match, (word, stopped, boost) in zip(matches, forms, strict=True):
            token.text, token.stopped, token.boost = word, stopped, boost
            token.startchar, token.endchar = match.span()
            yield token

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
            text, frozenset(words), self.tokens, fragmenter, formatter, top=SNIPPET_FRAGMENTS
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
