"""The search page without JavaScript (search_app/web.py, templates/search.html and partials):
plain GET forms, and the same results dict /search.json returns for the same parameters."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.search.conftest import (
    ALL_IDS_NEWEST_FIRST,
    FILM,
    FOOTAGE,
    HANDBOOK,
    USE_OF_FORCE,
    WELLNESS,
)

from .conftest import (
    HOSTILE,
    accessible_text,
    facet_items,
    form_pairs,
    result_ids,
    submit,
    text,
    url_parts,
)

SITE = "National Law Enforcement Knowledge Lab"
# Newest first, undated last: the whole library as browsing lists it.
EVERY_ID = [ALL_IDS_NEWEST_FIRST[0], ALL_IDS_NEWEST_FIRST[1], HOSTILE, *ALL_IDS_NEWEST_FIRST[2:]]


def html_url(json_url: str | None) -> str | None:
    """A JSON API link as the page links it (the same parameters on /search)."""
    return json_url.replace("/search.json", "/search", 1) if json_url else None


def expected_facet(response: dict, name: str) -> list[tuple[str, str, bool]]:
    """A facet of the JSON response as the page must show it: value, label, checked."""
    return [
        (
            value["value"],
            f"{value['value']} {value['count']} {'result' if value['count'] == 1 else 'results'}",
            value["selected"],
        )
        for value in response["facets"][name]
    ]


def year_count(value: dict) -> str:
    """A histogram count as the page says it."""
    words = "result" if value["count"] == 1 else "results"
    return f"{value['count']} {words}" + (", in the selected range" if value["selected"] else "")


def histogram(soup: BeautifulSoup) -> list[tuple[str, str | None, str, bool]]:
    """The year histogram rows: label, link (None when not a link), count text, selected."""
    rows = []
    for row in soup.select("ul.histogram > li"):
        link = row.find("a")
        rows.append(
            (
                text(row.select_one(".histogram__label")),
                link["href"] if link else None,
                accessible_text(row.select_one(".histogram__count")),
                "is-selected" in row["class"],
            )
        )
    return rows


def with_results(rows: list[tuple]) -> list[tuple]:
    """The histogram rows of years some result has (the page also shows the years between
    with no result, as empty rows)."""
    return [row for row in rows if not row[2].startswith("0 results")]


def cards(soup: BeautifulSoup) -> list[dict]:
    """The result cards as plain data: what a reader sees of each."""
    found = []
    for card in soup.select("li.result"):
        snippet = card.select_one(".result__snippet")
        found.append(
            {
                "title": text(card.select_one(".result__title a")),
                "title_marks": [text(m) for m in card.select(".result__title mark")],
                "types": text(card.select_one(".result__types")),
                "year": text(card.select_one(".result__year")),
                "topics": [text(tag) for tag in card.select(".result__topics li")],
                "snippet": text(snippet),
                "snippet_marks": [text(m) for m in snippet.find_all("mark")] if snippet else [],
            }
        )
    return found


def expected_cards(response: dict) -> list[dict]:
    """The JSON results as the page must show them (its HTML parts parsed, not compared as text)."""
    found = []
    for result in response["results"]:
        title = BeautifulSoup(result["title_html"], "html.parser")
        snippet = BeautifulSoup(result["snippet"], "html.parser")
        found.append(
            {
                "title": result["title"],
                "title_marks": [text(m) for m in title.find_all("mark")],
                "types": ", ".join(result["types"]) or "Resource",
                "year": str(result["year"]) if result["year"] else "Undated",
                "topics": result["topics"],
                "snippet": text(snippet),
                "snippet_marks": [text(m) for m in snippet.find_all("mark")],
            }
        )
    return found


# --- The search form -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/search", "/search?q=footage&type=Report"])
def test_the_search_form_is_a_labelled_get_form_to_search(page, url):
    soup = page(url)
    form = soup.select_one("form.search-form")
    box = form.find("input", attrs={"name": "q"})
    label = soup.find("label", attrs={"for": "q"})
    assert (form["role"], form["method"], form["action"]) == ("search", "get", "/search")
    assert (box["id"], box["type"], text(label)) == ("q", "search", "Search the resource library")
    assert label.find_parent("form") is form


def test_the_search_form_shows_the_query_and_keeps_the_filters(page):
    soup = page("/search?q=footage&type=Report&year_from=2016&sort=newest&per_page=20")
    assert form_pairs(soup.select_one("form.search-form")) == [
        ("q", "footage"),
        ("type", "Report"),
        ("year_from", "2016"),
        ("sort", "newest"),
        ("per_page", "20"),
    ]
    # Without parameters: the empty box alone.
    assert form_pairs(page("/").select_one("form.search-form")) == [("q", "")]


def test_the_home_page_is_the_search_page_browsing_everything(page):
    home, search_page = page("/"), page("/search")
    assert result_ids(home) == result_ids(search_page) == EVERY_ID
    assert text(home.title) == f"Resource search · {SITE}"


# --- The facet sidebar -----------------------------------------------------------------


def test_the_facet_form_is_a_get_form_of_labelled_checkboxes_with_counts(page, search):
    soup = page("/search?q=footage")
    form = soup.select_one("form.facets")
    response = search("q=footage")
    assert (form["method"], form["action"]) == ("get", "/search")
    assert facet_items(soup, "topic") == expected_facet(response, "topic")
    assert facet_items(soup, "type") == expected_facet(response, "type")
    assert facet_items(soup, "type") == [
        ("Video", "Video 2 results", False),
        ("Report", "Report 1 result", False),
    ]


def test_checked_facets_match_the_url(page):
    soup = page("/search?topic=Use+of+Force&type=Report&type=Video")
    checked = [(box["name"], box["value"]) for box in soup.select("form.facets input[checked]")]
    assert checked == [("topic", USE_OF_FORCE), ("type", "Report"), ("type", "Video")]
    assert page("/search").select("form.facets input[checked]") == []


def test_the_year_inputs_show_the_range(page):
    soup = page("/search?year_from=2016&year_to=2021")
    fields = {
        box["name"]: (box["type"], box["value"], text(soup.find("label", attrs={"for": box["id"]})))
        for box in soup.select("form.facets input[type=number]")
    }
    assert fields == {
        "year_from": ("number", "2016", "From"),
        "year_to": ("number", "2021", "To"),
    }
    empty = page("/search").select("form.facets input[type=number]")
    assert [box["value"] for box in empty] == ["", ""]


def test_histogram_rows_link_to_their_toggle_urls(page, search):
    response = search("q=footage OR handbook OR checklist")
    expected = [
        (value["value"], html_url(value["toggle_url"]), year_count(value), value["selected"])
        for value in response["facets"]["year"]
    ]
    soup = page("/search?" + urlencode({"q": "footage OR handbook OR checklist"}))
    assert with_results(histogram(soup)) == expected
    # The undated bucket links to the undated resources (besides the rest of the selection).
    query = urlencode({"q": "footage OR handbook OR checklist", "year": "Undated"})
    assert expected[-1][:2] == ("Undated", f"/search?{query}")


def test_a_selected_histogram_year_links_back_to_no_year(page):
    rows = histogram(page("/search?year_from=2019&year_to=2019"))
    assert [row for row in rows if row[3]] == [
        ("2019", "/search", "2 results, in the selected range", True)
    ]
    assert ("2021", "/search?year_from=2021&year_to=2021", "1 result", False) in rows


def test_the_undated_row_selects_the_undated_resources_and_links_back(page, search):
    soup = page("/search?year=Undated")
    rows = histogram(soup)
    assert (result_ids(soup), rows[-1]) == (
        [r["id"] for r in search("year=Undated")["results"]],
        ("Undated", "/search", "1 result, in the selected range", True),
    )
    # The histogram ignores its own selection: a year adds its range to the undated.
    assert next(row for row in rows if row[0] == "2019") == (
        "2019",
        "/search?year_from=2019&year_to=2019&year=Undated",
        "2 results",
        False,
    )
    assert chips(soup) == [("Year: Undated (remove this filter)", "/search")]
    # Sorting or ticking a facet keeps the undated selection.
    for form in ("form.facets", "form.controls", "form.search-form"):
        assert soup.select_one(form).find("input", attrs={"name": "year"})["value"] == "Undated"
    assert page("/search").select_one("form.facets").find("input", attrs={"name": "year"}) is None


def test_submitting_the_facet_form_applies_the_ticked_filters(page, search):
    soup = page("/search?sort=title&per_page=20")
    form = soup.select_one("form.facets")
    form.find("input", attrs={"name": "type", "value": "Report"})["checked"] = ""
    url = submit(form)
    # What the browser sends: the hidden state, the ticked box, the (empty) year fields.
    assert url_parts(url) == url_parts(
        "/search?sort=title&per_page=20&type=Report&year_from=&year_to="
    )
    reports = page(url)
    response = search(urlsplit(url).query)
    assert facet_items(reports, "type") == expected_facet(response, "type")
    assert facet_items(reports, "topic") == expected_facet(response, "topic")
    assert result_ids(reports) == [r["id"] for r in response["results"]]
    assert len(result_ids(reports)) == response["total"] == 4

    # Then a topic and a year on top: the counts change as the API says.
    form = reports.select_one("form.facets")
    form.find("input", attrs={"name": "topic", "value": USE_OF_FORCE})["checked"] = ""
    form.find("input", attrs={"name": "year_from"})["value"] = "2021"
    narrowed_url = submit(form)
    narrowed = page(narrowed_url)
    response = search(urlsplit(narrowed_url).query)
    assert facet_items(narrowed, "type") == expected_facet(response, "type")
    assert facet_items(narrowed, "topic") == expected_facet(response, "topic")
    assert with_results(histogram(narrowed)) == [
        (v["value"], html_url(v["toggle_url"]), year_count(v), v["selected"])
        for v in response["facets"]["year"]
    ]
    assert result_ids(narrowed) == [r["id"] for r in response["results"]]
    # Each facet is counted without its own selection: Guidebook/Tool still shows.
    assert (response["total"], facet_items(narrowed, "type")) == (
        1,
        [("Guidebook/Tool", "Guidebook/Tool 1 result", False), ("Report", "Report 1 result", True)],
    )


def test_unticking_a_facet_removes_it(page, search):
    form = page("/search?type=Report&type=Video").select_one("form.facets")
    del form.find("input", attrs={"name": "type", "value": "Video"})["checked"]
    url = submit(form)
    assert url_parts(url) == url_parts("/search?type=Report&year_from=&year_to=")
    assert result_ids(page(url)) == [r["id"] for r in search("type=Report")["results"]]


# --- The results list ------------------------------------------------------------------

RESULT_PAGES = [
    ("q=footage", "2 resources for “footage”"),
    ("q=training&sort=newest", "2 resources for “training”"),
    ("", "8 resources"),
    ("type=Report&per_page=3&page=2", "4 resources, showing 4–4"),
    ("per_page=3&page=2", "8 resources, showing 4–6"),
    ("q=marmalade", "1 resource for “marmalade”"),
    ("q=cit", "2 resources for “cit”"),
    ("q=quarantined", "1 resource for “quarantined”"),
    ("q=checklist", "1 resource for “checklist”"),
]


@pytest.mark.parametrize(("query", "count"), RESULT_PAGES)
def test_the_page_renders_the_json_results(page, search, query, count):
    soup = page(f"/search?{query}")
    response = search(query)
    assert result_ids(soup) == [r["id"] for r in response["results"]]
    assert cards(soup) == expected_cards(response)
    assert text(soup.select_one("#result-count")) == count
    q = response["query"]["q"]
    assert text(soup.title).startswith(f"{q} – " if q else "")
    assert text(soup.title).endswith(f"Resource search · {SITE}")


def test_a_card_in_full(page):
    soup = page("/search?q=footage")
    assert cards(soup)[0] == {
        "title": "Body Camera Footage Review",
        "title_marks": ["Footage"],
        "types": "Report, Video",
        "year": "2019",
        "topics": ["Technology Implementation", WELLNESS],
        "snippet": "How supervisors audit recorded footage",
        "snippet_marks": ["footage"],
    }
    assert soup.select_one("li.result a")["href"] == f"/resources/{FOOTAGE}"


def test_an_undated_card_says_undated(page):
    assert [card["year"] for card in cards(page("/search?q=checklist"))] == ["Undated"]
    assert [card["year"] for card in cards(page("/search?q=marmalade"))] == ["2021"]


def test_browsing_marks_nothing(page):
    assert page("/search").find("mark") is None
    assert page("/search?q=footage").find("mark") is not None


def test_the_numbered_list_starts_at_the_first_result_of_the_page(page):
    assert page("/search?per_page=3&page=2").select_one("ol.results")["start"] == "4"
    assert page("/search?per_page=3").select_one("ol.results")["start"] == "1"


# --- Active filter chips ---------------------------------------------------------------

FILTERED = "/search?q=training&topic=Use+of+Force&type=Report&year_from=2016&year_to=2023"


def chips(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """The active filter chips: what a screen reader reads, and where each goes."""
    return [(accessible_text(chip), chip["href"]) for chip in soup.select("a.chip")]


def test_one_chip_per_filter_each_linking_to_the_url_without_it(page):
    soup = page(FILTERED)
    assert chips(soup) == [
        (
            "Topic: Use of Force (remove this filter)",
            "/search?q=training&type=Report&year_from=2016&year_to=2023",
        ),
        (
            "Type: Report (remove this filter)",
            "/search?q=training&topic=Use+of+Force&year_from=2016&year_to=2023",
        ),
        (
            "Year: 2016–2023 (remove this filter)",
            "/search?q=training&topic=Use+of+Force&type=Report",
        ),
    ]
    clear = soup.select_one("a.chips__clear")
    assert (text(clear), clear["href"]) == ("Clear all filters", "/search?q=training")


def test_following_a_chip_drops_only_that_filter(page):
    before = chips(page(FILTERED))
    for index, (_, url) in enumerate(before):
        after = [label for label, _ in chips(page(url))]
        assert after == [label for i, (label, _) in enumerate(before) if i != index]


def test_clear_all_keeps_the_query_and_drops_the_filters(page, search):
    cleared = page(page(FILTERED).select_one("a.chips__clear")["href"])
    assert chips(cleared) == [] and cleared.select_one(".chips") is None
    assert cleared.find("input", attrs={"name": "q"})["value"] == "training"
    assert result_ids(cleared) == [r["id"] for r in search("q=training")["results"]]
    # Without a query, clearing goes back to the bare search page.
    assert page("/search?topic=Use+of+Force").select_one("a.chips__clear")["href"] == "/search"


def test_no_chips_without_filters(page):
    soup = page("/search?q=training&sort=newest&per_page=20")
    assert (soup.select("a.chip"), soup.select_one("a.chips__clear")) == ([], None)


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("year_from=2016", "Year: 2016–…"),
        ("year_to=2019", "Year: …–2019"),
        ("year_from=2019&year_to=2019", "Year: 2019"),
    ],
)
def test_year_chips_name_the_range(page, query, label):
    assert chips(page(f"/search?{query}")) == [(f"{label} (remove this filter)", "/search")]


# --- Zero and few results --------------------------------------------------------------


def suggestion_links(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """The suggestion notices as (what a reader reads, link)."""
    found = []
    for notice in soup.select(".notice--suggestion"):
        items = notice.find_all("li") or [notice]
        found += [(accessible_text(item), item.find("a")["href"]) for item in items]
    return found


def test_a_misspelling_offers_did_you_mean_with_its_count(page, search):
    soup = page("/search?q=marmalaid")
    assert search("q=marmalaid")["suggestions"]["did_you_mean"] == {
        "q": "marmalade",
        "total": 1,
        "url": "/search.json?q=marmalade",
    }
    assert suggestion_links(soup) == [
        ("Did you mean marmalade? (1 resource)", "/search?q=marmalade")
    ]
    assert result_ids(page("/search?q=marmalade")) == [HANDBOOK]
    assert suggestion_links(page("/search?q=marmalade")) == []


def test_filters_that_exclude_everything_offer_their_removal_with_counts(page, search):
    soup = page("/search?q=footage&type=Article")
    removals = search("q=footage&type=Article")["suggestions"]["remove_filters"]
    assert suggestion_links(soup) == [
        (
            f"Remove {r['facet']} “{r['value']}” ({r['total']} resources)",
            html_url(r["url"]),
        )
        for r in removals
    ]
    assert suggestion_links(soup) == [("Remove type “Article” (2 resources)", "/search?q=footage")]
    assert result_ids(page("/search?q=footage")) == [FOOTAGE, FILM]


def test_a_year_range_that_excludes_everything_offers_its_removal(page):
    soup = page("/search?q=footage&year_from=2020")
    assert suggestion_links(soup) == [("Remove year “2020–…” (2 resources)", "/search?q=footage")]


@pytest.mark.parametrize(
    ("url", "links"),
    [
        ("/search?q=zzxqv", [("Browse all resources", "/search")]),
        (
            "/search?q=footage&type=Article",
            [
                ("Search again without filters", "/search?q=footage"),
                ("Browse all resources", "/search"),
            ],
        ),
        (
            "/search?q=footage&type=Article&topic=Use+of+Force&year_from=2016",
            [
                ("Search again without filters", "/search?q=footage"),
                ("Browse all resources", "/search"),
            ],
        ),
    ],
)
def test_no_results_is_never_bare(page, url, links):
    soup = page(url)
    empty = soup.select_one(".empty")
    assert text(empty.find("h3")) == "Nothing matched"
    assert [(text(a), a["href"]) for a in empty.find_all("a")] == links
    assert text(empty.find("li")) == "Check the spelling, or try fewer or more general words."
    assert soup.select("li.result") == []


def test_a_page_with_results_has_no_empty_state(page):
    soup = page("/search?q=footage")
    assert (soup.select_one(".empty"), len(soup.select("li.result"))) == (None, 2)


# --- Sort and per-page controls --------------------------------------------------------


def selected_options(soup: BeautifulSoup) -> dict[str, list[str]]:
    """Each control's selected values."""
    form = soup.select_one("form.controls")
    return {
        select["name"]: [o["value"] for o in select.find_all("option") if o.has_attr("selected")]
        for select in form.find_all("select")
    }


