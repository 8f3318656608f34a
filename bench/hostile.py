"""Hostile load (issue 11): can one client take search down? The hostile mix over HTTP.

For one corpus size: generate the synthetic corpus (or reuse it) and build our index (or reuse
it), then against `resource-search serve` (gunicorn, `--workers N`, the per-client rate limit
off so the server's cost is measured, not the limiter's):

1. alone: a fresh server; each request of the hostile mix (`attacks.py`) sent once (cold:
   the first time the server sees it, though earlier requests of the mix may have warmed the
   terms it shares with them) and again (warm: gunicorn hands it to whichever worker accepts
   first, not necessarily the same one); status and milliseconds of both;
2. under load: a fresh server, warmed with ordinary queries; `--hostile-clients` threads loop
   over the hostile mix beside one ordinary client (the query mix of `make bench`) for
   `--seconds`; the ordinary client's latency, the hostile requests by status, the 500s, and
   the worker timeouts and restarts gunicorn logged.

Every request has a client timeout (`--timeout`); one that runs out counts as status 0 (no
answer), as does a connection a killed worker drops. Prints the tables with the load average
at the start and end (the machine is shared: it skews every figure) and writes
`bench/out/hostile-<size>.json`. Usage:

    python -m bench.hostile --size 10000 [--seconds 60] [--workers 5]
"""

from __future__ import annotations

import itertools
import json
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import click

from .attacks import hostile_mix, read_words
from .distributions import fit
from .lexicon import load_lexicon
from .load import WARMUP_PER_WORKER, WARMUP_SECONDS, drive, request, serving
from .measure import DIGITS, percentiles
from .ours import measure_build, params_of
from .perf import OUT, prepare_corpus, progress
from .querymix import MIX_SEED, QueryMix
from .report import machine

SECONDS = 60.0
WORKERS = 5
HOSTILE_CLIENTS = 5
CLIENT_TIMEOUT = 40.0
ORDINARY_QUERIES = 300
SERVER_ERROR = 500
# What gunicorn's master logs when it kills a worker that overran its timeout, and when it
# starts one (at start-up, and to replace a dead or killed one).
TIMEOUT_LINE = "WORKER TIMEOUT"
BOOT_LINE = "Booting worker with pid"
TARGETS = {
    "slowest hostile request alone, ms (under)": 2000.0,
    "worker timeouts (at most)": 0,
    "responses 500 (at most)": 0,
    "ordinary client p95 under load, ms (under)": 500.0,
}


