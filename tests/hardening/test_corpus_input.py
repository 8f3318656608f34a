"""Hostile corpus input (issue 11, sections 2, 3, 4 and 7): every bad input is an entry of the
build report naming its file (and line), is skipped, and the build goes on; never a
traceback, a hang, or a lost or merged resource.

Each test failed before its fix. Hangs are guarded by `time_limit`, so a regression fails
the test instead of stopping the suite.
"""

from __future__ import annotations

import os
import socket
import stat
import time

import pytest

import indexer.build
import indexer.pages
import indexer.parallel
import indexer.reading
from indexer.build import BuildFailed, build, check
from indexer.catalog import parse_catalog
from indexer.records import ERROR, WARNING, Problem
from indexer.thesaurus import (
    MAX_EXPANSIONS,
    MAX_GROUP_TERMS,
    Entry,
    ThesaurusError,
    parse_thesaurus,
)
from indexer.timelimit import time_limit
from indexer.update import update
from indexer.vocabulary import VocabularyError, parse_vocabulary
from search_app import create_app
from tests.conftest import FIXTURE_IDS, listing_page, stored_documents, write_page

# Generous bounds that only a regression misses (quadratic reading took minutes).
HANG_SECONDS = 60
NESTED_CARDS = 2000
NESTED_CARDS_SECONDS = 30

BAD_PAGE = "topics/bad/page-1.html"


def error_lines(report) -> list[str]:
    return [str(p) for p in report.sorted_problems() if p.level == ERROR]


def ids(index) -> list[str]:
    return [document["id"] for document in stored_documents(index)]


def unclosed_cards(count: int, meta_every: int = 1) -> str:
    """A listing page whose cards are never closed: each nests in the one before."""
    cards = "".join(
        '<div class="resource-card">'
        + ('<p class="resource-meta">Report | 2020</p>' if n % meta_every == 0 else "")
        + f'<h3 class="resource-title"><a href="/resources/r{n}/">R {n}</a></h3>'
        for n in range(count)
    )
    return f"<html><body><h1>Unclosed</h1>{cards}</body></html>"


# 2. Parsing is linear


def test_unclosed_cards_are_read_in_linear_time(figures):
    started = time.monotonic()
    parsed = indexer.pages.parse_page("x.html", unclosed_cards(NESTED_CARDS).encode())
    seconds = time.monotonic() - started
    figures("nested unclosed cards", f"{NESTED_CARDS:,} cards parsed in {seconds:.2f} s")
    assert seconds < NESTED_CARDS_SECONDS
    assert [s.id for s in parsed.sightings] == [f"r{n}" for n in range(NESTED_CARDS)]
    assert {(s.types, s.year) for s in parsed.sightings} == {(("Report",), 2020)}
    assert parsed.problems == ()


def test_a_nested_card_reads_only_its_own_elements():
    # Card 2 has no types/year line: it must not take card 3's, nested inside it.
    parsed = indexer.pages.parse_page("x.html", unclosed_cards(4, meta_every=2).encode())
    assert [(s.id, s.types, s.year) for s in parsed.sightings] == [
        ("r0", ("Report",), 2020),
        ("r1", (), None),
        ("r2", ("Report",), 2020),
        ("r3", (), None),
    ]
    assert [(p.level, p.element, p.message) for p in parsed.problems] == [
        (WARNING, "card 2", "no types/year line (class resource-meta); undated"),
        (WARNING, "card 4", "no types/year line (class resource-meta); undated"),
    ]


def slow_parser(monkeypatch, limit: float):
    """Make the page `BAD_PAGE` take forever to parse, with a parse-time limit of `limit`."""
    parse = indexer.pages._parse

    def stuck(path, data):
        if path == BAD_PAGE:
            time.sleep(HANG_SECONDS)
        return parse(path, data)

    monkeypatch.setattr(indexer.pages, "_parse", stuck)
    monkeypatch.setattr(indexer.pages, "MAX_PARSE_SECONDS", limit)


