"""The speed bench (`python -m bench`) end to end on a tiny corpus: it prints the goals table
of issue 15, one line per goal, and writes the goals and the load of every phase to its JSON.

No timings are asserted (the bench reports them, on whatever machine runs it).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bench.engine_tantivy import available
from bench.goals import WIDTHS, figure_text
from bench.ours import edited_page
from bench.perf import main
from bench.profile import main as profile_main
from indexer.update import update

SIZE = 30
BASELINES = "whoosh,tantivy" if available() else "whoosh"
OPTIONS = [
    *("--size", str(SIZE), "--baselines", BASELINES, "--queries", "20", "--warmup", "2"),
    *("--workers", "1", "--concurrency", "2", "--http-requests", "20", "--http-seconds", "2"),
]
PHASES = ["corpus", "build", "update", "cold ours", "queries", "http", "records", "whoosh"]
FIXED_GOALS = [
    "HTTP /search.json req/s, 1 workers",
    "HTTP errors",
    "build seconds vs straightforward Whoosh",
    "build seconds at 100,000 (linear estimate from 30)",
    "build peak memory, process tree PSS MB",
    "update of one page, seconds",
]


@pytest.fixture(scope="module")
def bench_out(tmp_path_factory):
    return tmp_path_factory.mktemp("perf")


@pytest.fixture(scope="module")
def bench_run(bench_out):
    """One run of the bench's command line: its printed output and its JSON document."""
    out = bench_out
    result = CliRunner().invoke(main, [*OPTIONS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / f"perf-{SIZE}.json").read_text(encoding="utf-8"))
    return result.output, document


def test_the_goals_table_has_a_line_per_goal_of_the_json(bench_run):
    output, document = bench_run
    kinds = list(document["ours"]["queries"]["by_kind"])
    names = [row["goal"] for row in document["goals"]]
    # A row per kind drawn (in the mix's order of kinds), then the fixed goals; HTTP CPU per
    # request only when the HTTP figures carry it.
    assert sorted(names[: len(kinds)]) == sorted(f"query {k}: p50 / p95 ms" for k in kinds)
    cold = names[len(kinds) : 2 * len(kinds)]
    assert sorted(cold) == sorted(f"first {k}, fresh process: ms" for k in kinds)
    rest = [name for name in names[2 * len(kinds) :] if not name.startswith("HTTP server CPU")]
    assert rest == FIXED_GOALS
    table = output[output.index("GOALS (issue 15) at 30 resources, pages only") :]
    lines = table.splitlines()
    for row in document["goals"]:
        line = next(line for line in lines if line.startswith(row["goal"]))
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        busy = " BUSY" if row["busy"] else ""
        assert f"{met:>{WIDTHS[-2]}}{figure_text(row['load']):>{WIDTHS[-1]}}{busy}" in line
        assert figure_text(row["ours"]) in line


def test_the_json_holds_the_load_of_every_phase_and_the_warning(bench_run):
    output, document = bench_run
    load = document["load"]
    expected = PHASES + (["tantivy", "cold tantivy"] if "tantivy" in BASELINES else [])
    assert sorted(load["phases"]) == sorted(expected)
    for figures in load["phases"].values():
        assert {"start", "end", "max", "seconds", "busy"} <= set(figures)
        assert figures["max"] == max(figures["start"], figures["end"], figures["max"])
    busy = [name for name, figures in load["phases"].items() if figures["busy"]]
    assert load["busy_phases"] == busy
    assert load["cores"] >= 1 and "load average" in load["rule"]
    if busy:
        assert output.count(f"WARNING: {load['warning']}") == 2
        assert all(name in load["warning"] for name in busy)
    else:
        assert load["warning"] is None and "WARNING" not in output
    rows = {row["goal"]: row for row in document["goals"]}
    assert rows["update of one page, seconds"]["load"] == load["phases"]["update"]["max"]
    assert rows["update of one page, seconds"]["busy"] == load["phases"]["update"]["busy"]


def test_each_kind_ran_once_in_a_fresh_process_beside_tantivy(bench_run):
    _, document = bench_run
    kinds = list(document["ours"]["queries"]["by_kind"])
    engines = ["ours", "tantivy"] if "tantivy" in BASELINES else ["ours"]
    assert sorted(document["cold"]) == engines
    for engine in engines:
        assert sorted(document["cold"][engine]) == sorted(kinds)
        for figures in document["cold"][engine].values():
            assert {"import_ms", "open_ms", "query_ms", "query_cpu_ms", "again_ms"} <= set(figures)
    if "tantivy" in engines:  # the same query for both
        ours, theirs = document["cold"]["ours"], document["cold"]["tantivy"]
        assert [ours[k]["q"] for k in kinds] == [theirs[k]["q"] for k in kinds]


def test_the_build_memory_is_the_pss_of_the_process_tree(bench_run):
    _, document = bench_run
    build = document["ours"]["build"]
    assert build["peak_pss_mb"] > 0 and build["memory_samples"] >= 1
    assert "peak_memory_mb" not in build


def test_the_profile_of_update_runs_on_the_benchs_index_and_leaves_its_corpus(bench_run, bench_out):
    """`python -m bench.profile --update`: update profiled with nothing changed, then with
    one page changed; the page is as generated afterwards and the index matches it."""
    corpus = bench_out / f"corpus-{SIZE}"
    page = edited_page(corpus)
    before = page.read_bytes()
    options = ["--size", str(SIZE), "--out", str(bench_out), "--update", "--top", "5"]
    result = CliRunner().invoke(profile_main, options)
    assert result.exit_code == 0, result.output
    assert "=== update, nothing changed ===" in result.output
    assert f"=== update, one page changed ({page.name}) ===" in result.output
    assert "update.py" in result.output  # cProfile's lines
    assert page.read_bytes() == before
    assert not update(corpus, bench_out / f"index-{SIZE}").published  # nothing left to do
