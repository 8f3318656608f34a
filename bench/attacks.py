"""The hostile mix of issue 11: named requests one client can send to make search work hard.

Each entry is a name and a GET path: the queries the independent attack timed at 10,000
resources (32 unknown 30-letter words, one 990-letter word, long `~2` words, 32 two-letter
wildcards, a 32-word phrase of common words, an OR of 19 phrases, exporting everything,
resource pages with their related resources) and worse ones. The words come from the
generated corpus as indexed (`Words`): a word counts as common by the number of documents
its analysed term is in, so the common words really hit the longest posting lists.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from pathlib import Path
from random import Random
from urllib.parse import urlencode

from indexer.schema import CONTENT, TOPIC, TYPE, UNDATED, YEAR_FACET, text_analyzer
from indexer.store import IndexStore

from .distributions import read_vocabulary
from .lexicon import Lexicon, rare_words

SEED = "bench-hostile"
MAX_WORDS = 32  # the search core uses the first 32 words of a query
UNKNOWN_LETTERS = 30
LONG_WORD_LETTERS = 990
MIN_LONG = 9  # letters of a "long" word for the fuzzy queries
PHRASE_OR_COUNT = 19
WILDCARDS = 250
NESTING = 496  # parentheses deep: 2 x 496 + a word is just under the 1,000-character cut
NESTED_ORS = 70
MIXED_REPEATS = 25
RESOURCE_PAGES = 3
MAX_PER_PAGE = 100
MAX_FACET_VALUES = 20
# gunicorn refuses request lines over 8,190 bytes: the longest path it still answers.
MAX_PATH = 8000
EXPORTS = (("CSV", "csv"), ("RIS", "ris"), ("BibTeX", "bib"))


@dataclass(frozen=True)
class Words:
    """Words of the indexed corpus, spelled as a visitor types them."""

    common: tuple[str, ...]  # the most documents first
    long: tuple[str, ...]  # of MIN_LONG letters or more, the most documents first
    rare: tuple[str, ...]  # in at least one document, the fewest first
    phrases: tuple[str, ...]  # the lexicon's phrases of two or three words
    topics: tuple[str, ...]
    types: tuple[str, ...]
    resource_ids: tuple[str, ...]  # the largest resource pages: the most key words
    all_filters_matches: tuple[int, int]  # with every filter: of no query, of `common[0]`


def read_words(index: Path, corpus: Path, lexicon: Lexicon) -> Words:
    """The words of the lexicon ranked by the documents their term is in, in this index."""
    analyzer = text_analyzer()
    candidates = [*lexicon.common, *lexicon.field, *rare_words()]
    frequency, terms, spelled = {}, {}, set()
    with IndexStore(index).open_index().reader() as reader:
        for word in dict.fromkeys(w.lower() for w in candidates):
            analysed = [token.text for token in analyzer(word)]
            # One spelling per term (the lexicon's commonest): distinct words, distinct terms.
            if len(analysed) == 1 and word.isalpha() and analysed[0] not in spelled:
                spelled.add(analysed[0])
                terms[word] = analysed[0]
                frequency[word] = reader.doc_frequency(CONTENT, analysed[0])
        found = [word for word in frequency if frequency[word]]
        by_documents = sorted(found, key=lambda word: (-frequency[word], word))
        # Every topic, every type and a year: the documents the "all filters" requests page.
        filtered = documents_with(reader, TOPIC) & documents_with(reader, TYPE)
        filtered &= documents_with(reader, YEAR_FACET) - documents_with(reader, YEAR_FACET, UNDATED)
        word_filtered = filtered & documents_with(reader, CONTENT, terms[by_documents[0]])
    pages = sorted((corpus / "resources").glob("*.html"), key=lambda p: (-p.stat().st_size, p))
    vocabulary = read_vocabulary()
    return Words(
        common=tuple(by_documents),
        long=tuple(word for word in by_documents if len(word) >= MIN_LONG),
        rare=tuple(by_documents[::-1]),
        phrases=tuple(p for p in lexicon.phrases if len(p.split()) in (2, 3)),
        topics=tuple(vocabulary["topic"])[:MAX_FACET_VALUES],
        types=tuple(vocabulary["type"])[:MAX_FACET_VALUES],
        resource_ids=tuple(page.stem for page in pages[:RESOURCE_PAGES]),
        all_filters_matches=(len(filtered), len(word_filtered)),
    )


def documents_with(reader, field: str, term: str | None = None) -> set[int]:
    """The documents holding a term of a field (any term when none is given)."""
    found: set[int] = set()
    for text in [term] if term is not None else reader.field_terms(field):
        found.update(reader.postings(field, text).all_ids())
    return found


def search_path(q: str = "", route: str = "/search.json", **params) -> str:
    """A search URL; list values repeat their parameter."""
    pairs = [("q", q)] if q else []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(name, str(v)) for v in values]
    return f"{route}?{urlencode(pairs)}" if pairs else route


def letters(rng: Random, count: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(count))


def longest_query(words: tuple[str, ...]) -> str:
    """Common words repeated up to the longest path gunicorn answers."""
    q, at = "", 0
    while len(search_path(f"{q} {words[at % len(words)]}".strip())) <= MAX_PATH:
        q = f"{q} {words[at % len(words)]}".strip()
        at += 1
    return q


def hostile_mix(words: Words) -> dict[str, str]:
    """Every hostile request of the bench, by name: its path."""
    rng = Random(SEED)
    common = words.common[:MAX_WORDS]
    unknown = [letters(rng, UNKNOWN_LETTERS) for _ in range(MAX_WORDS)]
    prefixes = list(dict.fromkeys(word[:2] for word in words.common))
    last_pages = [max(1, math.ceil(count / MAX_PER_PAGE)) for count in words.all_filters_matches]
    all_filters = {
        "topic": words.topics,
        "type": words.types,
        "year_from": 1800,
        "year_to": 2100,
        "sort": "title",
        "per_page": MAX_PER_PAGE,
    }
    mixed = f'(co* OR {words.long[0]}~2 -"{words.phrases[0]}" title:{common[0][:3]}*)^9 '
    mix = {
        "32 unknown 30-letter words": search_path(" ".join(unknown)),
        "one 990-letter word": search_path(letters(rng, LONG_WORD_LETTERS)),
        "8 long words ~2": search_path(" ".join(f"{w}~2" for w in words.long[:8])),
        "32 long words ~2": search_path(" ".join(f"{w}~2" for w in words.long[:MAX_WORDS])),
        "8 unknown 30-letter words ~2": search_path(" ".join(f"{w}~2" for w in unknown[:8])),
        "32 unknown 30-letter words ~2": search_path(" ".join(f"{w}~2" for w in unknown)),
        # Near real words but none of them: no result, so did-you-mean searches for each.
        "32 misspelt long words": search_path(
            " ".join(w[:-2] + "qx" for w in words.long[:MAX_WORDS])
        ),
        "32 common words ~1": search_path(" ".join(f"{w}~1" for w in common)),
        "32 common words": search_path(" ".join(common)),
        "32 rare words": search_path(" ".join(words.rare[:MAX_WORDS])),
        "32 two-letter wildcards": search_path(" ".join(f"{p}*" for p in prefixes[:MAX_WORDS])),
        "26 one-letter wildcards a* b* ...": search_path(
            " ".join(f"{c}*" for c in string.ascii_lowercase)
        ),
        "250 wildcards": search_path(
            " ".join(f"{prefixes[n % len(prefixes)]}*" for n in range(WILDCARDS))
        ),
        "32-word phrase of common words": search_path('"' + " ".join(common) + '"'),
        "OR of 19 phrases": search_path(
            " OR ".join(f'"{p}"' for p in words.phrases[:PHRASE_OR_COUNT])
        ),
        "deep parentheses": search_path("(" * NESTING + common[0] + ")" * NESTING),
        "70 nested ORs": search_path(
            "".join(f"({common[n % len(common)]} OR " for n in range(NESTED_ORS))
            + common[-1]
            + ")" * NESTED_ORS
        ),
        "mixed operators x25": search_path(mixed * MIXED_REPEATS),
        "query at the longest path (8,000 chars)": search_path(longest_query(common)),
        "per_page 100 with snippets, 10 common words": search_path(
            " ".join(common[:10]), per_page=MAX_PER_PAGE
        ),
        "all filters + sort + last page": search_path(page=last_pages[0], **all_filters),
        "all filters + sort + last page, common word": search_path(
            common[0], page=last_pages[1], **all_filters
        ),
        "HTML page: 32 unknown 30-letter words": search_path(" ".join(unknown), route="/search"),
        "HTML page: 32 long words ~2": search_path(
            " ".join(f"{w}~2" for w in words.long[:MAX_WORDS]), route="/search"
        ),
    }
    for label, extension in EXPORTS:
        mix[f"export everything: {label}"] = search_path(route=f"/search.{extension}")
    # The search page's JSON export link is /search.json with the page's parameters.
    mix["export everything: JSON (per_page 100)"] = search_path(per_page=MAX_PER_PAGE)
    mix["export CSV: 32 two-letter wildcards"] = search_path(
        " ".join(f"{p}*" for p in prefixes[:MAX_WORDS]), route="/search.csv"
    )
    for number, resource_id in enumerate(words.resource_ids, 1):
        mix[f"resource page {number} (HTML)"] = f"/resources/{resource_id}"
        mix[f"resource page {number} (.json)"] = f"/resources/{resource_id}.json"
    mix["suggestions: 2 letters"] = search_path(common[0][:2], route="/suggest.json")
    mix["suggestions: longest input"] = search_path(longest_query(common), route="/suggest.json")
    return mix
