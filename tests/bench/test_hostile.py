"""The hostile bench (`python -m bench.hostile`) on a tiny generated corpus: every named
request of the mix is sent and answered, none with a 500, and the tables name them all.

No timings are asserted here (the bench reports them); a short load run checks the
load part's plumbing.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bench.attacks import hostile_mix, read_words
from bench.hostile import main, targets
from bench.lexicon import load_lexicon

SIZE = 50
OPTIONS = ["--size", str(SIZE), "--seconds", "2", "--workers", "2", "--hostile-clients", "2"]
NAMED = (
    "32 unknown 30-letter words",
    "one 990-letter word",
    "8 long words ~2",
    "32 two-letter wildcards",
    "32-word phrase of common words",
    "OR of 19 phrases",
    "250 wildcards",
    "deep parentheses",
    "all filters + sort + last page",
    "export everything: CSV",
    "export everything: RIS",
    "export everything: BibTeX",
    "export everything: JSON (per_page 100)",
    "resource page 1 (HTML)",
    "resource page 1 (.json)",
    "suggestions: longest input",
)
SERVER_ERROR, NO_ANSWER = 500, 0


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """One run of the bench's command line: its printed tables and its JSON document."""
    out = tmp_path_factory.mktemp("hostile")
    result = CliRunner().invoke(main, [*OPTIONS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / f"hostile-{SIZE}.json").read_text(encoding="utf-8"))
    return result.output, document, out


def test_the_mix_names_every_request_of_the_issue(bench_run):
    _, _, out = bench_run
    words = read_words(out / f"index-{SIZE}", out / f"corpus-{SIZE}", load_lexicon())
    mix = hostile_mix(words)
    assert set(NAMED) <= set(mix)
    # The words really are in the index: common ones first, and long ones long.
    assert words.common and words.rare and len(words.long[0]) >= 9
    assert len(words.resource_ids) == 3
    # Every path fits gunicorn's request line (8,190 bytes with the method and version).
    assert max(len(path) for path in mix.values()) <= 8000


def test_every_request_alone_is_answered_without_a_500(bench_run):
    output, document, _ = bench_run
    rows = document["alone"]
    assert set(NAMED) <= {row["request"] for row in rows}
    failed = {
        row["request"]: (row["status"], row["warm_status"])
        for row in rows
        if {row["status"], row["warm_status"]} & {SERVER_ERROR, NO_ANSWER}
    }
    assert failed == {}
    lines = output.splitlines()
    for row in rows:
        assert any(line.startswith(row["request"] + " ") for line in lines), row["request"]


def test_the_load_run_and_the_targets_are_reported(bench_run):
    output, document, _ = bench_run
    load = document["load"]
    assert load["ordinary"]["count"] > 0 and load["hostile"]["count"] > 0
    assert str(SERVER_ERROR) not in load["hostile"]["by_status"]
    assert [row["target"] for row in document["targets"]] == [
        "slowest hostile request alone, ms (under)",
        "worker timeouts (at most)",
        "responses 500 (at most)",
        "ordinary client p95 under load, ms (under)",
    ]
    assert "load average (1, 5, 15 min) at start" in output
    assert "target (issue 11)" in output


def test_the_targets_fail_on_a_slow_request_a_timeout_and_a_500():
    row = {"request": "x", "status": 200, "warm_status": 500, "cold_ms": 2500.0, "warm_ms": 10.0}
    load = {"ordinary": {"p95": 499.0, "by_status": {"200": 3}}, "hostile": {"by_status": {}}}
    server = {"alone": {"worker_timeouts": 1}, "load": {"worker_timeouts": 0}}
    result = {"alone": [row], "load": load, "server": server}
    assert [(t["value"], t["met"]) for t in targets(result)] == [
        (2500.0, False),
        (1, False),
        (1, False),
        (499.0, True),
    ]
    fast = {**row, "warm_status": 200, "cold_ms": 1999.0}
    calm = {"alone": [fast], "load": load, "server": {**server, "alone": {"worker_timeouts": 0}}}
    assert [t["met"] for t in targets(calm)] == [True, True, True, True]
