"""The catalog file: rows that add resources or correct metadata, winning over the pages."""

from __future__ import annotations

import json

import pytest

from indexer.build import build
from indexer.catalog import parse_catalog, read_catalog
from indexer.records import CATALOG, ERROR, NOTICE, Problem, Sighting
from tests.conftest import CAFE, CAMERAS, QUOKKA, ZEBRAFISH, stored_documents, write_page


def rows(*items) -> str:
    """Catalog text: dicts as JSON lines, strings as they are."""
    return "\n".join(item if isinstance(item, str) else json.dumps(item) for item in items) + "\n"


def row_sighting(line: int, **fields) -> Sighting:
    return Sighting(path="catalog.jsonl", kind=CATALOG, line=line, element="row", **fields)


def test_rows_become_sightings():
    text = rows(
        "# a comment, then a blank line",
        "",
        {"id": "new-guide", "title": " New  Guide ", "types": ["Report", "Video"], "year": 2024},
        {"url": "/resources/Quokka-Field-Notes/", "topics": "Use of Force, Officer Safety"},
        {"id": "Zebrafish Drills", "year": None, "exclude": True},
        {"id": "cafe", "year": "2019", "description": "  Kept as written.\n\nTwo paragraphs. "},
    )
    sightings, problems = parse_catalog(text)
    assert sightings == [
        row_sighting(
            3,
            id="new-guide",
            title="New Guide",
            types=("Report", "Video"),
            year=2024,
            has_year=True,
        ),
        row_sighting(
            4,
            id="quokka-field-notes",
            url="/resources/Quokka-Field-Notes/",
            topics=("Use of Force", "Officer Safety"),
        ),
        row_sighting(5, id="zebrafish-drills", year=None, has_year=True, exclude=True),
        row_sighting(
            6,
            id="cafe",
            year=2019,
            has_year=True,
            description="Kept as written.\n\nTwo paragraphs.",
        ),
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON: Expecting value; row skipped"),
        (
            '{"id": "a",',
            "not valid JSON: Expecting property name enclosed in double quotes; row skipped",
        ),
        ("[1, 2]", "each line must be a JSON object; row skipped"),
        ('{"title": "No Id"}', "needs an id or a url to name the resource; row skipped"),
        ('{"id": "!!!"}', "needs an id or a url to name the resource; row skipped"),
        (
            '{"id": "a", "colour": "red"}',
            "unknown field 'colour' (known: body, description, documents, exclude, id, title,"
            " topics, types, url, year); row skipped",
        ),
        (
            '{"id": "a", "year": "twenty"}',
            "year must be a year between 1800 and 2100, or null; row skipped",
        ),
        (
            '{"id": "a", "year": 1700}',
            "year must be a year between 1800 and 2100, or null; row skipped",
        ),
        (
            '{"id": "a", "year": true}',
            "year must be a year between 1800 and 2100, or null; row skipped",
        ),
        (
            '{"id": "a", "year": 2020.5}',
            "year must be a year between 1800 and 2100, or null; row skipped",
        ),
        (
            '{"id": "a", "types": 3}',
            "types must be a list of strings or a comma-separated string; row skipped",
        ),
        (
            '{"id": "a", "topics": [1]}',
            "topics must be a list of strings or a comma-separated string; row skipped",
        ),
        ('{"id": "a", "title": ""}', "title must have 1 to 1000 characters; row skipped"),
        ('{"id": "a", "title": 5}', "title must be a string; row skipped"),
        ('{"id": 5}', "id must be a string; row skipped"),
        (
            '{"id": "a", "url": "javascript:alert(1)"}',
            "url must be a web address or a path on the site; row skipped",
        ),
        (
            '{"id": "a", "url": "//evil.example/resources/a/"}',
            "url must be a web address or a path on the site; row skipped",
        ),
        ('{"id": "a", "exclude": "yes"}', "exclude must be true or false; row skipped"),
    ],
)
def test_bad_rows_are_errors_with_line_numbers(line, message):
    good = {"id": "good", "year": 2020}
    sightings, problems = parse_catalog(rows(good, line, good))
    assert [s.line for s in sightings] == [1, 3]
    assert problems == [Problem(ERROR, "catalog.jsonl", message, 2)]


def test_control_characters_never_reach_the_pages():
    text = rows(
        {
            "id": "a",
            "title": "Bell\u0007 Title\u009b",
            "description": "Line one\u001b[31m\n\nLine\ttwo\u0000",
            "body": "Kept as written.\n\nNothing to remove.",
        }
    )
    sightings, problems = parse_catalog(text)
    assert [(s.title, s.description, s.body) for s in sightings] == [
        ("Bell Title", "Line one[31m\n\nLine\ttwo", "Kept as written.\n\nNothing to remove.")
    ]
    assert problems == []


def test_read_catalog_absent(tmp_path):
    assert read_catalog(tmp_path) == (b"", [], [])


def test_read_catalog_not_utf8(tmp_path):
    data = '{"id": "a", "title": "Caf\u00e9"}\n'.encode("cp1252")
    assert data.index(b"\xe9") == 25
    write_page(tmp_path, "catalog.jsonl", data)
    assert read_catalog(tmp_path) == (
        data,
        [],
        [Problem(ERROR, "catalog.jsonl", "not valid UTF-8 (byte at offset 25); catalog not read")],
    )


