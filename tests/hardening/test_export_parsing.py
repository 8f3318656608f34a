"""Exports parse in the tools people use (search_app/export.py): every BibTeX export read
back by pybtex, every RIS export by rispy, every CSV by the csv module, over crafted and
generated hostile titles, topics, ids and URLs. Each record comes back whole, with its own
fields only, and its text means what the index holds.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

import pytest
import rispy
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from search_app.export import write_bibtex, write_csv, write_ris

from .conftest import FUZZ_EXAMPLES

BASE = "https://library.example.org/"
EXAMPLES = settings(max_examples=FUZZ_EXAMPLES, deadline=None)

# Titles that broke the old escaping: an injected field, and exports pybtex rejected whole.
CRAFTED_TITLES = [
    "x}}, author = {Mallory",
    "}, author = {Mallory} , note = {",
    "{",
    "}",
    "\\",
    "Trailing backslash \\",
    "@misc{evil, title = {Injected}}",
    "% not a comment } {",
    "#1 & $2_000 ^ ~ 100%",
    "Line\nER  - \nTY  - JOUR",
    "Separator\u2028TI  - Injected\u2029KW  - x\x0bx\x0cx\x1cx\x85x",
    '"quoted", =SUM(A1)',
    "\x00 NUL and \x7f DEL",
]
CRAFTED_URLS = [
    "/resources/x/",
    "https://example.org/a b/{c}\\d\"e'",
    "https://example.org/q?x=1&y=%7B#frag_~$",
    "https://example.org/é/ü",
    "https://example.org/}, author = {Mallory",
]

# What the LaTeX in a BibTeX value means, to read the text back (test's own table).
LATEX_MEANINGS = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    "{@}": "@",
    **{f"\\{c}": c for c in "#%&$_"},
}
LATEX = re.compile("|".join(re.escape(command) for command in LATEX_MEANINGS))
SPECIALS = list("{}\\#%&$_~^@\"',=;\n\r\t\x00\x0b\x85\u2028 ") + ["ER  - ", "@misc{", "TY  - "]
HOSTILE_TEXT = st.lists(
    st.sampled_from(SPECIALS) | st.text(st.characters(exclude_categories=("Cs",)), max_size=4),
    max_size=12,
).map("".join)
IDS = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def plain(text: str) -> str:
    """Text as BibTeX keeps it: runs of spaces, control characters and line breaks as one."""
    return " ".join(CONTROLS.sub(" ", text).split())


def one_line(text: str) -> str:
    """Text as a RIS line keeps it: each run of control characters and line breaks a space."""
    return CONTROLS.sub(" ", text).strip()


def from_latex(value: str) -> str:
    return LATEX.sub(lambda match: LATEX_MEANINGS[match.group()], value)


def resource(number: int, title: str, url: str = "/resources/x/", topic: str = "Use of Force"):
    return {
        "id": f"r{number}",
        "title": title,
        "type": ["Report"],
        "year": 2019,
        "topic": [topic],
        "url": url,
    }


def parse_bibtex(rows: list[dict]) -> list[tuple[str, dict[str, str]]]:
    """An export read by pybtex (strict: any syntax error raises): (key, fields) per entry."""
    database = parse_string("".join(write_bibtex(rows, BASE)), "bibtex")
    assert [(entry.type, dict(entry.persons)) for entry in database.entries.values()] == [
        ("misc", {})
    ] * len(rows)
    return [(key, dict(entry.fields)) for key, entry in database.entries.items()]


def assert_bibtex_round_trip(rows: list[dict]) -> None:
    entries = parse_bibtex(rows)
    assert len(entries) == len(rows)
    for (_, fields), row in zip(entries, rows, strict=True):
        assert sorted(fields) == ["keywords", "note", "title", "url", "year"]
        # The title in its protecting braces, meaning the index's text.
        title = fields["title"]
        assert (title[0], title[-1], from_latex(title[1:-1])) == ("{", "}", plain(row["title"]))
        assert from_latex(fields["keywords"]) == plain(row["topic"][0])
        assert (fields["year"], fields["note"]) == ("2019", "Report")
        assert not set(fields["url"]) & set('{}\\ "') and fields["url"].isascii()


@pytest.mark.parametrize("title", CRAFTED_TITLES)
def test_a_crafted_title_stays_in_its_bibtex_field(title):
    rows = [resource(1, title), resource(2, "Next entry")]
    assert_bibtex_round_trip(rows)
    # The miss: the entry after it is untouched.
    assert parse_bibtex(rows)[1][1]["title"] == "{Next entry}"


def test_the_injected_author_of_the_old_escaping_is_gone():
    (key, fields), _ = parse_bibtex([resource(1, "x}}, author = {Mallory"), resource(2, "y")])
    assert (key, fields["title"]) == (
        "r1",
        r"{x\textbraceright{}\textbraceright{}, author = \textbraceleft{}Mallory}",
    )


@pytest.mark.parametrize("url", CRAFTED_URLS)
def test_a_crafted_url_stays_in_its_bibtex_field(url):
    (_, fields), (_, after) = parse_bibtex([resource(1, "t", url), resource(2, "u")])
    assert (
        fields["url"]
        == {
            "/resources/x/": "https://library.example.org/resources/x/",
            CRAFTED_URLS[1]: "https://example.org/a%20b/%7Bc%7D%5Cd%22e'",
            CRAFTED_URLS[2]: "https://example.org/q?x=1&y=%7B#frag_~$",
            CRAFTED_URLS[3]: "https://example.org/%C3%A9/%C3%BC",
            CRAFTED_URLS[4]: "https://example.org/%7D,%20author%20=%20%7BMallory",
        }[url]
    )
    assert after["url"] == "https://library.example.org/resources/x/"


def test_bibtex_keys_are_safe_and_unique():
    ids = ["plain-id", "with space", "a,b{c}", "plain-id", "%#", "ünï"]
    rows = [{**resource(0, "t"), "id": resource_id} for resource_id in ids]
    assert [key for key, _ in parse_bibtex(rows)] == [
        "plain-id",
        "with-space",
        "a-b-c",
        "plain-id-2",
        "resource",
        "n",
    ]


@EXAMPLES
@given(st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT), min_size=1, max_size=4))
def test_any_bibtex_export_parses_back_to_its_records(records):
    rows = [
        resource(number, title, "/resources/x/" + url, topic or "t")
        for number, (title, url, topic) in enumerate(records)
    ]
    assert_bibtex_round_trip(rows)


@given(IDS, IDS)
@EXAMPLES
def test_any_two_ids_give_two_bibtex_keys(first, second):
    rows = [{**resource(0, "t"), "id": first}, {**resource(1, "u"), "id": second}]
    keys = [key for key, _ in parse_bibtex(rows)]
    assert len(set(keys)) == 2 and all(re.fullmatch(r"[A-Za-z0-9_:.-]+", key) for key in keys)


# RIS, read by rispy.


def assert_ris_round_trip(rows: list[dict]) -> None:
    records = rispy.loads("".join(write_ris(rows, BASE)))
    # The URL means the same once decoded (spaces, braces, `;` and the like are encoded).
    for record in records:
        record["urls"] = [unquote(url) for url in record["urls"]]
    assert [
        {key: record.get(key) for key in ("id", "title", "keywords", "urls", "type_of_work")}
        for record in records
    ] == [
        {
            "id": one_line(row["id"]),
            "title": one_line(row["title"]),
            "keywords": [one_line(row["topic"][0])],
            "urls": [unquote(BASE.rstrip("/") + CONTROLS.sub("", row["url"]).strip())],
            "type_of_work": "Report",
        }
        for row in rows
    ]
    assert [sorted(record) for record in records] == [
        ["id", "keywords", "title", "type_of_reference", "type_of_work", "urls", "year"]
    ] * len(rows)


@pytest.mark.parametrize("title", CRAFTED_TITLES)
def test_a_crafted_title_stays_in_its_ris_record(title):
    assert_ris_round_trip([resource(1, title), resource(2, "Next entry")])


@EXAMPLES
@given(st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT), min_size=1, max_size=4))
def test_any_ris_export_parses_back_to_its_records(records):
    rows = [
        resource(number, title or "t", "/resources/" + url, topic or "t")
        for number, (title, url, topic) in enumerate(records)
    ]
    rows = [row for row in rows if one_line(row["title"]) and one_line(row["topic"][0])]
    assert_ris_round_trip(rows)


# CSV, read by the csv module.


@EXAMPLES
@given(st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), min_size=1, max_size=4))
def test_any_csv_export_parses_back_to_its_rows(records):
    rows = [resource(number, title, "/r/" + url) for number, (title, url) in enumerate(records)]
    parsed = list(csv.reader(io.StringIO("".join(write_csv(rows, BASE)), newline="")))
    assert parsed[0] == ["id", "title", "types", "year", "topics", "url"]
    # Only a cell a spreadsheet would run gets a quote in front; every other cell is as is.
    assert [(row[0], row[1], row[5]) for row in parsed[1:]] == [
        (row["id"], neutral(row["title"]), BASE.rstrip("/") + row["url"]) for row in rows
    ]


def neutral(cell: str) -> str:
    return "'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell
