"""Faults: a build killed at random points, a full disk, a damaged or half-deleted index, a
missing corpus, a second build at the same time, and publishes while a request is in flight.

After each, the app answers from the last good index or with a clear 503, and the next build
succeeds. Already covered elsewhere, not repeated: kills at three named steps
(tests/indexer/test_build.py::test_killed_build_leaves_the_published_index), a second build
in the same process (test_second_build_fails_fast_while_one_runs), a missing index and a
missing manifest in the app (tests/search/test_api.py::test_a_missing_index_is_a_503,
test_a_damaged_index_is_a_503), and a reader keeping its version across publishes
(test_build.py::test_reader_keeps_its_version_across_publishes).
"""

from __future__ import annotations

import gc
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import indexer.build
from indexer.build import build
from indexer.store import CURRENT_FILE, IndexStore
from indexer.update import update
from search_app import create_app
from search_app import views as views_module
from search_app.cli import cli as search_cli
from tests.search.conftest import USE_OF_FORCE, resource_page

from .conftest import HARDENING_RESOURCES, SOAK_KILLS

# Whoosh leaves a file open when it fails to read it (a damaged table of contents or segment);
# the garbage collector closes it. Collected at the end of each test so it is counted here.
pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"
    ),
]
ROOT = Path(__file__).parents[2]
DOCUMENTS = len(HARDENING_RESOURCES)
QUAGGA = ("quagga-patrol-notes", "Quagga Patrol Notes", ["Article"], 2024, [USE_OF_FORCE], "", "")
OKAPI = ("okapi-patrol-notes", "Okapi Patrol Notes", ["Article"], 2024, [USE_OF_FORCE], "", "")
# Kill points are drawn with this seed (SOAK_SEED changes it), so a failure can be replayed.
SEED = int(os.environ.get("SOAK_SEED", "6"))
PROCESS_TIMEOUT = 120
KIB = 1024
DISK_BYTES = 1024 * KIB
UNAVAILABLE = "The search index is not available: "
HOLDER = re.compile(
    r"Error: another build is running on (?P<index>.+) \(pid (?P<pid>\d+), "
    r"since \d\d:\d\d:\d\d UTC\); try again when it ends"
)


@pytest.fixture(autouse=True)
def collect_garbage():
    """Close what Whoosh left open while this module's filters still apply."""
    yield
    gc.collect()


def add_resource(corpus: Path, resource=QUAGGA) -> None:
    """A new resource page, so the next build publishes a version that differs."""
    (corpus / "resources" / f"{resource[0]}.html").write_text(
        resource_page(*resource), encoding="utf-8"
    )


def app_client(index: Path):
    return create_app({"INDEX_DIR": str(index), "RATE_LIMIT": ""}).test_client()


def served(client) -> tuple[int, str | None, int | None]:
    """(status, index version, total) of a browse search."""
    response = client.get("/search.json?per_page=100")
    data = response.get_json()
    if response.status_code != 200:
        return response.status_code, None, None
    return 200, data["index"]["version"], data["total"]


