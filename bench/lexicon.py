"""The words of the synthetic corpus: a Zipf-like vocabulary of the field, and text drawn from it.

`data/lexicon.txt` lists general English words, the field's words and phrases, words and
phrases typical of each topic, section headings, title subtitles and places, each section in
rough order of frequency. A word's weight is Zipf-Mandelbrot by its rank in its section, and
each section takes a fixed share of the text; a long tail of rare words (names, numbers) gives
the index the many one-off terms real text has. Everything is drawn from a `random.Random` the
caller seeds, so the same seed gives the same text.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from random import Random

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.txt"
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 2.7  # Mandelbrot's offset: a flatter head than pure Zipf
# Share of the drawn tokens each section takes (a phrase counts as one token).
SHARES = {"common": 0.56, "field": 0.26, "phrases": 0.05, "topic": 0.10, "rare": 0.03}
RARE_WORDS = 6000
RARE_SEED = "bench-rare-words"
SYLLABLES = [
    "al",
    "ba",
    "ber",
    "cal",
    "dan",
    "del",
    "fen",
    "gar",
    "har",
    "ken",
    "lan",
    "mar",
    "mel",
    "nor",
    "os",
    "pel",
    "quin",
    "ros",
    "sal",
    "tam",
    "ter",
    "val",
    "vin",
    "wes",
    "yor",
    "zan",
    "bro",
    "cor",
    "dre",
    "fal",
    "gil",
    "hol",
    "jor",
    "kin",
    "lor",
    "mor",
]
SENTENCE_WORDS = (8, 24)
PARAGRAPH_WORDS = (60, 150)
SECTION_WORDS = 380
MAX_SECTIONS = 8
SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "vs"]
)
WORDS_PREFIX = "words:"
_SECTION = re.compile(r"^\[(.+)\]$")


@dataclass(frozen=True)
class Lexicon:
    """The sections of the lexicon file, each a tuple in rank order."""

    common: tuple[str, ...]
    field: tuple[str, ...]
    phrases: tuple[str, ...]
    topics: dict[str, tuple[str, ...]]
    headings: tuple[str, ...]
    subtitles: tuple[str, ...]
    places: tuple[str, ...]


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Read the lexicon file: word sections split on spaces, the others one entry a line."""
    sections: dict[str, list[str]] = {}
    name = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _SECTION.match(line)
        if match:
            name = match.group(1)
            sections.setdefault(name, [])
        elif name in ("common", "field"):
            sections[name].extend(line.split())
        elif line.startswith(WORDS_PREFIX):
            sections[name].extend(line[len(WORDS_PREFIX) :].split())
        else:
            sections[name].append(line)

    def unique(key: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(sections.get(key, ())))

    topics = {key[len("topic ") :]: unique(key) for key in sections if key.startswith("topic ")}
    return Lexicon(
        common=unique("common"),
        field=tuple(w for w in unique("field") if w not in set(sections["common"])),
        phrases=unique("phrases"),
        topics=topics,
        headings=unique("headings"),
        subtitles=unique("subtitles"),
        places=unique("places"),
    )


def zipf_weights(count: int, share: float) -> list[float]:
    """Zipf-Mandelbrot weights of ranks 1..count, scaled to sum to share."""
    raw = [1 / (rank + ZIPF_OFFSET) ** ZIPF_EXPONENT for rank in range(1, count + 1)]
    total = sum(raw)
    return [share * weight / total for weight in raw]


def rare_words(count: int = RARE_WORDS) -> tuple[str, ...]:
    """A long tail of rare tokens: made-up names and numbers, the same on every run."""
    names = ["".join(pair).capitalize() for pair in itertools.product(SYLLABLES, repeat=2)]
    numbers = [str(n) for n in range(10, 10 + count // 4)]
    words = names + numbers
    Random(RARE_SEED).shuffle(words)
    return tuple(words[:count])


class TextSampler:
    """Draws tokens for documents about one topic (or none): one weighted table each."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        base = {
            "common": lexicon.common,
            "field": lexicon.field,
            "phrases": lexicon.phrases,
            "rare": rare_words(),
        }
        self.tables = {None: self._table(base, ())}
        for topic, terms in lexicon.topics.items():
            self.tables[topic] = self._table(base, terms)

    @staticmethod
    def _table(base: dict, topic_terms: tuple[str, ...]) -> tuple[list[str], list[float]]:
        population: list[str] = []
        weights: list[float] = []
        spare = 0.0 if topic_terms else SHARES["topic"]
        for name, words in base.items():
            share = SHARES[name] + (spare if name == "field" else 0.0)
            population += words
            weights += zipf_weights(len(words), share)
        if topic_terms:
            population += topic_terms
            weights += zipf_weights(len(topic_terms), SHARES["topic"])
        return population, list(itertools.accumulate(weights))

    def words(self, rng: Random, count: int, topic: str | None = None) -> list[str]:
        """Exactly `count` words (phrases drawn whole, then split into their words)."""
        population, cumulative = self.tables.get(topic, self.tables[None])
        return " ".join(rng.choices(population, cum_weights=cumulative, k=count)).split()[:count]

    def sentences(self, rng: Random, words: list[str]) -> list[str]:
        """The words cut into capitalised sentences ending in a full stop."""
        low, high = SENTENCE_WORDS
        result, at = [], 0
        while at < len(words):
            length = rng.randint(low, high)
            text = " ".join(words[at : at + length])
            result.append(text[:1].upper() + text[1:] + ".")
            at += length
        return result

    def paragraphs(self, rng: Random, count: int, topic: str | None) -> list[str]:
        """About `count` words of text as paragraphs of whole sentences."""
        words = self.words(rng, count, topic)
        low, high = PARAGRAPH_WORDS
        result, at = [], 0
        while at < len(words):
            length = rng.randint(low, high)
            result.append(" ".join(self.sentences(rng, words[at : at + length])))
            at += length
        return result

    def body(self, rng: Random, count: int, topic: str | None) -> list[tuple[str, list[str]]]:
        """A body of `count` words in sections: [(heading, [paragraph, ...]), ...]."""
        sections = max(1, min(MAX_SECTIONS, round(count / SECTION_WORDS)))
        headings = rng.sample(self.lexicon.headings, sections)
        cuts = sorted(rng.sample(range(1, count), sections - 1)) if sections > 1 else []
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, count], strict=True)]
        return [
            (heading, self.paragraphs(rng, size, topic))
            for heading, size in zip(headings, sizes, strict=True)
        ]


def title_case(text: str) -> str:
    """Capitalise each word except small ones (not the first); words with capitals are kept."""
    words = text.split(" ")
    return " ".join(
        word
        if any(ch.isupper() for ch in word) or (i and word in SMALL_WORDS)
        else word[:1].upper() + word[1:]
        for i, word in enumerate(words)
    )
