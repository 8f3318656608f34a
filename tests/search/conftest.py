"""Fixtures of the search tests: a tiny library, its index, the app and its test client.

Fixtures chain like flaskr's: `library` (corpus files in a temporary folder) -> `library_index`
(built and published with `indexer.build.build`) -> `app` -> `client`, the chain every suite
shares (`tests.conftest.define_app_fixtures`). They are built once per session: no test changes
them. A test that publishes a new index builds its own copy with `write_library`.

`ram_snapshot` builds an in-memory index (Whoosh's `RamStorage`) from `Resource` records, for
unit tests of ranking and parsing that need documents shaped exactly so.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest
from whoosh.filedb.filestore import RamStorage

from indexer.records import Resource
from indexer.schema import make_schema, text_words, to_document
from indexer.thesaurus import parse_thesaurus
from indexer.vocabulary import parse_vocabulary
from search_app.facets import FacetSets
from search_app.query import QueryBuilder
from search_app.snapshots import IndexHolder, Shared, Snapshot, ranking
from tests.conftest import define_app_fixtures

VOCABULARY = """\
[[topic]]
name = "Use of Force"

[[topic]]
name = "Mental Health and Crisis Response"

[[topic]]
name = "Technology Implementation"

[[topic]]
name = "Officer Safety and Wellness"

[[type]]
name = "Report"

[[type]]
name = "Video"

[[type]]
name = "Guidebook/Tool"

[[type]]
name = "Article"
"""

THESAURUS = """\
# Acronyms of the tiny library.
CIT = crisis intervention team
BWC = body camera
"""

USE_OF_FORCE = "Use of Force"
MENTAL_HEALTH = "Mental Health and Crisis Response"
TECHNOLOGY = "Technology Implementation"
WELLNESS = "Officer Safety and Wellness"

# The ids of the tiny library, and what each is there to test.
HANDBOOK = "crisis-intervention-team-handbook"  # multi-topic; "marmalade", "clinicians"
SURVEY = "cit-coordinator-survey"  # the acronym CIT in its title
FOOTAGE = "body-camera-footage-review"  # multi-type; hostile text and "zeppelin" in its body
CHECKLIST = "wellness-checklist-for-night-shifts"  # undated
FILM = "use-of-force-reporting"  # oldest; "review" and "footage" apart in its body
SPREADSHEET = "spreadsheet-safety"  # a title a spreadsheet would run as a formula
OUTCOMES = "de-escalation-training-outcomes"  # newest; "training" in its title

# id, title, types, year, topics, description, body (HTML as the page holds it).
RESOURCES = [
    (
        HANDBOOK,
        "Crisis Intervention Team Handbook",
        ["Guidebook/Tool"],
        2021,
        [MENTAL_HEALTH, USE_OF_FORCE],
        "<p>A field guide to the marmalade referral model for patrol officers.</p>",
        "<section><h2>Curriculum</h2><p>Forty hours of scenario training alongside"
        " clinicians.</p></section>",
    ),
    (
        SURVEY,
        "CIT Coordinator Survey",
        ["Report"],
        2019,
        [MENTAL_HEALTH],
        "<p>Answers from coordinators in rural counties.</p>",
        "",
    ),
    (
        FOOTAGE,
        "Body Camera Footage Review",
        ["Report", "Video"],
        2019,
        [TECHNOLOGY, WELLNESS],
        "<p>How supervisors audit recorded footage.</p>",
        "<p>Auditors flagged a clip captioned &lt;script&gt;alert('zeppelin')&lt;/script&gt;"
        " during the audit.</p>",
    ),
    (
        CHECKLIST,
        "Wellness Checklist for Night Shifts",
        ["Article"],
        None,
        [WELLNESS],
        "<p>Sleep, hydration and peer support.</p>",
        "",
    ),
    (
        FILM,
        "Use of Force Reporting",
        ["Video"],
        2015,
        [USE_OF_FORCE],
        "<p>A short film on documenting incidents.</p>",
        "<p>Each review covered archived footage from the incident.</p>",
    ),
    (
        SPREADSHEET,
        "=SUM(A1) Spreadsheet Safety",
        ["Article"],
        2017,
        [TECHNOLOGY],
        "<p>Why exported cells need care.</p>",
        "",
    ),
    (
        OUTCOMES,
        "De-escalation Training Outcomes",
        ["Report"],
        2023,
        [USE_OF_FORCE, WELLNESS],
        "<p>Measured reductions in injuries after training.</p>",
        "",
    ),
]
ALL_IDS_NEWEST_FIRST = [OUTCOMES, HANDBOOK, FOOTAGE, SURVEY, SPREADSHEET, FILM, CHECKLIST]
# The resources the `Use of Force` topic page lists as cards (the others have only a page).
LISTED = (HANDBOOK, FILM, OUTCOMES)
LISTING_PATH = "topics/use-of-force/page-1.html"

TEST_EXPORT_LIMIT = 5


def meta(types: list[str], year: int | None) -> str:
    """A `resource-meta` text: `TYPES | YEAR`, or the types alone when undated."""
    return ", ".join(types) + ("" if year is None else f" | {year}")


def resource_page(resource_id, title, types, year, topics, description, body) -> str:
    """A resource page in the format the README documents."""
    items = "".join(f"<li>{escape(topic)}</li>" for topic in topics)
    text = f'<div class="resource-description">{description}</div>' if description else ""
    text += f'<div class="resource-body">{body}</div>' if body else ""
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)} | Knowledge Lab</title>"
        f'<link rel="canonical" href="/resources/{resource_id}/"></head><body>'
        f'<article class="resource"><h1 class="resource-title">{escape(title)}</h1>'
        f'<p class="resource-meta">{meta(types, year)}</p>'
        f'<ul class="resource-topics">{items}</ul>{text}</article></body></html>'
    )


def listing_page(heading: str, resources) -> str:
    """A topic page with one resource card per resource."""
    cards = "".join(
        f'<article class="resource-card"><p class="resource-meta">{meta(types, year)}</p>'
        f'<h3 class="resource-title"><a href="/resources/{resource_id}/">{escape(title)}</a>'
        f'</h3><ul class="resource-topics">{"".join(f"<li>{escape(t)}</li>" for t in topics)}'
        "</ul></article>"
        for resource_id, title, types, year, topics, *_ in resources
    )
    return (
        f"<!DOCTYPE html><html><head><title>{heading}</title></head><body>"
        f"<h1>{heading}</h1><div>{cards}</div></body></html>"
    )


def write_library(root: Path, resources=RESOURCES) -> Path:
    """Write the tiny library's corpus (vocabulary, thesaurus, pages) into a folder."""
    (root / "resources").mkdir(parents=True, exist_ok=True)
    (root / "vocabulary.toml").write_text(VOCABULARY, encoding="utf-8")
    (root / "thesaurus.txt").write_text(THESAURUS, encoding="utf-8")
    for resource in resources:
        page = root / "resources" / f"{resource[0]}.html"
        page.write_text(resource_page(*resource), encoding="utf-8")
    listing = root / LISTING_PATH
    listing.parent.mkdir(parents=True, exist_ok=True)
    listed = [r for r in resources if r[0] in LISTED]
    listing.write_text(listing_page(USE_OF_FORCE, listed), encoding="utf-8")
    return root


