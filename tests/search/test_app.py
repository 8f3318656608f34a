"""The app factory and its settings (search_app/__init__.py)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from search_app import DEFAULTS, create_app

README = Path(__file__).parents[2] / "README.md"


@pytest.fixture
def clean_environment(monkeypatch):
    """No SEARCH_ variables from the machine running the tests."""
    for name in [name for name in os.environ if name.startswith("SEARCH_")]:
        monkeypatch.delenv(name)


def test_defaults(clean_environment):
    app = create_app()
    assert {name: app.config[name] for name in DEFAULTS} == {
        "INDEX_DIR": "index",
        "EXPORT_LIMIT": 10_000,
        "RELATED_COUNT": 5,
        "SUGGEST_LIMIT": 8,
        "RATE_LIMIT": "300 per minute",
        "RATE_LIMIT_STORAGE": "",
        "PUBLIC_URL": "",
        "TRUSTED_HOSTS": None,
        "PROXY_COUNT": 0,
        "WARM_TERMS": 64,
        "QUERY_LOG": "",
        "QUERY_LOG_MAX_BYTES": 10 * 1024 * 1024,
        "REQUEST_BUDGET": 10,
    }


def test_environment_overrides_defaults_and_test_config_overrides_both(
    clean_environment, monkeypatch, tmp_path
):
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("SEARCH_EXPORT_LIMIT", "50")
    app = create_app({"EXPORT_LIMIT": 7})
    assert (app.config["INDEX_DIR"], app.config["EXPORT_LIMIT"]) == (str(tmp_path / "from-env"), 7)
    assert app.extensions["index_holder"].store.root == tmp_path / "from-env"


def test_the_suggest_limit_setting(library_index):
    client = create_app({"INDEX_DIR": str(library_index), "SUGGEST_LIMIT": 1}).test_client()
    assert len(client.get("/suggest.json?q=cri").get_json()["suggestions"]) == 1


def test_the_related_count_setting(library_index):
    client = create_app({"INDEX_DIR": str(library_index), "RELATED_COUNT": 1}).test_client()
    response = client.get("/resources/crisis-intervention-team-handbook.json").get_json()
    assert [r["id"] for r in response["related"]] == ["de-escalation-training-outcomes"]


@pytest.mark.parametrize("name", [*DEFAULTS, "SEARCH_INDEX_DIR"])
def test_every_setting_is_in_the_readme(name):
    assert f"`{name}`" in README.read_text(encoding="utf-8")


def test_the_readme_shows_a_real_search_response(search):
    blocks = re.findall(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    examples = [json.loads(block) for block in blocks if '"took_ms"' in block]
    assert [list(example) for example in examples] == [list(search(q="footage"))]


def test_each_client_is_rate_limited_across_pages_but_not_health_checks(library_index):
    client = create_app(
        {"INDEX_DIR": str(library_index), "RATE_LIMIT": "2 per minute"}
    ).test_client()
    statuses = [
        client.get(path).status_code for path in ("/search.json", "/search", "/suggest.json?q=fo")
    ]
    refused = client.get("/search.json?q=footage")
    assert statuses == [200, 200, 429]
    assert (refused.status_code, refused.get_json()) == (
        429,
        {
            "error": {
                "status": 429,
                "message": "Too many requests from your address; please wait a minute.",
            }
        },
    )
    assert refused.headers["Retry-After"].isdigit()
    assert client.get("/healthz").status_code == 200


def test_an_empty_rate_limit_turns_it_off(library_index):
    client = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": ""}).test_client()
    assert {client.get("/search.json").status_code for _ in range(5)} == {200}


def test_the_server_reads_the_index_ahead_for_its_workers(library_index, tmp_path):
    """`resource-search serve` warms the holder in gunicorn's master: the version's derived
    data is read and its posting arrays mapped (no term is decoded ahead: the arrays hold
    them), the master's searcher closed, and a worker's first snapshot reuses the data
    rather than reading it again."""
    holder = create_app({"INDEX_DIR": str(library_index)}).extensions["index_holder"]
    assert holder.warm(3)
    (shared,) = holder.shared.values()
    assert len(shared.terms.terms) == 0
    assert shared.terms.arrays and all(shared.terms.arrays.values())
    assert set(shared.terms.lengths) == {
        "content",
        "title",
        "topic_text",
        "description",
        "document",
    }
    assert getattr(holder.local, "snapshot", None) is None
    snapshot = holder.snapshot()
    assert snapshot.shared is shared
    assert snapshot.searcher.doc_count() == 7

    missing = create_app({"INDEX_DIR": str(tmp_path / "none")}).extensions["index_holder"]
    assert missing.warm(3) is False