@pytest.mark.parametrize("processes", [1, 2], ids=["one process", "workers"])
def test_a_page_over_the_parse_time_limit_is_an_error_naming_it(
    corpus, tmp_path, monkeypatch, processes
):
    write_page(corpus, BAD_PAGE, unclosed_cards(3))
    slow_parser(monkeypatch, 0.5)
    monkeypatch.setattr(indexer.parallel, "MIN_PAGES", 2)  # workers even for a small corpus
    with time_limit(HANG_SECONDS / 2):
        report = build(corpus, tmp_path / "index", processes=processes)
    assert error_lines(report) == [
        f"error: {BAD_PAGE}: parsing took over 0.5 s (deeply nested markup?); skipped"
    ]
    assert (report.published, report.pages_skipped) == (True, 1)
    assert ids(tmp_path / "index") == sorted(FIXTURE_IDS)


def test_a_page_under_the_parse_time_limit_is_read(corpus, tmp_path, monkeypatch):
    write_page(corpus, BAD_PAGE, unclosed_cards(3))
    monkeypatch.setattr(indexer.pages, "MAX_PARSE_SECONDS", HANG_SECONDS)
    report = build(corpus, tmp_path / "index")
    assert error_lines(report) == []
    assert ids(tmp_path / "index") == sorted([*FIXTURE_IDS, "r0", "r1", "r2"])


# 3. The corpus folder's odd files


def make_loop(corpus, relative):
    (corpus / relative).parent.mkdir(parents=True, exist_ok=True)
    (corpus / relative).symlink_to(corpus / relative)


def make_fifo(corpus, relative):
    (corpus / relative).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(corpus / relative)


def make_socket(corpus, relative):
    (corpus / relative).parent.mkdir(parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(corpus / relative))
    server.close()


def make_device(corpus, relative):
    (corpus / relative).parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mknod(corpus / relative, stat.S_IFCHR | 0o644, os.makedev(1, 3))  # /dev/null
    except PermissionError:
        pytest.skip("creating a device needs CAP_MKNOD")


ODD_FILES = {
    "symlink loop": (make_loop, "symbolic link loop; skipped"),
    "named pipe": (make_fifo, "a named pipe, not a file; skipped"),
    "socket": (make_socket, "a socket, not a file; skipped"),
    "device": (make_device, "a device, not a file; skipped"),
}


@pytest.mark.parametrize("kind", ODD_FILES)
def test_odd_files_named_html_are_named_errors_for_every_command(corpus, tmp_path, kind):
    make, message = ODD_FILES[kind]
    make(corpus, BAD_PAGE)
    index = tmp_path / "index"
    expected = [f"error: {BAD_PAGE}: {message}"]
    with time_limit(HANG_SECONDS):
        built = build(corpus, index)
        checked = check(corpus)
        updated = update(corpus, index)
    assert error_lines(built) == error_lines(checked) == error_lines(updated) == expected
    assert ids(index) == sorted(FIXTURE_IDS)
    # Nothing changed: the odd file keeps its state, and the update publishes nothing.
    assert (updated.published, updated.pages_reparsed) == (False, 0)


def test_a_regular_page_beside_them_is_read(corpus, tmp_path):
    write_page(corpus, BAD_PAGE, unclosed_cards(1))
    report = build(corpus, tmp_path / "index")
    assert error_lines(report) == []
    assert ids(tmp_path / "index") == sorted([*FIXTURE_IDS, "r0"])


OUTSIDE_ROW = '{"id": "from-outside", "title": "From Outside"}\n'


def test_a_catalog_linked_from_outside_is_refused(corpus, tmp_path):
    outside = tmp_path / "outside.jsonl"
    outside.write_text(OUTSIDE_ROW, encoding="utf-8")
    (corpus / "catalog.jsonl").symlink_to(outside)
    report = build(corpus, tmp_path / "index")
    assert error_lines(report) == [
        "error: catalog.jsonl: link leads outside the corpus folder; catalog not read"
    ]
    assert ids(tmp_path / "index") == sorted(FIXTURE_IDS)