def run_module(*args: str, **options) -> subprocess.CompletedProcess:
    """`python -m ...` from the project root, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=PROCESS_TIMEOUT,
        **options,
    )


def build_process(command: str, corpus: Path, index: Path, action: str, at: int = 0):
    """tests/hardening/build_process.py in a session of its own; checks that no process of it
    (its workers included) outlives it, however it ended."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.build_process", command]
        + [str(corpus), str(index), action, str(at)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    output, errors = process.communicate(timeout=PROCESS_TIMEOUT)
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while living(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = living(process.pid)
    if left:
        os.killpg(process.pid, signal.SIGKILL)
    assert left == [], f"processes outlived the build: {left}"
    return subprocess.CompletedProcess(process.args, process.returncode, output, errors)


def living(group: int) -> list[int]:
    """The processes of a process group that still run (zombies excepted: this machine's
    init may be slow to reap the orphans it adopts)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


# What each command of build_process.py is when run again to recover.
RECOVERY = {"build": build, "update": update, "pooled-build": build}


def leftovers(index: Path) -> list[str]:
    """What a finished build should not leave behind: partial versions, temporary files."""
    found = [p.name for p in (index / "versions").glob("*.partial")]
    return found + [p.name for p in index.iterdir() if p.name.startswith(".")]


# A build killed at random points.


def kill_points(total: int, count: int) -> list[int]:
    """`count` of the operations 1..total, drawn with SEED; always the last (after publish)."""
    if count >= total:
        return list(range(1, total + 1))
    drawn = random.Random(SEED).sample(range(1, total), max(count - 1, 0))
    return sorted([*drawn, total])


@pytest.mark.parametrize("command", ["build", "update", "pooled-build"])
def test_a_build_killed_at_random_points_leaves_a_working_index(
    library_index, corpus_copy, tmp_path, figures, command
):
    add_resource(corpus_copy)
    before = IndexStore(library_index).current_version()
    counted = build_process(
        command, corpus_copy, shutil.copytree(library_index, tmp_path / "n"), "count"
    )
    total = int(counted.stdout)
    points = kill_points(total, SOAK_KILLS)
    outcomes = Counter()
    for point in points:
        index = Path(shutil.copytree(library_index, tmp_path / f"killed-{point}"))
        holding = app_client(index)
        assert served(holding) == (200, before, DOCUMENTS)
        killed = build_process(command, corpus_copy, index, "kill", point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stdout, killed.stderr)

        # CURRENT names the old version, or the new one complete: never anything between.
        published = IndexStore(index).published()
        expected = DOCUMENTS if published.version == before else DOCUMENTS + 1
        outcomes["old" if published.version == before else "new"] += 1
        assert published.manifest["documents"] == expected, point
        for client in (holding, app_client(index)):
            assert served(client) == (200, published.version, expected), point
            assert client.get("/healthz").status_code == 200

        # The next run of the same command succeeds and clears what the kill left.
        RECOVERY[command](corpus_copy, index)
        assert leftovers(index) == [], point
        status, version, total_now = served(holding)
        assert (status, total_now) == (200, DOCUMENTS + 1), point
        assert version == IndexStore(index).current_version() != before, point
    where = (
        f"at every one of its {total} file operations"
        if len(points) == total
        else f"at {len(points)} of its {total} file operations {points} (seed {SEED})"
    )
    figures(
        f"{command} killed by SIGKILL",
        f"{where}: "
        f"old index kept {outcomes['old']}, new one complete {outcomes['new']}; "
        "the app answered every time and the next run published",
    )


@pytest.mark.parametrize(
    ("action", "at", "failure"),
    [
        ("kill-parser", 1, "concurrent.futures.process.BrokenProcessPool: "),
        ("kill-parser", 5, "concurrent.futures.process.BrokenProcessPool: "),
        ("kill-writer", 1, "concurrent.futures.process.BrokenProcessPool: "),
        ("kill-writer", 4, "concurrent.futures.process.BrokenProcessPool: "),
    ],
)
def test_a_worker_killed_fails_the_build_and_keeps_the_index(
    index_copy, corpus_copy, action, at, failure
):
    """A page-parsing worker or a segment-writing worker killed by SIGKILL: the build fails
    at once (its pool is broken) and publishes nothing."""
    before = IndexStore(index_copy).current_version()
    holding = app_client(index_copy)
    add_resource(corpus_copy)
    failed = build_process("pooled-build", corpus_copy, index_copy, action, at)
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.strip().splitlines()[-1].startswith(failure), failed.stderr[-2000:]
    assert IndexStore(index_copy).current_version() == before and leftovers(index_copy) == []
    assert served(holding) == (200, before, DOCUMENTS)
    report = build(corpus_copy, index_copy)
    assert report.published and served(holding) == (200, report.version, DOCUMENTS + 1)


def test_the_indexer_cli_reports_a_dead_worker(corpus_copy, index_copy, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from click.testing import CliRunner

    from indexer.cli import cli as index_cli

    def broken(**options):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(indexer.build, "build", broken)
    result = CliRunner().invoke(index_cli, ["build", "--corpus", str(corpus_copy), "--index", str(index_copy)])  # fmt: skip
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (
        1,
        "Error: build failed, the published index is unchanged: "
        "A process in the process pool was terminated abruptly",
    )


def test_a_current_written_but_never_moved_into_place_is_cleared(index_copy, corpus_copy):
    """A kill between writing `.CURRENT.<pid>.<time>` and renaming it left that file for good."""
    stale = index_copy / ".CURRENT.4242.123456789"
    stale.write_text("v20990101T000000000000Z-1\n", encoding="ascii")
    assert build(corpus_copy, index_copy).published
    assert leftovers(index_copy) == []


# A full disk.


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 1 MiB tmpfs mounted for the test (root only; CI runs as root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the file-size-limit test covers ENOSPC's kin")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        # Lazily: the test's searchers may still hold the index's files open.
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Take all the disk's free space but `leave` bytes."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        os.posix_fallocate(descriptor, 0, max(shutil.disk_usage(disk).free - leave, 1))
    finally:
        os.close(descriptor)
    return filler


DISK_FULL = {"No space left on device", "database or disk is full"}


@pytest.mark.parametrize("free", [0, 8 * KIB, 40 * KIB], ids=["0K", "8K", "40K"])
@pytest.mark.parametrize("command", ["build", "update"])
def test_a_full_disk_fails_the_build_and_keeps_the_index(
    small_disk, library_index, corpus_copy, command, free
):
    index = Path(shutil.copytree(library_index, small_disk / "index"))
    before = IndexStore(index).current_version()
    holding = app_client(index)
    assert served(holding) == (200, before, DOCUMENTS)
    add_resource(corpus_copy)
    filler = fill(small_disk, free)

    failed = run_module("indexer", command, "--corpus", str(corpus_copy), "--index", str(index))
    message = failed.stderr.strip().splitlines()[-1]
    prefix = f"Error: {command} failed, the published index is unchanged: "
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert message.startswith(prefix) and message.removeprefix(prefix) in DISK_FULL, message
    assert IndexStore(index).current_version() == before
    for client in (holding, app_client(index)):
        assert served(client) == (200, before, DOCUMENTS)
    assert [p.name for p in (index / "versions").glob("*.partial")] == []

    filler.unlink()
    report = RECOVERY[command](corpus_copy, index)
    assert report.published and served(holding) == (200, report.version, DOCUMENTS + 1)


def limit_file_size() -> None:
    """In the child: files may not grow past 32 KiB, and going past is an error, not a
    signal (SIGXFSZ would kill the build before it could say why)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (32 * KIB, 32 * KIB))


def test_a_file_size_limit_fails_the_build_and_keeps_the_index(index_copy, corpus_copy):
    """The same failure path as a full disk, without mounting anything."""
    before = IndexStore(index_copy).current_version()
    add_resource(corpus_copy)
    failed = run_module(
        "indexer", "build", "--corpus", str(corpus_copy), "--index", str(index_copy),
        preexec_fn=limit_file_size,
    )  # fmt: skip
    message = failed.stderr.strip().splitlines()[-1]
    prefix = "Error: build failed, the published index is unchanged: "
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    # Whoosh's files say so, SQLite (the page cache) says it its own way.
    assert message.removeprefix(prefix) in {"File too large", "disk I/O error"}, message
    assert served(app_client(index_copy)) == (200, before, DOCUMENTS)
    assert leftovers(index_copy) == []
    assert build(corpus_copy, index_copy).published


# A damaged or partly deleted index.


def version_folder(index: Path) -> Path:
    return index / "versions" / IndexStore(index).current_version()


def segment_files(index: Path) -> list[Path]:
    """The Whoosh segment files of the published version (whatever the codec names them)."""
    files = [
        p
        for p in version_folder(index).iterdir()
        if p.is_file()  # not the folder of the version's documents
        and p.suffix not in (".toc", ".json", ".sqlite", ".txt")
        and p.name != "MAIN_WRITELOCK"
    ]
    assert files, list(version_folder(index).iterdir())
    return files


def rewrite(path: Path, data: bytes) -> None:
    """Give a file new contents as a new file: searchers holding the old one keep reading it
    (changing a memory-mapped file in place would crash them with SIGBUS)."""
    temporary = path.with_name(path.name + ".new")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def each(paths, change) -> None:
    for path in paths:
        change(path)


DAMAGES = {
    # name: (damage, does an app already holding the version still answer, message start)
    "segment deleted": (
        lambda i: each(segment_files(i), Path.unlink), True, UNAVAILABLE,
    ),
    "segment cut in half": (
        lambda i: each(segment_files(i), lambda p: rewrite(p, p.read_bytes()[: p.stat().st_size // 2])),
        True, UNAVAILABLE,
    ),
    "segment zeroed": (
        lambda i: each(segment_files(i), lambda p: rewrite(p, bytes(p.stat().st_size))),
        True, UNAVAILABLE,
    ),
    "table of contents deleted": (
        lambda i: each(version_folder(i).glob("*.toc"), Path.unlink), True, UNAVAILABLE,
    ),
    "table of contents overwritten": (
        lambda i: each(version_folder(i).glob("*.toc"), lambda p: rewrite(p, b"garbage" * 10)),
        True, UNAVAILABLE,
    ),
    "manifest deleted": (
        lambda i: (version_folder(i) / "manifest.json").unlink(), True, UNAVAILABLE + "index version v",
    ),
    "manifest overwritten": (
        lambda i: rewrite(version_folder(i) / "manifest.json", b"{not json"), True, UNAVAILABLE + "index version v",
    ),
    "thesaurus overwritten": (
        lambda i: rewrite(version_folder(i) / "thesaurus.json", b"{not json"), True, UNAVAILABLE + "its files cannot be read (thesaurus.ThesaurusError)",
    ),
    "versions folder deleted": (
        lambda i: shutil.rmtree(i / "versions"), True, UNAVAILABLE + "index version v",
    ),
    "CURRENT overwritten": (
        lambda i: rewrite(i / CURRENT_FILE, b"../../etc\n"), False, UNAVAILABLE + "no index is published yet",
    ),
    "CURRENT names a missing version": (
        lambda i: rewrite(i / CURRENT_FILE, b"v20990101T000000000000Z-1\n"), False,
        UNAVAILABLE + "index version v20990101T000000000000Z-1 is damaged: ",
    ),
    "page cache overwritten": (
        # The app never reads pages.sqlite: only `update` does.
        lambda i: rewrite(version_folder(i) / "pages.sqlite", b"x" * 5000), True, None,
    ),
}  # fmt: skip


@pytest.mark.parametrize(("damage", "holds", "message"), DAMAGES.values(), ids=DAMAGES)
def test_a_damaged_index_is_a_503_until_the_next_build(
    index_copy, corpus_copy, damage, holds, message
):
    before = IndexStore(index_copy).current_version()
    holding = app_client(index_copy)
    assert served(holding) == (200, before, DOCUMENTS)
    damage(index_copy)

    assert served(holding) == ((200, before, DOCUMENTS) if holds else (503, None, None))
    fresh = app_client(index_copy)
    for path in ("/search.json", "/search.csv", "/suggest.json?q=foo", "/healthz"):
        response = fresh.get(path)
        if message is None:
            assert response.status_code == 200, path
        else:
            error = response.get_json()["error"]
            assert (response.status_code, error["status"]) == (503, 503), path
            assert error["message"].startswith(message), (path, error["message"])
    assert fresh.get("/search").status_code == (200 if message is None else 503)

    add_resource(corpus_copy)
    report = build(corpus_copy, index_copy)
    assert report.published and leftovers(index_copy) == []
    for client in (holding, fresh):
        assert served(client) == (200, report.version, DOCUMENTS + 1)


# `update` over any damage: it checks the published version (its index opens and holds the
# documents its manifest counts, its thesaurus loads, its page cache reads) and builds from
# scratch when it cannot be the base of an update, pages changed or not.


@pytest.mark.parametrize(
    ("damage", "changed"),
    [
        pytest.param(
            damage,
            changed,
            id=f"{name}-{'changed' if changed else 'unchanged'} corpus",
        )
        for name, (damage, _, _) in DAMAGES.items()
        for changed in (False, True)
    ],
)
def test_update_mends_a_damaged_index(index_copy, corpus_copy, damage, changed):
    damage(index_copy)
    if changed:
        add_resource(corpus_copy)
    try:
        report = update(corpus_copy, index_copy)
    except Exception as error:  # noqa: BLE001 - what escapes is the failure being shown
        pytest.fail(f"update raised {type(error).__name__}: {error}")
    expected = DOCUMENTS + 1 if changed else DOCUMENTS
    assert served(app_client(index_copy)) == (200, report.version, expected)


def test_an_index_file_failing_under_an_open_searcher_is_a_503(app, monkeypatch):
    """A read error from the index in mid-request (its files went bad or away) is a 503;
    any other unexpected error stays a 500 (the pair of tests/search/test_api.py's)."""

    def unreadable(*args, **kwargs):
        raise EOFError("Ran out of input")

    monkeypatch.setattr(views_module, "run_search", unreadable)
    monkeypatch.setattr(app.logger, "disabled", True)
    response = app.test_client().get("/search.json?q=footage")
    assert (response.status_code, response.get_json()) == (
        503,
        {
            "error": {
                "status": 503,
                "message": "The search index is not available: its files cannot be read (EOFError)",
            }
        },
    )


def test_the_search_cli_reports_a_damaged_index(index_copy):
    """A truncated segment raises EOFError (or struct.error, UnpicklingError...) from
    index.searcher(): `resource-search query` says the index is not available, no traceback."""
    from click.testing import CliRunner

    each(segment_files(index_copy), lambda p: rewrite(p, p.read_bytes()[: p.stat().st_size // 2]))
    result = CliRunner().invoke(search_cli, ["query", "footage", "--index", str(index_copy)])
    assert result.exit_code == 1 and result.output.startswith(f"Error: {UNAVAILABLE}")


# A missing corpus.

MISSING_CORPUS = {
    # (status, last line of stderr): 1 a failed build, 2 bad usage (click's own check).
    "missing": (lambda c: shutil.rmtree(c), "Error: corpus folder not found: {corpus}"),
    "a file": (
        lambda c: (shutil.rmtree(c), c.write_text("not a folder")),
        "Error: Invalid value for '--corpus': Directory '{corpus}' is a file.",
    ),
    "empty": (
        lambda c: (shutil.rmtree(c), c.mkdir()),
        "Error: {command} failed, the published index is unchanged: no resources found; "
        "refusing to publish an empty index",
    ),
}


@pytest.mark.parametrize(("change", "message"), MISSING_CORPUS.values(), ids=MISSING_CORPUS)
@pytest.mark.parametrize("command", ["build", "update"])
def test_a_missing_corpus_fails_the_build_and_keeps_the_index(
    index_copy, corpus_copy, tmp_path, command, change, message
):
    before = IndexStore(index_copy).current_version()
    holding = app_client(index_copy)
    saved = shutil.copytree(corpus_copy, tmp_path / "saved")
    change(corpus_copy)
    failed = run_module(
        "indexer", command, "--corpus", str(corpus_copy), "--index", str(index_copy)
    )
    assert (failed.returncode, failed.stderr.strip().splitlines()[-1]) == (
        2 if "Invalid value" in message else 1,
        message.format(corpus=corpus_copy, command=command),
    )
    assert served(holding) == (200, before, DOCUMENTS)
    assert served(app_client(index_copy)) == (200, before, DOCUMENTS)

    if corpus_copy.is_dir():
        shutil.rmtree(corpus_copy)
    elif corpus_copy.exists():
        corpus_copy.unlink()
    shutil.copytree(saved, corpus_copy)
    add_resource(corpus_copy)
    report = RECOVERY[command](corpus_copy, index_copy)
    assert report.published and served(holding) == (200, report.version, DOCUMENTS + 1)


# A second build while one runs, each in its own process.


def test_a_second_build_fails_at_once_while_the_first_publishes(index_copy, corpus_copy):
    before = IndexStore(index_copy).current_version()
    holding = app_client(index_copy)
    add_resource(corpus_copy)
    paused, release = Path(f"{index_copy}.paused"), Path(f"{index_copy}.release")
    first = subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.build_process", "build"]
        + [str(corpus_copy), str(index_copy), "pause"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while not paused.exists():
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.02)
        for command in ("build", "update"):
            second = run_module(
                "indexer", command, "--index", str(index_copy), "--corpus", str(corpus_copy)
            )
            holder = HOLDER.fullmatch(second.stderr.strip())
            assert second.returncode == 1 and holder, second.stderr
            assert (holder["index"], int(holder["pid"])) == (str(index_copy), first.pid)
            assert served(holding) == (200, before, DOCUMENTS)
    finally:
        release.touch()
        output, errors = first.communicate(timeout=PROCESS_TIMEOUT)
    assert first.returncode == 0, errors
    published = IndexStore(index_copy).current_version()
    assert published != before and served(holding) == (200, published, DOCUMENTS + 1)
    add_resource(corpus_copy, OKAPI)
    assert build(corpus_copy, index_copy).published
    assert served(holding)[2] == DOCUMENTS + 2


# An index published while a request is in flight.


def test_a_request_in_flight_finishes_on_its_version_across_two_publishes(
    index_copy, corpus_copy, monkeypatch
):
    app = create_app({"INDEX_DIR": str(index_copy), "RATE_LIMIT": ""})
    before = IndexStore(index_copy).current_version()
    inside, resume = threading.Event(), threading.Event()
    run_search = views_module.run_search

    def held(snapshot, params, base_path):
        inside.set()
        resume.wait(PROCESS_TIMEOUT)
        return run_search(snapshot, params, base_path=base_path)

    monkeypatch.setattr(views_module, "run_search", held)
    answers = []
    request = threading.Thread(
        target=lambda: answers.append(app.test_client().get("/search.json?per_page=100"))
    )
    request.start()
    try:
        assert inside.wait(PROCESS_TIMEOUT)
        add_resource(corpus_copy)
        build(corpus_copy, index_copy, keep=2)
        add_resource(corpus_copy, OKAPI)
        build(corpus_copy, index_copy, keep=2)
        # Two publishes later (two versions kept), the version the request holds is gone.
        assert not (index_copy / "versions" / before).exists()
    finally:
        resume.set()
        request.join(PROCESS_TIMEOUT)
    [response] = answers
    data = response.get_json()
    assert (response.status_code, data["index"]["version"], data["total"]) == (
        200,
        before,
        DOCUMENTS,
    )
    assert {r["id"] for r in data["results"]} == {r[0] for r in HARDENING_RESOURCES}
    monkeypatch.setattr(views_module, "run_search", run_search)
    latest = app.test_client().get("/search.json?q=patrol+notes").get_json()
    assert (latest["index"]["version"], sorted(r["id"] for r in latest["results"])) == (
        IndexStore(index_copy).current_version(),
        [OKAPI[0], QUAGGA[0]],
    )
