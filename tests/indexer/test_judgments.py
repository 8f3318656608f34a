"""Judged queries (`judgments.py`): the file, the failures, and builds that check them
before publishing (with the search app's ranking, `search_app.judging.rank`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.build import BuildFailed, build
from indexer.cli import cli
from indexer.judgments import (
    JUDGED_FAILURE,
    Judge,
    JudgedQuery,
    JudgmentsError,
    load_judgments,
    parse_judgments,
)
from indexer.records import WARNING, Problem
from indexer.store import IndexStore
from indexer.update import update
from search_app.judging import rank
from tests.conftest import CAFE, CAMERAS, QUOKKA, ZEBRAFISH, published_index, write_page
from tests.search.conftest import HANDBOOK, OUTCOMES, write_library

SHIPPED = Path(__file__).parents[2] / "corpus"

PASSING = f"""
top = 2

[[query]]
q = "quillwort"
expect = ["{CAMERAS}"]
top = 1

[[query]]
q = "protocols"
expect = ["{CAFE}"]
filters = {{ topic = ["Technology Implementation"], year_from = 2020 }}
"""
# The cafe is from 2020: a year_to of 2019 filters it out; quokka is not about triage.
FAILING = f"""
[[query]]
q = "triage"
expect = ["{CAFE}", "{QUOKKA}"]
filters = {{ year_to = 2019 }}

