"""The production server as deployed (`resource-search serve`, gunicorn) on loopback: security
headers on every kind of response, the API rate limit per client address, no debug or testing
mode whatever the environment says, and no secret needed to run.

The same properties through Flask's test client are in tests/web/test_safety.py (headers on
every page) and tests/search/test_app.py (the rate limit, from one address).
"""

from __future__ import annotations

import json
import socket

import pytest
from bs4 import BeautifulSoup

from indexer.build import build
from search_app import create_app
from search_app.edge import NOT_UTF8
from search_app.server import MAX_REQUEST_LINE, SearchServer
from tests.search.conftest import HANDBOOK
from tests.web.test_safety import csp

from .conftest import REQUEST_TIMEOUT_SECONDS, fetch, production_server

RATE_LIMIT = 8
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
TOO_MANY = "Too many requests from your address; please wait a minute."


@pytest.fixture(scope="module")
def server(library, tmp_path_factory):
    """gunicorn (one worker; two share one count in test_rate_limit.py) serving an index
    folder that starts empty, with debug and testing asked for in the environment."""
    root = tmp_path_factory.mktemp("production")
    index = root / "index"
    environment = {
        "SEARCH_RATE_LIMIT": f"{RATE_LIMIT} per minute",
        "SEARCH_DEBUG": "true",
        "SEARCH_TESTING": "true",
    }
    with production_server(index, root / "gunicorn.log", workers=1, env=environment) as base:
        yield base, index, library


def assert_secure(reply, where: str) -> None:
    """The security headers of search_app.SECURITY_HEADERS, and no cookie."""
    policy = csp(reply.headers["content-security-policy"])
    assert (policy["default-src"], policy["script-src"], policy["frame-ancestors"]) == (
        ["'self'"],
        ["'self'"],
        ["'none'"],
    ), where
    assert {name: reply.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS, where
    assert "set-cookie" not in reply.headers, where
    # gunicorn names itself without its version.
    assert reply.headers.get("server") == "gunicorn", where


def test_the_production_server_is_secure_from_no_index_to_an_index(server):
    base, index, library = server
    # Before any build: a clear 503, in JSON and as a page, with every header.
    # The index folder's path is in the server's log only (test_http_edges.py).
    missing = "The search index is not available: no index is published yet; please try again later"
    for path, source in (
        ("/healthz", "127.0.0.2"),
        ("/search.json", "127.0.0.2"),
        ("/search", "127.0.0.2"),
    ):
        reply = fetch(base, path, source)
        assert reply.status == 503, path
        assert_secure(reply, path)
        if path.endswith((".json", "healthz")):
            assert reply.json() == {"error": {"status": 503, "message": missing}}
        else:
            assert BeautifulSoup(reply.body, "html.parser").h1.get_text() == missing

    # The first build is served without a restart.
    assert build(library, index).published
    answers = {
        "/": ("127.0.0.3", 200, "text/html"),
        "/search.json?q=footage": ("127.0.0.3", 200, "application/json"),
        f"/resources/{HANDBOOK}": ("127.0.0.3", 200, "text/html"),
        "/resources/no-such-resource.json": ("127.0.0.3", 404, "application/json"),
        "/search.json?page=abc": ("127.0.0.4", 400, "application/json"),
        "/search.csv?q=footage": ("127.0.0.4", 200, "text/csv"),
        "/opensearch.xml": ("127.0.0.4", 200, "application/opensearchdescription+xml"),
        "/static/style.css": ("127.0.0.4", 200, "text/css"),
        "/healthz": ("127.0.0.4", 200, "application/json"),
    }  # fmt: skip
    for path, (source, status, kind) in answers.items():
        reply = fetch(base, path, source)
        assert (reply.status, reply.headers["content-type"].split(";")[0]) == (status, kind), path
        assert_secure(reply, path)
        assert b"Traceback" not in reply.body and b"Werkzeug" not in reply.body, path
    # The hostile resource of the web tests' library reaches the page only as text.
    page = fetch(base, "/resources/hostile-resource", "127.0.0.4")
    scripts = BeautifulSoup(page.body, "html.parser").find_all("script")
    assert [s["src"].split("?")[0] for s in scripts] == ["/static/search.js"]


@pytest.mark.parametrize(
    ("path", "limited", "other"),
    [
        # Addresses of their own, so the cases do not share a count.
        ("/search.json?q=footage", "127.0.1.1", "127.0.1.2"),
        ("/search?q=footage", "127.0.2.1", "127.0.2.2"),
    ],
)
def test_the_rate_limit_counts_each_client_address_apart(server, path, limited, other):
    base, index, library = server
    if not index.exists():
        build(library, index)
    statuses = [fetch(base, path, limited).status for _ in range(RATE_LIMIT)]
    refused = fetch(base, path, limited)
    assert statuses == [200] * RATE_LIMIT
    assert refused.status == 429 and refused.headers["retry-after"].isdigit()
    assert_secure(refused, path)
    if ".json" in path:
        assert refused.json() == {"error": {"status": 429, "message": TOO_MANY}}
    else:
        assert BeautifulSoup(refused.body, "html.parser").h1.get_text() == TOO_MANY
    # Health checks and static files are exempt; another address has its own count.
    assert fetch(base, "/healthz", limited).status == 200
    assert fetch(base, "/static/search.js", limited).status == 200
    assert fetch(base, path, other).status == 200


def test_gunicorn_refuses_an_over_long_request_line_and_carries_on(server):
    base, index, library = server
    if not index.exists():
        build(library, index)
    reply = fetch(base, "/search.json?q=" + "a" * (MAX_REQUEST_LINE + 10), "127.0.3.1")
    # gunicorn's own answer (before the app, so without the app's headers).
    assert (reply.status, b"Request Line is too large" in reply.body) == (400, True)
    assert "content-security-policy" not in reply.headers and b"Traceback" not in reply.body
    assert fetch(base, "/search.json?q=" + "a" * 8000, "127.0.3.1").status == 200


def test_debug_and_testing_stay_off_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("SEARCH_DEBUG", "true")
    monkeypatch.setenv("SEARCH_TESTING", "1")
    app = SearchServer({"bind": "127.0.0.1:0", "workers": 1}, tmp_path).load()
    assert (app.debug, app.testing, app.config["PROPAGATE_EXCEPTIONS"]) == (False, False, None)
    # The miss: the environment does reach a plain create_app (so the override is needed).
    assert create_app().debug is True


def test_no_secret_is_needed(monkeypatch, library_index):
    for name in ("SECRET_KEY", "SEARCH_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INDEX_DIR": str(library_index), "RATE_LIMIT": ""})
    assert app.config["SECRET_KEY"] is None
    client = app.test_client()
    for path in ("/", "/search.json?q=footage", f"/resources/{HANDBOOK}", "/suggest.json?q=fo"):
        response = client.get(path)
        assert (response.status_code, response.headers.get("Set-Cookie")) == (200, None), path


