"""The corpus as `Resource` records, read by the indexer's own parser: what every engine indexes.

One process, one page after another (`indexer.pages.parse_page`, then `merge_sightings` with
the corpus's vocabulary), timed: that is the parsing half of a straightforward build. The
records and the time are cached in `bench/out/` for the same corpus and the same parser
sources, so a second run at a size skips the parse but reports the time it took.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from pathlib import Path

from indexer.catalog import read_catalog
from indexer.corpus import list_pages, read_page
from indexer.pages import parse_page
from indexer.records import Resource
from indexer.resources import merge_sightings
from indexer.vocabulary import load_vocabulary

from .generate import MANIFEST

INDEXER = Path(__file__).resolve().parent.parent / "indexer"
PARSER_SOURCES = ("pages.py", "resources.py", "records.py", "vocabulary.py", "corpus.py")


def read_resources(corpus: Path) -> tuple[list[Resource], int]:
    """Every resource of the corpus, and the number of pages read."""
    vocabulary = load_vocabulary(corpus)
    sightings = []
    pages = list_pages(corpus)
    for path in pages:
        sightings.extend(parse_page(path, read_page(corpus, path).data).sightings)
    _, catalog, _ = read_catalog(corpus)
    return list(merge_sightings([*sightings, *catalog], vocabulary).resources), len(pages)


def cache_key(corpus: Path) -> str:
    """The corpus manifest and the parser's sources: a cached parse must match both."""
    digest = hashlib.sha256((corpus / MANIFEST).read_bytes())
    for name in PARSER_SOURCES:
        digest.update((INDEXER / name).read_bytes())
    return digest.hexdigest()


def load_resources(corpus: Path, cache: Path) -> tuple[list[Resource], dict]:
    """The records and how long the parse took (from the cache when it matches)."""
    key = cache_key(corpus)
    if cache.is_file():
        with cache.open("rb") as handle:
            saved = pickle.load(handle)
        if saved.get("key") == key:
            return saved["resources"], {**saved["timing"], "cached": True}
    started = time.perf_counter()
    resources, pages = read_resources(corpus)
    timing = {"parse_seconds": round(time.perf_counter() - started, 2), "pages": pages}
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".partial")
    with partial.open("wb") as handle:
        pickle.dump({"key": key, "timing": timing, "resources": resources}, handle, protocol=5)
    partial.replace(cache)
    return resources, {**timing, "cached": False}


def describe(resources: list[Resource]) -> dict:
    """Counts to check the corpus against the catalog sample's shape."""
    words = sorted(len(r.body.split()) for r in resources)
    return {
        "resources": len(resources),
        "undated_share": round(sum(r.year is None for r in resources) / len(resources), 3),
        "multi_topic_share": round(sum(len(r.topics) > 1 for r in resources) / len(resources), 3),
        "multi_type_share": round(sum(len(r.types) > 1 for r in resources) / len(resources), 3),
        "body_words_median": words[len(words) // 2],
        "body_words_total": sum(words),
    }


if __name__ == "__main__":
    import sys

    found, info = load_resources(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({**info, **describe(found)}, indent=2))
