"""Exports for researchers: CSV, RIS and BibTeX writers (search_app/export.py) and the
streamed /search.csv, /search.ris and /search.bib views."""

from __future__ import annotations

import csv
import io

import pytest

from search_app.export import write_bibtex, write_csv, write_ris

from .conftest import (
    ALL_IDS_NEWEST_FIRST,
    FILM,
    FOOTAGE,
    SPREADSHEET,
    TEST_EXPORT_LIMIT,
)

HEADER = ["id", "title", "types", "year", "topics", "url"]
BASE = "http://localhost/"


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_a_header_and_a_row_per_resource():
    fields = [
        {
            "id": "one",
            "title": "One, with a comma",
            "type": ["Report", "Video"],
            "year": 2019,
            "topic": ["Use of Force", "Officer Safety and Wellness"],
            "url": "/resources/one/",
        },
        {"id": "two", "title": 'Two "quoted"', "url": "https://example.org/two"},
    ]
    assert rows("".join(write_csv(fields, BASE))) == [
        HEADER,
        [
            "one",
            "One, with a comma",
            "Report; Video",
            "2019",
            "Use of Force; Officer Safety and Wellness",
            "http://localhost/resources/one/",
        ],
        ["two", 'Two "quoted"', "", "", "", "https://example.org/two"],
    ]


def test_csv_neutralises_formula_cells():
    fields = [
        {"id": "f", "title": title, "topic": [title], "url": ""}
        for title in ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx", "plain = text"]
    ]
    assert [row[1] for row in rows("".join(write_csv(fields, BASE)))[1:]] == [
        "'=SUM(A1)",
        "'+1",
        "'-1",
        "'@cmd",
        "'\tx",
        "'\rx",
        "plain = text",
    ]
    assert [row[4] for row in rows("".join(write_csv(fields, BASE)))[1:]] == [
        "'=SUM(A1)",
        "'+1",
        "'-1",
        "'@cmd",
        "'\tx",
        "'\rx",
        "plain = text",
    ]


def test_ris_records():
    fields = [
        {
            "id": "one",
            "title": "A title\nover two lines",
            "type": ["Article", "Report"],
            "year": 2019,
            "topic": ["Use of Force"],
            "url": "/resources/one/",
        },
        {"id": "two", "title": "Undated", "type": ["Podcast"]},
    ]
    assert "".join(write_ris(fields, BASE)) == (
        "TY  - RPRT\r\nID  - one\r\nTI  - A title over two lines\r\nPY  - 2019\r\n"
        "KW  - Use of Force\r\nM3  - Article, Report\r\nUR  - http://localhost/resources/one/\r\n"
        "ER  - \r\n\r\n"
        "TY  - GEN\r\nID  - two\r\nTI  - Undated\r\nM3  - Podcast\r\nER  - \r\n\r\n"
    )


def test_bibtex_entries_escape_special_characters():
    fields = [
        {
            "id": "one",
            "title": "50% of {braces} & $money_#1",
            "type": ["Report"],
            "year": 2019,
            "topic": ["Use of Force"],
            "url": "/resources/one/",
        },
        {"id": "two", "title": "Undated"},
    ]
    assert "".join(write_bibtex(fields, BASE)) == (
        "@misc{one,\n"
        "  title = {{50\\% of \\textbraceleft{}braces\\textbraceright{} \\& \\$money\\_\\#1}},\n"
        "  year = {2019},\n"
        "  keywords = {Use of Force},\n"
        "  note = {Report},\n"
        "  url = {http://localhost/resources/one/}\n"
        "}\n\n"
        "@misc{two,\n  title = {{Undated}}\n}\n\n"
    )


def test_csv_export_streams_every_match_up_to_the_cap(client):
    response = client.get("/search.csv?per_page=2&page=2")
    assert (response.status_code, response.content_type, response.is_streamed) == (
        200,
        "text/csv; charset=utf-8",
        True,
    )
    assert {name: response.headers[name] for name in ("X-Total-Count", "X-Export-Limit")} == {
        "X-Total-Count": "7",
        "X-Export-Limit": str(TEST_EXPORT_LIMIT),
    }
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="knowledge-lab-search.csv"'
    )
    exported = rows(response.get_data(as_text=True))
    assert exported[0] == HEADER
    assert [row[0] for row in exported[1:]] == ALL_IDS_NEWEST_FIRST[:TEST_EXPORT_LIMIT]