def test_sort_and_per_page_are_a_get_form_of_labelled_selects(page):
    soup = page("/search?q=officers&type=Report&year_from=2016")
    form = soup.select_one("form.controls")
    labels = {
        select["name"]: text(soup.find("label", attrs={"for": select["id"]}))
        for select in form.find_all("select")
    }
    assert (form["method"], form["action"]) == ("get", "/search")
    assert labels == {"sort": "Sort by", "per_page": "Per page"}
    assert [o["value"] for o in form.select("select[name=sort] option")] == [
        "relevance",
        "newest",
        "oldest",
        "title",
    ]
    assert form_pairs(form) == [
        ("q", "officers"),
        ("type", "Report"),
        ("year_from", "2016"),
        ("sort", "relevance"),
        ("per_page", "10"),
    ]


@pytest.mark.parametrize(
    ("query", "selected"),
    [
        # Browsing (no words) lists newest first, and says so (issue 14, item 5).
        ("", {"sort": ["newest"], "per_page": ["10"]}),
        ("q=officers", {"sort": ["relevance"], "per_page": ["10"]}),
        ("sort=newest&per_page=20", {"sort": ["newest"], "per_page": ["20"]}),
        ("sort=title&per_page=100", {"sort": ["title"], "per_page": ["100"]}),
        # A per_page the menu does not offer is still the one selected (and kept on submit).
        ("sort=oldest&per_page=3", {"sort": ["oldest"], "per_page": ["3"]}),
    ],
)
def test_the_current_sort_and_per_page_are_selected(page, query, selected):
    assert selected_options(page(f"/search?{query}")) == selected


