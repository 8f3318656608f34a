"""The opt-in query log (`querylog.py`, setting `QUERY_LOG`) and `resource-search queries`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import cli
from search_app.querylog import ROTATED_FILES, QueryLog, commonest, parse_since

from .conftest import USE_OF_FORCE

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
LOGGED_KEYS = ["filters", "q", "time", "total"]


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def logged_client(library_index, tmp_path):
    log = tmp_path / "queries.jsonl"
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": "", "QUERY_LOG": str(log)})
    return app.test_client(), log


def test_searches_are_logged_without_anything_about_the_visitor(logged_client):
    client, log = logged_client
    headers = {"User-Agent": "Tracker/1.0", "Cookie": "session=secret", "Referer": "https://x"}
    client.get(f"/search.json?q=footage&topic={USE_OF_FORCE}", headers=headers)
    page = client.get("/search?q=zzzqqq", headers=headers)
    assert BeautifulSoup(page.data, "lxml").find("main") is not None
    client.get("/search.json?q=footage&page=2")  # paging is not a new search
    client.get("/search.csv?q=footage")  # nor is an export
    client.get("/resources/nothing.json")
    client.get("/")  # the home page is not a search
    client.get(f"/search?topic={USE_OF_FORCE}")  # browsing a topic is
    entries = lines(log)
    assert [sorted(entry) for entry in entries] == [LOGGED_KEYS] * 3
    assert [{k: v for k, v in e.items() if k != "time"} for e in entries] == [
        {"q": "footage", "filters": {"topic": [USE_OF_FORCE]}, "total": 1},
        {"q": "zzzqqq", "filters": {}, "total": 0},
        {"q": "", "filters": {"topic": [USE_OF_FORCE]}, "total": 3},
    ]
    logged = datetime.strptime(entries[0]["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(logged - datetime.now(UTC)) < timedelta(minutes=1)
    text = log.read_text(encoding="utf-8")
    assert [word for word in ("127.0.0.1", "Tracker", "secret", "https://x") if word in text] == []


def test_no_log_unless_the_setting_names_one(library_index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": ""})
    assert app.test_client().get("/search.json?q=footage").status_code == 200
    assert ("query_log" in app.extensions, list(tmp_path.iterdir())) == (False, [])


def test_a_log_that_cannot_be_written_never_fails_a_search(library_index, tmp_path, caplog):
    log = tmp_path / "missing-folder" / "queries.jsonl"
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": "", "QUERY_LOG": str(log)})
    response = app.test_client().get("/search.json?q=footage")
    assert (response.status_code, response.get_json()["total"]) == (200, 2)
    assert [r.getMessage() for r in caplog.records] == [f"cannot write the query log {log}"]


def test_the_log_is_rotated_by_size(tmp_path):
    log = QueryLog(tmp_path / "q.jsonl", max_bytes=200)
    for n in range(40):
        log.record(f"query {n}", {}, n, NOW)
    files = log.files()
    assert [p.name for p in files] == ["q.jsonl", *(f"q.jsonl.{n}" for n in range(1, 6))]
    assert len(files) == 1 + ROTATED_FILES
    assert all(p.stat().st_size <= 200 for p in files)
    kept = [entry["q"] for entry in log.entries()]
    assert kept == [f"query {n}" for n in range(40 - len(kept), 40)]  # oldest dropped, in order


def test_commonest_counts_queries_and_those_that_found_nothing():
    entries = [
        {"q": "Taser", "total": 3},
        {"q": "taser ", "total": 0},
        {"q": "tazer", "total": 0},
        {"q": "tazer", "total": 0},
        {"q": "bodycam", "total": 0},
        {"q": "", "total": 9},
    ]
    assert commonest(entries) == [
        {"q": "taser", "searches": 2, "found_nothing": 1},
        {"q": "tazer", "searches": 2, "found_nothing": 2},
        {"q": "bodycam", "searches": 1, "found_nothing": 1},
    ]
    assert commonest(entries, zero_only=True, limit=1) == [
        {"q": "tazer", "searches": 2, "found_nothing": 2}
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW - timedelta(days=7)),
        ("12h", NOW - timedelta(hours=12)),
        ("30m", NOW - timedelta(minutes=30)),
    ],
)
def test_parse_since(text, expected):
    assert parse_since(text, NOW) == expected


def test_queries_command(tmp_path):
    log = QueryLog(tmp_path / "q.jsonl")
    log.record("old query", {}, 0, datetime.now(UTC) - timedelta(days=30))
    for q, total in [("tazer", 0), ("tazer", 0), ("taser", 4), ("bodycam", 0)]:
        log.record(q, {}, total)
    with open(log.path, "a", encoding="utf-8") as handle:
        handle.write('{"time": "cut sho')  # a line cut short by a full disk
    runner = CliRunner()
    result = runner.invoke(cli, ["queries", "--log", str(log.path), "--since", "7d"])
    assert (result.exit_code, result.stdout.splitlines()) == (
        0,
        [
            "searches  nothing  query",
            "       2        2  tazer",
            "       1        1  bodycam",
            "       1        0  taser",
        ],
    )
    zero = runner.invoke(
        cli, ["queries", "--zero", "--json"], env={"SEARCH_QUERY_LOG": str(log.path)}
    )
    assert json.loads(zero.stdout) == [
        {"q": "tazer", "searches": 2, "found_nothing": 2},
        {"q": "bodycam", "searches": 1, "found_nothing": 1},
        {"q": "old query", "searches": 1, "found_nothing": 1},
    ]
    bad = runner.invoke(cli, ["queries", "--log", str(log.path), "--since", "a week"])
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[-1] == (
        "Error: Invalid value for --since: expected a number and d, h or m (like 7d), not 'a week'"
    )
    missing = runner.invoke(cli, ["queries", "--log", str(tmp_path / "none.jsonl")])
    assert (missing.exit_code, missing.stderr) == (
        1,
        f"Error: no query log at {tmp_path / 'none.jsonl'} (is QUERY_LOG set?)\n",
    )