def test_a_catalog_linked_from_inside_is_read(corpus, tmp_path):
    write_page(corpus, "data/rows.jsonl", OUTSIDE_ROW)
    (corpus / "catalog.jsonl").symlink_to(corpus / "data/rows.jsonl")
    report = build(corpus, tmp_path / "index")
    assert error_lines(report) == []
    assert ids(tmp_path / "index") == sorted([*FIXTURE_IDS, "from-outside"])


@pytest.mark.parametrize("name", ["vocabulary.toml", "thesaurus.txt"])
def test_settings_linked_from_outside_fail_the_build_with_the_usual_message(corpus, tmp_path, name):
    outside = tmp_path / name
    outside.write_text((corpus / "vocabulary.toml").read_text(), encoding="utf-8")
    (corpus / name).unlink(missing_ok=True)
    (corpus / name).symlink_to(outside)
    with pytest.raises(BuildFailed) as raised:
        build(corpus, tmp_path / "index")
    assert str(raised.value) == f"{name}: link leads outside the corpus folder"


@pytest.mark.parametrize("name", ["vocabulary.toml", "thesaurus.txt", "catalog.jsonl"])
def test_a_named_pipe_as_a_settings_file_never_hangs(corpus, tmp_path, name):
    (corpus / name).unlink(missing_ok=True)
    os.mkfifo(corpus / name)
    with time_limit(HANG_SECONDS), pytest.raises(BuildFailed) as raised:
        report = build(corpus, tmp_path / "index")
        assert error_lines(report) == [f"error: {name}: a named pipe, not a file; catalog not read"]
        raise BuildFailed("built", report)  # the catalog is only an error: the build goes on
    expected = "built" if name == "catalog.jsonl" else f"{name}: a named pipe, not a file"
    assert str(raised.value) == expected


# 4. Bounded inputs that are not pages


def analyze(text: str) -> list[str]:
    return text.lower().split()


def test_a_thesaurus_group_over_the_bound_is_an_error_naming_its_line():
    terms = ", ".join(f"term{n}" for n in range(3000))
    started = time.monotonic()
    with pytest.raises(ThesaurusError) as raised:
        parse_thesaurus(f"cit = crisis team\n{terms}\n", analyze)
    assert time.monotonic() - started < NESTED_CARDS_SECONDS
    assert str(raised.value) == f"line 2: a group has 3000 terms; at most {MAX_GROUP_TERMS}"


def test_a_big_thesaurus_parses_in_linear_time():
    group = ", ".join(f"term{n}" for n in range(MAX_GROUP_TERMS))
    started = time.monotonic()
    thesaurus = parse_thesaurus(f"{group}\n" * 1000, analyze)
    assert time.monotonic() - started < NESTED_CARDS_SECONDS
    assert len(thesaurus.members) == 1000
    assert [e.label for e in thesaurus.alternatives(("term0",))] == [
        f"term{n}" for n in range(1, MAX_GROUP_TERMS)
    ]


def test_the_expansions_of_one_term_are_bounded():
    text = "".join(f"police, officer{n}\n" for n in range(MAX_EXPANSIONS + 5))
    thesaurus = parse_thesaurus(text + "taser = ecw\n", analyze)
    found = thesaurus.alternatives(("police",))
    assert found == tuple(Entry(f"officer{n}", (f"officer{n}",)) for n in range(MAX_EXPANSIONS))
    # One more than the bound asked for: the query layer can tell some were left out.
    assert len(thesaurus.alternatives(("police",), MAX_EXPANSIONS + 1)) == MAX_EXPANSIONS + 1
    assert thesaurus.alternatives(("taser",)) == (Entry("ecw", ("ecw",)),)
    assert thesaurus.alternatives(("officer3",)) == (Entry("police", ("police",)),)