def test_browsing_offers_no_relevance_order(page, search):
    """Without words there is nothing to weigh: the menu shows the order results are in."""
    options = page("/search?type=Report").select("form.controls select[name=sort] option")
    assert [(o["value"], o.has_attr("selected")) for o in options] == [
        ("newest", True),
        ("oldest", False),
        ("title", False),
    ]
    assert result_ids(page("/search?type=Report")) == result_ids(
        page("/search?type=Report&sort=newest")
    )
    assert search("type=Report")["query"]["sort"] == "relevance", "the JSON is unchanged"


def test_submitting_the_controls_changes_the_order(page, search):
    form = page("/search?q=officers").select_one("form.controls")
    for option in form.select("select[name=sort] option"):
        if option["value"] == "title":
            option["selected"] = ""
        else:
            del option["selected"]
    url = submit(form)
    assert url_parts(url) == url_parts("/search?q=officers&sort=title&per_page=10")
    by_title = page(url)
    assert result_ids(by_title) == [r["id"] for r in search(urlsplit(url).query)["results"]]
    assert result_ids(by_title) != result_ids(page("/search?q=officers"))
    assert selected_options(by_title)["sort"] == ["title"]


# --- Pagination ------------------------------------------------------------------------


def pagination(soup: BeautifulSoup) -> dict:
    """The pager: its position text and its prev/next links (None when absent)."""
    nav = soup.select_one("nav.pagination")
    prev, next_ = nav.find("a", rel="prev"), nav.find("a", rel="next")
    return {
        "position": text(nav.select_one(".pagination__position")),
        "prev": prev["href"] if prev else None,
        "next": next_["href"] if next_ else None,
    }


