"""Search-as-you-type completions (search_app/suggest.py) and /suggest.json."""

from __future__ import annotations

import pytest

from search_app.suggest import suggest

from .conftest import FILM, HANDBOOK, MENTAL_HEALTH, USE_OF_FORCE


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