def load_average() -> str:
    """The first three fields of /proc/loadavg (1, 5 and 15 minutes)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])
    except OSError:
        return "unknown"


def server_log(log: Path, workers: int) -> dict:
    """Worker timeouts and restarts gunicorn logged."""
    text = log.read_text(encoding="utf-8", errors="replace")
    boots = text.count(BOOT_LINE)
    return {"worker_timeouts": text.count(TIMEOUT_LINE), "worker_restarts": max(0, boots - workers)}


def alone(port: int, mix: dict[str, str], timeout: float) -> list[dict]:
    """Each hostile request on its own, twice in a row: cold then warm."""
    rows = []
    for name, path in mix.items():
        cold_status, cold_ms = request(port, path, timeout)
        warm_status, warm_ms = request(port, path, timeout)
        rows.append(
            {
                "request": name,
                "path_chars": len(path),
                "status": cold_status,
                "warm_status": warm_status,
                "cold_ms": round(cold_ms, 1),
                "warm_ms": round(warm_ms, 1),
            }
        )
        progress(f"alone: {name}: {cold_status} {cold_ms:.0f} ms, {warm_status} {warm_ms:.0f} ms")
    return rows


def under_load(
    port: int,
    mix: dict[str, str],
    ordinary: list[str],
    clients: int,
    seconds: float,
    timeout: float,
) -> dict:
    """`clients` threads looping over the hostile mix beside one ordinary client, for `seconds`.

    Each thread starts no request after the deadline; one in flight ends within `timeout`."""
    named = list(mix.items())
    hostile: list[tuple[str, int, float]] = []
    calm: list[tuple[int, float]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    limit = int(seconds * 1000)  # a count bound far above what any client can send in time

    def hostile_client(offset: int) -> None:
        for number in itertools.islice(itertools.count(offset), limit):
            if time.perf_counter() >= deadline:
                return
            name, path = named[number % len(named)]
            status, ms = request(port, path, timeout)
            with lock:
                hostile.append((name, status, ms))

    def ordinary_client() -> None:
        for number in range(limit):
            if time.perf_counter() >= deadline:
                return
            outcome = request(port, ordinary[number % len(ordinary)], timeout)
            with lock:
                calm.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=ordinary_client)]
    spread = max(1, len(named) // clients)
    threads += [threading.Thread(target=hostile_client, args=(n * spread,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slowest = max(hostile, key=lambda row: row[2], default=None)
    return {
        "seconds": round(time.perf_counter() - started, DIGITS),
        "hostile_clients": clients,
        "ordinary": {
            **percentiles([ms for _, ms in calm]),
            "by_status": dict(sorted(Counter(str(status) for status, _ in calm).items())),
        },
        "hostile": {
            **percentiles([ms for _, _, ms in hostile]),
            "by_status": dict(sorted(Counter(str(status) for _, status, _ in hostile).items())),
            "slowest": slowest and {"request": slowest[0], "status": slowest[1], "ms": slowest[2]},
        },
    }


def targets(result: dict) -> list[dict]:
    """Each target of issue 11 with the value measured here and whether it is met."""
    rows, load = result["alone"], result.get("load") or {}
    errors = sum(row[key] == SERVER_ERROR for row in rows for key in ("status", "warm_status"))
    for side in ("ordinary", "hostile"):
        errors += load.get(side, {}).get("by_status", {}).get(str(SERVER_ERROR), 0)
    timeouts = result["server"]["alone"]["worker_timeouts"]
    if load:
        timeouts += result["server"]["load"]["worker_timeouts"]
    values = {
        "slowest hostile request alone, ms (under)": max(
            (max(row["cold_ms"], row["warm_ms"]) for row in rows), default=None
        ),
        "worker timeouts (at most)": timeouts,
        "responses 500 (at most)": errors,
        "ordinary client p95 under load, ms (under)": load.get("ordinary", {}).get("p95"),
    }
    checked = []
    for name, goal in TARGETS.items():
        value = values[name]
        met = None if value is None else value <= goal if "at most" in name else value < goal
        checked.append({"target": name, "goal": goal, "value": value, "met": met})
    return checked


def prepare_index(out: Path, size: int, corpus: Path, rebuild: bool) -> tuple[Path, dict]:
    """Our index of the corpus: built unless one is there and the corpus was reused."""
    index = out / f"index-{size}"
    if not rebuild and (index / "CURRENT").is_file():
        return index, {"reused": True}
    if index.exists():
        shutil.rmtree(index)
    progress(f"building our index of {size} resources (child process)")
    return index, {**measure_build(corpus, index), "reused": False}


def ordinary_paths(count: int = ORDINARY_QUERIES) -> list[str]:
    """The ordinary client's requests: the query mix of `make bench`."""
    queries = QueryMix(load_lexicon(), fit(), MIX_SEED).draw(count)
    return [f"/search.json?{params_of(query).to_query()}" for query in queries]


def run(size: int, out: Path, options: dict) -> dict:
    """Both parts at one size; returns the JSON document."""
    out.mkdir(parents=True, exist_ok=True)
    started = load_average()
    corpus, corpus_info = prepare_corpus(out, size, options["regenerate"])
    rebuild = options["rebuild"] or not corpus_info["reused"]
    index, build = prepare_index(out, size, corpus, rebuild)
    mix = hostile_mix(read_words(index, corpus, load_lexicon()))
    workers, timeout = options["workers"], options["timeout"]
    logs = {part: out / f"hostile-{size}-{part}.log" for part in ("alone", "load")}
    progress(f"alone: {len(mix)} hostile requests, {workers} gunicorn workers")
    with serving(index, workers, logs["alone"]) as port:
        rows = alone(port, mix, timeout)
    server = {"alone": server_log(logs["alone"], workers)}
    load = None
    if options["seconds"]:
        ordinary = ordinary_paths()
        clients, seconds = options["hostile_clients"], options["seconds"]
        progress(f"load: {clients} hostile clients and 1 ordinary client for {seconds} s")
        with serving(index, workers, logs["load"]) as port:
            drive(port, ordinary[::-1], workers, WARMUP_PER_WORKER * workers, WARMUP_SECONDS)
            load = under_load(port, mix, ordinary, clients, seconds, timeout)
        server["load"] = server_log(logs["load"], workers)
    result = {
        "size": size,
        "machine": machine(),
        # Other work on the machine skews every figure: the load average shows it.
        "load_average": {"start": started, "end": load_average()},
        "corpus": {**corpus_info, "path": str(corpus)},
        "build": build,
        "server": {**server, "workers": workers, "logs": {k: str(v) for k, v in logs.items()}},
        "client_timeout_s": timeout,
        "alone": rows,
        "load": load,
    }
    result["targets"] = targets(result)
    return result


