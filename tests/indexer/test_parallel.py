"""Big builds use worker processes: the index they publish is the one a single process builds,
and a worker never outlives the build."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from whoosh.query import Every

from indexer import parallel
from indexer.build import build
from indexer.store import IndexStore
from tests.conftest import card, listing_page, stored_documents, write_page


@pytest.fixture
def bigger_corpus(corpus: Path) -> Path:
    """The shared corpus plus a listing page of 30 more resources."""
    cards = [
        card(f"Extra Resource {n}", f"/resources/extra-{n}/", "Report | 2018", ["Use of Force"])
        for n in range(30)
    ]
    write_page(corpus, "topics/use-of-force/page-2.html", listing_page("Use of Force", *cards))
    return corpus


@pytest.fixture
def workers_always(monkeypatch):
    """Workers even for a tiny corpus (the thresholds exist only for speed)."""
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    monkeypatch.setattr(parallel, "MIN_DOCUMENTS", 1)
    monkeypatch.setattr(parallel, "CHUNK_PAGES", 1)


def segments(index: Path) -> int:
    return len(IndexStore(index).open_index().reader().leaf_readers())


def test_workers_build_the_index_one_process_builds(bigger_corpus, tmp_path, workers_always):
    one = build(bigger_corpus, tmp_path / "one", processes=1)
    two = build(bigger_corpus, tmp_path / "two", processes=2)
    assert (two.pages_read, two.resources, two.problems) == (
        one.pages_read,
        one.resources,
        one.problems,
    )
    assert stored_documents(tmp_path / "two") == stored_documents(tmp_path / "one")
    # Sub-writers wrote segments of their own; the searches see every document once.
    assert segments(tmp_path / "one") == 1
    assert segments(tmp_path / "two") >= 2
    with IndexStore(tmp_path / "two").open_index().searcher() as searcher:
        assert len(searcher.search(Every(), limit=None)) == one.resources == 34


def test_small_corpora_stay_in_one_process(bigger_corpus, tmp_path):
    build(bigger_corpus, tmp_path / "index", processes=2)
    assert segments(tmp_path / "index") == 1


def test_a_worker_dies_with_its_build():
    """A forked worker is killed when the build's process dies, even by SIGKILL."""
    read, write = os.pipe()
    build_pid = os.fork()
    if build_pid == 0:  # the "build": forks a worker, reports its pid, then is killed
        with parallel.workers_of_this_process():
            worker = os.fork()
            if worker == 0:
                time.sleep(60)
                os._exit(0)
        os.write(write, str(worker).encode())
        time.sleep(60)
        os._exit(0)
    worker = int(os.read(read, 32))
    os.kill(build_pid, signal.SIGKILL)
    os.waitpid(build_pid, 0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.05)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
