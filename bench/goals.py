"""The goals of issue 15, checked against one run: one row per goal, with the load beside it.

Every row holds the figure measured here, the figure it is compared with (tantivy, or a
straightforward Whoosh build) measured side by side in the same run, their ratio, the goal,
whether it is met, and the largest 1-minute load average of the phases the figures come from
(`phases.LoadWatch`), flagged when those phases were too busy to trust. The rows are part of
the JSON document (`goals`); `print_goals` renders them.
"""

from __future__ import annotations

import click

from .measure import DIGITS
from .querymix import KINDS

QUERY_RATIO = 2.0  # every kind: ours / tantivy at p50 and p95, at most
COLD_RATIO = 2.0  # the first query of a kind in a fresh process: ours / tantivy, at most
HTTP_GOALS = {10_000: 200.0, 100_000: 100.0}  # requests per second, at least, at this size
BUILD_RATIO = 2.0  # straightforward Whoosh build seconds / ours, at least
GOAL_SIZE = 100_000  # the build time, memory and update goals are set at this size
BUILD_SECONDS = 600.0  # at GOAL_SIZE, under
PEAK_PSS_MB = 2048.0  # the build's whole process tree, under
UPDATE_SECONDS = 1.0  # one changed page, under
NAME = 52  # the printed table's column widths: the goal's name, then the figures
WIDTHS = (16, 16, 16, 20, 5, 7)


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or not theirs:
        return None
    return round(ours / theirs, DIGITS)


def at_most(value: float | None, goal: float) -> bool | None:
    return None if value is None else value <= goal


def row(name: str, phases: list[str], **figures) -> dict:
    return {"goal": name, "phases": phases, **figures}


def query_rows(result: dict) -> list[dict]:
    """A row per kind: ours and tantivy at p50 and p95, measured one after the other."""
    ours = result["ours"]["queries"]["by_kind"]
    tantivy = result["baselines"].get("tantivy", {}).get("queries", {}).get("by_kind", {})
    rows = []
    for kind in KINDS:
        if kind not in ours:
            continue
        mine = [ours[kind]["p50"], ours[kind]["p95"]]
        theirs = [tantivy[kind]["p50"], tantivy[kind]["p95"]] if kind in tantivy else None
        ratios = [ratio(a, b) for a, b in zip(mine, theirs, strict=True)] if theirs else None
        met = None if ratios is None else all(r is not None and r <= QUERY_RATIO for r in ratios)
        figures = row(
            f"query {kind}: p50 / p95 ms",
            ["queries", "tantivy"],
            ours=mine,
            reference=theirs,
            ratio=ratios,
            target=f"<= {QUERY_RATIO:g}x tantivy",
            met=met,
        )
        cpu, their_cpu = ours[kind].get("cpu_ms"), tantivy.get(kind, {}).get("cpu_ms")
        if cpu and their_cpu:  # the same ratios in CPU time: what a busy machine blurs less
            cpu_ratios = [ratio(cpu[p], their_cpu[p]) for p in ("p50", "p95")]
            figures["cpu_ratio"] = cpu_ratios
            figures["note"] = f"CPU {ratio_text(cpu_ratios)}"
        rows.append(figures)
    return rows


def cold_rows(result: dict) -> list[dict]:
    """A row per kind: its first query in a fresh process, ours beside tantivy's."""
    cold = result.get("cold", {})
    ours, tantivy = cold.get("ours", {}), cold.get("tantivy", {})
    rows = []
    for kind, mine in ours.items():
        theirs = tantivy.get(kind)
        value = ratio(mine["query_ms"], theirs["query_ms"]) if theirs else None
        note = f"CPU {mine['query_cpu_ms']:.0f}"
        note += f" / {theirs['query_cpu_ms']:.0f} ms" if theirs else " ms"
        note += f", open {mine['open_ms']:.0f}"
        note += f" / {theirs['open_ms']:.0f} ms" if theirs else " ms"
        note += f", again {mine['again_ms']:.0f} ms"
        rows.append(
            row(
                f"first {kind}, fresh process: ms",
                ["cold ours", "cold tantivy"],
                ours=mine["query_ms"],
                reference=theirs["query_ms"] if theirs else None,
                ratio=value,
                target=f"<= {COLD_RATIO:g}x tantivy",
                met=at_most(value, COLD_RATIO),
                note=note,
            )
        )
    return rows


def http_goal(size: int) -> tuple[int, float]:
    """The size whose HTTP goal applies to a run, and that goal."""
    goal_size = min(HTTP_GOALS, key=lambda s: (s < size, abs(s - size)))
    return goal_size, HTTP_GOALS[goal_size]