def test_pagination_links_and_position(page):
    assert pagination(page("/search?per_page=3")) == {
        "position": "Page 1 of 3",
        "prev": None,
        "next": "/search?page=2&per_page=3",
    }
    assert pagination(page("/search?per_page=3&page=2")) == {
        "position": "Page 2 of 3",
        "prev": "/search?per_page=3",
        "next": "/search?page=3&per_page=3",
    }
    assert pagination(page("/search?per_page=3&page=3")) == {
        "position": "Page 3 of 3",
        "prev": "/search?page=2&per_page=3",
        "next": None,
    }


@pytest.mark.parametrize(
    ("url", "last"),
    [
        (
            "/search?per_page=3&page=10",
            ("Go to the last page (page 3)", "/search?page=3&per_page=3"),
        ),
        ("/search?q=footage&page=2", ("Go to the last page (page 1)", "/search?q=footage")),
    ],
)
def test_a_page_past_the_end_links_to_the_last_page(page, search, url, last):
    soup = page(url)
    assert result_ids(soup) == []
    assert text(soup.select_one("#result-count")).endswith("; this page is past the last one")
    assert suggestion_links(soup) == [last]
    assert result_ids(page(last[1])) == [
        r["id"] for r in search(urlsplit(last[1]).query)["results"]
    ]
    assert result_ids(page(last[1])) != []
    # A page with results offers no such link.
    assert suggestion_links(page(last[1])) == []


