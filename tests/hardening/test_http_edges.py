"""HTTP edges (search_app/edge.py): raw 8-bit bytes in the query string on every route, the
Host header against PUBLIC_URL, TRUSTED_HOSTS and PROXY_COUNT, the cache headers of the
responses that carry absolute URLs, and 503 messages that keep server paths in the log.

The rate limit shared by processes (RATE_LIMIT_STORAGE) is in test_rate_limit.py.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from search_app import create_app
from search_app.edge import NOT_UTF8, UNTRUSTED_HOST, check_public_url
from tests.search.conftest import FOOTAGE, HANDBOOK

from .test_hostile_input import assert_error

PUBLIC = "https://search.example.org"
EVIL = "evil.example"
# Every route, with a path that reaches its view (a resource id, an export format).
ROUTE_PATHS = {
    "/": "/",
    "/search": "/search",
    "/search.json": "/search.json",
    "/search.<any(csv, ris, bib):fmt>": "/search.csv",
    "/suggest.json": "/suggest.json",
    "/healthz": "/healthz",
    "/opensearch.xml": "/opensearch.xml",
    "/search.atom": "/search.atom?q=footage",
    "/resources/<resource_id>": f"/resources/{HANDBOOK}",
    "/resources/<resource_id>.json": f"/resources/{HANDBOOK}.json",
    "/static/<path:filename>": "/static/search.js",
    "/documents/<version>/<path:source>": "/documents/v20260101T000000000000Z-1/files/a.pdf",
}
RAW_QUERIES = [b"q=\xff", b"q=caf\xe9", b"topic=\xc3", b"\xff", b"q=ok&page=\x80"]


def get_raw(client, path: str, query: bytes):
    """GET with a query string of raw bytes, as a WSGI server hands them on (latin-1)."""
    return client.get(path, environ_overrides={"QUERY_STRING": query.decode("latin-1")})


def test_every_route_is_listed(app):
    assert sorted(rule.rule for rule in app.url_map.iter_rules()) == sorted(ROUTE_PATHS)


@pytest.mark.parametrize("query", RAW_QUERIES)
@pytest.mark.parametrize("path", ROUTE_PATHS.values())
def test_raw_8_bit_bytes_in_the_query_string_are_a_400(client, path, query):
    assert_error(get_raw(client, path, query), 400, NOT_UTF8)


@pytest.mark.parametrize(
    ("path", "status"), [("/search.json", 200), ("/search", 200), ("/suggest.json", 200)]
)
def test_utf8_and_percent_encoded_bytes_are_answered(client, path, status):
    # The miss: raw UTF-8 bytes, and percent-encoded invalid UTF-8, are not refused.
    for query in ("q=café".encode(), b"q=%FF", b"q=caf%C3%A9"):
        assert get_raw(client, path, query).status_code == status, (path, query)


# The Host header and the public address.


def opensearch_templates(response) -> set[str]:
    """The scheme and host of every URL template of an OpenSearch description."""
    soup = BeautifulSoup(response.get_data(as_text=True), "xml")
    return {
        "{0.scheme}://{0.netloc}".format(urlsplit(url["template"])) for url in soup.find_all("Url")
    }


def export_bases(client, host: str) -> dict[str, str]:
    """The address each export writes before /resources/, asked with a Host header."""
    marker = f"/resources/{FOOTAGE}/"

    def base(fmt: str) -> str:
        with client.get(f"/search.{fmt}?q=footage", headers={"Host": host}) as response:
            text = response.get_data(as_text=True)
        line = next(line for line in text.splitlines() if marker in line)
        return line.split(marker)[0].rsplit(",", 1)[-1].rsplit(" ", 1)[-1].lstrip("{")

    return {fmt: base(fmt) for fmt in ("csv", "ris", "bib")}


@pytest.fixture(scope="module")
def public_client(library_index):
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": "", "PUBLIC_URL": PUBLIC})
    return app.test_client()


def test_with_a_public_url_the_host_header_is_never_copied(public_client):
    response = public_client.get("/opensearch.xml", headers={"Host": EVIL})
    assert opensearch_templates(response) == {PUBLIC}
    assert export_bases(public_client, EVIL) == {"csv": PUBLIC, "ris": PUBLIC, "bib": PUBLIC}
    # It names no request's host, so shared caches may keep it (and need not vary on Host).
    assert (response.headers["Cache-Control"], response.headers.get("Vary")) == (
        "public, max-age=86400",
        None,
    )


def test_without_a_public_url_the_host_is_used_and_shared_caches_may_not_keep_it(client):
    response = client.get("/opensearch.xml", headers={"Host": EVIL})
    assert opensearch_templates(response) == {f"http://{EVIL}"}
    assert export_bases(client, EVIL) == {key: f"http://{EVIL}" for key in ("csv", "ris", "bib")}
    for path in ("/opensearch.xml", "/search.csv", "/search.ris", "/search.bib"):
        with client.get(path, headers={"Host": EVIL}) as response:
            headers = (response.headers["Cache-Control"], response.headers["Vary"])
        assert headers == ("private, no-cache", "Host"), path
    # The miss: pages and JSON name no host, and carry no such headers.
    assert client.get("/search.json").headers.get("Vary") is None


def test_trusted_hosts_refuse_any_other_host_without_echoing_it(library_index):
    app = create_app(
        {"INDEX_DIR": str(library_index), "RATE_LIMIT": "", "TRUSTED_HOSTS": ["library.org"]}
    )
    client = app.test_client()
    for path in ("/opensearch.xml", "/search.json", "/search", "/search.bib"):
        with client.get(path, headers={"Host": f"{EVIL}<b>"}) as response:
            assert_error(response, 400, UNTRUSTED_HOST)
            assert EVIL not in response.get_data(as_text=True), path
    trusted = client.get("/opensearch.xml", headers={"Host": "library.org"})
    assert (trusted.status_code, opensearch_templates(trusted)) == (200, {"http://library.org"})


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "library.org",
}


def test_forwarded_headers_are_ignored_without_a_configured_proxy(client):
    response = client.get("/opensearch.xml", headers={"Host": "direct.org", **FORWARDED})
    assert opensearch_templates(response) == {"http://direct.org"}


def test_forwarded_headers_are_believed_behind_a_configured_proxy(library_index):
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": "", "PROXY_COUNT": 1})
    response = app.test_client().get("/opensearch.xml", headers={"Host": "proxy:8000", **FORWARDED})
    assert opensearch_templates(response) == {"https://library.org"}
    assert response.headers["Vary"] == "Host, X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Port"


def test_the_rate_limit_counts_the_forwarded_client_only_behind_a_proxy(library_index):
    def statuses(proxies: int) -> list[int]:
        app = create_app(
            {"INDEX_DIR": str(library_index), "RATE_LIMIT": "1 per minute", "PROXY_COUNT": proxies}
        )
        client = app.test_client()
        # Two clients behind the one proxy address (the test client's 127.0.0.1).
        return [
            client.get("/search.json", headers={"X-Forwarded-For": address}).status_code
            for address in ("203.0.113.7", "203.0.113.8", "203.0.113.7")
        ]

    assert statuses(1) == [200, 200, 429]
    # The miss: without a configured proxy the header is spoofable, so it is not the key.
    assert statuses(0) == [200, 429, 429]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ""), ("https://search.example.org/", PUBLIC), ("http://h:8000/lab", "http://h:8000/lab")],
)
def test_a_public_url_is_checked(value, expected):
    assert check_public_url(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("search.example.org", "PUBLIC_URL must start with http:// or https:// and a host (got 'search.example.org')"),
        ("javascript:alert(1)", "PUBLIC_URL must start with http:// or https:// and a host (got 'javascript:alert(1)')"),
        ("https://h/?x=1", "PUBLIC_URL must have no query, fragment or spaces (got 'https://h/?x=1')"),
        ("https://h/a b", "PUBLIC_URL must have no query, fragment or spaces (got 'https://h/a b')"),
    ],
)  # fmt: skip
def test_a_bad_public_url_stops_the_app_at_startup(tmp_path, value, message):
    with pytest.raises(ValueError) as raised:
        create_app({"INDEX_DIR": str(tmp_path), "PUBLIC_URL": value})
    assert str(raised.value) == message


# 503s: the reason for anyone, the paths for the log.


@pytest.mark.parametrize("path", ["/search.json", "/search", "/healthz"])
def test_a_503_names_no_server_path_but_the_log_does(tmp_path, caplog, path):
    index = tmp_path / "secret-folder" / "index"
    client = create_app({"INDEX_DIR": str(index), "RATE_LIMIT": ""}).test_client()
    with caplog.at_level(logging.ERROR, logger="search_app"):
        response = client.get(path)
    assert_error(
        response,
        503,
        "The search index is not available: no index is published yet; please try again later",
    )
    assert "secret-folder" not in response.get_data(as_text=True)
    assert [record.getMessage() for record in caplog.records] == [
        f"{path}: The search index is not available: no index published in {index}; "
        "run `resource-index build`"
    ]