def http_rows(result: dict) -> list[dict]:
    http = result["ours"].get("http") or {}
    goal_size, goal = http_goal(result["size"])
    rate = http.get("requests_per_second")
    rows = [
        row(
            f"HTTP /search.json req/s, {http.get('workers', '-')} workers",
            ["http"],
            ours=rate,
            target=f">= {goal:g} (at {goal_size:,})",
            met=None if rate is None else rate >= goal,
        ),
        row(
            "HTTP errors",
            ["http"],
            ours=http.get("errors"),
            target="0",
            met=None if http.get("errors") is None else http["errors"] == 0,
        ),
    ]
    if "cpu_ms_per_request" in http:
        rows.append(
            row(
                "HTTP server CPU ms per request",
                ["http"],
                ours=http["cpu_ms_per_request"],
                target="(shown)",
                met=None,
            )
        )
    return rows


def build_rows(result: dict) -> list[dict]:
    size, ours = result["size"], result["ours"]
    build, update = ours["build"], ours["update"]
    whoosh = result["baselines"].get("whoosh", {}).get("build_seconds")
    speedup = ratio(whoosh, build["seconds"])
    estimate = round(build["seconds"] * GOAL_SIZE / size, 1)
    how = "measured" if size == GOAL_SIZE else f"linear estimate from {size:,}"
    at = f"goal at {GOAL_SIZE:,}; measured at {size:,}"
    return [
        row(
            "build seconds vs straightforward Whoosh",
            ["build", "whoosh"],
            ours=build["seconds"],
            reference=whoosh,
            ratio=speedup,
            target=f">= {BUILD_RATIO:g}x faster",
            met=None if speedup is None else speedup >= BUILD_RATIO,
        ),
        row(
            f"build seconds at {GOAL_SIZE:,} ({how})",
            ["build"],
            ours=estimate,
            target=f"< {BUILD_SECONDS:g}",
            met=estimate < BUILD_SECONDS,
        ),
        row(
            "build peak memory, process tree PSS MB",
            ["build"],
            ours=build.get("peak_pss_mb"),
            target=f"< {PEAK_PSS_MB:g}",
            met=None if build.get("peak_pss_mb") is None else build["peak_pss_mb"] < PEAK_PSS_MB,
            note=at,
        ),
        row(
            "update of one page, seconds",
            ["update"],
            ours=update["one_page_seconds"],
            target=f"< {UPDATE_SECONDS:g}",
            met=update["one_page_seconds"] < UPDATE_SECONDS,
            note=at,
        ),
    ]


def goals(result: dict, load) -> list[dict]:
    """Every goal of issue 15 with this run's figures; `load` is the run's `LoadWatch`."""
    rows = [*query_rows(result), *cold_rows(result), *http_rows(result), *build_rows(result)]
    for found in rows:
        worst = load.worst(found["phases"])
        found["load"] = worst["max"] if worst else None
        found["busy"] = bool(worst and worst["busy"])
    return rows


def figure_text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return " / ".join(figure_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def ratio_text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return " / ".join(ratio_text(v) for v in value)
    return f"{value:.2f}x"


def print_goals(result: dict, err: bool = False) -> None:
    """The goals table, with the load warning above and below it when there is one."""

    def echo(text: str) -> None:
        click.echo(text, err=err)

    load, corpus = result["load"], result["corpus"]
    documents = (
        f", with documents ({corpus['documents']:.0%} of resources link a PDF, "
        f"{corpus['pdfs']} PDFs)"
        if corpus.get("pdfs")
        else ", pages only (no documents)"
    )
    warning = f"WARNING: {load['warning']}" if load["warning"] else None
    echo("")
    echo(f"GOALS (issue 15) at {result['size']:,} resources{documents}, {load['cores']} cores")
    if warning:
        echo(warning)
    cells = ("ours", "reference", "ratio", "goal", "met", "load")
    echo(f"{'goal':<{NAME}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, WIDTHS, strict=True)))
    for found in result["goals"]:
        met = {True: "yes", False: "NO", None: "-"}[found["met"]]
        values = (figure_text(found.get("ours")), figure_text(found.get("reference")))
        values += (ratio_text(found.get("ratio")), found["target"], met, figure_text(found["load"]))
        line = f"{found['goal']:<{NAME}}" + "".join(
            f"{v:>{w}}" for v, w in zip(values, WIDTHS, strict=True)
        )
        line += " BUSY" if found["busy"] else ""
        echo(line + (f"  ({found['note']})" if found.get("note") else ""))
    echo(
        "(reference: tantivy, or the straightforward Whoosh build, in this run; ratio = ours /"
        " tantivy for queries (wall time; CPU time in the note), Whoosh / ours for the build;"
        " load: largest 1-minute load average of the phases measured)"
    )
    if warning:
        echo(warning)
