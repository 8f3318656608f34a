"""The other engines, side by side with ours on the same records and the same query mix.

Each baseline indexes the records our indexer parsed (`records.py`), so every engine holds
identical documents. A baseline's build time is the single-process parse (measured once, in
`records.py`) plus its own indexing: a straightforward build from the pages. Query latency is
timed as for ours (`measure.time_queries`). Ratios are theirs / ours: above 1, ours is faster.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from indexer.records import Resource

from .engine_sqlite import Fts5
from .engine_tantivy import Tantivy, available
from .engine_whoosh import WhooshPlain
from .measure import folder_bytes, megabytes, time_queries, timed

ENGINES = {"whoosh": WhooshPlain, "sqlite": Fts5, "tantivy": Tantivy}
RATIO_DIGITS = 2


def run_baseline(
    key: str,
    folder: Path,
    resources: list[Resource],
    parse: dict,
    queries: list[dict],
    warmup: list[dict],
) -> dict:
    """Build one baseline engine and time the query mix on it."""
    if key == "tantivy" and not available():
        return {"name": "tantivy", "skipped": "not installed: pip install -e '.[bench]'"}
    if folder.exists():
        shutil.rmtree(folder)
    engine = ENGINES[key](folder)
    _, index_seconds = timed(engine.build, resources)
    build_seconds = round(parse["parse_seconds"] + index_seconds, 2)
    return {
        "name": engine.name,
        "index_seconds": index_seconds,
        "build_seconds": build_seconds,
        "pages_per_second": round(parse["pages"] / build_seconds, 1),
        "index_mb": megabytes(folder_bytes(folder)),
        "queries": time_queries(engine.search, queries, warmup),
    }


def ratio(theirs: float | None, ours: float | None) -> float | None:
    if not theirs or not ours:
        return None
    return round(theirs / ours, RATIO_DIGITS)


def ratios(baseline: dict, ours: dict) -> dict:
    """Build time and query p50/p95, theirs / ours (above 1: ours is faster)."""
    if "skipped" in baseline:
        return {}
    theirs_q, ours_q = baseline["queries"], ours["queries"]
    return {
        "build": ratio(baseline["build_seconds"], ours["build"]["seconds"]),
        "p50": ratio(theirs_q.get("p50"), ours_q.get("p50")),
        "p95": ratio(theirs_q.get("p95"), ours_q.get("p95")),
    }
