"""The researcher's CLI, `resource-search` (search_app/cli.py)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app import cli as cli_module
from search_app import server as server_module
from search_app.cli import cli

from .conftest import FILM, FOOTAGE, HANDBOOK, OUTCOMES, SURVEY, USE_OF_FORCE, WELLNESS


@pytest.fixture(scope="module")
def run(library_index):
    """Run `resource-search` against the tiny library's index; the click Result."""

    def invoke(*args: str, index=library_index):
        return CliRunner().invoke(cli, [*args, "--index", str(index)], catch_exceptions=False)

    return invoke


def without_timing(response: dict) -> dict:
    return {key: value for key, value in response.items() if key != "took_ms"}


@pytest.mark.parametrize(
    ("args", "params"),
    [
        ((), {}),
        (("footage",), {"q": "footage"}),
        (("CIT", "--sort", "newest"), {"q": "CIT", "sort": "newest"}),
        (
            ("", "--topic", USE_OF_FORCE, "--topic", WELLNESS, "--type", "Report"),
            {"topic": [USE_OF_FORCE, WELLNESS], "type": "Report"},
        ),
        (
            ("", "--year-from", "2016", "--year-to", "2020", "--limit", "2", "--page", "2"),
            {"year_from": 2016, "year_to": 2020, "per_page": 2, "page": 2},
        ),
        (("marmalade zeppelin",), {"q": "marmalade zeppelin"}),
        (("", "--undated"), {"year": "Undated"}),
        (("", "--undated", "--year-from", "2021"), {"year": "Undated", "year_from": 2021}),
        (('"footage review',), {"q": '"footage review'}),
        (
            ("training clinicians", "--limit", "1", "--page", "2"),
            {"q": "training clinicians", "per_page": 1, "page": 2},
        ),
        (("clinicans",), {"q": "clinicans"}),
        (
            ("footage", "--type", "video", "--topic", "use of force"),
            {"q": "footage", "type": "video", "topic": "use of force"},
        ),
    ],
)
def test_json_is_what_the_api_returns(run, client, args, params):
    result = run("query", *args, "--json")
    api = client.get("/search.json", query_string=params).get_json()
    assert result.exit_code == 0, result.output
    assert without_timing(json.loads(result.stdout)) == without_timing(api)


def test_text_output_lists_results_and_facets(run):
    result = run("query", "footage")
    lines = result.stdout.splitlines()
    assert (result.exit_code, lines[0].split(" in ")[0]) == (0, "2 result(s)")
    assert lines[1:] == [
        "   1. Body Camera Footage Review",
        "      Report, Video | 2019 | Technology Implementation; Officer Safety and Wellness"
        f" | {FOOTAGE}",
        "   2. Use of Force Reporting",
        f"      Video | 2015 | Use of Force | {FILM}",
        "topic: Officer Safety and Wellness (1), Technology Implementation (1), Use of Force (1)",
        "type: Video (2), Report (1)",
        "year: 2019 (1), 2015 (1)",
    ]
    assert result.stderr == ""


def test_text_output_notes_notices_expansions_and_suggestions(run):
    result = run("query", "CIT clinicans", "--type", "Report")
    assert result.stderr.splitlines() == [
        "note: No resource matches all the words; showing those that match some.",
        "note: CIT also searched as crisis intervention team",
    ]
    assert result.stdout.splitlines()[1:] == [
        "   1. CIT Coordinator Survey",
        f"      Report | 2019 | Mental Health and Crisis Response | {SURVEY}",
        "without type 'Report': 2 results",
        "topic: Mental Health and Crisis Response (1)",
        "type: Guidebook/Tool (1), Report (1)",
        "year: 2019 (1)",
    ]


def test_csv_prints_every_match(run):
    result = run("query", "footage", "--csv", "--limit", "1")
    assert result.stdout.splitlines() == [
        "id,title,types,year,topics,url",
        f"{FOOTAGE},Body Camera Footage Review,Report; Video,2019,"
        f"Technology Implementation; Officer Safety and Wellness,/resources/{FOOTAGE}/",
        f"{FILM},Use of Force Reporting,Video,2015,Use of Force,/resources/{FILM}/",
    ]


