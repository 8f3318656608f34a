"""`build` and `check`: every good page indexed, bad pages reported, publishing safe."""

from __future__ import annotations

import functools
import json
import signal
import subprocess
import sys

import pytest

import indexer.build
import indexer.reading
from indexer.build import BuildFailed, build, check
from indexer.corpus import MEGABYTE, CorpusError, read_page
from indexer.records import NOTICE, WARNING, Problem
from indexer.stats import index_stats
from indexer.store import INDEX_FORMAT, IndexLocked, IndexNotWritable, IndexStore
from indexer.update import update
from tests.conftest import (
    CAFE,
    CAMERAS,
    FIXTURE_IDS,
    QUOKKA,
    ZEBRAFISH,
    card,
    listing_page,
    resource_page,
    stored_documents,
    write_page,
)

FORCE_PAGE = "topics/use-of-force/page-1.html"
SAFETY_PAGE = "topics/officer-safety-and-wellness/page-1.html"
CAMERAS_PAGE = "resources/body-cameras-on-us-patrols.html"
CAFE_PAGE = "resources/cafe-protocols.html"

EXPECTED_DOCUMENTS = [
    {
        "id": CAMERAS,
        "url": f"/resources/{CAMERAS}/",
        "title": "Body Cameras on US Patrols",
        "description": "How xylophone camera mounts changed night patrols.",
        "body": "Marzipan Protocol\n\nOfficers reviewed the footage with a quillwort checklist.",
        "sections": ["Marzipan Protocol"],
        "topic": ["Technology Implementation", "Officer Safety and Wellness", "Use of Force"],
        "type": ["Report"],
        "year": 2019,
        "sources": [
            {"path": CAMERAS_PAGE, "kind": "resource"},
            {"path": SAFETY_PAGE, "kind": "listing", "label": "Officer Safety and Wellness"},
            {"path": FORCE_PAGE, "kind": "listing", "label": "Use of Force"},
        ],
    },
    {
        "id": CAFE,
        "url": f"/resources/{CAFE}/",
        "title": "Caf\u00e9 Protocols for IT Help Desks",
        "description": "A na\u00efve guide to ticket triage.",
        "topic": ["Technology Implementation"],
        "type": ["Guidebook/Tool"],
        "year": 2020,
        "sources": [{"path": CAFE_PAGE, "kind": "resource"}],
    },
    {
        "id": QUOKKA,
        "url": f"/resources/{QUOKKA}/",
        "title": "Quokka Field Notes",
        "topic": ["Officer Safety and Wellness"],
        "type": ["Article"],
        "sources": [{"path": FORCE_PAGE, "kind": "listing", "label": "Use of Force"}],
    },
    {
        "id": ZEBRAFISH,
        "url": f"/resources/{ZEBRAFISH}/",
        "title": "Zebrafish Drills for Crowd Events",
        "topic": ["Use of Force", "Response to Mass Demonstrations"],
        "type": ["Guidebook/Tool", "Video"],
        "year": 2021,
        "sources": [{"path": FORCE_PAGE, "kind": "listing", "label": "Use of Force"}],
    },
]


def ids(index) -> list[str]:
    return [document["id"] for document in stored_documents(index)]


def published_state(index) -> tuple[str, list[str], list[dict]]:
    """What a reader of the index sees: CURRENT, the version folders, the documents."""
    versions = sorted(p.name for p in (index / "versions").iterdir())
    return (index / "CURRENT").read_text(), versions, stored_documents(index)


def test_build_indexes_every_resource(corpus, tmp_path):
    report = build(corpus, tmp_path / "index")
    assert stored_documents(tmp_path / "index") == EXPECTED_DOCUMENTS
    assert report.to_dict() | {"version": "v", "seconds": 0} == {
        "command": "build",
        "pages_read": 4,
        "pages_skipped": 0,
        "pages_reparsed": 0,
        "resources": 4,
        "duplicates_merged": 2,
        "problems": [],
        "documents_added": 4,
        "documents_updated": 0,
        "documents_deleted": 0,
        "version": "v",
        "published": True,
        "seconds": 0,
        "failure": None,
        "changes": None,
        "reader_changes": None,
        "judged": None,
        "notice_kinds": [],
        "errors": 0,
        "warnings": 0,
        "notices": 0,
    }
    assert (tmp_path / "index" / "CURRENT").read_text() == report.version + "\n"