def raw_get(base: tuple[str, int], target: bytes, source: str) -> tuple[int, bytes]:
    """A GET whose request target is sent as raw bytes (http.client refuses non-ASCII)."""
    with socket.create_connection(
        base, timeout=REQUEST_TIMEOUT_SECONDS, source_address=(source, 0)
    ) as conn:
        conn.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        data = b"".join(iter(lambda: conn.recv(65536), b""))
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_raw_8_bit_bytes_through_gunicorn_are_a_400(server):
    base, index, library = server
    if not index.exists():
        build(library, index)
    for target in (b"/search.json?q=\xff", b"/search?q=caf\xe9", b"/suggest.json?q=\x80"):
        status, body = raw_get(base, target, "127.0.3.2")
        assert status == 400, target
        if b".json" in target:
            assert json.loads(body) == {"error": {"status": 400, "message": NOT_UTF8}}
        else:
            assert BeautifulSoup(body, "html.parser").h1.get_text() == NOT_UTF8
    # The miss: the same query in UTF-8 is answered.
    assert raw_get(base, "/search.json?q=café".encode(), "127.0.3.2")[0] == 200


def test_gunicorn_believes_no_forwarded_header_without_a_configured_proxy(server):
    base, index, library = server
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
                 "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Ssl": "on"}  # fmt: skip
    # From 127.0.0.1, the address gunicorn trusts such headers from by default.
    reply = fetch(base, "/opensearch.xml", "127.0.0.1", headers=forwarded)
    soup = BeautifulSoup(reply.body, "xml")
    assert {url["template"].split("/", 3)[2] for url in soup.find_all("Url")} == {
        f"{base[0]}:{base[1]}"
    }
    assert {url["template"].split(":")[0] for url in soup.find_all("Url")} == {"http"}


def test_behind_a_configured_proxy_gunicorn_serves_the_forwarded_client(library_index, tmp_path):
    """PROXY_COUNT=1: the forwarded scheme and host make the links, and the rate limit counts
    each forwarded client, all arriving from the proxy's one address."""
    environment = {"SEARCH_PROXY_COUNT": "1", "SEARCH_RATE_LIMIT": "2 per minute"}
    with production_server(library_index, tmp_path / "gunicorn.log", env=environment) as base:

        def get(path: str, client: str):
            headers = {"X-Forwarded-For": client, "X-Forwarded-Proto": "https",
                       "X-Forwarded-Host": "library.example.org"}  # fmt: skip
            return fetch(base, path, "127.0.5.1", headers=headers)

        soup = BeautifulSoup(get("/opensearch.xml", "203.0.113.1").body, "xml")
        statuses = [get("/search.json", client).status for client in ["203.0.113.2"] * 3]
        other = get("/search.json", "203.0.113.3").status
    assert {
        url["template"].split("/search")[0] for url in soup.find_all("Url", type="text/html")
    } == {"https://library.example.org"}
    assert (statuses, other) == ([200, 200, 429], 200)