def test_one_page_of_results_has_no_pager(page):
    assert page("/search").select_one("nav.pagination") is None
    assert page("/search?per_page=7").select_one("nav.pagination") is not None


def test_following_next_and_prev_gives_the_next_and_previous_slices(page, search):
    soup = page("/search?type=Report&per_page=1")
    seen = [result_ids(soup)]
    while pagination(soup)["next"]:
        url = pagination(soup)["next"]
        soup = page(url)
        assert result_ids(soup) == [r["id"] for r in search(urlsplit(url).query)["results"]]
        seen.append(result_ids(soup))
    assert seen == [[r["id"]] for r in search("type=Report&per_page=10")["results"]]
    backwards = []
    while pagination(soup)["prev"]:
        soup = page(pagination(soup)["prev"])
        backwards.append(result_ids(soup))
    assert backwards == seen[-2::-1]


def test_pagination_keeps_the_filters(page, search):
    url = pagination(page(f"{FILTERED.replace('q=training', 'q=')}&per_page=1"))["next"]
    assert url_parts(url) == url_parts(
        "/search?topic=Use+of+Force&type=Report&year_from=2016&year_to=2023&page=2&per_page=1"
    )
    assert result_ids(page(url)) == [r["id"] for r in search(urlsplit(url).query)["results"]]