def test_manifest_keeps_the_report(corpus, index_dir):
    published = IndexStore(index_dir).published()
    manifest = published.manifest
    assert sorted(manifest) == [
        "build_seconds",
        "built_at",
        "corpus",
        "documents",
        "format",
        "report",
        "version",
    ]
    assert (manifest["format"], manifest["version"], manifest["documents"]) == (
        INDEX_FORMAT,
        published.version,
        4,
    )
    assert manifest["report"]["resources"] == 4


def test_check_reads_everything_and_writes_nothing(corpus, tmp_path):
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    report = check(corpus)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (report.command, report.pages_read, report.resources, report.duplicates_merged) == (
        "check",
        4,
        4,
        2,
    )
    assert (report.problems, report.published, report.version) == ([], False, None)


def test_corpus_without_vocabulary_keeps_labels_with_a_notice(corpus, tmp_path):
    (corpus / "vocabulary.toml").unlink()
    report = build(corpus, tmp_path / "index")
    assert report.problems == [
        Problem(NOTICE, "vocabulary.toml", "no vocabulary file: topics and types kept as printed")
    ]
    topics = {d["id"]: d["topic"] for d in stored_documents(tmp_path / "index")}
    assert topics[ZEBRAFISH] == ["Use of Force", "Mass Demonstration Response"]


def test_disagreeing_pages_are_reported_naming_both_files(corpus, tmp_path):
    write_page(
        corpus,
        "topics/archive/page-1.html",
        listing_page(
            "Archive", card("Quokka Field Notes", f"/resources/{QUOKKA}/", "Video | 2017")
        ),
    )
    report = build(corpus, tmp_path / "index")
    assert [str(p) for p in report.problems] == [
        "warning: topics/archive/page-1.html (card 1): pages disagree on types:"
        f" topics/archive/page-1.html says Video; {FORCE_PAGE} says Article; kept Video",
        "warning: topics/archive/page-1.html (card 1): pages disagree on year:"
        f" topics/archive/page-1.html says 2017; {FORCE_PAGE} says undated; kept 2017",
    ]
    assert ids(tmp_path / "index") == FIXTURE_IDS


def test_unknown_and_ignored_labels_in_a_build(corpus, tmp_path):
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page(
            "New",
            card(
                "Walrus Notes",
                "/resources/walrus-notes/",
                "Podcast | 2024",
                ["Body Armour", "A Law Enforcement Officer&#8217;s Duty Belt"],
            ),
        ),
    )
    report = build(corpus, tmp_path / "index")
    walrus = {d["id"]: d for d in stored_documents(tmp_path / "index")}["walrus-notes"]
    assert (walrus["type"], walrus["topic"]) == (["Podcast"], ["Body Armour"])
    assert [str(p) for p in report.sorted_problems()] == [
        "warning: topics/new/page-1.html (card 1): unknown type 'Podcast': kept as printed;"
        " add it to vocabulary.toml",
        "warning: topics/new/page-1.html (card 1): unknown topic 'Body Armour': kept as printed;"
        " add it to vocabulary.toml",
        "notice: topics/new/page-1.html (card 1): ignored 'A Law Enforcement Officer\u2019s Duty"
        " Belt' (listed under [ignore])",
    ]


# Bad input: each gets one line naming the file, and every good page is still indexed.

WALRUS_LISTING = listing_page(
    "Walrus",
    card(
        "Caf\u00e9 \u2018Walrus\u2019 Notes",
        "/resources/walrus-notes/",
        "Report | 2024",
        ["Use of Force"],
    ),
)
CP1252_OFFSET = WALRUS_LISTING.encode("cp1252").index(b"\xe9")


def make_huge(path):
    with open(path, "wb") as handle:
        handle.write(b"<html><body>")
        handle.truncate(6 * MEGABYTE)


def make_outside_link(path):
    outside = path.parents[2] / "outside.html"
    outside.write_text(resource_page("Outside", "Report"))
    path.symlink_to(outside)


