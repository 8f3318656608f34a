"""Shared fixtures: a tiny corpus with distinctive words, and the index built from it; and the
search app's fixture chain every suite that serves an index uses (`define_app_fixtures`).

Fixtures chain like flaskr's: `corpus` -> `index_dir` for the indexer's tests, and
`library` -> `library_index` -> `app` -> `client` for the search, web, hardening and browser
suites, each over its own library. The helpers below write pages in the corpus format of the
README, so a test can add the one page it is about next to the fixture's good ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from indexer.build import build
from indexer.store import IndexStore
from indexer.whoosh_internals import apply_fixes

VOCABULARY = """\
[ignore]
labels = ["A Law Enforcement Officer's Duty Belt"]

[[topic]]
name = "Use of Force"

[[topic]]
name = "Officer Safety and Wellness"

[[topic]]
name = "Response to Mass Demonstrations"
aliases = ["Mass Demonstration Response"]

[[topic]]
name = "Technology Implementation"

[[type]]
name = "Guidebook/Tool"

[[type]]
name = "Report"

[[type]]
name = "Article"

[[type]]
name = "Video"
"""

# The ids of the fixture corpus's resources, and the words only one of them contains.
CAMERAS = "body-cameras-on-us-patrols"
CAFE = "cafe-protocols"
QUOKKA = "quokka-field-notes"
ZEBRAFISH = "zebrafish-drills"
FIXTURE_IDS = [CAMERAS, CAFE, QUOKKA, ZEBRAFISH]

# Property tests assert behaviour, never time: no per-example deadline (a shared, busy machine
# made one take 276 ms against Hypothesis's default 200 ms, a failure unrelated to the code).
settings.register_profile("project", deadline=None)
settings.load_profile("project")


@pytest.fixture(autouse=True, scope="session")
def whoosh_fixes() -> None:
    """Every test runs on Whoosh as the build and the app run it: with the fixes applied
    (tests of in-memory indexes open none through the build or the app)."""
    apply_fixes()


def write_page(corpus: Path, relpath: str, html: str | bytes) -> Path:
    """Write one file of a corpus (text as UTF-8, bytes as they are), folders included."""
    path = corpus / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(html, bytes):
        path.write_bytes(html)
    else:
        path.write_text(html, encoding="utf-8")
    return path


def card(title: str, href: str | None = None, meta: str | None = None, topics=()) -> str:
    """A resource card as a topic page prints it (arguments are HTML, entities allowed)."""
    link = f'<a href="{href}">{title}</a>' if href else title
    meta_html = f'<p class="resource-meta">{meta}</p>' if meta is not None else ""
    items = "".join(f"<li>{topic}</li>" for topic in topics)
    return (
        f'<article class="resource-card">{meta_html}'
        f'<h3 class="resource-title">{link}</h3>'
        f'<ul class="resource-topics">{items}</ul></article>'
    )


def listing_page(heading: str, *cards: str) -> str:
    """A topic page: a heading, some intro text, the cards, a footer."""
    return (
        f"<!DOCTYPE html><html><head><title>{heading}</title></head><body>"
        f'<h1 class="topic-heading">{heading}</h1><p>Resources related to {heading}.</p>'
        f'<div class="sf-results">{"".join(cards)}</div>'
        "<footer><p>Empowering Law Enforcement Excellence</p></footer></body></html>"
    )


def resource_page(
    title: str,
    meta: str | None = None,
    topics=(),
    canonical: str | None = None,
    description: str = "",
    body: str = "",
) -> str:
    """A resource page: one `resource` article with optional description and body."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    title_html = f'<h1 class="resource-title">{title}</h1>' if title else ""
    meta_html = f'<p class="resource-meta">{meta}</p>' if meta is not None else ""
    items = "".join(f"<li>{topic}</li>" for topic in topics)
    text = f'<div class="resource-description">{description}</div>' if description else ""
    text += f'<div class="resource-body">{body}</div>' if body else ""
    return (
        f"<!DOCTYPE html><html><head><title>{title} | Knowledge Lab</title>{link}</head>"
        f'<body><article class="resource">{title_html}{meta_html}'
        f'<ul class="resource-topics">{items}</ul>{text}</article></body></html>'
    )