def indexed(corpus, tmp_path):
    """Build the corpus; the report, and the stored documents by id."""
    report = build(corpus, tmp_path / "catalog-index")
    documents = {d["id"]: d for d in stored_documents(tmp_path / "catalog-index")}
    return report, documents


def test_catalog_adds_a_resource_without_html(corpus, tmp_path):
    write_page(
        corpus,
        "catalog.jsonl",
        rows(
            {
                "id": "walrus-handbook",
                "title": "Walrus Handbook",
                "types": "Guidebook / Tool, Report",
                "year": 2024,
                "topics": ["Mass Demonstration Response"],
                "description": "Only in the catalog.",
            }
        ),
    )
    report, documents = indexed(corpus, tmp_path)
    assert sorted(documents) == sorted([CAFE, CAMERAS, QUOKKA, "walrus-handbook", ZEBRAFISH])
    assert documents["walrus-handbook"] == {
        "id": "walrus-handbook",
        "title": "Walrus Handbook",
        # "Guidebook / Tool" is not an alias in the fixture's vocabulary.
        "type": ["Guidebook / Tool", "Report"],
        "year": 2024,
        "topic": ["Response to Mass Demonstrations"],
        "description": "Only in the catalog.",
        "sources": [{"path": "catalog.jsonl", "kind": "catalog"}],
    }
    assert [str(p) for p in report.problems] == [
        "warning: catalog.jsonl:1 (row): unknown type 'Guidebook / Tool': kept as printed;"
        " add it to vocabulary.toml"
    ]


def test_catalog_values_win_over_the_pages(corpus, tmp_path):
    write_page(
        corpus,
        "catalog.jsonl",
        rows(
            {"id": QUOKKA, "year": 2018},
            {"url": f"/resources/{CAMERAS}/", "year": None, "topics": ["Use of Force"]},
            {"id": CAFE, "title": "Caf\u00e9 Protocols, Revised", "types": ["Report"]},
        ),
    )
    report, documents = indexed(corpus, tmp_path)
    summary = {
        resource_id: (d["title"], d["type"], d.get("year"), d["topic"])
        for resource_id, d in documents.items()
    }
    assert summary == {
        CAFE: ("Caf\u00e9 Protocols, Revised", ["Report"], 2020, ["Technology Implementation"]),
        CAMERAS: ("Body Cameras on US Patrols", ["Report"], None, ["Use of Force"]),
        QUOKKA: ("Quokka Field Notes", ["Article"], 2018, ["Officer Safety and Wellness"]),
        ZEBRAFISH: (
            "Zebrafish Drills for Crowd Events",
            ["Guidebook/Tool", "Video"],
            2021,
            ["Use of Force", "Response to Mass Demonstrations"],
        ),
    }
    assert [str(p) for p in report.problems] == [
        "notice: catalog.jsonl:2 (row): catalog sets year to undated (pages: 2019)",
        "notice: catalog.jsonl:3 (row): catalog sets title to Caf\u00e9 Protocols, Revised"
        " (pages: Caf\u00e9 Protocols for IT Help Desks)",
        "notice: catalog.jsonl:3 (row): catalog sets types to Report (pages: Guidebook/Tool)",
        "notice: catalog.jsonl:1 (row): catalog sets year to 2018 (pages: undated)",
    ]


def test_catalog_excludes_a_resource(corpus, tmp_path):
    write_page(corpus, "catalog.jsonl", rows({"id": ZEBRAFISH, "exclude": True}))
    report, documents = indexed(corpus, tmp_path)
    assert sorted(documents) == [CAMERAS, CAFE, QUOKKA]
    assert report.problems == [
        Problem(
            NOTICE, "catalog.jsonl", f"resource {ZEBRAFISH!r} excluded by the catalog", 1, "row"
        )
    ]


def test_bad_rows_are_reported_and_good_rows_applied(corpus, tmp_path):
    write_page(
        corpus,
        "catalog.jsonl",
        rows(
            {"id": QUOKKA, "year": "soon"},
            {"id": QUOKKA, "colour": "red"},
            {"id": ZEBRAFISH, "year": 2022},
        ),
    )
    report, documents = indexed(corpus, tmp_path)
    assert {d["id"]: d.get("year") for d in documents.values()} == {
        CAFE: 2020,
        CAMERAS: 2019,
        QUOKKA: None,
        ZEBRAFISH: 2022,
    }
    assert [str(p) for p in report.sorted_problems()] == [
        "error: catalog.jsonl:1: year must be a year between 1800 and 2100, or null; row skipped",
        "error: catalog.jsonl:2: unknown field 'colour' (known: body, description, documents,"
        " exclude, id, title, topics, types, url, year); row skipped",
        "notice: catalog.jsonl:3 (row): catalog sets year to 2022 (pages: 2021)",
    ]


def test_catalog_row_for_an_unknown_resource_without_title(corpus, tmp_path):
    write_page(corpus, "catalog.jsonl", rows({"id": "ghost", "year": 2020}))
    report, documents = indexed(corpus, tmp_path)
    assert "ghost" not in documents
    assert sorted(documents) == [CAMERAS, CAFE, QUOKKA, ZEBRAFISH]
    assert report.problems == [
        Problem(
            ERROR, "catalog.jsonl", "resource 'ghost' has no title on any page; skipped", 1, "row"
        )
    ]
