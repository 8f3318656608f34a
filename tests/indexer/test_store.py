"""The index folder: versions, the CURRENT pointer, the build lock."""

from __future__ import annotations

import json
import os
import re

import pytest
from whoosh import index as whoosh_index

from indexer.schema import DOCUMENT, DOCUMENTS, make_schema
from indexer.store import (
    INDEX_FORMAT,
    IndexLocked,
    IndexMissing,
    IndexNotWritable,
    IndexStore,
)


def manifest(version: str) -> dict:
    return {"format": INDEX_FORMAT, "version": version}


def publish_empty(store: IndexStore) -> str:
    """Publish a version holding only its manifest (no Whoosh files)."""
    name, partial = store.new_version()
    store.publish(name, partial, manifest(name))
    return name


def test_nothing_published(tmp_path):
    store = IndexStore(tmp_path / "index")
    assert store.current_version() is None
    assert store.current_stamp() is None
    with pytest.raises(IndexMissing) as raised:
        store.published()
    assert (
        str(raised.value)
        == f"no index published in {tmp_path / 'index'}; run `resource-index build`"
    )


def test_publish_points_current_at_the_new_version(tmp_path):
    store = IndexStore(tmp_path / "index")
    with store.lock():
        name = publish_empty(store)
    assert re.fullmatch(r"v\d{8}T\d{12}Z-\d+", name)
    assert (tmp_path / "index" / "CURRENT").read_text() == name + "\n"
    published = store.published()
    assert (published.version, published.path, published.manifest) == (
        name,
        tmp_path / "index" / "versions" / name,
        manifest(name),
    )
    assert sorted(p.name for p in store.versions.iterdir()) == [name]


def test_publish_keeps_the_version_before_for_readers(tmp_path):
    store = IndexStore(tmp_path / "index", keep=2)
    with store.lock():
        names = [publish_empty(store) for _ in range(4)]
    assert store.current_version() == names[-1]
    assert sorted(p.name for p in store.versions.iterdir()) == names[-2:]


def test_current_stamp_changes_at_each_publish(tmp_path):
    store = IndexStore(tmp_path / "index")
    with store.lock():
        publish_empty(store)
        first = store.current_stamp()
        publish_empty(store)
    assert store.current_stamp() not in (None, first)


@pytest.mark.parametrize("content", ["", "garbage\n", "../../etc\n", "v1\n"])
def test_current_naming_no_version_is_nothing_published(tmp_path, content):
    (tmp_path / "CURRENT").write_text(content)
    store = IndexStore(tmp_path)
    assert store.current_version() is None
    with pytest.raises(IndexMissing, match="^no index published in "):
        store.published()


def test_damaged_and_foreign_versions_are_refused(tmp_path):
    store = IndexStore(tmp_path)
    with store.lock():
        name = publish_empty(store)
    manifest_path = store.versions / name / "manifest.json"
    manifest_path.write_text("{not json")
    with pytest.raises(IndexMissing, match=rf"^index version {name} is damaged: "):
        store.published()
    manifest_path.write_text(json.dumps({"format": "someone-else/9"}))
    with pytest.raises(IndexMissing) as raised:
        store.published()
    assert (
        str(raised.value)
        == f"{store.versions / name} was not written by this indexer; refusing to open it"
    )
    manifest_path.write_text(json.dumps(manifest(name)))
    with pytest.raises(IndexMissing, match=rf"^index version {name} cannot be opened: "):
        store.open_index()


def test_a_version_an_older_indexer_wrote_asks_for_a_rebuild(tmp_path):
    """A version whose schema lacks a field the searches read (an index from before full
    text) is refused with the reason and the cure, not opened to fail on every query."""
    store = IndexStore(tmp_path)
    with store.lock():
        name, partial = store.new_version()
        older = make_schema()
        for field in (DOCUMENT, DOCUMENTS):
            older.remove(field)
        whoosh_index.create_in(str(partial), older).writer().commit()
        store.publish(name, partial, manifest(name))
    with pytest.raises(IndexMissing) as raised:
        store.open_index()
    assert str(raised.value) == (
        f"index version {name} was built by an older indexer (no field document, documents);"
        " rebuild it with `resource-index build`"
    )
    assert raised.value.version == name


def test_second_lock_fails_fast_with_the_holder(tmp_path):
    store = IndexStore(tmp_path / "index")
    with store.lock():
        with pytest.raises(IndexLocked) as raised, IndexStore(tmp_path / "index").lock():
            pass
        assert re.fullmatch(
            rf"another build is running on {re.escape(str(tmp_path / 'index'))}"
            rf" \(pid {os.getpid()}, since \d\d:\d\d:\d\d UTC\); try again when it ends",
            str(raised.value),
        )
    with IndexStore(tmp_path / "index").lock():  # released when the holder is done
        pass


def test_lock_removes_partial_builds(tmp_path):
    store = IndexStore(tmp_path)
    with store.lock():
        kept = publish_empty(store)
        _, partial = store.new_version()
        (partial / "half-written").write_text("x")
    assert partial.is_dir()  # only the next lock holder cleans up
    with store.lock():
        pass
    assert sorted(p.name for p in store.versions.iterdir()) == [kept]


def test_index_folder_under_a_regular_file_is_not_writable(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    store = IndexStore(tmp_path / "file" / "index")
    with pytest.raises(IndexNotWritable) as raised, store.lock():
        pass
    assert str(raised.value) == (
        f"cannot write the index folder {tmp_path / 'file' / 'index'}: Not a directory"
    )


def test_copy_version_links_the_files_but_not_the_manifest_or_cache(tmp_path):
    store = IndexStore(tmp_path)
    source = tmp_path / "source"
    source.mkdir()
    for name in ("_MAIN_1.toc", "seg.seg", "manifest.json", "pages.sqlite", "MAIN_WRITELOCK"):
        (source / name).write_text(name)
    (source / "folder").mkdir()
    target = tmp_path / "target"
    target.mkdir()
    store.copy_version(source, target)
    assert sorted(p.name for p in target.iterdir()) == ["_MAIN_1.toc", "seg.seg"]
    assert (target / "seg.seg").stat().st_ino == (source / "seg.seg").stat().st_ino


def test_the_thesaurus_is_published_analysed_and_read_back_without_analysing(corpus, tmp_path):
    """The build writes the analysed groups beside the index (`thesaurus.json`); the search
    app reads them back as the same Thesaurus without running the analyzer (once per version,
    not once per worker); a version without the file falls back to analysing the text."""
    from indexer.build import build
    from indexer.schema import text_words
    from indexer.thesaurus import ANALYSED_FILE, THESAURUS_FILE, load_published_thesaurus

    (corpus / THESAURUS_FILE).write_text("CIT = crisis intervention team\nquokka, wallaby\n")
    build(corpus, tmp_path / "thesaurus-index")
    folder = IndexStore(tmp_path / "thesaurus-index").published().path
    assert (folder / ANALYSED_FILE).is_file()
    analysed = load_published_thesaurus(folder, text_words())
    assert [[e.label for e in group] for group in analysed.members] == [
        ["CIT", "crisis intervention team"],
        ["quokka", "wallaby"],
    ]

    def never(text):
        raise AssertionError(f"analysed {text!r} again")

    assert load_published_thesaurus(folder, never) == analysed
    # The miss: without the analysed file the text is analysed again, to the same groups.
    (folder / ANALYSED_FILE).unlink()
    with pytest.raises(AssertionError, match="analysed"):
        load_published_thesaurus(folder, never)
    assert load_published_thesaurus(folder, text_words()) == analysed
    assert (folder / THESAURUS_FILE).is_file()