[[query]]
q = "quillwort"
expect = ["{CAMERAS}"]
"""


def invoke(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def test_parse_judgments():
    assert parse_judgments(PASSING) == [
        JudgedQuery("quillwort", (CAMERAS,), 1),
        JudgedQuery(
            "protocols",
            (CAFE,),
            2,
            (("topic", ("Technology Implementation",)), ("year_from", ("2020",))),
        ),
    ]
    assert parse_judgments("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("top = ", "judged-queries.toml: Invalid value (at end of document)"),
        ("top = 0", "judged-queries.toml: top must be a whole number from 1 to 100"),
        (
            "[[query]]\nexpect = ['a']",
            "judged-queries.toml: query 1: q (the query text) is missing",
        ),
        (
            "[[query]]\nq = 'a'\nexpect = 'b'\nwant = 1",
            "judged-queries.toml: query 1: unknown key(s) want",
        ),
        (
            "[[query]]\nq = 'a'\nexpect = []",
            "judged-queries.toml: query 1: expect: expected a string or a list of strings",
        ),
        (
            "[[query]]\nq = 'a'\nexpect = 'b'\nfilters = 3",
            "judged-queries.toml: query 1: filters must be a table",
        ),
        (
            "[[query]]\nq = 'a'",
            "judged-queries.toml: query 1: expect (the resource ids) is missing",
        ),
        (
            "[[query]]\nq = 'a'\nexpect = 'b'\ntop = true",
            "judged-queries.toml: query 1: top must be a whole number from 1 to 100",
        ),
    ],
)
def test_bad_judgments_say_where(text, message):
    with pytest.raises(JudgmentsError) as raised:
        parse_judgments(text)
    assert str(raised.value) == message


def test_a_corpus_without_judgments_has_none(corpus):
    assert load_judgments(corpus) == []


def test_failures_name_the_query_the_resource_and_its_rank():
    queries = (JudgedQuery("a", ("x", "y", "z"), 1, (("topic", ("T",)),)),)
    judge = Judge(queries, lambda folder, qs: [["y", "x"]])
    assert judge.check(Path("v")) == [
        Problem(
            WARNING,
            "judged-queries.toml",
            "'a' [topic=T]: 'x' not in the top 1 (rank 2)",
            None,
            "query 1",
        ),
        Problem(
            WARNING,
            "judged-queries.toml",
            "'a' [topic=T]: 'z' not in the top 1 (not found)",
            None,
            "query 1",
        ),
    ]
    assert {p.kind for p in judge.check(Path("v"))} == {JUDGED_FAILURE}


def test_a_build_runs_the_judged_queries_before_publishing(corpus, tmp_path):
    write_page(corpus, "judged-queries.toml", PASSING)
    report = build(corpus, tmp_path / "index", judge=Judge(tuple(load_judgments(corpus)), rank))
    assert (report.published, report.judged, report.problems) == (
        True,
        {"queries": 2, "failed": 0},
        [],
    )


def test_failures_are_warnings_and_strict_refuses_to_publish(corpus, index_dir):
    write_page(corpus, "judged-queries.toml", FAILING)
    judge = Judge(tuple(load_judgments(corpus)), rank)
    before = IndexStore(index_dir).current_version()
    with pytest.raises(BuildFailed) as raised:
        build(corpus, index_dir, strict=True, judge=judge)
    assert str(raised.value) == "--strict: 2 judged query failure(s) are fatal"
    assert [str(p) for p in raised.value.report.problems] == [
        f"warning: judged-queries.toml (query 1): 'triage' [year_to=2019]: '{CAFE}' not in the"
        " top 3 (not found)",
        f"warning: judged-queries.toml (query 1): 'triage' [year_to=2019]: '{QUOKKA}' not in the"
        " top 3 (not found)",
    ]
    assert IndexStore(index_dir).current_version() == before
    assert list((index_dir / "versions").glob("*.partial")) == []
    report = update(corpus, index_dir, judge=judge)
    assert (report.published, report.warnings, report.judged) == (
        False,  # nothing changed: nothing to judge
        0,
        None,
    )
    published = build(corpus, index_dir, judge=judge)
    assert (published.published, published.warnings, published.judged) == (
        True,
        2,
        {"queries": 2, "failed": 2},
    )


def test_a_filter_the_search_refuses_fails_the_build(corpus, index_dir):
    write_page(
        corpus,
        "judged-queries.toml",
        "[[query]]\nq = 'a'\nexpect = 'b'\nfilters = { year_from = 3000 }",
    )
    before = IndexStore(index_dir).current_version()
    result = invoke("build", "--corpus", corpus, "--index", index_dir)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: judged-queries.toml: query 1: year_from must be a whole number from 1800"
        " to 2100 (got 3000)\n"
    )
    assert IndexStore(index_dir).current_version() == before


def test_build_command_runs_the_corpus_judgments(corpus, tmp_path):
    write_page(corpus, "judged-queries.toml", FAILING)
    result = invoke("build", "--corpus", corpus, "--index", tmp_path / "index", "--json")
    report = json.loads(result.stdout)
    assert (result.exit_code, report["published"], report["judged"], report["warnings"]) == (
        0,
        True,
        {"queries": 2, "failed": 2},
        2,
    )
    strict = invoke("build", "--corpus", corpus, "--index", tmp_path / "index", "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-3:] == [
        "judged queries: 2, failed: 2",
        "FAILED: --strict: 2 judged query failure(s) are fatal",
        "Error: build failed, the published index is unchanged:"
        " --strict: 2 judged query failure(s) are fatal",
    ]
    write_page(corpus, "judged-queries.toml", "top = [")
    broken = invoke("build", "--corpus", corpus, "--index", tmp_path / "index")
    assert (broken.exit_code, broken.stderr) == (
        1,
        "Error: judged-queries.toml: Invalid value (at end of document)\n",
    )


def test_the_shipped_judgments_pass_on_the_shipped_corpus(tmp_path):
    queries = load_judgments(SHIPPED)
    assert len(queries) >= 10
    assert [
        (q.q, e)
        for q in queries
        for e in q.expect
        if not (SHIPPED / "resources" / f"{e}.html").is_file()
    ] == []
    report = build(SHIPPED, tmp_path / "index", judge=Judge(tuple(queries), rank))
    assert (report.judged, [str(p) for p in report.problems if p.level == WARNING]) == (
        {"queries": len(queries), "failed": 0},
        [],
    )


def test_unused_fixture_ids_stay_out_of_the_judgments():
    # The fixture's zebrafish is in no judged query: a judge only checks what it lists.
    assert ZEBRAFISH not in PASSING + FAILING


def test_a_judged_query_ranks_what_its_page_lists(tmp_path):
    # "training clinicians": the handbook has both words; the outcomes, listed after it on
    # the same page among those matching some of the words, only one.
    version = IndexStore(published_index(write_library(tmp_path / "corpus"))).published().path
    queries = [JudgedQuery("training clinicians", (OUTCOMES,), top=n) for n in (1, 2)]
    assert rank(version, queries) == [[HANDBOOK], [HANDBOOK, OUTCOMES]]
