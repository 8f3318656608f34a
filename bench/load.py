"""HTTP throughput: the production server on loopback, driven by concurrent clients.

Starts `resource-search serve` (gunicorn, `--workers N`) on 127.0.0.1 at a free port as a
child process, waits for `/healthz`, warms every worker up, then runs the query mix against
`/search.json` from a pool of client threads (one connection per request, as gunicorn's sync
workers close them) until a request count or a time limit is reached. Measures requests per
second, latency percentiles and errors (any status but 200, or a failed connection), and
the server's CPU milliseconds per request: the user and system time of the gunicorn master
and its workers (read from `/proc`, children included) over the measured window, divided by
the requests served, which says what a request costs whatever else the machine runs. The
clients share the machine's cores with the server, so requests per second is a floor. The
clients all come from one address, so the server runs without its per-client rate limit.
"""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from .measure import DIGITS, percentiles
from .ours import ROOT, params_of

HOST = "127.0.0.1"
READY_SECONDS = 60
READY_POLL = 0.2
STOP_SECONDS = 30
REQUEST_TIMEOUT = 60
WARMUP_PER_WORKER = 10
WARMUP_SECONDS = 60
OK = 200
PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def workers_for_machine() -> int:
    """gunicorn's usual sizing, and the server's own default: 2 per core + 1."""
    return 2 * (os.cpu_count() or 1) + 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_command(index: Path, port: int, workers: int) -> list[str]:
    """The console script beside this Python, else the same CLI through `-c`."""
    script = Path(sys.executable).with_name("resource-search")
    head = [str(script)] if script.exists() else [sys.executable, "-c", _CLI]
    serve = ["serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    return [*head, *serve, "--index", str(index)]


_CLI = "from search_app.cli import main; main()"


def request(port: int, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, float]:
    """One GET: its status (0 when the connection failed or timed out) and its milliseconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, (time.perf_counter() - started) * 1000


def _stat_fields(pid: int) -> list[str] | None:
    """A process's /proc stat fields from the state on (the name, in parentheses, may hold
    spaces), or None when it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def tree_cpu_seconds(root: int) -> float:
    """User and system CPU seconds of a process and all its descendants, each with the
    time of its own children it has waited for (a worker that was replaced counts in its
    parent): what a server's process tree has spent since it started."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None:
            continue
        # After the state: ppid is the 2nd field; utime, stime, cutime, cstime the 12th-15th.
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(value) for value in fields[11:15]) / TICKS_PER_SECOND
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


def wait_ready(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        if request(port, "/healthz")[0] == OK:
            return
        time.sleep(READY_POLL)
    raise RuntimeError(f"the server did not answer /healthz within {READY_SECONDS} s")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn master we started (it stops its workers), then wait."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def drive(port: int, paths: list[str], concurrency: int, limit: int, seconds: float) -> dict:
    """Up to `limit` requests over `seconds` from `concurrency` threads, the paths in turn."""
    numbers = itertools.count()
    lock = threading.Lock()
    results: list[tuple[int, float]] = []
    deadline = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                number = next(numbers)
            if number >= limit:
                return
            outcome = request(port, paths[number % len(paths)])
            with lock:
                results.append(outcome)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    elapsed = time.perf_counter() - started
    errors = sum(status != OK for status, _ in results)
    return {
        "requests": len(results),
        "seconds": round(elapsed, DIGITS),
        "requests_per_second": round(len(results) / elapsed, 1),
        "errors": errors,
        "latency_ms": percentiles([ms for _, ms in results]),
    }


@contextmanager
def serving(index: Path, workers: int, log: Path):
    """`resource-search serve` on a free loopback port (its error log to `log`), ready: the
    port. Stopped on leaving (see `server_process`)."""
    with server_process(index, workers, log) as (port, _):
        yield port


@contextmanager
def server_process(index: Path, workers: int, log: Path):
    """`resource-search serve` on a free loopback port (its error log to `log`), ready: the
    port and the gunicorn master's process id. Stopped on leaving. The clients play many visitors from one address, so the
    per-client rate limit is off (the server's cost is measured, not the limiter's)."""
    port = free_port()
    command = server_command(index, port, workers)
    environment = {**os.environ, "SEARCH_RATE_LIMIT": ""}
    # The access log goes to stdout: discarded, as a real deployment would ship it elsewhere.
    with log.open("w", encoding="utf-8") as errors:
        server = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors, env=environment
        )
    try:
        wait_ready(port, server)
        yield port, server.pid
    finally:
        stop(server)


def server_description(workers: int) -> str:
    """How the server is started, without the port and index path."""
    command = server_command(Path("index"), 0, workers)
    return " ".join([Path(command[0]).name, *command[1:-2]])


def measure_http(
    index: Path,
    queries: list[dict],
    log: Path,
    *,
    workers: int,
    concurrency: int,
    limit: int,
    seconds: float,
) -> dict:
    """Serve the index with gunicorn (its error log to `log`) and measure the mix over HTTP:
    requests per second, latency, errors, and the server's CPU milliseconds per request."""
    paths = [f"/search.json?{params_of(query).to_query()}" for query in queries]
    with server_process(index, workers, log) as (port, pid):
        drive(port, paths[::-1], concurrency, WARMUP_PER_WORKER * workers, WARMUP_SECONDS)
        cpu_before = tree_cpu_seconds(pid)
        figures = drive(port, paths, concurrency, limit, seconds)
        cpu_seconds = tree_cpu_seconds(pid) - cpu_before
    served = figures["requests"]
    return {
        "server": server_description(workers),
        "workers": workers,
        "concurrency": concurrency,
        **figures,
        "cpu_ms_per_request": round(cpu_seconds * 1000 / served, DIGITS) if served else None,
        "server_log": str(log),
    }
