"""Step one and a half of a search, between parsing and matching: respellings of query words.

Did-you-mean (`Speller.suggest`) and fuzzy `word~` expansion (`Speller.within`) look words up
in the index's own dictionary: the unstemmed words of the texts (Whoosh's spelling field,
`spell_content`, beside the stemmed `content`), each with the number of resources that hold
it (the document frequency of its stem in `content`, as a search for it would count). Only
words as printed are offered, never a stem.

Ranking (issue 13): the real edit distance first, a transposition counting as one edit
(optimal string alignment, rapidfuzz's `OSA` in C), then the number of resources (more
first), then, among words of one stem (which all have that number), the resources that print
the word as it is ("officr": "officer" in 9,988 of 10,000, not "office" in 3,643), then the
alphabet. Whoosh's corrector scored every candidate with the largest distance allowed and
looked the unstemmed words up in the stemmed field (frequency 0), so it ranked
alphabetically: `plice` gave "alike" although "police" is in 20 resources.

Bounds (issue 11): words longer than `MAX_WORD_LENGTH` get no suggestion and no comparison.
One-edit words are found by comparing with the dictionary words of nearby lengths (per-length
sorted lists), or, in a large dictionary, by looking up every string one edit away; two-edit
words by comparing, with the words of the same first letter only beyond `MAX_COMPARED`.
Whoosh's corrector ran a pure-Python edit distance against the whole dictionary once per
query word (12 s for 32 unknown 30-letter words at 10,000 resources, against 0.2 ms here);
`python -m bench.spelling` has the figures.

A `Speller` holds plain dictionaries and tuples built once per index version (no reader):
threads share it. `LazySpeller` builds it on first use, once, whichever thread asks first,
from the tables the publish step wrote beside the version (`indexer.derived`: one JSON
file, 14 ms where reading them from the index took 110 ms at 10,000 resources).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer import derived
from indexer.derived import doc_frequencies, spelling_tables, stem_words  # noqa: F401
from indexer.schema import CONTENT, text_analyzer

# Words shorter than this are too ambiguous to respell; longer than the maximum, they are no
# typing slip (and would cost comparisons for nothing).
MIN_WORD_LENGTH = 3
MAX_WORD_LENGTH = 24
# Edits allowed to a suggestion, by the length of the word typed (Elasticsearch's "AUTO"
# fuzziness): one edit from 3 letters, two from 6. Two edits to a four-letter word leave
# half of it, and any word is two edits from dozens of short words.
TWO_EDITS_FROM_LENGTH = 6
MAX_DISTANCE = 2
# A two-edit look-up compares a word with at most about this many dictionary words; beyond,
# with those of its first letter only (misspellings rarely touch it): a 20th of the work,
# 1 ms a two-edit suggestion instead of 9.6 ms in a random dictionary of 100,000 words.
MAX_COMPARED = 20_000
# Above this many distinct letters in the dictionary, spelling out every one-edit string of
# a word costs more than comparing it with the dictionary's words.
MAX_ALPHABET = 64
# Spelling out and looking up one string costs about as much as this many comparisons in C
# (180-340 ns against 50-110 ns, measured at 10,000 resources).
EDIT_COST = 4
# How many words a fuzzy `word~` expands to at most (the closest and commonest first); the
# same cap as search_app.query.MAX_EXPANSIONS.
MAX_FUZZY_WORDS = 64


@dataclass(frozen=True, order=True)
class Candidate:
    """A dictionary word near a typed word, in ranking order (nearest, commonest, a-z)."""

    distance: int
    rank: int  # minus the resources that hold the word's stem: more sort first
    printed_rank: int  # minus the resources that print the word as it is
    word: str


class Speller:
    """Suggestions and fuzzy expansions from one index version's dictionary."""

    def __init__(
        self,
        resources: Mapping[str, int],
        stems: Mapping[str, int],
        printed: Mapping[str, int] | None = None,
    ):
        """`resources`: each spelling word (lower-cased, accents folded, unstemmed) and how
        many resources hold it (its stem); `stems`: each indexed stem of `content` and its
        number of resources (a word whose stem is there is known, and gets no suggestion);
        `printed`: how many resources print each word as it is (ties of one stem)."""
        self.resources = {word: count for word, count in resources.items() if count > 0}
        self.stems = {stem: count for stem, count in stems.items() if count > 0}
        self.printed = dict(printed or {})
        by_length: dict[int, list[str]] = {}
        for word in self.resources:
            by_length.setdefault(len(word), []).append(word)
        self.by_length = {length: tuple(sorted(words)) for length, words in by_length.items()}
        # Only letters: suggestions are words of letters.
        letters = {letter for word in self.resources for letter in word if letter.isalpha()}
        self.alphabet = "".join(sorted(letters))
        self._analyzer = text_analyzer()
        # Whoosh's stemming cache is not thread-safe: one word analysed at a time.
        self._analyzing = threading.Lock()

    @classmethod
    def from_reader(cls, reader, fieldname: str = CONTENT) -> Speller:
        """The speller of an index: its spelling words and the resources of their stems."""
        return cls(*spelling_tables(reader, fieldname))

    def spelled(self, word: str) -> str | None:
        """The word as the dictionary spells words (lower case, accents folded), or None
        when it is no single word (punctuation, several words, a stop word)."""
        with self._analyzing:
            tokens = [token.text for token in self._analyzer(word, no_morph=True)]
        return tokens[0] if len(tokens) == 1 else None

    def known(self, word: str) -> bool:
        """Whether a search for the word finds something (its stem is indexed)."""
        with self._analyzing:
            stems = [token.text for token in self._analyzer(word)]
        return any(stem in self.stems for stem in stems)

    def pool(self, word: str, maxdist: int, prefix: int = 0) -> list[tuple[str, ...]]:
        """The dictionary words a lookup compares with `word`: those of a length within
        `maxdist` that share its first `prefix` letters; none for an overlong word."""
        if len(word) > MAX_WORD_LENGTH:
            return []
        start = word[:prefix]
        pool = []
        for length in range(max(1, len(word) - maxdist), len(word) + maxdist + 1):
            words = self.by_length.get(length, ())
            if start:
                low = bisect_left(words, start)
                high = bisect_left(words, start + "\U0010ffff", low)
                words = words[low:high]
            if words:
                pool.append(words)
        return pool

    def compared(self, word: str, maxdist: int, prefix: int = 0) -> int:
        """How many dictionary words a look-up of `word` compares it with (its work)."""
        return sum(len(words) for words in self.pool(word, maxdist, prefix))

    def candidates(self, word: str, maxdist: int, prefix: int = 0) -> list[Candidate]:
        """Dictionary words within `maxdist` edits of `word` (a transposition is one edit),
        in ranking order: nearest, then in more resources, then alphabetical."""
        found = []
        for words in self.pool(word, maxdist, prefix):
            for other, distance, _ in process.extract(
                word, words, scorer=OSA.distance, score_cutoff=maxdist, limit=None
            ):
                found.append(
                    Candidate(distance, -self.resources[other], -self.printed.get(other, 0), other)
                )
        return sorted(found)

    def suggest(self, word: str) -> str | None:
        """The respelling of an unknown word: the nearest dictionary word (one edit before
        two), then the one in more resources, then the first alphabetically; None for a
        known word, a number, or a word too short or too long to respell."""
        spelled = self.spelled(word)
        if (
            spelled is None
            or not MIN_WORD_LENGTH <= len(spelled) <= MAX_WORD_LENGTH
            or not spelled.isalpha()
            or self.known(word)
        ):
            return None
        near = self.one_edit(spelled)
        if near is None:  # comparing with the words of nearby lengths costs less
            near = [c for c in self.candidates(spelled, 1) if c.distance]
        if not near and len(spelled) >= TWO_EDITS_FROM_LENGTH:
            prefix = 0 if self.compared(spelled, MAX_DISTANCE) <= MAX_COMPARED else 1
            near = self.candidates(spelled, MAX_DISTANCE, prefix)
        return next((c.word for c in near if c.distance and c.word.isalpha()), None)

    def one_edit(self, word: str) -> list[Candidate] | None:
        """The alphabetic dictionary words one edit from `word`, ranked, found by spelling out
        every string one edit away (deletions, transpositions, substitutions and insertions
        of the dictionary's letters) and looking each up: about 500 look-ups for a 7-letter
        word, whatever the size of the dictionary. None when comparing `word` with the
        dictionary's words of nearby lengths costs less (a small dictionary), or the alphabet
        is larger than MAX_ALPHABET."""
        edits_count = (2 * len(self.alphabet) + 2) * (len(word) + 1)
        if len(self.alphabet) > MAX_ALPHABET or self.compared(word, 1) <= EDIT_COST * edits_count:
            return None
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        edits = {a + b[1:] for a, b in splits if b}
        edits.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
        edits.update(a + c + b[1:] for a, b in splits if b for c in self.alphabet)
        edits.update(a + c + b for a, b in splits for c in self.alphabet)
        edits.discard(word)
        resources, printed = self.resources, self.printed
        return sorted(
            Candidate(1, -resources[edit], -printed.get(edit, 0), edit)
            for edit in edits
            if edit in resources
        )

    def within(self, word: str, maxdist: int, prefix: int = 0) -> list[str]:
        """The words a fuzzy `word~` searches: dictionary words within `maxdist` edits (at
        most MAX_DISTANCE; a transposition is one edit) sharing the first `prefix` letters,
        nearest and commonest first, at most MAX_FUZZY_WORDS. An overlong word matches
        itself only."""
        spelled = self.spelled(word)
        if spelled is None:
            return []
        if len(spelled) > MAX_WORD_LENGTH:
            return [spelled] if spelled in self.resources else []
        maxdist = max(0, min(maxdist, MAX_DISTANCE))
        found = self.candidates(spelled, maxdist, prefix)
        return [candidate.word for candidate in found[:MAX_FUZZY_WORDS]]


class LazySpeller:
    """One index version's `Speller`, built by the first thread that asks, exactly once (the
    others wait for it): hold one per version, for instance in `snapshots.Shared`. From the
    tables written beside the version in `folder` when it was published, else from the
    first reader that asks."""

    def __init__(self, folder: Path | None = None):
        self._lock = threading.Lock()
        self._speller: Speller | None = None
        self.folder = folder

    def get(self, reader) -> Speller:
        """The speller, built if this is the first call."""
        speller = self._speller
        if speller is None:
            with self._lock:
                if self._speller is None:
                    tables = derived.load_spelling(self.folder, reader) if self.folder else None
                    self._speller = Speller(*tables) if tables else Speller.from_reader(reader)
                speller = self._speller
        return speller