def _ms(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def print_tables(result: dict) -> None:
    """The figures of one run as plain-text tables."""
    m, load = result["machine"], result["load"]
    click.echo(
        f"machine: {m.get('cpu')}, {m['cores']} cores, Python {m['python']}; "
        f"{result['size']} resources; gunicorn {result['server']['workers']} workers; "
        f"client timeout {result['client_timeout_s']:g} s"
    )
    averages = result["load_average"]
    click.echo(
        f"load average (1, 5, 15 min) at start {averages['start']}, at end {averages['end']}"
    )
    click.echo("")
    width = max(len(row["request"]) for row in result["alone"]) + 2
    click.echo(f"{'request (alone)':<{width}}{'status':>7}{'cold ms':>10}{'warm ms':>10}  < 2 s")
    for row in result["alone"]:
        status = str(row["status"])
        if row["warm_status"] != row["status"]:
            status += f"/{row['warm_status']}"
        under = max(row["cold_ms"], row["warm_ms"]) < TARGETS[next(iter(TARGETS))]
        click.echo(
            f"{row['request']:<{width}}{status:>7}{_ms(row['cold_ms']):>10}"
            f"{_ms(row['warm_ms']):>10}  {'yes' if under else 'NO'}"
        )
    alone_log = result["server"]["alone"]
    click.echo(
        f"(status 0: no answer within the client timeout, or the connection dropped; "
        f"worker timeouts {alone_log['worker_timeouts']}, restarts {alone_log['worker_restarts']})"
    )
    if load:
        ordinary, hostile = load["ordinary"], load["hostile"]
        log = result["server"]["load"]
        click.echo("")
        click.echo(
            f"under load: {load['hostile_clients']} hostile clients + 1 ordinary client, "
            f"{load['seconds']:g} s"
        )
        click.echo(
            f"  ordinary: {ordinary['count']} requests, p50 {_ms(ordinary.get('p50'))} ms, "
            f"p95 {_ms(ordinary.get('p95'))} ms, max {_ms(ordinary.get('max'))} ms, "
            f"by status {ordinary['by_status']}"
        )
        slowest = hostile.get("slowest") or {}
        click.echo(
            f"  hostile: {hostile['count']} requests, by status {hostile['by_status']}, "
            f"p50 {_ms(hostile.get('p50'))} ms, slowest {_ms(slowest.get('ms'))} ms "
            f"({slowest.get('request')})"
        )
        click.echo(
            f"  gunicorn: {log['worker_timeouts']} worker timeouts, "
            f"{log['worker_restarts']} worker restarts"
        )
    click.echo("")
    click.echo(f"{'target (issue 11)':<46}{'goal':>8}{'here':>10}  met")
    for row in result["targets"]:
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        click.echo(f"{row['target']:<46}{_ms(row['goal']):>8}{_ms(row['value']):>10}  {met}")


@click.command()
@click.option("--size", type=click.IntRange(10, 1_000_000), default=10_000, show_default=True)
@click.option("--seconds", type=click.FloatRange(0), default=SECONDS, show_default=True,
              help="Length of the load run; 0 skips it.")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 64), default=WORKERS, show_default=True)
@click.option(
    "--hostile-clients", type=click.IntRange(1, 64), default=HOSTILE_CLIENTS, show_default=True
)
@click.option(
    "--timeout", type=click.FloatRange(1), default=CLIENT_TIMEOUT, show_default=True,
    help="Client timeout of each request, seconds.",
)  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=OUT)
@click.option("--regenerate", is_flag=True, help="Write the corpus again even if it is current.")
@click.option("--rebuild", is_flag=True, help="Build the index again even if one is there.")
def main(size: int, out: Path, **options) -> None:
    """Send the hostile mix of issue 11 alone, then under load beside an ordinary client.

    Example: python -m bench.hostile --size 10000 --seconds 60 --workers 5
    """
    result = run(size, out, options)
    path = out / f"hostile-{size}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_tables(result)
    progress(f"figures written to {path}")


if __name__ == "__main__":
    main()
