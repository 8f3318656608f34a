"""The library's labels, whatever the page printed (issue 13): aliases and variant spellings
of the vocabulary resolve to canonical labels in selections, `topic:`/`type:` clauses and
toggle URLs (search_app/search.py `canonical`, query.py `facet_filter`, querytext.py
`named_label`); and the undated resources can be selected (`year=Undated`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.records import Resource
from indexer.store import IndexStore
from indexer.vocabulary import VOCABULARY_FILE
from search_app.params import SearchParams
from search_app.search import run_search
from search_app.snapshots import IndexHolder
from tests.conftest import published_index

from .conftest import (
    CHECKLIST,
    FILM,
    FOOTAGE,
    HANDBOOK,
    OUTCOMES,
    SURVEY,
    USE_OF_FORCE,
    VOCABULARY,
    ids,
    ram_snapshot,
    write_library,
)

# The tiny library's vocabulary, with the labels other pages of the site print.
ALIASED_VOCABULARY = VOCABULARY.replace(
    'name = "Use of Force"',
    'name = "Use of Force"\naliases = ["Response to Resistance", "Force Response"]',
).replace('name = "Report"', 'name = "Report"\naliases = ["After-Action Report"]')
USE_OF_FORCE_IDS = sorted([HANDBOOK, FILM, OUTCOMES])
REPORT_IDS = sorted([SURVEY, FOOTAGE, OUTCOMES])
SHOWING_TOPIC = "Showing topic 'Use of Force' for 'Response to Resistance'."
SHOWING_TYPE = "Showing type 'Report' for 'After-Action Report'."


@pytest.fixture(scope="module")
def aliased(tmp_path_factory) -> Path:
    """The tiny library's index, built with a vocabulary that has aliases."""
    corpus = write_library(tmp_path_factory.mktemp("aliased") / "corpus")
    (corpus / VOCABULARY_FILE).write_text(ALIASED_VOCABULARY, encoding="utf-8")
    return published_index(corpus)


@pytest.fixture(scope="module")
def snapshot(aliased):
    return IndexHolder(aliased).snapshot()


def searched(snapshot, **params) -> dict:
    """What a search found and said: its ids (sorted), notices, filters and own link."""
    response = run_search(snapshot, SearchParams(**params))
    return {
        "ids": sorted(ids(response)),
        "notices": response["query"]["notices"],
        "filters": {k: v for k, v in response["query"]["filters"].items() if v},
        "self": response["links"]["self"],
    }


def test_the_published_version_keeps_its_vocabulary(aliased):
    published = IndexStore(aliased).published()
    assert (published.path / VOCABULARY_FILE).read_text("utf-8") == ALIASED_VOCABULARY


@pytest.mark.parametrize("alias", ["Response to Resistance", "RESPONSE  TO resistance"])
def test_a_topic_alias_selects_the_canonical_topic_and_says_so(snapshot, alias):
    assert searched(snapshot, selected={"topic": (alias,)}) == {
        "ids": USE_OF_FORCE_IDS,
        "notices": [f"Showing topic 'Use of Force' for {alias!r}."],
        "filters": {"topic": [USE_OF_FORCE]},
        "self": "/search.json?topic=Use+of+Force",
    }
    # The canonical label itself, in any case, needs no notice.
    assert searched(snapshot, selected={"topic": ("use of force",)})["notices"] == []


def test_a_type_alias_with_another_dash_selects_the_canonical_type(snapshot):
    assert searched(snapshot, selected={"type": ("After\u2013Action Report",)}) == {
        "ids": REPORT_IDS,
        "notices": ["Showing type 'Report' for 'After\u2013Action Report'."],
        "filters": {"type": ["Report"]},
        "self": "/search.json?type=Report",
    }


def test_a_label_neither_indexed_nor_an_alias_finds_nothing(snapshot):
    assert searched(snapshot, selected={"topic": ("Response to Riots",)}) == {
        "ids": [],
        "notices": ["No resource has the topic 'Response to Riots'."],
        "filters": {"topic": ["Response to Riots"]},
        "self": "/search.json?topic=Response+to+Riots",
    }


def test_toggle_urls_use_the_canonical_labels(snapshot):
    response = run_search(
        snapshot, SearchParams(selected={"topic": ("Force Response",), "type": ("Video",)})
    )
    topics = {value["value"]: value for value in response["facets"]["topic"]}
    assert topics[USE_OF_FORCE] == {
        "value": USE_OF_FORCE,
        "count": 1,
        "selected": True,
        "toggle_url": "/search.json?type=Video",
    }
    types = {value["value"]: value for value in response["facets"]["type"]}
    assert types["Report"]["toggle_url"] == (
        "/search.json?topic=Use+of+Force&type=Video&type=Report"
    )
    assert (ids(response), response["query"]["notices"]) == (
        [FILM],
        ["Showing topic 'Use of Force' for 'Force Response'."],
    )


