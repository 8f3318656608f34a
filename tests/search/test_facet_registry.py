"""The facet registry (indexer/facet_fields.py): a new facet is one entry plus its data.

The registry is extended here by a fourth multi-valued facet, `audience`, and a `Resource`
that carries it; every layer then indexes, selects, counts, shows, parses and completes it
with no other change. Without the entry, the same data and parameters are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from indexer import facet_fields
from indexer.facet_fields import Facet
from indexer.records import Resource
from search_app import create_app
from search_app.params import parse_params
from search_app.search import run_search
from search_app.suggest import suggest

from .conftest import ids, ram_snapshot

AUDIENCE = Facet("audience", "audience", "Audience", "audiences")


@dataclass(frozen=True)
class AudiencedResource(Resource):
    """A resource with the data of the new facet."""

    audiences: tuple[str, ...] = ()


RESOURCES = [
    AudiencedResource(
        id="guide",
        title="Heron Patrol Guide",
        types=("Report",),
        year=2020,
        topics=("Wetlands",),
        audiences=("Chiefs", "Trainers"),
    ),
    AudiencedResource(
        id="drills", title="Heron Drills", types=("Video",), year=2021, audiences=("Trainers",)
    ),
    AudiencedResource(id="habitat", title="Heron Habitat", types=("Report",), year=2021),
]


def searched(snapshot, **args) -> dict:
    """The response to a query string's parameters, as `/search.json` gives it."""
    return run_search(snapshot, parse_params(MultiDict(args)))


def toggle(**params) -> str:
    return "/search.json?" + urlencode(params)


@pytest.fixture
def extended(monkeypatch):
    """A snapshot of the resources indexed with the registry extended by `audience`."""
    monkeypatch.setattr(facet_fields, "FACETS", (*facet_fields.FACETS, AUDIENCE))
    return ram_snapshot(RESOURCES)


def test_the_new_facet_is_counted_and_shown_in_the_json(extended):
    response = searched(extended, q="heron")
    assert list(response["facets"]) == ["topic", "type", "year", "audience"]
    assert response["facets"]["audience"] == [
        {
            "value": "Trainers",
            "count": 2,
            "selected": False,
            "toggle_url": toggle(q="heron", audience="Trainers"),
        },
        {
            "value": "Chiefs",
            "count": 1,
            "selected": False,
            "toggle_url": toggle(q="heron", audience="Chiefs"),
        },
    ]
    assert response["query"]["filters"] == {
        "topic": [],
        "type": [],
        "year_from": None,
        "year_to": None,
        "year": [],
        "audience": [],
    }


def test_its_parameter_filters_and_its_counts_are_disjunctive(extended):
    response = searched(extended, q="heron", audience="chiefs")
    assert (ids(response), response["query"]["filters"]["audience"]) == (["guide"], ["Chiefs"])
    # Still counted without its own selection (Trainers: 2), and by the other facets' (Report: 1).
    assert [(v["value"], v["count"], v["selected"]) for v in response["facets"]["audience"]] == [
        ("Trainers", 2, False),
        ("Chiefs", 1, True),
    ]
    assert [(v["value"], v["count"]) for v in response["facets"]["type"]] == [("Report", 1)]
    assert response["facets"]["audience"][1]["toggle_url"] == toggle(q="heron")
    assert sorted(ids(searched(extended, q="heron", audience="Trainers"))) == ["drills", "guide"]
    unknown = searched(extended, q="heron", audience="Nobody")
    assert (ids(unknown), unknown["query"]["notices"]) == (
        [],
        ["No resource has the audience 'Nobody'."],
    )


def test_removing_its_filter_is_suggested(extended):
    response = searched(extended, q="heron", audience="Chiefs", type="Video")
    assert (response["total"], response["suggestions"]["remove_filters"]) == (
        0,
        [
            # Equal totals keep the registry's order.
            {
                "facet": "type",
                "value": "Video",
                "total": 1,
                "url": toggle(q="heron", audience="Chiefs"),
            },
            {
                "facet": "audience",
                "value": "Chiefs",
                "total": 1,
                "url": toggle(q="heron", type="Video"),
            },
        ],
    )


def test_a_query_may_name_it(extended):
    assert sorted(ids(searched(extended, q="heron audience:trainers"))) == ["drills", "guide"]
    assert ids(searched(extended, q="heron -audience:trainers")) == ["habitat"]
    assert searched(extended, q="audience:nobody")["query"]["notices"] == [
        "No audience matches 'nobody'."
    ]


def test_its_labels_are_completed_as_a_visitor_types(extended):
    assert suggest(extended, "trai", 5) == [
        {"kind": "audience", "value": "Trainers", "url": "/search?audience=Trainers"}
    ]
    assert suggest(extended, "wetl", 5) == [
        {"kind": "topic", "value": "Wetlands", "url": "/search?topic=Wetlands"}
    ]


class _Holder:
    """Stands in for the app's index holder, with an in-memory snapshot."""

    def __init__(self, snapshot):
        self._snapshot = snapshot

    def snapshot(self):
        return self._snapshot


def test_the_search_page_shows_its_values_chip_and_selection(extended, tmp_path):
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)})
    app.extensions["index_holder"] = _Holder(extended)
    page = app.test_client().get("/search?q=heron&audience=Chiefs")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    legends = [legend.get_text(strip=True) for legend in soup.select(".facets legend")]
    assert legends == ["Topic", "Type", "Audience", "Year"]
    boxes = soup.select('.facets input[name="audience"]')
    assert [(box["value"], box.has_attr("checked")) for box in boxes] == [
        ("Trainers", False),
        ("Chiefs", True),
    ]
    chips = [chip.get_text(" ", strip=True) for chip in soup.select(".chip")]
    assert chips == ["Audience: Chiefs × (remove this filter)"]
    hidden = soup.select('.search-form input[type="hidden"]')
    assert [(field["name"], field["value"]) for field in hidden] == [("audience", "Chiefs")]


def test_without_its_entry_the_same_data_and_parameter_are_ignored():
    snapshot = ram_snapshot(RESOURCES)
    response = searched(snapshot, q="heron", audience="Chiefs")
    assert (list(response["facets"]), sorted(ids(response))) == (
        ["topic", "type", "year"],
        ["drills", "guide", "habitat"],
    )
    assert "audience" not in response["query"]["filters"]
    assert suggest(snapshot, "trai", 5) == []
