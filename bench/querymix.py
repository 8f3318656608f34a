"""The fixed query mix every engine runs: what visitors type and click, drawn from a seed.

A query is a plain dict, engine-neutral: its kind, the words (or phrase, or prefix) and how our
search box spells them (`q`), the facet filters (topics, types, a year range), the page and the
sort. Each engine translates it into its own syntax. Words come from the field's vocabulary,
weighted by rank as the corpus is; filters from the corpus's own topic and type frequencies.
"""

from __future__ import annotations

from random import Random

from .distributions import Distributions
from .lexicon import Lexicon, zipf_weights

MIX_SEED = 7
WARMUP_SEED = 8
# kind -> share of the mix
KINDS = {
    "1 word": 14,
    "2 words": 14,
    "3 words": 10,
    "phrase": 10,
    "prefix": 8,
    "browse": 8,
    "browse + filters": 10,
    "deep page": 8,
    "sort by year": 8,
}
TEXT_KINDS = ("1 word", "2 words", "3 words", "phrase", "prefix", "sort by year")
# how many of the three facets (topic, type, year) a text query filters on -> share
FILTER_COUNTS = {0: 40, 1: 30, 2: 20, 3: 10}
FACETS = ("topic", "type", "year")
SECOND_TOPIC_SHARE = 0.3  # a topic filter names two topics (OR) this often
DEEP_PAGE = 50
PER_PAGE = 10
PREFIX_LETTERS = 4  # stems keep the first letters of a word: the prefix matches stemmed terms
MIN_PREFIX_WORD = 6
YEAR_SPAN = (0, 8)
FIRST_FILTER_YEAR, LAST_FILTER_YEAR = 2005, 2025


class QueryMix:
    """Draws queries of the mix; one instance per seed."""

    def __init__(self, lexicon: Lexicon, dists: Distributions, seed: int = MIX_SEED):
        self.rng = Random(seed)
        self.dists = dists
        topic_words = [w for terms in lexicon.topics.values() for w in terms if " " not in w]
        self.words = list(dict.fromkeys([*lexicon.field, *topic_words]))
        self.weights = zipf_weights(len(self.words), 1.0)
        self.phrases = [p for p in lexicon.phrases if len(p.split()) in (2, 3)]
        long_words = [w for w in self.words if len(w) >= MIN_PREFIX_WORD and w.isalpha()]
        self.prefixes = sorted({w[:PREFIX_LETTERS] for w in long_words})

    def draw_words(self, count: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < count:
            word = self.rng.choices(self.words, weights=self.weights)[0]
            if word not in chosen:
                chosen.append(word)
        return chosen

    def filters(self, count: int) -> dict:
        """`count` of the three facets, each with a value drawn as the corpus spreads them."""
        chosen = self.rng.sample(FACETS, count)
        found: dict = {"topics": [], "types": [], "year_from": None, "year_to": None}
        if "topic" in chosen:
            number = 2 if self.rng.random() < SECOND_TOPIC_SHARE else 1
            topics = self.dists.topics
            while len(found["topics"]) < number:
                topic = self.rng.choices(list(topics), weights=list(topics.values()))[0]
                if topic not in found["topics"]:
                    found["topics"].append(topic)
        if "type" in chosen:
            types = self.dists.types
            found["types"] = [self.rng.choices(list(types), weights=list(types.values()))[0]]
        if "year" in chosen:
            start = self.rng.randint(FIRST_FILTER_YEAR, LAST_FILTER_YEAR)
            found["year_from"] = start
            found["year_to"] = min(LAST_FILTER_YEAR, start + self.rng.randint(*YEAR_SPAN))
        return found

    def query(self, kind: str) -> dict:
        """One query of a kind."""
        words, phrase, prefix, page, sort = [], None, None, 1, "relevance"
        if kind in ("1 word", "2 words", "3 words"):
            words = self.draw_words(int(kind[0]))
        elif kind == "phrase":
            phrase = self.rng.choice(self.phrases).split()
        elif kind == "prefix":
            prefix = self.rng.choice(self.prefixes)
        elif kind == "sort by year":
            words, sort = self.draw_words(self.rng.randint(1, 2)), "newest"
        elif kind == "deep page":
            page = DEEP_PAGE
            words = self.draw_words(1) if self.rng.random() < 0.5 else []
        if kind in TEXT_KINDS:
            filters = self.filters(self.rng.choices(*zip(*FILTER_COUNTS.items(), strict=True))[0])
        elif kind == "browse + filters":
            filters = self.filters(self.rng.randint(1, len(FACETS)))
        else:
            filters = self.filters(0)
        if phrase:
            q = '"' + " ".join(phrase) + '"'
        elif prefix:
            q = prefix + "*"
        else:
            q = " ".join(words)
        return {
            "kind": kind,
            "q": q,
            "words": words,
            "phrase": phrase,
            "prefix": prefix,
            **filters,
            "page": page,
            "per_page": PER_PAGE,
            "sort": sort,
        }

    def draw(self, count: int) -> list[dict]:
        """`count` queries, kinds in the mix's shares."""
        kinds = self.rng.choices(list(KINDS), weights=list(KINDS.values()), k=count)
        return [self.query(kind) for kind in kinds]