def test_ris_output(run):
    result = run("query", "zeppelin", "--ris")
    assert result.stdout_bytes.decode() == (
        f"TY  - RPRT\r\nID  - {FOOTAGE}\r\nTI  - Body Camera Footage Review\r\nPY  - 2019\r\n"
        "KW  - Technology Implementation\r\nKW  - Officer Safety and Wellness\r\n"
        f"M3  - Report, Video\r\nUR  - /resources/{FOOTAGE}/\r\nER  - \r\n\r\n"
    )


def test_bib_output(run):
    result = run("query", "zeppelin", "--bib")
    assert result.stdout == (
        f"@misc{{{FOOTAGE},\n"
        "  title = {{Body Camera Footage Review}},\n"
        "  year = {2019},\n"
        "  keywords = {Technology Implementation, Officer Safety and Wellness},\n"
        "  note = {Report, Video},\n"
        f"  url = {{/resources/{FOOTAGE}/}}\n"
        "}\n\n"
    )


def test_a_missing_index_exits_1_with_the_message(run, tmp_path):
    result = run("query", "footage", index=tmp_path / "index")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"Error: The search index is not available: no index published in {tmp_path / 'index'};"
        " run `resource-index build`\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--year-from", "2020", "--year-to", "2010"),
            "Error: year_from (2020) must not be after year_to (2010)\n",
        ),
        (
            ("--year-from", "1700"),
            "Error: year_from must be a whole number from 1800 to 2100 (got 1700)\n",
        ),
    ],
)
def test_bad_parameters_exit_1_with_the_message(run, args, message):
    result = run("query", "footage", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)


def test_query_help_has_an_example(run):
    result = CliRunner().invoke(cli, ["query", "--help"])
    assert 'Example: resource-search query "crisis intervention"' in result.stdout


def test_serve_runs_the_server_with_its_options(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(server_module, "run_server", lambda *args: calls.append(args))
    result = CliRunner().invoke(
        cli,
        [
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--workers",
            "3",
            "--index",
            str(tmp_path),
        ],
    )
    assert (result.exit_code, calls) == (0, [("0.0.0.0", 9000, 3, tmp_path)])


def test_serve_defaults_to_two_workers_per_core_plus_one(monkeypatch):
    calls = []
    monkeypatch.setattr(server_module, "run_server", lambda *args: calls.append(args))
    monkeypatch.setattr(cli_module.os, "cpu_count", lambda: 4)
    result = CliRunner().invoke(cli, ["serve"])
    assert (result.exit_code, calls) == (0, [("127.0.0.1", 8000, 9, Path("index"))])


def test_the_server_serves_the_search_app_from_the_index(tmp_path):
    server = server_module.SearchServer({"bind": "127.0.0.1:0", "workers": 2}, tmp_path)
    app = server.load()
    assert (server.cfg.workers, server.cfg.bind, app.config["INDEX_DIR"]) == (
        2,
        ["127.0.0.1:0"],
        str(tmp_path),
    )


def test_text_output_lists_those_matching_some_of_the_words_after_the_rest(run):
    result = run("query", "training clinicians")
    lines = result.stdout.splitlines()
    assert (result.exit_code, lines[0].split(" in ")[0]) == (0, "1 result(s)")
    assert lines[1:6] == [
        "   1. Crisis Intervention Team Handbook",
        "      Guidebook/Tool | 2021 | Mental Health and Crisis Response; Use of Force"
        f" | {HANDBOOK}",
        "1 more matching some of the words:",
        "   2. De-escalation Training Outcomes",
        f"      Report | 2023 | Use of Force; Officer Safety and Wellness | {OUTCOMES}",
    ]


def test_the_servers_master_freezes_what_it_loaded_before_forking(library_index):
    gc.unfreeze()
    try:
        app = server_module.SearchServer({"workers": 1}, library_index).load()
        assert gc.get_freeze_count() > 0  # the app, its warmed version: out of the workers' GC
        assert app.extensions["index_holder"].shared  # warmed before the freeze
    finally:
        gc.unfreeze()
