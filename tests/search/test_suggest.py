"""Search-as-you-type completions (search_app/suggest.py) and /suggest.json."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from indexer.vocabulary import VOCABULARY_FILE
from search_app.snapshots import IndexHolder
from search_app.suggest import suggest
from tests.conftest import published_index

from .conftest import FILM, HANDBOOK, MENTAL_HEALTH, USE_OF_FORCE, VOCABULARY, write_library


def topic(label: str) -> dict:
    return {"kind": "topic", "value": label, "url": "/search?" + "topic=" + label.replace(" ", "+")}


def title(label: str, resource_id: str) -> dict:
    return {"kind": "title", "value": label, "url": f"/resources/{resource_id}"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cri", [topic(MENTAL_HEALTH), title("Crisis Intervention Team Handbook", HANDBOOK)]),
        ("CRISIS INT", [title("Crisis Intervention Team Handbook", HANDBOOK)]),
        (
            "rep",
            [
                {"kind": "type", "value": "Report", "url": "/search?type=Report"},
                title("Use of Force Reporting", FILM),
            ],
        ),
        ("use of f", [topic(USE_OF_FORCE), title("Use of Force Reporting", FILM)]),
        (
            "guide",
            [{"kind": "type", "value": "Guidebook/Tool", "url": "/search?type=Guidebook%2FTool"}],
        ),
        ("zzz", []),
        ("c", []),
        ("", []),
        ("  ", []),
    ],
)
def test_suggest_json(client, q, expected):
    response = client.get("/suggest.json", query_string={"q": q})
    assert (response.status_code, response.get_json()) == (200, {"q": q, "suggestions": expected})


def test_suggest_json_bounds_what_it_echoes(client):
    response = client.get("/suggest.json", query_string={"q": "cri" + "x" * 5000})
    assert (response.status_code, response.get_json()) == (
        200,
        {"q": "cri" + "x" * 97, "suggestions": []},
    )


def test_suggestions_stop_at_the_limit(snapshot):
    assert suggest(snapshot, "cri", limit=1) == [topic(MENTAL_HEALTH)]


def test_suggestions_ignore_control_characters(snapshot):
    assert suggest(snapshot, "cri\x00", limit=8) == suggest(snapshot, "cri", limit=8)


# The tiny library's vocabulary with aliases (as the site printed some labels over time).
ALIASED = VOCABULARY.replace(
    'name = "Use of Force"',
    'name = "Use of Force"\naliases = ["Response to Resistance", "Force Response"]',
).replace('name = "Report"', 'name = "Report"\naliases = ["After-Action Report"]')
ALIASED += '[[topic]]\nname = "Recruitment and Retention"\naliases = ["Gone Label"]\n'


@pytest.fixture(scope="module")
def aliased(tmp_path_factory):
    corpus = write_library(tmp_path_factory.mktemp("aliased") / "corpus")
    (corpus / VOCABULARY_FILE).write_text(ALIASED, encoding="utf-8")
    return IndexHolder(published_index(corpus)).snapshot()


def alias(kind: str, label: str, typed_alias: str) -> dict:
    url = "/search?" + urlencode({kind: label})
    return {"kind": kind, "value": label, "url": url, "alias": typed_alias}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # An alias's words complete to the canonical label, saying which alias they matched.
        ("respon", [topic(MENTAL_HEALTH), alias("topic", USE_OF_FORCE, "Response to Resistance")]),
        ("RESPONSE TO RES", [alias("topic", USE_OF_FORCE, "Response to Resistance")]),
        ("after-act", [alias("type", "Report", "After-Action Report")]),
        ("after-action rep", [alias("type", "Report", "After-Action Report")]),
        # Matched by its own words too: the label once, naming the alias only when the
        # typed words begin it but not the label.
        ("force", [alias("topic", USE_OF_FORCE, "Force Response")]),
        ("use of", [topic(USE_OF_FORCE)]),
        ("rep", [{"kind": "type", "value": "Report", "url": "/search?type=Report"}]),
        # An alias of a label no resource holds (here, none has that topic) suggests nothing.
        ("gone", []),
    ],
)
def test_aliases_complete_to_their_canonical_label(aliased, q, expected):
    # The facet labels suggested (titles follow them, as without aliases).
    assert [s for s in suggest(aliased, q, limit=8) if s["kind"] != "title"] == expected


def test_without_aliases_no_suggestion_names_one(snapshot):
    assert all("alias" not in s for s in suggest(snapshot, "re", limit=50))
