"""The text layer of query parsing (search_app/querytext.py): text in, text out."""

from __future__ import annotations

import pytest

from search_app.notices import Notice, Reason
from search_app.querytext import (
    FacetClause,
    QueryText,
    lint,
    plain_words,
    prepare,
    resolve_label,
    rewrite,
    take_facet_clauses,
)


@pytest.mark.parametrize(
    ("text", "syntax"),
    [
        # Year ranges are read by the parser's plugin (query.YEAR_DOTS), not rewritten.
        ("Year:2015..2020", "year:2015..2020"),
        ("footage -zeppelin", "footage NOT zeppelin"),
        ('-"body camera" (-drone)', 'NOT "body camera" (NOT drone)'),
        ("well-being - review", "well-being - review"),
        ("Title:Training BODY:camera", "title:Training body:camera"),
        ("Foo:bar", "Foo:bar"),
        ("what works?", "what works"),
        ("wh?t (works?)", "wh?t (works)"),
        ("train* fotage~1", "train* fotage~1"),
    ],
)
def test_rewrite_gives_the_syntax_the_parser_reads(text, syntax):
    assert rewrite(text) == syntax


@pytest.mark.parametrize(
    ("syntax", "problem"),
    [
        ('"footage review', "unbalanced quotes"),
        ('"footage review"', None),
        ("(footage review", "unbalanced parentheses"),
        ("footage review)(", "unbalanced parentheses"),
        ('(footage "a)b")', None),
        ("title:", "'title:' with nothing after it"),
        ("(title:)", "'title:' with nothing after it"),
        ("title:footage", None),
        ("foo:bar", "unknown field 'foo:'"),
        ('"foo:bar"', None),
        ("footage AND", "an AND, OR or NOT with nothing to join"),
        ("OR footage", "an AND, OR or NOT with nothing to join"),
        ("footage AND OR review", "an AND, OR or NOT with nothing to join"),
        ("footage ()", "an AND, OR or NOT with nothing to join"),
        ("footage AND review OR film NOT drone", None),
        ("z*", "a wildcard 'z*' with fewer than 2 letters before it"),
        ("title:?ootage", "a wildcard 'title:?ootage' with fewer than 2 letters before it"),
        ("zep* fo?tage", None),
    ],
)
def test_lint_says_why_the_syntax_runs_as_plain_words(syntax, problem):
    assert lint(syntax) == problem


def test_facet_clauses_are_taken_out_of_the_text_in_the_order_typed():
    assert take_facet_clauses('training TOPIC:"use of force" -type:video type:"report') == (
        "training",
        [
            FacetClause("topic", "use of force"),
            FacetClause("type", "video", exclude=True),
            FacetClause("type", "report"),
        ],
    )
    assert take_facet_clauses("subtopic:x a-type:y year:2015") == (
        "subtopic:x a-type:y year:2015",
        [],
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "  footage  -zeppelin type:video\x00 ",
            QueryText(
                text="footage -zeppelin",
                syntax="footage NOT zeppelin",
                clauses=(FacetClause("type", "video"),),
                explicit=True,
                notices=(Notice.of(Reason.CONTROL_CHARACTERS),),
            ),
        ),
        ("footage review", QueryText("footage review", "footage review")),
        (
            "(footage review",
            QueryText("(footage review", "(footage review", problem="unbalanced parentheses"),
        ),
        ("Title:training", QueryText("Title:training", "title:training", explicit=True)),
        ("(footage review)", QueryText("(footage review)", "(footage review)")),
        ("topic:x", QueryText("", "", (FacetClause("topic", "x"),))),
    ],
)
def test_prepare_cleans_takes_clauses_rewrites_and_lints(raw, expected):
    assert prepare(raw) == expected


def test_plain_words_keep_the_words_only():
    # Field names stay as words: in plain mode `title:` was not read as a field.
    words = plain_words('title:"body camera" OR (foot* NOT drone~2)^3').split()
    assert words == ["title", "body", "camera", "foot", "drone", "2", "3"]
    assert plain_words("body camera") == "body camera"


@pytest.mark.parametrize(
    ("value", "labels"),
    [
        ("use of force", ["Use of Force"]),
        ("USE  OF FORCE", ["Use of Force"]),
        ("force", ["Use of Force", "Force Options"]),
        ("drones", []),
        ("", []),
    ],
)
def test_resolve_label_is_exact_in_any_case_else_containing(value, labels):
    assert resolve_label(value, ["Use of Force", "Force Options", "Video"]) == labels
