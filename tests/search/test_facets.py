"""Exact, disjunctive facet counts (search_app/facets.py) and the facet block of a response."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from indexer.records import Resource
from search_app import facets
from search_app.params import SearchParams

from .conftest import (
    CHECKLIST,
    FILM,
    FOOTAGE,
    HANDBOOK,
    MENTAL_HEALTH,
    OUTCOMES,
    SPREADSHEET,
    SURVEY,
    TECHNOLOGY,
    USE_OF_FORCE,
    WELLNESS,
    ids,
    ram_snapshot,
)

PARAMETER_ORDER = ("q", "topic", "type", "year_from", "year_to", "year", "sort", "page", "per_page")


def value(label: str, count: int, selected: bool = False, **params) -> dict:
    """A facet value as the response gives it; `params` are those of its toggle URL."""
    pairs = [
        (name, item)
        for name in PARAMETER_ORDER
        for item in (params[name] if isinstance(params.get(name), list) else [params.get(name)])
        if item is not None
    ]
    url = "/search.json" + ("?" + urlencode(pairs) if pairs else "")
    return {"value": label, "count": count, "selected": selected, "toggle_url": url}


# The undated bucket is selected as `year=Undated`.
UNDATED = value("Undated", 1, year="Undated")


# Unit tests on an in-memory index: two topics, two types, one resource undated.


@pytest.fixture(scope="module")
def small():
    snapshot = ram_snapshot(
        [
            Resource(id="r1", title="One", topics=("Alpha", "Beta"), types=("X",), year=2020),
            Resource(id="r2", title="Two", topics=("Alpha",), types=("X", "Y"), year=2021),
            Resource(id="r3", title="Three", topics=("Beta",), types=("Y",)),
        ]
    )
    docs = {snapshot.searcher.stored_fields(n)["id"]: n for n in range(3)}
    return snapshot, docs


def test_value_sets_are_read_per_facet_value(small):
    snapshot, docs = small
    r1, r2, r3 = docs["r1"], docs["r2"], docs["r3"]
    assert snapshot.shared.facets == facets.FacetSets(
        values={
            "topic": {"Alpha": frozenset({r1, r2}), "Beta": frozenset({r1, r3})},
            "type": {"X": frozenset({r1, r2}), "Y": frozenset({r2, r3})},
            "year": {"2020": frozenset({r1}), "2021": frozenset({r2}), "Undated": frozenset({r3})},
        },
        everything=frozenset({r1, r2, r3}),
    )


def test_union_and_year_ranges(small):
    snapshot, docs = small
    sets = snapshot.shared.facets
    assert sets.union("type", ["X", "Y"]) == frozenset(docs.values())
    assert sets.union("type", ["Z"]) == frozenset()
    assert sets.years(None, None) is None
    assert sets.years(2021, None) == frozenset({docs["r2"]})
    assert sets.years(None, 2020) == frozenset({docs["r1"]})
    assert sets.years(2022, 2030) == frozenset()


def test_counts_are_disjunctive(small):
    snapshot, docs = small
    sets = snapshot.shared.facets
    selected = facets.selections(sets, SearchParams(selected={"type": ("X",)}))
    assert selected == {"topic": None, "type": frozenset({docs["r1"], docs["r2"]}), "year": None}
    # Type counted without its own selection; topic and year within type X.
    assert facets.count(sets, sets.everything, selected) == {
        "topic": {"Alpha": 2, "Beta": 1},
        "type": {"X": 2, "Y": 2},
        "year": {"2020": 1, "2021": 1, "Undated": 0},
    }
    assert facets.intersect(sets.everything, selected) == frozenset({docs["r1"], docs["r2"]})
    assert facets.intersect(sets.everything, selected, skip="type") == sets.everything


# The facet block of /search.json over the tiny library.


TOPICS_ALL = [
    value(WELLNESS, 3, topic=WELLNESS),
    value(USE_OF_FORCE, 3, topic=USE_OF_FORCE),
    value(MENTAL_HEALTH, 2, topic=MENTAL_HEALTH),
    value(TECHNOLOGY, 2, topic=TECHNOLOGY),
]
TYPES_ALL = [
    value("Report", 3, type="Report"),
    value("Article", 2, type="Article"),
    value("Video", 2, type="Video"),
    value("Guidebook/Tool", 1, type="Guidebook/Tool"),
]
YEARS_ALL = [
    value("2023", 1, year_from=2023, year_to=2023),
    value("2021", 1, year_from=2021, year_to=2021),
    value("2019", 2, year_from=2019, year_to=2019),
    value("2017", 1, year_from=2017, year_to=2017),
    value("2015", 1, year_from=2015, year_to=2015),
    UNDATED,
]


def test_facets_of_everything(search):
    # Multi-topic and multi-type resources count once in each of their values; the
    # undated one is in its own bucket, last.
    assert search()["facets"] == {"topic": TOPICS_ALL, "type": TYPES_ALL, "year": YEARS_ALL}


def test_facets_of_a_query(search):
    assert search(q="footage")["facets"] == {
        "topic": [
            value(WELLNESS, 1, q="footage", topic=WELLNESS),
            value(TECHNOLOGY, 1, q="footage", topic=TECHNOLOGY),
            value(USE_OF_FORCE, 1, q="footage", topic=USE_OF_FORCE),
        ],
        "type": [
            value("Video", 2, q="footage", type="Video"),
            value("Report", 1, q="footage", type="Report"),
        ],
        "year": [
            value("2019", 1, q="footage", year_from=2019, year_to=2019),
            value("2015", 1, q="footage", year_from=2015, year_to=2015),
        ],
    }


def test_selecting_a_type_keeps_the_other_types_counts(search):
    response = search(type="Report")
    assert (response["total"], sorted(ids(response))) == (3, sorted([OUTCOMES, FOOTAGE, SURVEY]))
    assert response["facets"] == {
        "topic": [
            value(WELLNESS, 2, type="Report", topic=WELLNESS),
            value(MENTAL_HEALTH, 1, type="Report", topic=MENTAL_HEALTH),
            value(TECHNOLOGY, 1, type="Report", topic=TECHNOLOGY),
            value(USE_OF_FORCE, 1, type="Report", topic=USE_OF_FORCE),
        ],
        "type": [
            value("Report", 3, selected=True),
            value("Article", 2, type=["Report", "Article"]),
            value("Video", 2, type=["Report", "Video"]),
            value("Guidebook/Tool", 1, type=["Report", "Guidebook/Tool"]),
        ],
        "year": [
            value("2023", 1, type="Report", year_from=2023, year_to=2023),
            value("2019", 2, type="Report", year_from=2019, year_to=2019),
        ],
    }


def test_two_values_of_one_facet_combine_with_or(search):
    response = search(type=["Report", "Video"])
    assert sorted(ids(response)) == sorted([OUTCOMES, FOOTAGE, SURVEY, FILM])
    assert response["facets"]["type"] == [
        value("Report", 3, selected=True, type="Video"),
        value("Article", 2, type=["Report", "Video", "Article"]),
        value("Video", 2, selected=True, type="Report"),
        value("Guidebook/Tool", 1, type=["Report", "Video", "Guidebook/Tool"]),
    ]


def test_values_of_different_facets_combine_with_and(search):
    assert ids(search(type="Report", topic=USE_OF_FORCE)) == [OUTCOMES]
    assert ids(search(type="Video", topic=USE_OF_FORCE)) == [FILM]
    assert ids(search(type="Article", topic=USE_OF_FORCE)) == []


def test_selections_match_any_case_and_show_as_the_index_spells_them(search):
    response = search(type="report", topic="use of force")
    assert (ids(response), response["query"]["filters"], response["links"]["self"]) == (
        [OUTCOMES],
        {
            "topic": [USE_OF_FORCE],
            "type": ["Report"],
            "year_from": None,
            "year_to": None,
            "year": [],
        },
        "/search.json?topic=Use+of+Force&type=Report",
    )
    assert response["facets"]["type"] == [
        value("Guidebook/Tool", 1, topic=USE_OF_FORCE, type=["Report", "Guidebook/Tool"]),
        value("Report", 1, selected=True, topic=USE_OF_FORCE),
        value("Video", 1, topic=USE_OF_FORCE, type=["Report", "Video"]),
    ]


def test_an_unknown_selection_matches_nothing_and_says_so(search):
    response = search(type="Podcast")
    assert (response["total"], response["query"]["notices"]) == (
        0,
        ["No resource has the type 'Podcast'."],
    )
    assert response["facets"]["type"] == [
        value("Report", 3, type=["Podcast", "Report"]),
        value("Article", 2, type=["Podcast", "Article"]),
        value("Video", 2, type=["Podcast", "Video"]),
        value("Guidebook/Tool", 1, type=["Podcast", "Guidebook/Tool"]),
        value("Podcast", 0, selected=True),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"year_from": 2019}, [OUTCOMES, HANDBOOK, FOOTAGE, SURVEY]),
        ({"year_to": 2017}, [SPREADSHEET, FILM]),
        ({"year_from": 2016, "year_to": 2020}, [FOOTAGE, SURVEY, SPREADSHEET]),
        ({"year_from": 2019, "year_to": 2019}, [FOOTAGE, SURVEY]),
        ({"year_from": 2024}, []),
    ],
)
def test_year_ranges_open_or_closed_leave_out_undated(search, params, expected):
    assert ids(search(**params)) == expected


def test_the_year_histogram_ignores_its_own_range(search):
    assert search(year_from=2019)["facets"]["year"] == [
        value("2023", 1, selected=True, year_from=2023, year_to=2023),
        value("2021", 1, selected=True, year_from=2021, year_to=2021),
        value("2019", 2, selected=True, year_from=2019, year_to=2019),
        value("2017", 1, year_from=2017, year_to=2017),
        value("2015", 1, year_from=2015, year_to=2015),
        value("Undated", 1, year_from=2019, year="Undated"),
    ]


def test_a_single_selected_year_toggles_off(search):
    assert search(year_from=2019, year_to=2019)["facets"]["year"][2] == value(
        "2019", 2, selected=True
    )


def test_the_year_range_narrows_topic_and_type_counts(search):
    response = search(year_to=2017)
    assert (response["facets"]["topic"], response["facets"]["type"]) == (
        [
            value(TECHNOLOGY, 1, topic=TECHNOLOGY, year_to=2017),
            value(USE_OF_FORCE, 1, topic=USE_OF_FORCE, year_to=2017),
        ],
        [
            value("Article", 1, type="Article", year_to=2017),
            value("Video", 1, type="Video", year_to=2017),
        ],
    )


@pytest.mark.parametrize(
    ("facet", "label", "selected_total"),
    [("type", "Video", 2), ("topic", MENTAL_HEALTH, 2), ("year", "2019", 2)],
)
def test_following_a_toggle_url_toggles_the_value(client, facet, label, selected_total):
    def facet_value(url: str) -> tuple[int, dict]:
        response = client.get(url).get_json()
        return response["total"], next(v for v in response["facets"][facet] if v["value"] == label)

    total, before = facet_value("/search.json")
    assert (total, before["selected"]) == (7, False)
    total, after = facet_value(before["toggle_url"])
    assert (total, after["selected"]) == (selected_total, True)
    total, again = facet_value(after["toggle_url"])
    assert (total, again) == (7, before)


def test_facets_keep_paging_out_of_toggle_urls(search):
    response = search(page=2, per_page=3, sort="newest")
    assert response["facets"]["type"][0] == value(
        "Report", 3, type="Report", sort="newest", per_page=3
    )


def test_browsing_by_a_facet_lists_newest_first(search):
    assert ids(search(topic=WELLNESS)) == [OUTCOMES, FOOTAGE, CHECKLIST]
