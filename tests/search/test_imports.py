"""What each entry point loads: the search core without Flask, the search CLI without the
build or BeautifulSoup (each checked in a fresh interpreter, whose modules are its own)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

WATCHED = ("flask", "bs4", "indexer.build", "indexer.cli")
SEARCH_CORE = (
    "search_app.search",
    "search_app.query",
    "search_app.params",
    "search_app.facets",
    "search_app.snapshots",
    "search_app.export",
)


def loaded_by(statement: str) -> dict[str, bool]:
    """Which watched modules a fresh interpreter has loaded after running `statement`."""
    code = f"import json, sys\n{statement}\nprint(json.dumps({{m: m in sys.modules for m in {WATCHED!r}}}))"
    process = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(process.stdout)


@pytest.mark.parametrize("module", SEARCH_CORE)
def test_the_search_core_imports_without_flask(module):
    assert loaded_by(f"import {module}") == {
        "flask": False,
        "bs4": False,
        "indexer.build": False,
        "indexer.cli": False,
    }


def test_the_app_factory_still_imports_from_the_package_and_brings_flask():
    statement = "from search_app import create_app, DEFAULTS; import search_app.app as app\n"
    statement += "assert create_app is app.create_app and DEFAULTS is app.DEFAULTS"
    assert loaded_by(statement) == {
        "flask": True,
        "bs4": False,
        "indexer.build": False,
        "indexer.cli": False,
    }


def test_the_package_has_no_other_lazy_names():
    import search_app

    with pytest.raises(AttributeError, match="^module 'search_app' has no attribute 'nothing'$"):
        search_app.nothing  # noqa: B018


def test_the_search_cli_loads_neither_the_build_nor_beautifulsoup():
    assert loaded_by("import search_app.cli") == {
        "flask": False,
        "bs4": False,
        "indexer.build": False,
        "indexer.cli": False,
    }


def test_the_index_cli_loads_the_build_and_beautifulsoup():
    assert loaded_by("import indexer.cli") == {
        "flask": False,
        "bs4": True,
        "indexer.build": True,
        "indexer.cli": True,
    }