BAD_PAGES = {
    "empty": (
        "topics/bad/page-1.html",
        b"",
        "error: topics/bad/page-1.html: empty file; skipped",
        [],
    ),
    "binary": (
        "topics/bad/page-1.html",
        b"GIF89a\x01\x00\x01\x00\x00\xff\x00,",
        "error: topics/bad/page-1.html: binary file, not an HTML page; skipped",
        [],
    ),
    "truncated": (
        "topics/bad/page-1.html",
        WALRUS_LISTING.encode()[: WALRUS_LISTING.encode().index(b"</div>")],
        "warning: topics/bad/page-1.html: no closing </html>: the page may be truncated",
        ["walrus-notes"],
    ),
    "non-utf8": (
        "topics/bad/page-1.html",
        WALRUS_LISTING.encode("cp1252"),
        f"warning: topics/bad/page-1.html: not valid UTF-8 (byte 0xE9 at offset {CP1252_OFFSET});"
        " read as Windows-1252, check accented letters",
        ["walrus-notes"],
    ),
    "huge": (
        "resources/huge.html",
        make_huge,
        "error: resources/huge.html: page is 6.0 MB, over the 5 MB cap; skipped",
        [],
    ),
    "no title": (
        "resources/untitled.html",
        resource_page("", "Report | 2024", ["Use of Force"]),
        "error: resources/untitled.html (resource): no title (class resource-title or a heading);"
        " skipped",
        [],
    ),
    "not a resource page": (
        "about.html",
        "<html><body><h1>About the Knowledge Lab</h1></body></html>",
        "warning: about.html: no resource cards and no resource article: not a resource page",
        [],
    ),
    "link out of the corpus": (
        "resources/outside.html",
        make_outside_link,
        "error: resources/outside.html: link leads outside the corpus folder; skipped",
        [],
    ),
}


@pytest.mark.parametrize(
    ("relpath", "content", "message", "extra_ids"), BAD_PAGES.values(), ids=BAD_PAGES
)
def test_bad_page_is_reported_and_good_pages_indexed(
    corpus, tmp_path, relpath, content, message, extra_ids
):
    if callable(content):
        (corpus / relpath).parent.mkdir(parents=True, exist_ok=True)
        content(corpus / relpath)
    else:
        write_page(corpus, relpath, content)
    report = build(corpus, tmp_path / "index")
    assert [str(p) for p in report.problems] == [message]
    assert ids(tmp_path / "index") == sorted(FIXTURE_IDS + extra_ids)
    skipped = 1 if message.startswith("error") else 0
    assert (report.pages_read, report.pages_skipped, report.published) == (5, skipped, True)


def test_malformed_page_is_read_without_complaint(corpus, tmp_path):
    write_page(
        corpus,
        "topics/bad/page-1.html",
        "<html><body><h1>Walrus</h1><div class=sf-results><article class=resource-card>"
        "<p class=resource-meta>Report | 2024<h3 class=resource-title>"
        "<a href=/resources/walrus-notes/>Walrus <b>Notes</h3></span>"
        "<ul class=resource-topics><li>Use of Force<li>Technology Implementation</ul>"
        "</div></body></html>",
    )
    report = build(corpus, tmp_path / "index")
    walrus = {d["id"]: d for d in stored_documents(tmp_path / "index")}["walrus-notes"]
    assert (walrus["title"], walrus["type"], walrus["year"], walrus["topic"]) == (
        "Walrus Notes",
        ["Report"],
        2024,
        ["Use of Force", "Technology Implementation"],
    )
    assert report.problems == []


