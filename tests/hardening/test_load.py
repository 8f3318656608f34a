"""Load on the production server (gunicorn, two workers, loopback) while new index versions
are built and published: no failed request, and no response mixing two index versions.

Each index version ("generation" g) holds the tiny library, one marker resource naming g, and
g filler resources, so every JSON response can be checked against the version it says it
came from (`index.version`): the marker it finds, the resources it lists, their count. The
run is bounded in time (SOAK_SECONDS, 3 s in `make test`) and in requests; latency is
reported under "reliability figures", never asserted.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build import build
from tests.search.conftest import HANDBOOK, USE_OF_FORCE, resource_page, write_library

from .conftest import SOAK_SECONDS, fetch, production_server

CLIENTS = 4
WORKERS = 2
REBUILD_SECONDS = 1.0
# The count bound: far above what two cores serve in the time bound.
MAX_REQUESTS = int(os.environ.get("SOAK_REQUESTS", str(int(2000 * SOAK_SECONDS))))
BASE_IDS = {
    "crisis-intervention-team-handbook", "cit-coordinator-survey", "body-camera-footage-review",
    "wellness-checklist-for-night-shifts", "use-of-force-reporting", "spreadsheet-safety",
    "de-escalation-training-outcomes",
}  # fmt: skip
PATHS = [
    "/search.json?q=marker",
    "/search.json?per_page=100",
    "/search.json?q=filler&per_page=100",
    "/healthz",
    f"/resources/{HANDBOOK}.json",
    "/search?q=marker",
    "/suggest.json?q=generat",
]


def marker(generation: int) -> str:
    return f"generation-{generation}-marker"


def generation_ids(generation: int) -> set[str]:
    """The resources of a generation's index."""
    fillers = {f"filler-{n}" for n in range(generation)}
    return BASE_IDS | {marker(generation)} | fillers


def write_generation(corpus: Path, generation: int) -> None:
    """Make the corpus generation g: its marker and g fillers (and no other's)."""
    for page in (corpus / "resources").glob("generation-*.html"):
        page.unlink()
    pages = [(marker(generation), f"Generation {generation} Marker")]
    pages += [(f"filler-{n}", f"Filler {n} Notes") for n in range(generation)]
    for resource_id, title in pages:
        page = resource_page(resource_id, title, ["Article"], 2024, [USE_OF_FORCE], "", "")
        (corpus / "resources" / f"{resource_id}.html").write_text(page, encoding="utf-8")


