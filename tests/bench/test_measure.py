"""The query timer: wall and CPU figures per kind, over exactly the queries given (no timings
asserted: only which figures come out, and how many)."""

from __future__ import annotations

from bench.measure import time_queries


def test_each_kind_gets_wall_and_cpu_figures_of_its_own_queries():
    queries = [{"kind": "phrase"}, {"kind": "1 word"}, {"kind": "phrase"}]
    seen = []

    def search(query: dict) -> int:
        seen.append(query["kind"])
        return 0 if query["kind"] == "1 word" else 3

    figures = time_queries(search, queries, warmup=[{"kind": "warm-up"}])
    assert seen == ["warm-up", "phrase", "1 word", "phrase"]
    assert (figures["count"], figures["cpu_ms"]["count"], figures["empty_results"]) == (3, 3, 1)
    assert {kind: (f["count"], f["cpu_ms"]["count"]) for kind, f in figures["by_kind"].items()} == {
        "1 word": (1, 1),
        "phrase": (2, 2),
    }
    assert {"p50", "p95", "p99"} <= set(figures["by_kind"]["phrase"]["cpu_ms"])
