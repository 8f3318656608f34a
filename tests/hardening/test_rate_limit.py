"""The rate limit counted once per server (search_app/ratelimit.py): two apps in two processes,
as two gunicorn workers, share one count in the default SQLite store and in a real Redis
(Debian's `redis-server`, started here on a free loopback port); the production server with two
workers refuses the (N+1)th request; a store that fails lets requests through.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from search_app import create_app
from search_app.ratelimit import SQLiteStorage

from .conftest import fetch, free_port, production_server

LIMIT = 4
PATH = "/search.json?q=footage"
CLIENT = "198.51.100.7"
OTHER_CLIENT = "198.51.100.8"
REDIS_SERVER = Path("/usr/bin/redis-server")
REDIS_STARTUP_SECONDS = 10
MEASURED_COUNTS = 2_000


def missing(what: str) -> None:
    """Fail in CI (`CI` set), else skip: the shared store is never left untested in CI."""
    message = f"{what}; `make test-deps` installs it"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"the rate-limit tests cannot run in CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def redis_uri(tmp_path_factory):
    """A redis-server of the tests' own on loopback, with nothing saved to disk."""
    if not REDIS_SERVER.exists():
        missing(f"{REDIS_SERVER} is missing")
    import redis

    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    command = [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"]
    with open(folder / "redis.log", "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + REDIS_STARTUP_SECONDS
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"redis-server did not start:\n{(folder / 'redis.log').read_text()}"
                    )
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)


class Worker:
    """An app in a process of its own (tests/hardening/rate_limit_worker.py)."""

    def __init__(self, index: Path, limit: str, storage: str):
        command = [sys.executable, "-m", "tests.hardening.rate_limit_worker"]
        self.process = subprocess.Popen(
            [*command, str(index), limit, storage],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        assert self.process.stdout.readline() == "ready\n"

    def get(self, path: str, address: str) -> int:
        self.process.stdin.write(f"{path} {address}\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def two_workers_statuses(index: Path, storage: str, rounds: int = LIMIT) -> list[tuple[int, int]]:
    """A request from one address to each of two processes' apps in turn, `rounds` times;
    the storage named "" is the default one of the first app, handed to the second as a
    forked gunicorn worker inherits it."""
    app = create_app({"INDEX_DIR": str(index), "RATE_LIMIT": f"{LIMIT} per minute",
                      "RATE_LIMIT_STORAGE": storage})  # fmt: skip
    shared = storage or f"sqlite://{app.extensions['rate_limit_storage'].path}"
    client = app.test_client()
    worker = Worker(index, f"{LIMIT} per minute", shared)
    try:
        statuses = []
        for _ in range(rounds):
            here = client.get(PATH, environ_base={"REMOTE_ADDR": CLIENT}).status_code
            statuses.append((here, worker.get(PATH, CLIENT)))
        # Another address has its own count, in either process.
        statuses.append((
            client.get(PATH, environ_base={"REMOTE_ADDR": OTHER_CLIENT}).status_code,
            worker.get(PATH, OTHER_CLIENT),
        ))  # fmt: skip
    finally:
        worker.close()
    return statuses


SHARED = [(200, 200), (200, 200), (429, 429), (429, 429), (200, 200)]


def test_the_default_store_counts_once_across_processes(library_index):
    assert two_workers_statuses(library_index, "") == SHARED


def test_a_memory_store_counts_per_process(library_index):
    # The miss (the old default): each process lets the address make LIMIT requests.
    assert two_workers_statuses(library_index, "memory://") == [(200, 200)] * LIMIT + [(200, 200)]


def test_redis_counts_once_across_processes(library_index, redis_uri):
    assert two_workers_statuses(library_index, redis_uri) == SHARED


def test_a_store_that_fails_lets_requests_through(library_index, caplog):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": "1 per minute",
                      "RATE_LIMIT_STORAGE": dead})  # fmt: skip
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="flask-limiter"):
        statuses = [client.get(PATH).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert caplog.records and "Connection refused" in caplog.text


def test_the_default_store_lives_in_a_private_run_folder_removed_with_the_app(library_index):
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": "5 per minute"})
    path = app.extensions["rate_limit_storage"].path
    app.test_client().get(PATH)
    assert (path.name, path.exists(), oct(path.parent.stat().st_mode & 0o777)) == (
        "rate-limit.sqlite",
        True,
        "0o700",
    )
    del app
    gc.collect()  # an app is a cycle of references (blueprints, extensions)
    assert not path.parent.exists()
    # The miss: with the rate limit off, no run folder at all.
    off = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": ""})
    assert off.extensions["rate_limit_storage"] is None


def test_sqlite_windows_count_and_expire(tmp_path):
    storage = SQLiteStorage(f"sqlite://{tmp_path / 'counts.sqlite'}")
    assert [storage.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    # An expired window starts again.
    assert [storage.incr("b", 0), storage.incr("b", 0)] == [1, 1]
    assert (storage.get("a"), storage.get("missing"), storage.check()) == (3, 0, True)
    assert time.time() + 55 < storage.get_expiry("a") <= time.time() + 60
    storage.clear("a")
    assert storage.get("a") == 0
    storage.incr("c", 60, amount=5)
    assert (storage.reset(), storage.get("c")) == (2, 0)


def test_the_cost_of_a_shared_count(tmp_path, figures):
    """Reported, not asserted: a count in SQLite beside one in memory."""
    from limits.storage import MemoryStorage

    timings = {}
    for name, storage in (
        ("sqlite", SQLiteStorage(f"sqlite://{tmp_path / 'counts.sqlite'}")),
        ("memory", MemoryStorage()),
    ):
        storage.incr("warm", 60)
        started = time.perf_counter()
        for number in range(MEASURED_COUNTS):
            storage.incr(f"client-{number % 100}", 60)
        timings[name] = (time.perf_counter() - started) / MEASURED_COUNTS * 1e6
    figures(
        "rate-limit count",
        f"{timings['sqlite']:.0f} µs in SQLite, {timings['memory']:.0f} µs in memory",
    )
    assert set(timings) == {"sqlite", "memory"}


def test_the_production_server_counts_once_across_its_workers(library_index, tmp_path):
    """gunicorn with two workers, the default store: however the requests spread over the
    workers, one address gets LIMIT answers, then 429s."""
    index = Path(shutil.copytree(library_index, tmp_path / "index", symlinks=True))
    environment = {"SEARCH_RATE_LIMIT": f"{LIMIT} per minute"}
    with production_server(index, tmp_path / "gunicorn.log", workers=2, env=environment) as base:
        with ThreadPoolExecutor(max_workers=4) as pool:
            replies = list(pool.map(lambda _: fetch(base, PATH, "127.0.4.1"), range(4 * LIMIT)))
        statuses = sorted(reply.status for reply in replies)
        other = fetch(base, PATH, "127.0.4.2").status
    assert (statuses, other) == ([200] * LIMIT + [429] * 3 * LIMIT, 200)
