"""bench.coldpostings / bench.coldstart: a query of the mix run in a fresh process, reading the
version's posting arrays or Whoosh's blocks, finds the same results. No timings are
asserted: the benchmarks themselves are `python -m bench.coldpostings` and
`python -m bench.coldstart`."""

from __future__ import annotations

import pytest

from bench.coldpostings import MODES
from bench.coldstart import WHOOSH_BLOCKS, cold_queries, cold_query
from tests.conftest import published_index


def mix_query(kind: str, q: str, phrase=None) -> dict:
    return {
        "kind": kind,
        "q": q,
        "words": q.split() if not phrase else [],
        "phrase": phrase,
        "prefix": None,
        "topics": [],
        "types": [],
        "year_from": None,
        "year_to": None,
        "page": 1,
        "per_page": 10,
        "sort": "relevance",
    }


def test_a_fresh_process_finds_the_same_with_and_without_posting_arrays(corpus):
    index = published_index(corpus)
    phrase = mix_query("phrase", '"body cameras"', ["body", "cameras"])
    with_arrays, without = (cold_query(index, phrase, engine) for engine in MODES.values())
    assert with_arrays["total"] == without["total"] > 0
    found = cold_queries(index, [mix_query("1 word", "cameras"), phrase], WHOOSH_BLOCKS)
    assert set(found) == {"1 word", "phrase"}
    assert all(run["query_ms"] > 0 and run["again_cpu_ms"] >= 0 for run in found.values())


def test_an_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown engine"):
        cold_query(tmp_path, mix_query("1 word", "cameras"), "lucene")