def test_page_over_a_smaller_cap(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(indexer.reading, "read_page", functools.partial(read_page, limit=MEGABYTE))
    write_page(
        corpus, "resources/big.html", resource_page("Big", "Report", body="x" * (MEGABYTE * 3 // 2))
    )
    report = build(corpus, tmp_path / "index")
    assert [str(p) for p in report.problems] == [
        "error: resources/big.html: page is 1.5 MB, over the 1 MB cap; skipped"
    ]
    assert ids(tmp_path / "index") == FIXTURE_IDS


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: None, "corpus folder not found: {path}"),
        (lambda path: path.write_text("a file"), "corpus is not a folder: {path}"),
    ],
)
def test_unusable_corpus_folder(tmp_path, make, message):
    path = tmp_path / "corpus"
    make(path)
    for run in (lambda: build(path, tmp_path / "index"), lambda: check(path)):
        with pytest.raises(CorpusError) as raised:
            run()
        assert str(raised.value) == message.format(path=path)
    assert not (tmp_path / "index").exists()


def test_index_folder_that_cannot_be_created(corpus, tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    with pytest.raises(IndexNotWritable) as raised:
        build(corpus, tmp_path / "file" / "index")
    assert (
        str(raised.value)
        == f"cannot write the index folder {tmp_path / 'file' / 'index'}: Not a directory"
    )


# A build that fails or is killed never replaces the published index.


def test_strict_build_with_a_warning_publishes_nothing(corpus, index_dir):
    before = published_state(index_dir)
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page("New", card("Walrus", "/r/walrus/", "Report | 20x4")),
    )
    with pytest.raises(BuildFailed) as raised:
        build(corpus, index_dir, strict=True)
    assert str(raised.value) == "--strict: 1 warning(s) are fatal"
    assert raised.value.report.failure == "--strict: 1 warning(s) are fatal"
    assert (raised.value.report.published, raised.value.report.version) == (False, None)
    assert published_state(index_dir) == before
    # Without --strict the same corpus builds.
    assert build(corpus, index_dir).published


