"""The benchmark's output: the machine and the figures as tables (the goals: `goals.py`).

Everything printed is also in the JSON document (`bench/out/perf-<size>.json`), which is the
source the tables are rendered from.
"""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata

import click

PACKAGES = ("whoosh-reloaded", "tantivy", "gunicorn", "flask")


def machine() -> dict:
    """Cores, memory, CPU model, Python and the engines' versions."""
    info = {"cores": os.cpu_count(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            models = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
        info["cpu"] = models[0] if models else platform.processor()
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            total_kb = int(next(line for line in meminfo if "MemTotal" in line).split()[1])
        info["memory_gb"] = round(total_kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        info["cpu"] = platform.processor()
    info["system"] = f"{platform.system()} {platform.release()}"
    for package in PACKAGES:
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    info["sqlite"] = sqlite3.sqlite_version
    return info


def _cell(value, width: int = 9) -> str:
    if value is None:
        return f"{'-':>{width}}"
    if isinstance(value, float):
        return f"{value:>{width}.1f}" if abs(value) >= 10 else f"{value:>{width}.2f}"
    return f"{value!s:>{width}}"


def _row(label: str, values: list, width: int = 9, label_width: int = 28) -> str:
    return f"{label:<{label_width}}" + "".join(_cell(v, width) for v in values)


def print_tables(result: dict, err: bool = False) -> None:
    """The figures of one run as plain-text tables (on stderr when stdout carries JSON)."""
    m, ours, corpus = result["machine"], result["ours"], result["corpus"]

    def echo(text: str) -> None:
        click.echo(text, err=err)

    echo(
        f"machine: {m.get('cpu')}, {m['cores']} cores, {m.get('memory_gb')} GB, "
        f"Python {m['python']}, whoosh-reloaded {m['whoosh-reloaded']}, "
        f"tantivy {m['tantivy']}, SQLite {m['sqlite']}"
    )
    reused = " (reused)" if corpus.get("reused") else f" in {corpus.get('seconds')} s"
    echo(f"corpus: {corpus['resources']} resources, {corpus['pages']} pages{reused}")
    load = result.get("load_average", {})
    echo(f"load average (1 min) at start {load.get('start')}, at end {load.get('end')}")
    phases = result.get("load", {}).get("phases", {})
    if phases:
        echo(
            "load by phase (1-min max; cores used by others): "
            + ", ".join(f"{n} {f['max']} ({f.get('others_cores', '?')})" for n, f in phases.items())
        )
    records = result["records"]
    if records:
        cached = " (cached)" if records.get("cached") else ""
        echo(
            f"records: {records['resources']} parsed in {records['parse_seconds']} s{cached}; "
            f"undated {records['undated_share']:.1%}, multi-topic "
            f"{records['multi_topic_share']:.1%}, multi-type {records['multi_type_share']:.1%}, "
            f"median body {records['body_words_median']} words"
        )
    build = ours["build"]
    echo("")
    echo(_row("build (ours)", ["seconds", "pages/s", "PSS MB", "index MB"]))
    echo(_row("", [build[k] for k in ("seconds", "pages_per_second", "peak_pss_mb", "index_mb")]))
    update = ours["update"]
    echo(_row("update (seconds)", ["no change", "1 page", "1 page back"], 12))
    keys = ("unchanged_seconds", "one_page_seconds", "one_page_back_seconds")
    echo(_row("", [update[k] for k in keys], 12))
    echo("")
    engines = {"ours": ours, **{k: v for k, v in result["baselines"].items() if "queries" in v}}
    names = list(engines)
    echo(_row("query ms: p50 by kind", names))
    kinds = sorted({kind for e in engines.values() for kind in e["queries"]["by_kind"]})
    for kind in kinds:
        echo(
            _row(
                f"  {kind}",
                [e["queries"]["by_kind"].get(kind, {}).get("p50") for e in engines.values()],
            )
        )
    for stat in ("p50", "p95", "p99"):
        echo(_row(f"  all queries {stat}", [e["queries"].get(stat) for e in engines.values()]))
    echo(
        _row("  queries with no result", [e["queries"]["empty_results"] for e in engines.values()])
    )
    echo("")
    echo(
        _row(
            "side by side", ["build s", "pages/s", "p50 ms", "p95 ms", "x build", "x p50", "x p95"]
        )
    )
    echo(
        _row(
            "ours",
            [
                build["seconds"],
                build["pages_per_second"],
                ours["queries"]["p50"],
                ours["queries"]["p95"],
            ],
        )
    )
    for key, baseline in result["baselines"].items():
        if "skipped" in baseline:
            echo(f"{baseline['name']}: skipped ({baseline['skipped']})")
            continue
        r = result["ratios"][key]
        figures = [baseline["build_seconds"], baseline["pages_per_second"]]
        figures += [baseline["queries"]["p50"], baseline["queries"]["p95"]]
        echo(_row(baseline["name"], [*figures, r["build"], r["p50"], r["p95"]]))
    echo("(x = theirs / ours: above 1, ours is faster)")
    http = ours.get("http")
    if http:
        echo("")
        echo(
            _row(
                "HTTP /search.json",
                ["req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "requests", "CPU ms/r"],
            )
        )
        latency = http["latency_ms"]
        values = [http["requests_per_second"], latency.get("p50"), latency.get("p95")]
        echo(
            _row(
                f"  {http['workers']} workers, {http['concurrency']} clients",
                [*values, latency.get("p99"), http["errors"], http["requests"]]
                + [http.get("cpu_ms_per_request")],
            )
        )
