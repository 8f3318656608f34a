"""Fixtures of the hardening tests: a hostile library, its index, the app, and the production
server (gunicorn, through `resource-search serve`) started on loopback.

Fixtures chain like flaskr's: `library` (the web tests' tiny library with its hostile
resource, plus resources whose titles need unicode care) -> `library_index` -> `app` ->
`client` (the shared chain of `tests.conftest.define_app_fixtures`), built once per session. Tests that damage, kill or rebuild an index work on their
own copy (`index_copy`).

Figures the tests measure (latency, kill points, fuzz runs) are recorded with `figures` and
printed at the end of the run under "reliability figures": reported, never asserted.

Environment variables make the same tests longer (`make soak` sets them): `SOAK_SECONDS`
(load test duration), `SOAK_KILLS` (kill points per command), `FUZZ_SECONDS` (atheris
budget per target), `FUZZ_EXAMPLES` (hypothesis examples, shared with tests/fuzz).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import define_app_fixtures
from tests.search.conftest import write_library
from tests.web.conftest import WEB_RESOURCES, WEB_VOCABULARY

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "3"))
SOAK_KILLS = int(os.environ.get("SOAK_KILLS", "8"))
FUZZ_SECONDS = int(os.environ.get("FUZZ_SECONDS", "3"))
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))

# A title typed with a combining accent (e + U+0301), and one in a right-to-left script.
COMBINING = "cafe-rounds"
COMBINING_TITLE = "Cafe\u0301 Rounds for Night Patrols"
RTL = "arabic-community-guide"
RTL_TITLE = "دليل الشرطة المجتمعية Community Guide"
UNICODE_RESOURCES = [
    (COMBINING, COMBINING_TITLE, ["Article"], 2018, ["Use of Force"], "", ""),
    (RTL, RTL_TITLE, ["Report"], 2022, ["Use of Force"], "<p>שלום and مرحبا.</p>", ""),
]
HARDENING_RESOURCES = [*WEB_RESOURCES, *UNICODE_RESOURCES]

# The production server must answer its health check within this (a startup failure guard,
# not a speed assertion: latency is only reported).
STARTUP_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 60


def write_hardening_library(root: Path) -> Path:
    """The web tests' library (with its hostile resource) plus the unicode resources."""
    write_library(root, HARDENING_RESOURCES)
    (root / "vocabulary.toml").write_text(WEB_VOCABULARY, encoding="utf-8")
    return root


# The app without the rate limit (tested on its own); no test changes the index.
library, library_index, app, client = define_app_fixtures(
    write_hardening_library, {"RATE_LIMIT": ""}, "hardening"
)


@pytest.fixture
def index_copy(library_index: Path, tmp_path: Path) -> Path:
    """A copy of the published index that a test may damage, kill builds on, or rebuild."""
    return Path(shutil.copytree(library_index, tmp_path / "index", symlinks=True))


@pytest.fixture
def corpus_copy(library: Path, tmp_path: Path) -> Path:
    """A copy of the library's corpus that a test may change."""
    return Path(shutil.copytree(library, tmp_path / "corpus"))


# Figures: measured values printed after the run.

FIGURES: list[tuple[str, str]] = []


@pytest.fixture(scope="session")
def figures():
    """Record a measured figure (name, text) for the end-of-run report."""

    def record(name: str, text: str) -> None:
        FIGURES.append((name, text))

    return record


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("reliability figures")
        for name, text in FIGURES:
            terminalreporter.write_line(f"{name}: {text}")


# The production server.


@dataclass(frozen=True)
class Reply:
    """One HTTP response as the load and production tests read it."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def free_port() -> int:
    """A loopback port nobody listens on (gunicorn binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(
    base: tuple[str, int], path: str, source: str = "127.0.0.1", headers: dict | None = None
) -> Reply:
    """GET a path from the server at (host, port), from a loopback source address."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(
        *base, timeout=REQUEST_TIMEOUT_SECONDS, source_address=(source, 0)
    )
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        # Header names as sent; a repeated header keeps its last value.
        headers = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    return Reply(response.status, headers, body, time.perf_counter() - started)


@contextmanager
def production_server(
    index: Path, log: Path, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """`resource-search serve` (gunicorn) on a free loopback port, with an environment
    holding only PATH and the given variables (no secrets: none are needed)."""
    port = free_port()
    environment = {"PATH": os.environ.get("PATH", ""), **(env or {})}
    command = [
        sys.executable,
        "-c",
        "from search_app.cli import main; main()",
        "serve",
        "--index",
        str(index),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT, cwd=log.parent
        )
    base = ("127.0.0.1", port)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                fetch(base, "/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