# The tiny library, its index, the app (with a small export cap and no rate limit: the suite
# sends hundreds of requests a minute from one address) and its client.
library, library_index, app, client = define_app_fixtures(
    write_library,
    {"TESTING": True, "EXPORT_LIMIT": TEST_EXPORT_LIMIT, "RATE_LIMIT": ""},
    "library",
)


@pytest.fixture(scope="session")
def snapshot(library_index: Path) -> Snapshot:
    """The tiny library's published index as the app holds it (for Flask-free tests)."""
    return IndexHolder(library_index).snapshot()


@pytest.fixture(scope="session")
def search(client):
    """GET /search.json with parameters; the JSON body (asserting a 200)."""

    def get(**params) -> dict:
        response = client.get("/search.json", query_string=params)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


def ids(response: dict) -> list[str]:
    """The ids of a response's results, in order."""
    return [result["id"] for result in response["results"]]


def analyze(text: str) -> list[str]:
    """Words as the index analyses them (for parsing a thesaurus)."""
    return text_words()(text)


def ram_snapshot(resources: list[Resource], thesaurus: str = "", vocabulary: str = "") -> Snapshot:
    """A snapshot of an in-memory index of the resources, as the app would hold it (with the
    aliases of a vocabulary file's text, if given)."""
    index = RamStorage().create_index(make_schema())
    writer = index.writer()
    for resource in resources:
        writer.add_document(**to_document(resource))
    writer.commit()
    searcher = index.searcher(weighting=ranking())
    words = parse_thesaurus(thesaurus, analyze)
    aliases = parse_vocabulary(vocabulary) if vocabulary else None
    shared = Shared("v-test", {"built_at": None}, FacetSets.read(searcher), words, None, aliases)
    builder = QueryBuilder(searcher, words, vocabulary=aliases, speller=shared.speller)
    return Snapshot(shared, searcher, builder)