# --- Exports ---------------------------------------------------------------------------


def test_export_links_carry_the_parameters_without_the_page(page):
    soup = page("/search?q=report&topic=Use+of+Force&sort=newest&page=2&per_page=1")
    exports = {text(a): url_parts(a["href"]) for a in soup.select(".exports a")}
    pairs = url_parts("?q=report&topic=Use+of+Force&sort=newest&per_page=1")[1]
    assert exports == {
        "CSV": ("/search.csv", pairs),
        "RIS": ("/search.ris", pairs),
        "BibTeX": ("/search.bib", pairs),
        "JSON": ("/search.json", pairs),
    }
    alternate = soup.find("link", rel="alternate", type="application/json")
    assert url_parts(alternate["href"]) == ("/search.json", pairs)


def test_export_links_of_the_bare_page_have_no_query(page):
    soup = page("/search")
    assert [a["href"] for a in soup.select(".exports a")] == [
        "/search.csv",
        "/search.ris",
        "/search.bib",
        "/search.json",
    ]


def test_the_csv_export_holds_the_pages_results(client, page, search):
    soup = page("/search?type=Report&per_page=2")
    csv = client.get(soup.find("a", string="CSV")["href"])
    assert (csv.status_code, csv.mimetype) == (200, "text/csv")
    assert csv.headers["X-Total-Count"] == str(search("type=Report")["total"]) == "4"


