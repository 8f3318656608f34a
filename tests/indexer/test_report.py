"""The report's notices counted by kind (`report.py`): one line per kind, every notice with
`--verbose`; errors and warnings are always listed one by one."""

from __future__ import annotations

import json

from click.testing import CliRunner

from indexer.cli import cli
from indexer.records import ERROR, NOTICE, WARNING, Problem
from indexer.report import BuildReport
from indexer.resources import NO_TOPIC
from tests.conftest import write_page

CATALOG_ROWS = 4


def invoke(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def catalog_only(tmp_path):
    """A corpus of catalog rows only, none with a topic."""
    rows = [
        json.dumps({"id": f"row-{n}", "title": f"Row {n}", "types": "Report", "year": 2020})
        for n in range(1, CATALOG_ROWS + 1)
    ]
    return write_page(tmp_path / "corpus", "catalog.jsonl", "\n".join(rows) + "\n").parent


def test_notices_are_counted_by_kind_and_listed_when_verbose():
    report = BuildReport("check")
    report.problems = [
        Problem(NOTICE, "b.html", "'B' has no topic", None, "resource", NO_TOPIC),
        Problem(NOTICE, "a.html", "'A' has no topic", None, "resource", NO_TOPIC),
        Problem(NOTICE, "vocabulary.toml", "no vocabulary file"),
        Problem(WARNING, "c.html", "unknown topic"),
        Problem(ERROR, "d.html", "empty file; skipped"),
    ]
    assert report.lines()[2:] == [
        "errors: 1, warnings: 1, notices: 3",
        "  error: d.html: empty file; skipped",
        "  warning: c.html: unknown topic",
        f"  notice x2: {NO_TOPIC} (first: notice: a.html (resource): 'A' has no topic;"
        " --verbose lists each)",
        "  notice: vocabulary.toml: no vocabulary file",
    ]
    assert report.lines(verbose=True)[2:] == [
        "errors: 1, warnings: 1, notices: 3",
        "  error: d.html: empty file; skipped",
        "  warning: c.html: unknown topic",
        "  notice: a.html (resource): 'A' has no topic",
        "  notice: b.html (resource): 'B' has no topic",
        "  notice: vocabulary.toml: no vocabulary file",
    ]
    assert report.to_dict()["notice_kinds"] == [
        {"kind": NO_TOPIC, "count": 2, "first": "notice: a.html (resource): 'A' has no topic"},
        {
            "kind": "no vocabulary file",
            "count": 1,
            "first": "notice: vocabulary.toml: no vocabulary file",
        },
    ]
    # The JSON problems keep their shape: the kind is in `notice_kinds`.
    assert report.to_dict()["problems"][-1] == {
        "level": "notice",
        "path": "vocabulary.toml",
        "message": "no vocabulary file",
        "line": None,
        "element": None,
    }


def test_a_catalog_only_build_prints_one_line_for_its_notices(tmp_path):
    corpus = catalog_only(tmp_path)
    result = invoke("build", "--corpus", corpus, "--index", tmp_path / "index")
    lines = result.stderr.splitlines()
    assert (result.exit_code, lines[2:-1]) == (
        0,
        [
            f"errors: 0, warnings: 0, notices: {CATALOG_ROWS + 1}",
            f"  notice x{CATALOG_ROWS}: {NO_TOPIC} (first: notice: catalog.jsonl:1 (row):"
            " 'Row 1' has no topic; it is found by search, not by topic; --verbose lists each)",
            "  notice: vocabulary.toml: no vocabulary file: topics and types kept as printed",
        ],
    )
    verbose = invoke("check", "--corpus", corpus, "--verbose").stderr.splitlines()
    assert [line for line in verbose if "has no topic" in line] == [
        f"  notice: catalog.jsonl:{n} (row): 'Row {n}' has no topic; it is found by search,"
        " not by topic"
        for n in range(1, CATALOG_ROWS + 1)
    ]