def test_csv_export_of_a_query_in_full(client):
    response = client.get("/search.csv?q=footage&per_page=1")
    assert response.headers["X-Total-Count"] == "2"
    assert rows(response.get_data(as_text=True)) == [
        HEADER,
        [
            FOOTAGE,
            "Body Camera Footage Review",
            "Report; Video",
            "2019",
            "Technology Implementation; Officer Safety and Wellness",
            f"http://localhost/resources/{FOOTAGE}/",
        ],
        [
            FILM,
            "Use of Force Reporting",
            "Video",
            "2015",
            "Use of Force",
            f"http://localhost/resources/{FILM}/",
        ],
    ]


def test_csv_export_neutralises_a_formula_title(client):
    exported = rows(client.get("/search.csv?q=spreadsheet").get_data(as_text=True))
    assert exported[1] == [
        SPREADSHEET,
        "'=SUM(A1) Spreadsheet Safety",
        "Article",
        "2017",
        "Technology Implementation",
        f"http://localhost/resources/{SPREADSHEET}/",
    ]


def test_csv_export_honours_filters_and_sort(client):
    response = client.get("/search.csv?type=Report&sort=oldest")
    assert response.headers["X-Total-Count"] == "3"
    assert [row[0] for row in rows(response.get_data(as_text=True))[1:]] == [
        FOOTAGE,
        "cit-coordinator-survey",
        "de-escalation-training-outcomes",
    ]


def test_an_export_of_nothing_has_only_its_header(client):
    response = client.get("/search.csv?q=qwertyuiop")
    assert (response.headers["X-Total-Count"], rows(response.get_data(as_text=True))) == (
        "0",
        [HEADER],
    )


def test_ris_export(client):
    response = client.get("/search.ris?q=footage")
    assert (response.content_type, response.headers["X-Total-Count"]) == (
        "application/x-research-info-systems; charset=utf-8",
        "2",
    )
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="knowledge-lab-search.ris"'
    )
    assert response.get_data(as_text=True) == (
        f"TY  - RPRT\r\nID  - {FOOTAGE}\r\nTI  - Body Camera Footage Review\r\nPY  - 2019\r\n"
        "KW  - Technology Implementation\r\nKW  - Officer Safety and Wellness\r\n"
        f"M3  - Report, Video\r\nUR  - http://localhost/resources/{FOOTAGE}/\r\nER  - \r\n\r\n"
        f"TY  - VIDEO\r\nID  - {FILM}\r\nTI  - Use of Force Reporting\r\nPY  - 2015\r\n"
        f"KW  - Use of Force\r\nM3  - Video\r\nUR  - http://localhost/resources/{FILM}/\r\n"
        "ER  - \r\n\r\n"
    )


def test_bibtex_export(client):
    response = client.get("/search.bib?q=footage")
    assert (response.content_type, response.headers["X-Total-Count"]) == (
        "application/x-bibtex; charset=utf-8",
        "2",
    )
    assert response.get_data(as_text=True) == (
        f"@misc{{{FOOTAGE},\n"
        "  title = {{Body Camera Footage Review}},\n"
        "  year = {2019},\n"
        "  keywords = {Technology Implementation, Officer Safety and Wellness},\n"
        "  note = {Report, Video},\n"
        f"  url = {{http://localhost/resources/{FOOTAGE}/}}\n"
        "}\n\n"
        f"@misc{{{FILM},\n"
        "  title = {{Use of Force Reporting}},\n"
        "  year = {2015},\n"
        "  keywords = {Use of Force},\n"
        "  note = {Video},\n"
        f"  url = {{http://localhost/resources/{FILM}/}}\n"
        "}\n\n"
    )


@pytest.mark.parametrize(
    ("path", "records"),
    [
        ("/search.csv", lambda text: len(rows(text)) - 1),
        ("/search.ris", lambda text: text.count("ER  - ")),
        ("/search.bib", lambda text: text.count("@misc{")),
    ],
)
def test_every_export_is_capped(client, path, records):
    response = client.get(path)
    assert (response.headers["X-Total-Count"], records(response.get_data(as_text=True))) == (
        "7",
        TEST_EXPORT_LIMIT,
    )
