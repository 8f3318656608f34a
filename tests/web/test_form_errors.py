"""A year range the page cannot use: the search stays (query, filters, results) with the
reason beside the year fields, while the JSON API keeps its 400 (issue 14, item 4)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from .conftest import text
from .test_resource_page import YEAR_PARAMETERS

SEARCH = "q=footage&type=Report"
REVERSED = f"/search?{SEARCH}&year_from=2021&year_to=2015"


def year_fields(soup) -> dict:
    """The year inputs: value, aria-invalid and what describes them."""
    return {
        box["name"]: (box["value"], box.get("aria-invalid"), box.get("aria-describedby"))
        for box in soup.select(".facet--year input")
    }


def test_a_reversed_range_keeps_the_search_and_says_why_beside_the_fields(page, client, search):
    soup = page(REVERSED, status=400)
    assert soup.find("input", attrs={"name": "q", "id": "q"})["value"] == "footage"
    assert [box["value"] for box in soup.select(".facets input:checked")] == ["Report"]
    assert year_fields(soup) == {
        "year_from": ("2021", "true", "year-error"),
        "year_to": ("2015", "true", "year-error"),
    }
    message = "“From” (2021) is after “To” (2015): swap them or change one."
    assert text(soup.find(id="year-error")) == message
    assert soup.find(id="year-error").find_parent("fieldset")["class"] == ["facet", "facet--year"]
    notice = soup.select_one(".notice--error")
    assert text(notice) == f"The years were not applied: {message} Change the years"
    assert notice.find("a")["href"] == "#year_from"
    assert text(soup.title).startswith("Error: footage – ")
    # The results are those of the search without the years.
    expected = search(SEARCH)
    assert [text(a) for a in soup.select(".result__title a")] == [
        r["title"] for r in expected["results"]
    ]
    # Searching again or sorting sends no year: the hidden fields leave the range out.
    hidden = {
        form["class"][0]: [field["name"] for field in form.select('input[type="hidden"]')]
        for form in soup.find_all("form")
    }
    assert hidden == {"search-form": ["type"], "facets": ["q"], "controls": ["q", "type"]}
    api = client.get(REVERSED.replace("/search?", "/search.json?"))
    assert (api.status_code, api.get_json()) == (
        400,
        {"error": {"status": 400, "message": "year_from (2021) must not be after year_to (2015)"}},
    )


@pytest.mark.parametrize(
    ("years", "fields"),
    [
        (
            "year_from=1700",
            {"year_from": ("1700", "true", "year-error"), "year_to": ("", None, None)},
        ),
        (
            "year_to=99999",
            {"year_from": ("", None, None), "year_to": ("99999", "true", "year-error")},
        ),
    ],
)
def test_a_year_out_of_bounds_marks_only_its_field(page, years, fields):
    soup = page(f"/search?{SEARCH}&{years}", status=400)
    assert year_fields(soup) == fields
    assert text(soup.find(id="year-error")) == "Enter a year from 1800 to 2100."


def test_the_miss_a_good_range_shows_no_error(page):
    soup = page(f"/search?{SEARCH}&year_from=2015&year_to=2021")
    assert year_fields(soup) == {
        "year_from": ("2015", None, None),
        "year_to": ("2021", None, None),
    }
    assert soup.find(id="year-error") is None
    assert soup.select(".notice--error") == []


def test_other_bad_parameters_still_give_the_error_page(page):
    soup = page(f"/search?{SEARCH}&year_from=2021&year_to=2015&sort=sideways", status=400)
    assert text(soup.h1) == "sort must be one of relevance, newest, oldest, title (got 'sideways')"
    assert soup.select(".facets") == []


@pytest.mark.parametrize(("pairs", "message"), YEAR_PARAMETERS)
def test_every_bad_year_keeps_the_page_and_the_api_keeps_its_exact_message(client, pairs, message):
    response = client.get("/search", query_string=[("q", "footage"), *pairs])
    assert (response.status_code, response.mimetype) == (400, "text/html")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find(id="q")["value"] == "footage"
    assert text(soup.find(id="year-error")) != ""
    marked = {box["name"] for box in soup.select('.facet--year input[aria-invalid="true"]')}
    assert marked == {name for name, _ in pairs}
    assert soup.select(".result") != []
    api = client.get("/search.json", query_string=[("q", "footage"), *pairs])
    assert (api.status_code, api.get_json()["error"]["message"]) == (400, message)
