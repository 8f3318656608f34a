"""The librarian's commands: reports on stderr, data on stdout, exit 1 on failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.stats import index_stats
from indexer.store import IndexStore
from tests.conftest import (
    CAFE,
    CAMERAS,
    QUOKKA,
    ZEBRAFISH,
    card,
    listing_page,
    stored_documents,
    write_page,
)

REPO = Path(__file__).parents[2]
NOBODY = 65534
VERSION = r"v\d{8}T\d{12}Z-\d+"


def invoke(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def add_warning(corpus):
    write_page(
        corpus,
        "topics/new/page-1.html",
        listing_page(
            "New",
            card("Walrus Notes", "/resources/walrus-notes/", "Report | 20x4", ["Use of Force"]),
        ),
    )


YEAR_WARNING = (
    "  warning: topics/new/page-1.html (card 1): unreadable year '20x4'; treated as undated"
)


def test_build_prints_the_report_on_stderr(corpus, tmp_path):
    result = invoke("build", "--corpus", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "pages read: 4",
        "resources: 4 (2 duplicate sightings merged)",
        "errors: 0, warnings: 0, notices: 0",
    ]
    assert re.fullmatch(rf"published index version {VERSION} in \d+\.\d s", lines[3])
    assert len(lines) == 4  # no progress bar: stderr is not a terminal
    assert [d["id"] for d in stored_documents(tmp_path / "index")] == [
        CAMERAS,
        CAFE,
        QUOKKA,
        ZEBRAFISH,
    ]


def test_build_json(corpus, tmp_path):
    add_warning(corpus)
    result = invoke("build", "--corpus", corpus, "--index", tmp_path / "index", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert sorted(report) == sorted(
        [
            "command",
            "pages_read",
            "pages_skipped",
            "pages_reparsed",
            "resources",
            "duplicates_merged",
            "problems",
            "documents_added",
            "documents_updated",
            "documents_deleted",
            "version",
            "published",
            "seconds",
            "failure",
            "changes",
            "reader_changes",
            "judged",
            "notice_kinds",
            "errors",
            "warnings",
            "notices",
        ]
    )
    assert (report["command"], report["resources"], report["published"], report["warnings"]) == (
        "build",
        5,
        True,
        1,
    )
    assert report["problems"] == [
        {
            "level": "warning",
            "path": "topics/new/page-1.html",
            "message": "unreadable year '20x4'; treated as undated",
            "line": None,
            "element": "card 1",
        }
    ]
    assert report["version"] == IndexStore(tmp_path / "index").current_version()


def test_strict_build_fails_and_keeps_the_index(corpus, index_dir):
    current = (index_dir / "CURRENT").read_text()
    add_warning(corpus)
    result = invoke("build", "--corpus", corpus, "--index", index_dir, "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "pages read: 5",
        "resources: 5 (2 duplicate sightings merged)",
        "errors: 0, warnings: 1, notices: 0",
        YEAR_WARNING,
        "FAILED: --strict: 1 warning(s) are fatal",
        "Error: build failed, the published index is unchanged: --strict: 1 warning(s) are fatal",
    ]
    assert (index_dir / "CURRENT").read_text() == current
    assert invoke("build", "--corpus", corpus, "--index", index_dir).exit_code == 0


def test_strict_build_json_fails_with_the_report_on_stdout(corpus, index_dir):
    add_warning(corpus)
    result = invoke("build", "--corpus", corpus, "--index", index_dir, "--strict", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failure"] == "--strict: 1 warning(s) are fatal"
    assert result.stderr == (
        "Error: build failed, the published index is unchanged: --strict: 1 warning(s) are fatal\n"
    )


def test_update(corpus, index_dir):
    result = invoke("update", "--corpus", corpus, "--index", index_dir)
    version = IndexStore(index_dir).current_version()
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "pages read: 4",
        "resources: 4 (2 duplicate sightings merged)",
        "pages re-parsed: 0; documents added 0, updated 0, deleted 0",
        "errors: 0, warnings: 0, notices: 0",
        f"index version {version} is up to date; nothing to publish",
    ]
    add_warning(corpus)
    result = invoke("update", "--corpus", corpus, "--index", index_dir, "--json")
    report = json.loads(result.stdout)
    assert (result.exit_code, report["pages_reparsed"], report["documents_added"]) == (0, 1, 1)
    assert report["version"] != version


@pytest.mark.parametrize("strict", [False, True])
def test_check(corpus, tmp_path, monkeypatch, strict):
    monkeypatch.chdir(tmp_path)
    add_warning(corpus)
    result = invoke("check", "--corpus", corpus, *(["--strict"] if strict else []))
    assert result.exit_code == (1 if strict else 0)
    expected = [
        "pages read: 5",
        "resources: 5 (2 duplicate sightings merged)",
        "errors: 0, warnings: 1, notices: 0",
        YEAR_WARNING,
    ]
    if strict:
        expected.append("Error: --strict: 0 error(s), 1 warning(s)")
    assert result.stderr.splitlines() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no index written


def test_check_clean_corpus_strict_passes(corpus):
    result = invoke("check", "--corpus", corpus, "--strict", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert (report["command"], report["resources"], report["problems"]) == ("check", 4, [])


FACETS = {
    "topic": [
        {"value": "Officer Safety and Wellness", "count": 2},
        {"value": "Technology Implementation", "count": 2},
        {"value": "Use of Force", "count": 2},
        {"value": "Response to Mass Demonstrations", "count": 1},
    ],
    "type": [
        {"value": "Guidebook/Tool", "count": 2},
        {"value": "Article", "count": 1},
        {"value": "Report", "count": 1},
        {"value": "Video", "count": 1},
    ],
    "year": [
        {"value": "2019", "count": 1},
        {"value": "2020", "count": 1},
        {"value": "2021", "count": 1},
        {"value": "Undated", "count": 1},
    ],
}


def test_stats_json(index_dir):
    result = invoke("stats", "--index", index_dir, "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    stats = json.loads(result.stdout)
    published = IndexStore(index_dir).published()
    assert stats["index"] == {
        "version": published.version,
        "built_at": published.manifest["built_at"],
        "build_seconds": published.manifest["build_seconds"],
        "corpus": published.manifest["corpus"],
        "documents": 4,
    }
    assert stats["corpus_changes"] == {"added": 0, "changed": 0, "removed": 0}
    assert stats["facets"] == FACETS
    assert stats["report"] == published.manifest["report"]
    assert stats["resources"] == [
        {
            "id": CAMERAS,
            "title": "Body Cameras on US Patrols",
            "types": ["Report"],
            "year": 2019,
            "topics": ["Technology Implementation", "Officer Safety and Wellness", "Use of Force"],
        },
        {
            "id": CAFE,
            "title": "Caf\u00e9 Protocols for IT Help Desks",
            "types": ["Guidebook/Tool"],
            "year": 2020,
            "topics": ["Technology Implementation"],
        },
        {
            "id": QUOKKA,
            "title": "Quokka Field Notes",
            "types": ["Article"],
            "year": None,
            "topics": ["Officer Safety and Wellness"],
        },
        {
            "id": ZEBRAFISH,
            "title": "Zebrafish Drills for Crowd Events",
            "types": ["Guidebook/Tool", "Video"],
            "year": 2021,
            "topics": ["Use of Force", "Response to Mass Demonstrations"],
        },
    ]
    no_resources = json.loads(
        invoke("stats", "--index", index_dir, "--json", "--no-resources").stdout
    )
    assert "resources" not in no_resources
    assert no_resources == {key: value for key, value in stats.items() if key != "resources"}


def test_stats_text(index_dir):
    result = invoke("stats", "--index", index_dir)
    info = index_stats(index_dir)["index"]
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"index version {info['version']}, built {info['built_at']} in {info['build_seconds']} s",
        "documents: 4",
        "topic:",
        "       2  Officer Safety and Wellness",
        "       2  Technology Implementation",
        "       2  Use of Force",
        "       1  Response to Mass Demonstrations",
        "type:",
        "       2  Guidebook/Tool",
        "       1  Article",
        "       1  Report",
        "       1  Video",
        "year:",
        "       1  2019",
        "       1  2020",
        "       1  2021",
        "       1  Undated",
        "corpus pages since this build: 0 added, 0 changed, 0 removed",
        "last build: 0 error(s), 0 warning(s), 0 notice(s)",
    ]


@pytest.mark.parametrize("command", ["build", "update", "check"])
def test_missing_corpus_folder(tmp_path, command):
    options = [] if command == "check" else ["--index", tmp_path / "index"]
    result = invoke(command, "--corpus", tmp_path / "nowhere", *options)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: corpus folder not found: {tmp_path / 'nowhere'}\n"
    assert not (tmp_path / "index").exists()


def test_stats_without_an_index(tmp_path):
    result = invoke("stats", "--index", tmp_path / "index")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no index published in {tmp_path / 'index'}; run `resource-index build`\n"
    )


def test_second_build_fails_fast(corpus, index_dir):
    current = (index_dir / "CURRENT").read_text()
    with IndexStore(index_dir).lock():
        result = invoke("build", "--corpus", corpus, "--index", index_dir)
    assert result.exit_code == 1
    assert re.fullmatch(
        rf"Error: another build is running on {re.escape(str(index_dir))} \(pid {os.getpid()},"
        r" since \d\d:\d\d:\d\d UTC\); try again when it ends\n",
        result.stderr,
    )
    assert (index_dir / "CURRENT").read_text() == current


def test_index_folder_under_a_regular_file(corpus, tmp_path):
    (tmp_path / "file").write_text("a file")
    result = invoke("build", "--corpus", corpus, "--index", tmp_path / "file" / "index")
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: cannot write the index folder {tmp_path / 'file' / 'index'}: Not a directory\n"
    )


# An index folder without write permission. Root ignores permissions, so when the tests run
# as root (as in CI) the command runs as the unprivileged user `nobody`.


@pytest.fixture
def open_folder():
    """A folder everyone may read and enter (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="resource-index-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(stat.S_IRWXU)
    shutil.rmtree(folder)


def run_unprivileged(args, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m indexer ARGS` as `nobody` when running as root, else as the current user."""
    if os.geteuid() != 0:
        return subprocess.run(
            [sys.executable, "-m", "indexer", *args], cwd=cwd, capture_output=True, text=True
        )
    as_nobody = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "LANG": "C.UTF-8",
        # The project and its dependencies, for an interpreter outside the virtualenv.
        "PYTHONPATH": os.pathsep.join([str(REPO), *site.getsitepackages()]),
    }
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    # The virtualenv's interpreter may live in root's home, which nobody cannot enter.
    for python in (sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"):
        try:
            probe = subprocess.run(
                [python, "-c", "import indexer.cli"],
                cwd=cwd,
                env=env,
                capture_output=True,
                **as_nobody,
            )
        except OSError:
            continue
        if probe.returncode == 0:
            return subprocess.run(
                [python, "-m", "indexer", *args],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                **as_nobody,
            )
    pytest.skip(f"no Python {version} that the user nobody can run with the indexer")


@pytest.mark.parametrize("published", [True, False], ids=["published index", "new index"])
def test_index_folder_without_write_permission(corpus, open_folder, published):
    shutil.copytree(corpus, open_folder / "corpus")
    parent = open_folder / "indexes"
    index = parent / "index"
    parent.mkdir()
    if published:
        assert invoke("build", "--corpus", open_folder / "corpus", "--index", index).exit_code == 0
        before = (index / "CURRENT").read_text(), stored_documents(index)
        (index / "versions").chmod(0o555)
        index.chmod(0o555)
    else:
        parent.chmod(0o555)
    result = run_unprivileged(["build", "--corpus", "corpus", "--index", str(index)], open_folder)
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr == f"Error: cannot write the index folder {index}: Permission denied\n"
    if published:
        index.chmod(0o755)
        assert ((index / "CURRENT").read_text(), stored_documents(index)) == before
        assert sorted(p.name for p in (index / "versions").iterdir()) == [before[0].strip()]
    else:
        assert not index.exists()


def test_python_m_indexer_help():
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "--help"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: resource-index [OPTIONS] COMMAND [ARGS]...")
    commands = re.findall(r"^  (\w[\w-]*)  ", result.stdout.split("Commands:")[1], re.MULTILINE)
    assert commands == ["build", "check", "diff", "rollback", "stats", "update", "versions"]


@pytest.mark.parametrize("command", ["build", "update", "check", "stats"])
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert re.search(rf"^  Example: resource-index {command}\b", result.stdout, re.MULTILINE)


def test_check_lists_the_pages_changed_since_the_published_index(corpus, index_dir):
    pages = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*.html"))
    changed, removed = pages[0], pages[1]
    (corpus / changed).write_text((corpus / changed).read_text() + "<!-- edited -->")
    (corpus / removed).unlink()
    write_page(corpus, "extra/empty.html", "<html><body><p>nothing</p></body></html>")
    result = invoke("check", "--corpus", corpus, "--index", index_dir, "--json")
    assert json.loads(result.stdout)["changes"] == {
        "added": ["extra/empty.html"],
        "changed": [changed],
        "removed": [removed],
    }
    stats = json.loads(invoke("stats", "--index", index_dir, "--json").stdout)
    assert stats["corpus_changes"] == {"added": 1, "changed": 1, "removed": 1}


def test_check_without_a_published_index_lists_no_changes(corpus, tmp_path):
    result = invoke("check", "--corpus", corpus, "--index", tmp_path / "none", "--json")
    assert (result.exit_code, json.loads(result.stdout)["changes"]) == (0, None)
