"""What changed for readers (`changes.py`): in the build and update reports, and
`resource-index diff` between any two kept versions."""

from __future__ import annotations

import json

from click.testing import CliRunner

from indexer.build import build
from indexer.changes import Changes, changed_fields, compare_versions
from indexer.cli import cli
from indexer.store import IndexStore
from indexer.update import update
from tests.conftest import CAFE, CAMERAS, QUOKKA, card, listing_page, resource_page, write_page

WALRUS = "walrus-tactics"
CAFE_PAGE = "resources/cafe-protocols.html"


def invoke(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def edit_corpus(corpus):
    """One resource added (walrus), one removed (cafe), one retitled with a new year (quokka)."""
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page(
            "New",
            card("Walrus Tactics", f"/resources/{WALRUS}/", "Report | 2024"),
            card(
                "Quokka Field Notes, Revised",
                f"/resources/{QUOKKA}/",
                "Article | 2022",
                ["Officer Safety and Wellness"],
            ),
        ),
    )
    (corpus / CAFE_PAGE).unlink()


def version_path(index, version):
    return IndexStore(index).published(version).path


def test_compare_versions_names_the_fields_that_differ(corpus, tmp_path):
    index = tmp_path / "index"
    first = build(corpus, index).version
    edit_corpus(corpus)
    second = build(corpus, index).version
    changes = compare_versions(version_path(index, first), version_path(index, second))
    # The quokka's title and year come from the first card in path order: topics/new.
    assert changes == Changes(
        first, second, (WALRUS,), (CAFE,), ((QUOKKA, ("sources", "title", "year")),)
    )
    back = compare_versions(version_path(index, second), version_path(index, first))
    assert (back.added, back.removed, back.changed) == (
        (CAFE,),
        (WALRUS,),
        ((QUOKKA, ("sources", "title", "year")),),
    )
    same = compare_versions(version_path(index, first), version_path(index, first))
    assert (same.added, same.removed, same.changed) == ((), (), ())


def test_changed_fields_falls_back_to_the_indexed_text():
    assert changed_fields({"id": "a", "title": "T"}, {"id": "a", "title": "U"}) == ("title",)
    assert changed_fields({"id": "a"}, {"id": "a", "year": 2020}) == ("year",)
    assert changed_fields({"id": "a"}, {"id": "a"}) == ("content",)


def test_build_and_update_reports_say_what_changed_for_readers(corpus, tmp_path):
    index = tmp_path / "index"
    first = build(corpus, index)
    assert first.reader_changes is None  # nothing was published to compare with
    edit_corpus(corpus)
    updated = update(corpus, index)
    expected = {
        "before": first.version,
        "after": updated.version,
        "added": [WALRUS],
        "removed": [CAFE],
        "changed": {QUOKKA: ["sources", "title", "year"]},
    }
    assert updated.reader_changes == expected
    assert updated.lines()[-5:-1] == [
        f"for readers, {first.version} -> {updated.version}: 1 added, 1 removed, 1 changed"
        " (sources 1, title 1, year 1)",
        f"  added: {WALRUS}",
        f"  removed: {CAFE}",
        f"  changed: {QUOKKA} (sources, title, year)",
    ]
    # The manifest keeps the counts, not the lists.
    manifest = IndexStore(index).published().manifest["report"]["reader_changes"]
    assert manifest == {**expected, "added": 1, "removed": 1, "changed": 1}
    rebuilt = build(corpus, index)
    assert rebuilt.reader_changes == {
        "before": updated.version,
        "after": rebuilt.version,
        "added": [],
        "removed": [],
        "changed": {},
    }


def test_a_long_list_of_changes_is_cut_unless_verbose():
    changes = Changes("v1", "v2", tuple(f"r{n}" for n in range(7)))
    assert changes.lines() == [
        "for readers, v1 -> v2: 7 added, 0 removed, 0 changed",
        *[f"  added: r{n}" for n in range(5)],
        "  ... and 2 more added (--verbose)",
    ]
    assert changes.lines(verbose=True) == [
        "for readers, v1 -> v2: 7 added, 0 removed, 0 changed",
        *[f"  added: r{n}" for n in range(7)],
    ]
    assert Changes.from_dict(changes.to_dict()) == changes


def test_diff_command_between_two_kept_versions(corpus, tmp_path):
    index = tmp_path / "index"
    first = build(corpus, index).version
    edit_corpus(corpus)
    second = build(corpus, index).version
    write_page(
        corpus,
        "resources/body-cameras-on-us-patrols.html",
        resource_page(
            "Body Cameras on US Patrols",
            "Report | 2019",
            ["Technology Implementation"],
            description="<p>A new description.</p>",
        ),
    )
    third = build(corpus, index).version

    latest = invoke("diff", "--index", index)
    assert (latest.exit_code, latest.stdout.splitlines()) == (
        0,
        [
            f"for readers, {second} -> {third}: 0 added, 0 removed, 1 changed"
            " (body 1, description 1, sections 1)",
            f"  changed: {CAMERAS} (body, description, sections)",
        ],
    )
    chosen = invoke("diff", "--index", index, first, third, "--json")
    assert json.loads(chosen.stdout) == {
        "before": first,
        "after": third,
        "added": [WALRUS],
        "removed": [CAFE],
        "changed": {
            CAMERAS: ["body", "description", "sections"],
            QUOKKA: ["sources", "title", "year"],
        },
    }
    missing = invoke("diff", "--index", index, "v20000101T000000000000Z-1", third)
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"Error: no version v20000101T000000000000Z-1 is kept in {index}"
        " (see `resource-index versions`)\n"
    )


def test_diff_with_one_version_says_there_is_nothing_to_compare(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    result = invoke("diff", "--index", index)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: no earlier published version is kept in {index}\n",
    )
