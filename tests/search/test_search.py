"""Ranking, sorting, did-you-mean, filter-removal suggestions and browsing (search_app/search.py)."""

from __future__ import annotations

import pytest

from indexer.records import Resource
from search_app.params import SearchParams
from search_app.search import export_hits, find_resource, related, run_search

from .conftest import (
    ALL_IDS_NEWEST_FIRST,
    CHECKLIST,
    FILM,
    FOOTAGE,
    HANDBOOK,
    OUTCOMES,
    SPREADSHEET,
    SURVEY,
    ids,
    ram_snapshot,
)

# Fillers of the same length, so that field lengths do not decide the ranking tests.
TITLE = "Field Notes"
TOPIC = "Marsh Habitat"
DESCRIPTION = "notes about wetland birds"
BODY = "long notes about wetland birds seen during the spring survey"


def resource(resource_id: str, year: int | None = None, **fields) -> Resource:
    defaults = {"title": TITLE, "topics": (TOPIC,), "description": DESCRIPTION, "body": BODY}
    return Resource(id=resource_id, year=year, **{**defaults, **fields})


def search(snapshot, q: str = "", **params) -> list[str]:
    return ids(run_search(snapshot, SearchParams(q=q, **params)))


def test_title_ranks_above_topics_above_description_above_body():
    # The same word in a different field of each; the oldest has it in its title, so the
    # newer-year tie-break cannot explain the order.
    snapshot = ram_snapshot(
        [
            resource("in-body", 2023, body=BODY.replace("spring", "heron")),
            resource("in-description", 2022, description=DESCRIPTION.replace("birds", "heron")),
            resource("in-topics", 2021, topics=("Heron Habitat",)),
            resource("in-title", 2020, title="Heron Notes"),
        ]
    )
    assert search(snapshot, "heron") == ["in-title", "in-topics", "in-description", "in-body"]


def test_results_report_the_fields_they_matched_in():
    snapshot = ram_snapshot(
        [
            resource("in-body", 2023, body=BODY.replace("spring", "heron")),
            resource("in-title-and-topics", 2021, title="Heron Notes", topics=("Heron Habitat",)),
        ]
    )
    results = run_search(snapshot, SearchParams(q="heron"))["results"]
    assert [(r["id"], r["matched_fields"]) for r in results] == [
        ("in-title-and-topics", ["title", "topics"]),
        ("in-body", ["body"]),
    ]


def test_relevance_ties_are_broken_by_newer_year_undated_last():
    snapshot = ram_snapshot(
        [resource("y2010", 2010), resource("undated"), resource("y2020", 2020)]
        + [resource("y2015", 2015)]
    )
    results = run_search(snapshot, SearchParams(q="wetland"))["results"]
    assert [r["id"] for r in results] == ["y2020", "y2015", "y2010", "undated"]
    assert len({r["score"] for r in results}) == 1


def test_a_tie_across_pages_keeps_the_newest_first_order():
    """Only the page's best scores are sorted; a tie across the page's end still goes
    newest first, so paging one result at a time gives every tied result once."""
    years = [2011, 2019, None, 2015, 2023, 2017]
    snapshot = ram_snapshot([resource(f"r{n}", year) for n, year in enumerate(years)])
    pages = [
        run_search(snapshot, SearchParams(q="wetland", page=page, per_page=1))["results"]
        for page in range(1, len(years) + 1)
    ]
    assert [page[0]["year"] for page in pages] == [2023, 2019, 2017, 2015, 2011, None]


def test_repeated_query_words_keep_their_weight():
    # Each document has both words, one of them three times: "apple banana" is a tie, which
    # the newer year breaks; repeating a word favours the document richer in it.
    snapshot = ram_snapshot(
        [
            resource("apples", 2010, description="apple apple apple banana"),
            resource("bananas", 2020, description="banana banana banana apple"),
        ]
    )
    assert search(snapshot, "apple banana") == ["bananas", "apples"]
    assert search(snapshot, "apple apple banana") == ["apples", "bananas"]
    assert search(snapshot, "apple banana banana") == ["bananas", "apples"]
    assert search(snapshot, "banana apple apple") == ["apples", "bananas"]


def test_sort_orders_with_a_query():
    snapshot = ram_snapshot(
        [
            resource("bravo-2019", 2019, title="Bravo Wetland"),
            resource("alpha-undated", title="Alpha Wetland"),
            resource("charlie-2021", 2021, title="Charlie Wetland"),
            resource("delta-2015", 2015, title="Delta Wetland"),
        ]
    )
    assert search(snapshot, "wetland", sort="newest") == [
        "charlie-2021",
        "bravo-2019",
        "delta-2015",
        "alpha-undated",
    ]
    assert search(snapshot, "wetland", sort="oldest") == [
        "delta-2015",
        "bravo-2019",
        "charlie-2021",
        "alpha-undated",
    ]
    assert search(snapshot, "wetland", sort="title") == [
        "alpha-undated",
        "bravo-2019",
        "charlie-2021",
        "delta-2015",
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("relevance", ALL_IDS_NEWEST_FIRST),
        ("newest", ALL_IDS_NEWEST_FIRST),
        # Years tie (2019): title order; the undated resource last.
        ("oldest", [FILM, SPREADSHEET, FOOTAGE, SURVEY, HANDBOOK, OUTCOMES, CHECKLIST]),
        # Leading punctuation is ignored: "=SUM(A1) Spreadsheet Safety" sorts under S.
        ("title", [FOOTAGE, SURVEY, HANDBOOK, OUTCOMES, SPREADSHEET, FILM, CHECKLIST]),
    ],
)
def test_sort_orders_when_browsing(snapshot, sort, expected):
    assert search(snapshot, per_page=20, sort=sort) == expected