@pytest.mark.parametrize(
    ("q", "expected", "notices"),
    [
        ('topic:"Response to Resistance"', USE_OF_FORCE_IDS, [SHOWING_TOPIC]),
        ('topic:"use of force"', USE_OF_FORCE_IDS, []),
        ('type:"After-Action Report"', REPORT_IDS, [SHOWING_TYPE]),
        # Excluded through an alias, too.
        (
            '-type:"After-Action Report"',
            sorted([HANDBOOK, CHECKLIST, FILM, "spreadsheet-safety"]),
            [SHOWING_TYPE],
        ),
        # An alias is matched whole: part of one is no label.
        ('topic:"response to"', [], ["No topic matches 'response to'."]),
    ],
)
def test_facet_clauses_resolve_aliases(snapshot, q, expected, notices):
    found = searched(snapshot, q=q)
    assert (found["ids"], found["notices"]) == (expected, notices)


def test_without_a_vocabulary_an_alias_is_an_unknown_label():
    resources = [Resource(id="r1", title="One", topics=("Use of Force",), year=2020)]
    plain = ram_snapshot(resources)
    with_aliases = ram_snapshot(resources, vocabulary=ALIASED_VOCABULARY)
    selection = {"topic": ("Response to Resistance",)}
    assert searched(plain, selected=selection)["ids"] == []
    assert searched(with_aliases, selected=selection)["ids"] == ["r1"]
    assert searched(plain, q='topic:"force response"')["notices"] == [
        "No topic matches 'force response'."
    ]
    assert searched(with_aliases, q='topic:"force response"')["ids"] == ["r1"]


# --- The undated resources -----------------------------------------------------------------


def undated_value(response: dict) -> dict:
    return next(v for v in response["facets"]["year"] if v["value"] == "Undated")


@pytest.mark.parametrize("spelling", ["Undated", "undated"])
def test_year_undated_lists_only_the_undated(search, spelling):
    response = search(year=spelling)
    assert (ids(response), response["total"], response["query"]["filters"]["year"]) == (
        [CHECKLIST],
        1,
        ["Undated"],
    )
    assert undated_value(response) == {
        "value": "Undated",
        "count": 1,
        "selected": True,
        "toggle_url": "/search.json",
    }
    everything = search()
    assert (everything["total"], undated_value(everything)["selected"]) == (7, False)


def test_undated_adds_to_a_year_range_as_one_facet(search):
    response = search(year_from=2021, year="Undated", sort="newest")
    assert ids(response) == [OUTCOMES, HANDBOOK, CHECKLIST]
    assert undated_value(response)["toggle_url"] == "/search.json?year_from=2021&sort=newest"
    assert ids(search(year_from=2021, sort="newest")) == [OUTCOMES, HANDBOOK]


def test_undated_with_words_and_a_removal_suggestion(search):
    response = search(q="wellness", year="Undated")
    assert ids(response) == [CHECKLIST]
    assert search(q="footage", year="Undated")["suggestions"]["remove_filters"] == [
        {"facet": "year", "value": "Undated", "total": 2, "url": "/search.json?q=footage"}
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2019", "year must be 'Undated' (a range of years is year_from and year_to; got '2019')"),
        ("none", "year must be 'Undated' (a range of years is year_from and year_to; got 'none')"),
    ],
)
def test_other_year_values_are_refused(client, value, message):
    response = client.get("/search.json", query_string={"year": value})
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": {"status": 400, "message": message}},
    )


def test_a_new_version_parses_its_vocabulary_only_when_it_changed(tmp_path):
    corpus = write_library(tmp_path / "corpus")
    (corpus / VOCABULARY_FILE).write_text(ALIASED_VOCABULARY, encoding="utf-8")
    index = published_index(corpus)
    holder = IndexHolder(index)
    first = holder.snapshot()
    assert (
        searched(first, selected={"topic": ("Response to Resistance",)})["ids"] == USE_OF_FORCE_IDS
    )
    page = corpus / "resources" / f"{HANDBOOK}.html"
    page.write_text(page.read_text("utf-8").replace("</article>", "<p>More.</p></article>"))
    published_index(corpus, index)  # the same vocabulary, another version
    second = holder.snapshot()
    assert second.version != first.version
    assert second.shared.vocabulary is first.shared.vocabulary  # not parsed again
    (corpus / VOCABULARY_FILE).write_text(VOCABULARY, encoding="utf-8")
    published_index(corpus, index)  # the aliases taken out
    third = holder.snapshot()
    assert third.shared.vocabulary is not first.shared.vocabulary
    assert searched(third, selected={"topic": ("Response to Resistance",)})["ids"] == []
