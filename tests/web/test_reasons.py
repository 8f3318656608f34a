"""Why each result matched, in plain words, under each result (issue 14, item 7)."""

from __future__ import annotations

import pytest

from search_app.reasons import BY_LABEL, match_reasons
from tests.search.conftest import MENTAL_HEALTH

from .conftest import text


def why(soup) -> list[str]:
    return [text(p) for p in soup.select(".result__why")]


@pytest.mark.parametrize(
    ("query", "reasons"),
    [
        (
            "cit",
            [
                "Matched in the title, topic: Mental Health and Crisis Response, also searched"
                " crisis intervention team for CIT",
                "Matched in the title, topic: Mental Health and Crisis Response",
            ],
        ),
        ("footage", ["Matched in the title, in the description", "Matched in the text"]),
        ("marmalade", ["Matched in the description"]),
    ],
)
def test_each_result_says_why_it_matched(page, query, reasons):
    assert why(page(f"/search?q={query}")) == reasons


def test_browsing_has_no_reasons(page):
    assert why(page("/search?type=Report")) == []


def test_a_result_found_by_a_label_alone_still_says_why():
    result = {"title": "A Survey", "topics": [MENTAL_HEALTH], "matched_fields": [], "snippet": ""}
    assert match_reasons(result, "guidebook", []) == [BY_LABEL]
    named = {**result, "matched_fields": ["topics"]}
    assert match_reasons(named, "mental health", []) == [f"topic: {MENTAL_HEALTH}"]