def test_scores_only_for_relevance_order(snapshot):
    relevance = run_search(snapshot, SearchParams(q="footage"))["results"]
    newest = run_search(snapshot, SearchParams(q="footage", sort="newest"))["results"]
    assert [type(r["score"]) for r in relevance] == [float, float]
    assert [r["score"] for r in newest] == [None, None]


@pytest.mark.parametrize(
    ("q", "sort", "expected"),
    [
        ("wellness", "newest", [OUTCOMES, FOOTAGE, CHECKLIST]),
        ("wellness", "oldest", [FOOTAGE, OUTCOMES, CHECKLIST]),
        ("footage", "oldest", [FILM, FOOTAGE]),
        ("footage", "newest", [FOOTAGE, FILM]),
    ],
)
def test_undated_resources_sort_last_by_year(snapshot, q, sort, expected):
    assert search(snapshot, q, sort=sort) == expected


def test_an_empty_query_lists_every_resource_newest_first(snapshot):
    response = run_search(snapshot, SearchParams(per_page=20))
    assert (response["query"]["mode"], response["total"], ids(response)) == (
        "browse",
        7,
        ALL_IDS_NEWEST_FIRST,
    )
    assert {(r["score"], tuple(r["matched_fields"])) for r in response["results"]} == {(None, ())}


def test_did_you_mean_offers_a_respelling_with_its_total(snapshot):
    response = run_search(snapshot, SearchParams(q="clinicans"))
    assert (response["total"], response["suggestions"]["did_you_mean"]) == (
        0,
        {"q": "clinicians", "total": 1, "url": "/search.json?q=clinicians"},
    )


def test_did_you_mean_keeps_the_words_spelled_right(snapshot):
    response = run_search(snapshot, SearchParams(q="scenario clinicans", sort="newest"))
    assert response["suggestions"]["did_you_mean"] == {
        "q": "scenario clinicians",
        "total": 1,
        "url": "/search.json?q=scenario+clinicians&sort=newest",
    }


def test_no_did_you_mean_for_words_in_the_index(snapshot):
    response = run_search(snapshot, SearchParams(q="clinicians"))
    assert (ids(response), response["suggestions"]["did_you_mean"]) == ([HANDBOOK], None)


def test_filter_removal_suggested_when_few_results(snapshot):
    response = run_search(
        snapshot,
        SearchParams(q="footage", selected={"topic": ("Use of Force",), "type": ("Report",)}),
    )
    assert (response["total"], response["suggestions"]["remove_filters"]) == (
        0,
        [
            {
                "facet": "topic",
                "value": "Use of Force",
                "total": 1,
                "url": "/search.json?q=footage&type=Report",
            },
            {
                "facet": "type",
                "value": "Report",
                "total": 1,
                "url": "/search.json?q=footage&topic=Use+of+Force",
            },
        ],
    )


def test_year_range_removal_suggested_when_few_results(snapshot):
    response = run_search(snapshot, SearchParams(q="training", year_from=2022))
    assert (ids(response), response["suggestions"]["remove_filters"]) == (
        [OUTCOMES],
        [{"facet": "year", "value": "2022–…", "total": 2, "url": "/search.json?q=training"}],
    )


def test_type_removal_suggested_with_the_total_it_gives(snapshot):
    response = run_search(snapshot, SearchParams(q="training", selected={"type": ("Video",)}))
    assert (response["total"], response["suggestions"]["remove_filters"]) == (
        0,
        [{"facet": "type", "value": "Video", "total": 2, "url": "/search.json?q=training"}],
    )


def test_no_filter_removal_suggested_with_enough_results(snapshot):
    response = run_search(snapshot, SearchParams(year_from=2015))
    assert (response["total"], response["suggestions"]) == (
        6,
        {"did_you_mean": None, "remove_filters": [], "some_words": {"total": 0, "results": []}},
    )


def test_export_hits_gives_every_match_in_result_order(snapshot):
    total, rows = export_hits(snapshot, SearchParams(per_page=2, page=3), limit=100)
    assert (total, [row["id"] for row in rows]) == (7, ALL_IDS_NEWEST_FIRST)


def test_export_hits_stops_at_the_limit(snapshot):
    total, rows = export_hits(snapshot, SearchParams(q="footage"), limit=1)
    assert (total, [row["id"] for row in rows]) == (2, [FOOTAGE])


def test_find_resource(snapshot):
    docnum, fields = find_resource(snapshot, SURVEY)
    assert (fields["id"], fields["title"], fields["year"]) == (
        SURVEY,
        "CIT Coordinator Survey",
        2019,
    )
    assert find_resource(snapshot, "no-such-resource") is None


def test_related_resources_share_words_and_topics_but_not_the_resource_itself(snapshot):
    docnum, fields = find_resource(snapshot, HANDBOOK)
    found = related(snapshot, docnum, fields, top=5)
    assert HANDBOOK not in [r["id"] for r in found]
    assert [r["id"] for r in found] == [OUTCOMES, SURVEY, FILM]
    assert found[0] == {
        "id": OUTCOMES,
        "title": "De-escalation Training Outcomes",
        "year": 2023,
        "types": ["Report"],
    }
