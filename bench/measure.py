"""Timing helpers: latency percentiles, a timed run of the query mix (wall and CPU), sizes.

Latencies are wall-clock milliseconds (`time.perf_counter`) of one call doing the whole work
of a search for that engine: the page of hits, their snippets and the facet counts. Each
query's CPU milliseconds (`time.process_time`, every thread of the process) are kept beside
(`cpu_ms`): on a shared machine the wall time also counts the waits for a core.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

PERCENTILES = (50, 95, 99)
DIGITS = 2


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and p99 (inclusive method), the mean and the count of a list of values."""
    if not values:
        return {"count": 0}
    if len(values) == 1:
        cuts = {f"p{p}": values[0] for p in PERCENTILES}
    else:
        quantiles = statistics.quantiles(values, n=100, method="inclusive")
        cuts = {f"p{p}": quantiles[p - 1] for p in PERCENTILES}
    return {
        "count": len(values),
        **{key: round(value, DIGITS) for key, value in cuts.items()},
        "mean": round(statistics.fmean(values), DIGITS),
        "max": round(max(values), DIGITS),
    }


def time_queries(
    search: Callable[[dict], int], queries: list[dict], warmup: Iterable[dict] = ()
) -> dict:
    """Run the warm-up queries untimed, then time each query; overall and per-kind figures."""
    for query in warmup:
        search(query)
    timings: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    cpu_by_kind: dict[str, list[float]] = defaultdict(list)
    empty = 0
    started = time.perf_counter()
    for query in queries:
        before, cpu_before = time.perf_counter(), time.process_time()
        total = search(query)
        elapsed = (time.perf_counter() - before) * 1000
        cpu_by_kind[query["kind"]].append((time.process_time() - cpu_before) * 1000)
        timings.append(elapsed)
        by_kind[query["kind"]].append(elapsed)
        empty += total == 0
    return {
        **percentiles(timings),
        "cpu_ms": percentiles([ms for values in cpu_by_kind.values() for ms in values]),
        "seconds": round(time.perf_counter() - started, DIGITS),
        "empty_results": empty,
        "by_kind": {
            kind: {**percentiles(values), "cpu_ms": percentiles(cpu_by_kind[kind])}
            for kind, values in sorted(by_kind.items())
        },
    }


def folder_bytes(folder: Path) -> int:
    """The size on disk of every file under a folder."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def megabytes(count: int | float) -> float:
    return round(count / 1024 / 1024, 1)


def timed(function: Callable, *arguments) -> tuple[object, float]:
    """A call's result and its wall-clock seconds."""
    started = time.perf_counter()
    result = function(*arguments)
    return result, round(time.perf_counter() - started, DIGITS)
