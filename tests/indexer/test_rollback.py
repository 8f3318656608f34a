"""Rolling back (`IndexStore.roll_back`, `resource-index rollback`) and the number of
versions kept (`--keep`): the publish history, its recovery after a kill, and the app
serving the version rolled back to."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from indexer.build import build
from indexer.cli import cli
from indexer.schema import make_schema
from indexer.store import (
    HISTORY_FILE,
    INDEX_FORMAT,
    IndexMissing,
    IndexStore,
    NothingToRollBack,
)
from search_app import create_app
from tests.conftest import CAMERAS, card, listing_page, write_page

WALRUS = "walrus-tactics"


def invoke(*args, env=None):
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env, catch_exceptions=False)


def publish_empty(store: IndexStore) -> str:
    """Publish a version holding an empty Whoosh index."""
    name, partial = store.new_version()
    whoosh_index.create_in(str(partial), make_schema())
    store.publish(name, partial, {"format": INDEX_FORMAT, "version": name})
    return name


def kept(store: IndexStore) -> list[str]:
    return sorted(p.name for p in store.versions.iterdir())


def add_walrus(corpus):
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page("New", card("Walrus Tactics", f"/resources/{WALRUS}/", "Report | 2024")),
    )


def test_the_history_lists_the_versions_published_and_keep_bounds_it(tmp_path):
    store = IndexStore(tmp_path, keep=3)
    with store.lock():
        names = [publish_empty(store) for _ in range(5)]
    assert (store.history(), kept(store)) == (names[-3:], names[-3:])
    # The file names only versions kept when it was written: it never grows past keep + 1.
    assert (tmp_path / HISTORY_FILE).read_text().split() == names[-4:]


@pytest.mark.parametrize("keep", [0, 1])
def test_fewer_than_two_versions_kept_is_refused(tmp_path, keep):
    with pytest.raises(ValueError, match=f"^keep must be at least 2, not {keep}$"):
        IndexStore(tmp_path, keep=keep)


def test_rolling_back_pops_the_history_and_keeps_the_version_left(tmp_path):
    store = IndexStore(tmp_path, keep=3)
    with store.lock():
        first, second, third = (publish_empty(store) for _ in range(3))
        stamp = store.current_stamp()
        assert store.roll_back() == (third, second)
        # Readers of the third may still hold it: it stays until the next publish.
        assert (store.current_version(), store.history(), kept(store)) == (
            second,
            [first, second],
            [first, second, third],
        )
        assert store.current_stamp() != stamp
        assert store.roll_back() == (second, first)
        with pytest.raises(NothingToRollBack) as raised:
            store.roll_back()
    assert str(raised.value) == (
        f"nothing to roll back to: no version published before {first} is kept in {tmp_path}"
        " (see --keep)"
    )
    assert store.current_version() == first


def test_a_build_after_a_rollback_goes_on_top_of_the_version_rolled_back_to(tmp_path):
    store = IndexStore(tmp_path, keep=3)
    with store.lock():
        first, second, third = (publish_empty(store) for _ in range(3))
        store.roll_back()
        fourth = publish_empty(store)
        assert store.history() == [first, second, fourth]
        assert store.roll_back() == (fourth, second)
    assert kept(store) == [first, second, fourth]  # the third was rolled away from


def test_nothing_published_cannot_be_rolled_back(tmp_path):
    store = IndexStore(tmp_path)
    with pytest.raises(IndexMissing, match="^no index published in "), store.lock():
        store.roll_back()


def test_a_version_that_does_not_open_is_not_rolled_back_to(tmp_path):
    store = IndexStore(tmp_path)
    with store.lock():
        first, second = publish_empty(store), publish_empty(store)
        for segment in (store.versions / first).glob("*.toc"):
            segment.unlink()
        with pytest.raises(IndexMissing, match=rf"^index version {first} cannot be opened: "):
            store.roll_back()
    assert (store.current_version(), store.history()) == (second, [first, second])


def test_a_folder_without_a_history_rolls_back_in_build_order(tmp_path):
    store = IndexStore(tmp_path)
    with store.lock():
        first, second = publish_empty(store), publish_empty(store)
    (tmp_path / HISTORY_FILE).unlink()
    assert store.history() == [first, second]


def test_a_history_written_by_a_killed_publish_is_cut_at_current(tmp_path):
    store = IndexStore(tmp_path)
    with store.lock():
        first, second = publish_empty(store), publish_empty(store)
        store.roll_back()
    # The kill came after HISTORY named the second again but before CURRENT did.
    (tmp_path / HISTORY_FILE).write_text(f"{first}\n{second}\n")
    assert store.history() == [first]
    # And one after a rollback wrote HISTORY but not CURRENT: CURRENT is appended.
    (tmp_path / "CURRENT").write_text(second + "\n")
    (tmp_path / HISTORY_FILE).write_text(f"{first}\n")
    assert store.history() == [first, second]


def test_rollback_command_serves_the_version_before_to_a_running_app(corpus, tmp_path):
    index = tmp_path / "index"
    first = build(corpus, index).version
    add_walrus(corpus)
    second = build(corpus, index).version
    client = create_app({"INDEX_DIR": str(index), "RATE_LIMIT": ""}).test_client()
    before = client.get(f"/search.json?q={WALRUS.split('-')[0]}").get_json()
    assert (before["index"]["version"], before["total"]) == (second, 1)

    result = invoke("rollback", "--index", index)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.splitlines() == [
        f"rolled back from {second}: published index version {first}",
        f"for readers, {second} -> {first}: 0 added, 1 removed, 0 changed",
        f"  removed: {WALRUS}",
    ]
    after = client.get("/search.json?q=walrus").get_json()
    assert (after["index"]["version"], after["total"]) == (first, 0)
    assert client.get(f"/search.json?q={CAMERAS.split('-')[0]}").get_json()["total"] == 1

    again = invoke("rollback", "--index", index)
    assert again.exit_code == 1
    assert again.stderr == (
        f"Error: nothing to roll back to: no version published before {first} is kept"
        f" in {index} (see --keep)\n"
    )


def test_rollback_json_and_versions(corpus, tmp_path):
    index = tmp_path / "index"
    first = build(corpus, index).version
    add_walrus(corpus)
    second = build(corpus, index).version
    listed = json.loads(invoke("versions", "--index", index, "--json").stdout)
    assert [(v["version"], v["current"], v["rollback_target"]) for v in listed] == [
        (first, False, True),
        (second, True, False),
    ]
    result = invoke("rollback", "--index", index, "--json")
    assert json.loads(result.stdout) == {
        "rolled_back_from": second,
        "published": first,
        "before": second,
        "after": first,
        "added": [],
        "removed": [WALRUS],
        "changed": {},
    }


def test_keep_is_a_setting_of_build_with_its_environment_variable(corpus, tmp_path):
    index = tmp_path / "index"
    for _ in range(4):
        assert invoke("build", "--corpus", corpus, "--index", index, "--keep", 3).exit_code == 0
    assert len(IndexStore(index).kept_versions()) == 3
    env = {"RESOURCE_INDEX_KEEP": "2"}
    assert invoke("build", "--corpus", corpus, "--index", index, env=env).exit_code == 0
    assert len(IndexStore(index).kept_versions()) == 2
    refused = invoke("build", "--corpus", corpus, "--index", index, "--keep", 1)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--keep' (env var: 'RESOURCE_INDEX_KEEP'):"
        " 1 is not in the range 2<=x<=100."
    )
