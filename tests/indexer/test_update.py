"""`update`: re-index only what changed, with the same result as a full build."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

import indexer.build
import indexer.reading
from indexer.build import BuildFailed, build, changed_pages
from indexer.records import NOTICE, Problem
from indexer.store import IndexStore
from indexer.update import update
from tests.conftest import (
    CAFE,
    CAMERAS,
    QUOKKA,
    VOCABULARY,
    ZEBRAFISH,
    card,
    listing_page,
    resource_page,
    stored_documents,
    write_page,
)

FORCE_PAGE = "topics/use-of-force/page-1.html"
SAFETY_PAGE = "topics/officer-safety-and-wellness/page-1.html"
TECHNOLOGY_PAGE = "topics/technology-implementation/page-1.html"


def fresh_build(corpus, tmp_path):
    """The stored documents and report of a full build of the corpus as it is now."""
    report = build(corpus, tmp_path / "fresh")
    return stored_documents(tmp_path / "fresh"), report


def problems(report) -> list[str]:
    return [str(problem) for problem in report.sorted_problems()]


def change_corpus(corpus):
    """Add a page, change a page, remove a page, and change the catalog."""
    write_page(
        corpus,
        TECHNOLOGY_PAGE,
        listing_page(
            "Technology Implementation",
            card(
                "Walrus Sensors",
                "/resources/walrus-sensors/",
                "Video | 2024",
                ["Technology Implementation"],
            ),
            card(
                "Caf\u00e9 Protocols for IT Help Desks",
                f"/resources/{CAFE}/",
                "Guidebook/Tool | 2020",
                ["Use of Force"],
            ),
        ),
    )
    write_page(
        corpus,
        FORCE_PAGE,
        listing_page(
            "Use of Force",
            card(
                "Zebrafish Drills for Crowd Events",
                f"/resources/{ZEBRAFISH}/",
                "Guidebook/Tool | 2021",
                ["Use of Force"],
            ),
            card(
                "Quokka Field Notes",
                f"/resources/{QUOKKA}/",
                "Article | 2016",
                ["Officer Safety and Wellness", "Unheard Of"],
            ),
        ),
    )
    (corpus / SAFETY_PAGE).unlink()
    write_page(corpus, "catalog.jsonl", json.dumps({"id": ZEBRAFISH, "year": 2022}) + "\n")


def test_update_gives_the_documents_of_a_full_build(corpus, index_dir, tmp_path):
    change_corpus(corpus)
    report = update(corpus, index_dir)
    expected, full = fresh_build(corpus, tmp_path)
    assert stored_documents(index_dir) == expected
    assert [d["id"] for d in expected] == [CAMERAS, CAFE, QUOKKA, "walrus-sensors", ZEBRAFISH]
    assert (
        problems(report)
        == problems(full)
        == [
            f"warning: {FORCE_PAGE} (card 2): unknown topic 'Unheard Of': kept as printed;"
            " add it to vocabulary.toml",
            "notice: catalog.jsonl:1 (row): catalog sets year to 2022 (pages: 2021)",
        ]
    )
    assert (report.pages_read, report.pages_reparsed) == (4, 3)
    assert (report.documents_added, report.documents_updated, report.documents_deleted) == (1, 4, 0)
    assert (report.resources, report.duplicates_merged) == (full.resources, full.duplicates_merged)
    assert report.published
    assert (index_dir / "CURRENT").read_text() == report.version + "\n"


def test_update_deletes_the_documents_of_removed_pages(corpus, index_dir, tmp_path):
    (corpus / "resources/cafe-protocols.html").unlink()
    report = update(corpus, index_dir)
    expected, _ = fresh_build(corpus, tmp_path)
    assert [d["id"] for d in stored_documents(index_dir)] == [CAMERAS, QUOKKA, ZEBRAFISH]
    assert stored_documents(index_dir) == expected
    assert (report.pages_reparsed, report.documents_deleted, report.resources) == (1, 1, 3)


def test_update_reparses_only_the_changed_pages(corpus, index_dir, monkeypatch):
    parsed = []
    parse_page = indexer.reading.parse_page

    def spy(path, data):
        parsed.append(path)
        return parse_page(path, data)

    monkeypatch.setattr(indexer.reading, "parse_page", spy)
    write_page(
        corpus,
        FORCE_PAGE,
        (corpus / FORCE_PAGE)
        .read_text()
        .replace("Quokka Field Notes", "Quokka Field Notes, Revised"),
    )
    report = update(corpus, index_dir)
    # The changed page also lists the cameras, whose resource page is read again for its
    # text (the cache keeps none); no other page is read.
    assert parsed == [FORCE_PAGE, "resources/body-cameras-on-us-patrols.html"]
    assert (report.pages_read, report.pages_reparsed, report.documents_updated) == (4, 1, 1)
    titles = {d["id"]: d["title"] for d in stored_documents(index_dir)}
    assert titles[QUOKKA] == "Quokka Field Notes, Revised"


def test_update_rereads_the_text_of_an_affected_resource_page(corpus, index_dir, tmp_path):
    # Only a card of the cameras changed; its description and body come from its own page.
    (corpus / SAFETY_PAGE).unlink()
    update(corpus, index_dir)
    expected, _ = fresh_build(corpus, tmp_path)
    assert stored_documents(index_dir) == expected
    cameras = {d["id"]: d for d in expected}[CAMERAS]
    assert cameras["body"].startswith("Marzipan Protocol")


def test_update_without_changes_publishes_nothing(corpus, index_dir):
    versions = sorted(p.name for p in (index_dir / "versions").iterdir())
    current = (index_dir / "CURRENT").read_text()
    os.utime(corpus / FORCE_PAGE)  # a new time but the same content: not a change
    report = update(corpus, index_dir)
    assert (report.published, report.pages_reparsed, report.version + "\n") == (False, 0, current)
    assert report.lines()[-1] == f"index version {report.version} is up to date; nothing to publish"
    assert sorted(p.name for p in (index_dir / "versions").iterdir()) == versions
    assert (index_dir / "CURRENT").read_text() == current
    assert update(corpus, index_dir).published is False


def test_update_with_an_unreadable_page_and_no_change_publishes_nothing(corpus, tmp_path):
    write_page(corpus, "topics/bad/page-1.html", b"")
    outside = tmp_path / "outside.html"
    outside.write_text("<html></html>")
    (corpus / "resources/outside.html").symlink_to(outside)
    first = build(corpus, tmp_path / "index")
    report = update(corpus, tmp_path / "index")
    assert (report.published, report.pages_reparsed, report.version) == (False, 0, first.version)
    assert (
        problems(report)
        == problems(first)
        == [
            "error: resources/outside.html: link leads outside the corpus folder; skipped",
            "error: topics/bad/page-1.html: empty file; skipped",
        ]
    )


def test_update_of_a_missing_index_is_a_full_build(corpus, tmp_path):
    report = update(corpus, tmp_path / "index")
    assert report.published
    assert report.problems == [
        Problem(NOTICE, str(tmp_path / "index"), "no published index: full build")
    ]
    assert [d["id"] for d in stored_documents(tmp_path / "index")] == [
        CAMERAS,
        CAFE,
        QUOKKA,
        ZEBRAFISH,
    ]


def test_vocabulary_change_triggers_a_full_build(corpus, tmp_path):
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page(
            "New",
            card("Walrus Sensors", "/resources/walrus-sensors/", "Video | 2024", ["Crowd Control"]),
        ),
    )
    first = build(corpus, tmp_path / "index")
    assert [p.message for p in first.problems] == [
        "unknown topic 'Crowd Control': kept as printed; add it to vocabulary.toml"
    ]
    write_page(
        corpus,
        "vocabulary.toml",
        VOCABULARY.replace(
            'aliases = ["Mass Demonstration Response"]',
            'aliases = ["Mass Demonstration Response", "Crowd Control"]',
        ),
    )
    report = update(corpus, tmp_path / "index")
    expected, _ = fresh_build(corpus, tmp_path)
    assert stored_documents(tmp_path / "index") == expected
    walrus = {d["id"]: d for d in expected}["walrus-sensors"]
    assert walrus["topic"] == ["Response to Mass Demonstrations"]
    assert report.problems == [
        Problem(NOTICE, "vocabulary.toml", "vocabulary or thesaurus changed: full build")
    ]
    assert (report.pages_read, report.documents_added, report.published) == (5, 5, True)


def test_strict_update_with_a_new_warning_publishes_nothing(corpus, index_dir):
    current = (index_dir / "CURRENT").read_text()
    documents = stored_documents(index_dir)
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page("New", card("Walrus", "/resources/walrus/", "Report | 20x4")),
    )
    with pytest.raises(BuildFailed, match=r"^--strict: 1 warning\(s\) are fatal$"):
        update(corpus, index_dir, strict=True)
    assert (index_dir / "CURRENT").read_text() == current
    assert stored_documents(index_dir) == documents
    assert not list((index_dir / "versions").glob("*.partial"))


def test_update_that_removes_every_page_publishes_nothing(corpus, index_dir):
    current = (index_dir / "CURRENT").read_text()
    for page in corpus.rglob("*.html"):
        page.unlink()
    with pytest.raises(
        BuildFailed, match="^no resources found; refusing to publish an empty index$"
    ):
        update(corpus, index_dir)
    assert (index_dir / "CURRENT").read_text() == current
    assert [d["id"] for d in stored_documents(index_dir)] == [CAMERAS, CAFE, QUOKKA, ZEBRAFISH]


def write_catalog(*rows):
    return lambda corpus: write_page(
        corpus, "catalog.jsonl", "".join(json.dumps(r) + "\n" for r in rows)
    )


def rename(old, new):
    return lambda corpus: (corpus / old).rename(corpus / new)


def replace_text(relpath, old, new):
    def change(corpus):
        write_page(corpus, relpath, (corpus / relpath).read_text().replace(old, new))

    return change


def nothing(corpus):
    pass


SCENARIOS = {
    "catalog removed": (
        write_catalog({"id": QUOKKA, "year": 2018}, {"id": "extra", "title": "Extra"}),
        lambda corpus: (corpus / "catalog.jsonl").unlink(),
    ),
    "catalog excludes, then no longer": (
        write_catalog({"id": CAFE, "exclude": True}),
        write_catalog({"id": CAFE, "exclude": False}),
    ),
    "catalog adds a resource": (
        nothing,
        write_catalog({"id": "extra", "title": "Extra", "topics": ["Use of Force"]}),
    ),
    "link changes the id": (
        nothing,
        replace_text(FORCE_PAGE, f"/resources/{QUOKKA}/", "/resources/quokka-notes/"),
    ),
    "page emptied": (nothing, lambda corpus: write_page(corpus, SAFETY_PAGE, b"")),
    "empty page filled": (
        lambda corpus: write_page(corpus, SAFETY_PAGE, b""),
        lambda corpus: write_page(
            corpus,
            SAFETY_PAGE,
            listing_page(
                "Officer Safety and Wellness",
                card("Quokka Field Notes", f"/resources/{QUOKKA}/", "Article", ["Use of Force"]),
            ),
        ),
    ),
    "page renamed": (
        nothing,
        rename(SAFETY_PAGE, "topics/officer-safety-and-wellness/page-2.html"),
    ),
    "resource page loses its title": (
        nothing,
        lambda corpus: write_page(
            corpus, "resources/cafe-protocols.html", resource_page("", "Report")
        ),
    ),
    "resource page text changes": (
        nothing,
        replace_text("resources/body-cameras-on-us-patrols.html", "quillwort", "bladderwort"),
    ),
    "same resource twice on a new page": (
        nothing,
        lambda corpus: write_page(
            corpus,
            TECHNOLOGY_PAGE,
            listing_page(
                "Technology Implementation",
                card(
                    "Quokka Field Notes",
                    f"/resources/{QUOKKA}/",
                    "Article | 2019",
                    ["Technology Implementation"],
                ),
                card("Quokka Field Notes", f"/resources/{QUOKKA}/", "Article", ["Use of Force"]),
            ),
        ),
    ),
}


@pytest.mark.parametrize(("before", "change"), SCENARIOS.values(), ids=SCENARIOS)
def test_update_equals_a_full_build(corpus, tmp_path, before, change):
    before(corpus)
    build(corpus, tmp_path / "index")
    change(corpus)
    report = update(corpus, tmp_path / "index")
    expected, full = fresh_build(corpus, tmp_path)
    assert stored_documents(tmp_path / "index") == expected
    assert problems(report) == problems(full)
    assert (report.resources, report.duplicates_merged, report.pages_skipped) == (
        full.resources,
        full.duplicates_merged,
        full.pages_skipped,
    )


def test_an_error_while_rewriting_cancels_the_writer_and_publishes_nothing(
    corpus, index_dir, monkeypatch
):
    """The updater's Whoosh writer is a context manager: an exception cancels it (its lock
    and half-written segment go), the new version is discarded, the published one stays."""
    from whoosh.writing import SegmentWriter

    current = (index_dir / "CURRENT").read_text()
    versions = sorted(p.name for p in (index_dir / "versions").iterdir())
    ended = []
    cancel, commit = SegmentWriter.cancel, SegmentWriter.commit
    monkeypatch.setattr(SegmentWriter, "cancel", lambda w: ended.append("cancel") or cancel(w))
    monkeypatch.setattr(
        SegmentWriter, "commit", lambda w, *a, **k: ended.append("commit") or commit(w, *a, **k)
    )

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    write_page(corpus, FORCE_PAGE, (corpus / FORCE_PAGE).read_text().replace("Quokka", "Kiwi"))
    with monkeypatch.context() as patch:
        patch.setattr(SegmentWriter, "update_document", full_disk)
        with pytest.raises(OSError, match="No space left on device"):
            update(corpus, index_dir)
    assert ended == ["cancel"]
    assert (index_dir / "CURRENT").read_text() == current
    assert sorted(p.name for p in (index_dir / "versions").iterdir()) == versions

    # The miss: without the error, the same update commits and publishes.
    ended.clear()
    assert update(corpus, index_dir).published
    assert ended == ["commit"]
    assert (index_dir / "CURRENT").read_text() != current


def test_update_of_a_page_cache_without_change_times(corpus, index_dir, tmp_path):
    # A version published before change times were kept: its pages are hashed, not trusted.
    published = IndexStore(index_dir).published().path / "pages.sqlite"
    with sqlite3.connect(published) as db:
        db.execute("ALTER TABLE pages DROP COLUMN ctime_ns")
    assert changed_pages(corpus, index_dir) == {"added": [], "changed": [], "removed": []}
    assert update(corpus, index_dir).published is False
    write_page(corpus, "resources/cafe-protocols.html", resource_page("Cafe Renamed"))
    report = update(corpus, index_dir)
    assert (report.published, report.pages_reparsed) == (True, 1)
    assert stored_documents(index_dir) == fresh_build(corpus, tmp_path)[0]