@pytest.mark.parametrize("pages", [{}, {"topics/bad/page-1.html": b""}])
def test_corpus_without_resources_publishes_nothing(index_dir, tmp_path, pages):
    before = published_state(index_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    for relpath, data in pages.items():
        write_page(empty, relpath, data)
    with pytest.raises(BuildFailed) as raised:
        build(empty, index_dir)
    assert str(raised.value) == "no resources found; refusing to publish an empty index"
    assert published_state(index_dir) == before


def test_error_after_writing_discards_the_new_version(corpus, index_dir, monkeypatch):
    before = published_state(index_dir)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(indexer.build, "_smoke_test", broken)
    with pytest.raises(OSError, match="No space left on device"):
        build(corpus, index_dir)
    assert published_state(index_dir) == before


def test_smoke_test_failure_publishes_nothing(corpus, index_dir, monkeypatch):
    before = published_state(index_dir)
    smoke_test = indexer.build._smoke_test

    def expect_one_more(path, count, probe_id, report):
        smoke_test(path, count + 1, probe_id, report)

    monkeypatch.setattr(indexer.build, "_smoke_test", expect_one_more)
    with pytest.raises(BuildFailed) as raised:
        build(corpus, index_dir)
    assert str(raised.value) == "index holds 4 documents, expected 5"
    assert published_state(index_dir) == before
    assert not list((index_dir / "versions").glob("*.partial"))


KILLER = """
import os, signal, sys
from pathlib import Path
import indexer.build, indexer.store, indexer.update

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

corpus, index, step, command = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
on_page = None
if step == "reading":
    on_page = die
elif step == "validating":
    indexer.build._smoke_test = die
elif step == "publishing":
    write = indexer.store._write_atomically
    def write_or_die(path, text):
        if path.name == "CURRENT":
            die()
        write(path, text)
    indexer.store._write_atomically = write_or_die
{"build": indexer.build.build, "update": indexer.update.update}[command](corpus, index, on_page=on_page)
sys.exit("not killed")
"""


@pytest.mark.parametrize(
    ("command", "step"),
    [
        ("build", "reading"),
        ("build", "validating"),
        ("build", "publishing"),
        ("update", "reading"),
        ("update", "validating"),
    ],
)
def test_killed_build_leaves_the_published_index(corpus, index_dir, command, step):
    before = published_state(index_dir)
    write_page(
        corpus,
        FORCE_PAGE,
        listing_page(
            "Use of Force", card("Quokka Field Notes", f"/resources/{QUOKKA}/", "Article | 2015")
        ),
    )
    process = subprocess.run(
        [sys.executable, "-c", KILLER, str(corpus), str(index_dir), step, command],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert (index_dir / "CURRENT").read_text() == before[0]
    assert stored_documents(index_dir) == before[2]
    assert index_stats(index_dir)["index"]["documents"] == 4
    leftovers = sorted(set(p.name for p in (index_dir / "versions").iterdir()) - set(before[1]))
    assert len(leftovers) == 1
    assert leftovers[0].endswith(".partial") == (step != "publishing")

    report = {"build": build, "update": update}[command](corpus, index_dir)
    assert report.published
    assert not list((index_dir / "versions").glob("*.partial"))
    # The new use-of-force page lists only the quokka, now dated; the zebrafish is gone.
    assert {d["id"]: d.get("year") for d in stored_documents(index_dir)} == {
        CAMERAS: 2019,
        CAFE: 2020,
        QUOKKA: 2015,
    }


def test_second_build_fails_fast_while_one_runs(corpus, index_dir):
    before = published_state(index_dir)
    with IndexStore(index_dir).lock():
        for command in (build, update):
            with pytest.raises(IndexLocked, match=r"^another build is running on "):
                command(corpus, index_dir)
        assert published_state(index_dir) == before
    assert build(corpus, index_dir).published


def test_reader_keeps_its_version_across_publishes(corpus, index_dir):
    store = IndexStore(index_dir)
    with store.open_index().searcher() as old:
        write_page(
            corpus, CAFE_PAGE, resource_page("Caf\u00e9 Protocols, Second Edition", "Report | 2025")
        )
        build(corpus, index_dir)
        build(corpus, index_dir)  # the version the reader holds is now deleted from disk
        assert old.document(id=CAFE)["title"] == "Caf\u00e9 Protocols for IT Help Desks"
        assert sorted(hit["id"] for hit in old.documents()) == FIXTURE_IDS
        with store.open_index().searcher() as new:
            assert new.document(id=CAFE)["title"] == "Caf\u00e9 Protocols, Second Edition"


def test_stats_sees_a_new_version_without_restart(corpus, index_dir):
    first = index_stats(index_dir)
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page(
            "New", card("Walrus", "/resources/walrus/", "Report | 2024", ["Use of Force"])
        ),
    )
    report = build(corpus, index_dir)
    second = index_stats(index_dir)
    assert (first["index"]["documents"], second["index"]["documents"]) == (4, 5)
    assert second["index"]["version"] == report.version != first["index"]["version"]
    assert second["facets"]["year"] == [
        {"value": "2019", "count": 1},
        {"value": "2020", "count": 1},
        {"value": "2021", "count": 1},
        {"value": "2024", "count": 1},
        {"value": "Undated", "count": 1},
    ]


def test_report_lines(corpus, tmp_path):
    write_page(corpus, "topics/bad/page-1.html", b"")
    report = build(corpus, tmp_path / "index")
    assert report.lines() == [
        "pages read: 5 (1 skipped, see errors)",
        "resources: 4 (2 duplicate sightings merged)",
        "errors: 1, warnings: 0, notices: 0",
        "  error: topics/bad/page-1.html: empty file; skipped",
        f"published index version {report.version} in {report.seconds:.1f} s",
    ]
    assert json.loads(json.dumps(report.to_dict()))["problems"] == [
        {
            "level": "error",
            "path": "topics/bad/page-1.html",
            "message": "empty file; skipped",
            "line": None,
            "element": None,
        }
    ]


def test_problem_location():
    assert str(Problem(WARNING, "a.html", "m", 3, "card 2")) == "warning: a.html:3 (card 2): m"
    assert str(Problem(WARNING, "a.html", "m")) == "warning: a.html: m"


def test_check_reads_the_corpus_folder_once(corpus, index_dir, monkeypatch):
    checked = []
    check_corpus = indexer.build.check_corpus

    def spy(path):
        checked.append(path)
        return check_corpus(path)

    monkeypatch.setattr(indexer.build, "check_corpus", spy)
    report = check(corpus, index=index_dir)
    assert (checked, report.changes) == ([corpus], {"added": [], "changed": [], "removed": []})