@dataclass
class LoadRun:
    """What the clients saw: every reply's time, and what went wrong."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    replies: list[tuple[str, int, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client_loop(base, run: LoadRun, stop: threading.Event, offset: int) -> None:
    """Send the request mix in turn until told to stop or the count bound is reached."""
    for path in itertools.islice(itertools.cycle(PATHS), offset, None):
        if stop.is_set():
            return
        with run.lock:
            if len(run.replies) + len(run.failures) >= MAX_REQUESTS:
                return
        try:
            reply = fetch(base, path)
        except (OSError, http.client.HTTPException) as error:
            with run.lock:
                run.failures.append(f"{path}: {type(error).__name__}: {error}")
            continue
        with run.lock:
            run.seconds.append(reply.seconds)
            run.replies.append((path, reply.status, reply.body))


def mismatch(path: str, body: bytes, generations: dict[str, int]) -> str | None:
    """Why a reply disagrees with the index version it names (None when it agrees)."""
    if not path.endswith(".json") and "/search.json" not in path and path != "/healthz":
        return None
    data = json.loads(body)
    index = data.get("index") or {}
    generation = generations.get(index.get("version"))
    if generation is None:
        return f"unknown index version {index.get('version')!r}"
    ids = generation_ids(generation)
    if index["documents"] != len(ids):
        return f"{index['documents']} documents, version of generation {generation} has {len(ids)}"
    found = [result["id"] for result in data.get("results", [])]
    expected = {
        "/search.json?q=marker": [marker(generation)],
        "/search.json?per_page=100": sorted(ids),
        "/search.json?q=filler&per_page=100": sorted(i for i in ids if i.startswith("filler-")),
    }.get(path)
    if expected is not None and sorted(found) != expected:
        return f"generation {generation} results {sorted(found)}, expected {expected}"
    if expected is not None and data["total"] != len(expected):
        return f"generation {generation} total {data['total']}, expected {len(expected)}"
    related = {r["id"] for r in data.get("related", [])}
    if not related <= ids:
        return f"related {sorted(related - ids)} not in generation {generation}"
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def test_load_while_new_versions_are_published(tmp_path, figures):
    corpus = write_library(tmp_path / "corpus")
    index = tmp_path / "index"
    write_generation(corpus, 0)
    generations = {build(corpus, index).version: 0}
    rebuilds = max(2, int(SOAK_SECONDS / REBUILD_SECONDS) - 1)
    run, stop = LoadRun(), threading.Event()
    log = tmp_path / "gunicorn.log"
    with production_server(index, log, workers=WORKERS, env={"SEARCH_RATE_LIMIT": ""}) as base:
        clients = [
            threading.Thread(target=client_loop, args=(base, run, stop, n), daemon=True)
            for n in range(CLIENTS)
        ]
        started = time.monotonic()
        for client in clients:
            client.start()
        build_seconds = []
        for generation in range(1, rebuilds + 1):
            time.sleep(
                max(0.0, started + generation * SOAK_SECONDS / (rebuilds + 1) - time.monotonic())
            )
            write_generation(corpus, generation)
            building = time.perf_counter()
            generations[build(corpus, index).version] = generation
            build_seconds.append(time.perf_counter() - building)
        time.sleep(max(0.0, started + SOAK_SECONDS - time.monotonic()))
        stop.set()
        for client in clients:
            client.join(timeout=120)
        elapsed = time.monotonic() - started

    statuses = [status for _, status, _ in run.replies]
    failures = run.failures + [
        f"{path}: {status} {body[:200]!r}" for path, status, body in run.replies if status != 200
    ]
    mixed = [
        f"{path}: {reason}"
        for path, status, body in run.replies
        if status == 200 and (reason := mismatch(path, body, generations))
    ]
    seen = {
        json.loads(body)["index"]["version"]
        for path, status, body in run.replies
        if status == 200 and path in ("/healthz", "/search.json?q=marker")
    }
    total = len(run.replies) + len(run.failures)
    figures(
        "load test",
        f"{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s) from {CLIENTS} clients "
        f"on gunicorn with {WORKERS} workers, while {rebuilds} new versions were built and "
        f"published ({len(seen)} seen in responses): {len(failures)} failed, {len(mixed)} "
        f"mixed versions; latency p50 {percentile(run.seconds, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(run.seconds, 0.95) * 1000:.0f} ms, p99 "
        f"{percentile(run.seconds, 0.99) * 1000:.0f} ms, max {max(run.seconds) * 1000:.0f} ms; "
        f"builds under load {min(build_seconds):.2f}-{max(build_seconds):.2f} s",
    )
    assert failures == [], failures[:10]
    assert mixed == [], mixed[:10]
    assert statuses and len(seen) >= 2, "no publish was seen under load"
    # The last version published was being served by the end.
    assert max(generations[version] for version in seen) == rebuilds


def test_a_reply_mixing_two_versions_is_caught():
    """The miss of the load test: its check does see a reply whose results belong to another
    version than the one it names."""
    generations = {"v-old": 0, "v-new": 1}

    def reply(version: str, generation: int) -> bytes:
        ids = generation_ids(generation)
        results = [{"id": marker(generation)}]
        return json.dumps(
            {"index": {"version": version, "documents": len(ids)}, "results": results, "total": 1}
        ).encode()

    assert mismatch("/search.json?q=marker", reply("v-new", 1), generations) is None
    assert mismatch("/search.json?q=marker", reply("v-new", 0), generations) == (
        "8 documents, version of generation 1 has 9"
    )
    assert mismatch("/healthz", reply("v-unknown", 0), generations) == (
        "unknown index version 'v-unknown'"
    )