# --- Every state is a URL --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/search",
        "/search?q=footage",
        FILTERED,
        "/search?q=marmalaid",
        "/search?type=Report&per_page=1&page=3&sort=title",
        f"/resources/{HANDBOOK}",
    ],
)
def test_the_same_url_gives_the_same_page(page, url):
    def main(soup: BeautifulSoup) -> str:
        for took in soup.select(".summary__took"):  # the time taken may differ
            took.decompose()
        return str(soup)

    assert main(page(url)) == main(page(url))


def test_every_control_is_a_get_form_or_a_link(page):
    """Each state a visitor can reach has a URL: forms are GET forms, buttons submit them."""
    soup = page(FILTERED)
    assert [(f["method"], f["action"]) for f in soup.find_all("form")] == [("get", "/search")] * 3
    assert [(b["type"], b.find_parent("form") is not None) for b in soup.find_all("button")] == [
        ("submit", True)
    ] * 3


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("q=footage", "footage – Resource search"),
        ("type=Report", "Type Report – Resource search"),
        (
            f"q=camera&topic={USE_OF_FORCE}&type=Report&year_from=2019",
            f"camera – Topic {USE_OF_FORCE}; Type Report; Year 2019–… – Resource search",
        ),
        ("", "Resource search"),
    ],
)
def test_the_title_says_what_was_searched_and_filtered(page, query, title):
    assert text(page(f"/search?{query}").title) == f"{title} · {SITE}"


def test_the_histogram_shows_the_years_between_with_no_result(page, search):
    """Years between the first and last that no result has are empty rows, each a link
    selecting that year (so the histogram reads as a time line); the JSON lists only the
    years some result has."""
    response = search("")
    dated = [int(v["value"]) for v in response["facets"]["year"] if v["value"] != "Undated"]
    missing = sorted(set(range(min(dated), max(dated) + 1)) - set(dated), reverse=True)
    assert missing  # the fixture corpus has gaps
    rows = histogram(page("/search"))
    empty = [row for row in rows if row[2] == "0 results"]
    assert empty == [
        (str(year), f"/search?year_from={year}&year_to={year}", "0 results", False)
        for year in missing
    ]
    assert [row[0] for row in rows] == [
        *(str(y) for y in range(max(dated), min(dated) - 1, -1)),
        *(["Undated"] if any(v["value"] == "Undated" for v in response["facets"]["year"]) else []),
    ]


def test_those_matching_some_of_the_words_follow_the_full_matches_under_a_heading(page, search):
    soup = page("/search?q=training+clinicians")
    some = search("q=training+clinicians")["suggestions"]["some_words"]
    assert result_ids(soup) == [HANDBOOK, *(r["id"] for r in some["results"])]
    lists = soup.select("ol.results")
    assert [[a["href"] for a in ol.select(".result__title a")] for ol in lists] == [
        [f"/resources/{HANDBOOK}"],
        [f"/resources/{r['id']}" for r in some["results"]],
    ]
    assert (text(soup.select_one("#some-words")), lists[1]["start"]) == (
        "Matching some of the words",
        "2",
    )
    assert text(soup.select_one("#result-count")) == (
        "1 resource for “training clinicians”, 1 more with some of the words"
    )
    # One per page: the second page holds the partial match alone, and the pager counts it.
    second = page("/search?q=training+clinicians&per_page=1&page=2")
    assert [ol["start"] for ol in second.select("ol.results")] == ["2"]
    assert text(second.select_one("#some-words")) == "Matching some of the words"
    assert "Page 2 of 2" in text(second.select_one(".pagination"))
    assert page("/search?q=footage").select_one("#some-words") is None
