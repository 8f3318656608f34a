"""bench.coldpostings: a query of the mix run in a fresh process, reading the version's posting
arrays or Whoosh's blocks, finds the same results. No timings are asserted: the benchmark
itself is `python -m bench.coldpostings`."""

from __future__ import annotations

from bench.coldpostings import cold_queries, cold_run
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
    with_arrays, without = cold_run(index, phrase, True), cold_run(index, phrase, False)
    assert with_arrays["total"] == without["total"] > 0
    found = cold_queries(index, [mix_query("1 word", "cameras"), phrase])
    assert set(found) == {"1 word", "phrase"}
    assert all(ms > 0 for ms in found.values())