def test_a_deeply_nested_catalog_row_is_an_error_naming_its_line():
    deep = "[" * 3000 + "]" * 3000
    good = '{"id": "kept", "title": "Kept"}'
    sightings, problems = parse_catalog(f'{good}\n{{"topics": {deep}}}\n{deep}\n')
    assert [s.id for s in sightings] == ["kept"]
    assert problems == [
        Problem(ERROR, "catalog.jsonl", "not valid JSON: nested too deeply; row skipped", 2),
        Problem(ERROR, "catalog.jsonl", "not valid JSON: nested too deeply; row skipped", 3),
    ]


def test_a_deeply_nested_vocabulary_is_the_usual_message(corpus, tmp_path):
    with pytest.raises(VocabularyError) as raised:
        parse_vocabulary("x = " + "[" * 3000 + "]" * 3000)
    assert str(raised.value) == "not valid TOML: nested too deeply"
    write_page(corpus, "vocabulary.toml", "[ignore]\nx = " + "{a = " * 3000 + "}" * 3000)
    with pytest.raises(BuildFailed) as failed:
        build(corpus, tmp_path / "index")
    assert str(failed.value) == "vocabulary.toml: not valid TOML: nested too deeply"


# 7. What a librarian could lose


LONG = "a-very-long-resource-link-" * 6  # 156 characters


def test_long_ids_never_merge_and_their_own_links_resolve(corpus, tmp_path):
    first, second = f"/resources/{LONG}first/", f"/resources/{LONG}second/"
    write_page(
        corpus,
        BAD_PAGE,
        listing_page(
            "Long Links",
            '<article class="resource-card"><p class="resource-meta">Report | 2020</p>'
            f'<h3 class="resource-title"><a href="{first}">First Long</a></h3></article>',
            '<article class="resource-card"><p class="resource-meta">Report | 2021</p>'
            f'<h3 class="resource-title"><a href="{second}">Second Long</a></h3></article>',
        ),
    )
    index = tmp_path / "index"
    report = build(corpus, index)
    assert [p for p in report.problems if p.level != "notice"] == []
    long_ids = [i for i in ids(index) if i not in FIXTURE_IDS]
    assert len(long_ids) == 2 and all(len(i) <= indexer.pages.MAX_ID_LENGTH for i in long_ids)
    client = create_app({"INDEX_DIR": str(index), "RATE_LIMIT": ""}).test_client()
    answers = {link: client.get(link.rstrip("/") + ".json") for link in (first, second)}
    assert {link: reply.get_json()["title"] for link, reply in answers.items()} == {
        first: "First Long",
        second: "Second Long",
    }
    assert [client.get(link).status_code for link in (first, second)] == [200, 200]
    assert client.get(f"/resources/{LONG}third/").status_code == 404


def same_size_edit(path, old: str, new: str) -> None:
    """Rewrite a page with text of the same size, and set its modification time back."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_update_sees_a_same_size_edit_with_its_time_set_back(corpus, index_dir, tmp_path):
    same_size_edit(corpus / "resources/cafe-protocols.html", "ticket triage", "ticket sorter")
    report = update(corpus, index_dir)
    assert (report.published, report.pages_reparsed) == (True, 1)
    build(corpus, tmp_path / "fresh")
    assert stored_documents(index_dir) == stored_documents(tmp_path / "fresh")
    assert "ticket sorter" in str(stored_documents(index_dir))


def test_a_page_written_just_after_it_was_read_is_read_again(corpus, tmp_path, monkeypatch):
    read_page = indexer.reading.read_page
    page = "resources/cafe-protocols.html"

    def read_then_edited(corpus_folder, relative, *args):
        found = read_page(corpus_folder, relative, *args)
        if relative == page:  # a librarian saves the page right after the build read it
            same_size_edit(corpus / page, "ticket triage", "ticket sorter")
        return found

    monkeypatch.setattr(indexer.reading, "read_page", read_then_edited)
    build(corpus, tmp_path / "index")
    monkeypatch.undo()
    assert "ticket sorter" not in str(stored_documents(tmp_path / "index"))
    assert update(corpus, tmp_path / "index").pages_reparsed == 1
    build(corpus, tmp_path / "fresh")
    assert stored_documents(tmp_path / "index") == stored_documents(tmp_path / "fresh")