def stored_documents(index: Path) -> list[dict]:
    """Every stored document of the published index, sorted by id."""
    with IndexStore(index).open_index().searcher() as searcher:
        return sorted(searcher.all_stored_fields(), key=lambda fields: fields["id"])


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Four resources on two topic pages and two resource pages, warning-free.

    - zebrafish-drills: multi-topic, one topic printed as an alias, two types.
    - quokka-field-notes: undated (`Article` alone).
    - body-cameras-on-us-patrols: on both topic pages with different topics (unioned) and
      on its own resource page, which has a description and a body with unusual words.
    - cafe-protocols: only on a resource page, id from its file name, accented title.
    """
    root = tmp_path / "corpus"
    write_page(root, "vocabulary.toml", VOCABULARY)
    write_page(
        root,
        "topics/use-of-force/page-1.html",
        listing_page(
            "Use of Force",
            card(
                "Zebrafish Drills for Crowd Events",
                "/resources/zebrafish-drills/",
                "Guidebook/Tool, Video | 2021",
                ["Use of Force", "Mass Demonstration Response"],
            ),
            card(
                "Body Cameras on US Patrols",
                "/resources/body-cameras-on-us-patrols/",
                "Report | 2019",
                ["Use of Force"],
            ),
            card(
                "Quokka Field Notes",
                "/resources/quokka-field-notes/",
                "Article",
                ["Officer Safety and Wellness"],
            ),
        ),
    )
    write_page(
        root,
        "topics/officer-safety-and-wellness/page-1.html",
        listing_page(
            "Officer Safety and Wellness",
            card(
                "Body Cameras on US Patrols",
                "/resources/body-cameras-on-us-patrols/",
                "Report | 2019",
                ["Officer Safety and Wellness"],
            ),
        ),
    )
    write_page(
        root,
        "resources/body-cameras-on-us-patrols.html",
        resource_page(
            "Body Cameras on US Patrols",
            "Report | 2019",
            ["Technology Implementation"],
            canonical="/resources/body-cameras-on-us-patrols/",
            description="<p>How xylophone camera mounts changed night patrols.</p>",
            body=(
                "<section><h2>Marzipan Protocol</h2>"
                "<p>Officers reviewed the footage with a quillwort checklist.</p></section>"
            ),
        ),
    )
    write_page(
        root,
        "resources/cafe-protocols.html",
        resource_page(
            "Café Protocols for IT Help Desks",
            "Guidebook/Tool | 2020",
            ["Technology Implementation"],
            description="<p>A naïve guide to ticket triage.</p>",
        ),
    )
    return root


@pytest.fixture
def index_dir(corpus: Path, tmp_path: Path) -> Path:
    """The index folder built (and published) from the `corpus` fixture."""
    index = tmp_path / "index"
    build(corpus, index)
    return index


def published_index(corpus: Path, index: Path | None = None) -> Path:
    """The index folder (beside the corpus unless given), built and published without warnings."""
    index = index or corpus.parent / "index"
    report = build(corpus, index)
    assert report.published and report.warnings == 0, report.to_dict()
    return index


def define_app_fixtures(write_corpus: Callable[[Path], Path], settings: dict, name: str):
    """The search app's fixture chain for one suite's conftest, each built once a session:
    `library` (the corpus folder `write_corpus` writes into the empty folder it is given, or
    returns) -> `library_index` (built and published from it without warnings) -> `app`
    (`create_app` over that index with the suite's `settings`) -> `client`.

    A suite assigns the four to names of its conftest. Each suite gets fixtures of its own
    because pytest caches a session fixture once, whatever the fixtures it depends on: one
    chain here with `library` overridden per suite would serve every suite the first one's.
    """

    @pytest.fixture(scope="session")
    def library(tmp_path_factory) -> Path:
        """The suite's corpus folder."""
        return write_corpus(tmp_path_factory.mktemp(name) / "corpus")

    @pytest.fixture(scope="session")
    def library_index(library: Path, tmp_path_factory) -> Path:
        """The index folder built and published from the suite's library."""
        return published_index(library, tmp_path_factory.mktemp(f"{name}-index") / "index")

    @pytest.fixture(scope="session")
    def app(library_index: Path):
        """The search app serving the library's index, with the suite's settings."""
        from search_app import create_app  # only the suites that serve an index load Flask

        return create_app({"INDEX_DIR": str(library_index), **settings})

    @pytest.fixture(scope="session")
    def client(app):
        """A test client of the app."""
        return app.test_client()

    return library, library_index, app, client
