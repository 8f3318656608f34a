"""The edge of every request, before and after the views: the proxies in front (whose
`X-Forwarded-*` headers are believed), a query string that must be UTF-8, the public address
written into absolute URLs, and how shared caches may keep responses that carry one.

Settings (read here at request time, or once by `create_app`): `PUBLIC_URL`, `PROXY_COUNT`
and Flask's own `TRUSTED_HOSTS`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import UserError

NOT_UTF8 = "The query string must be UTF-8 (percent-encode other bytes)."
UNTRUSTED_HOST = "This server does not answer to that host name."
# The OpenSearch description names the public address only: caches may keep it a day.
PUBLIC_MAX_AGE = 24 * 3600
# A response naming the host it was asked on: browsers may keep it, shared caches must not.
HOST_DEPENDENT = "private, no-cache"
# The request headers a response built from the host depends on, behind a proxy or not.
HOST_HEADERS = ("Host",)
FORWARDED_HOST_HEADERS = ("Host", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port")
PUBLIC_SCHEMES = ("http", "https")


def check_public_url(value: str) -> str:
    """The PUBLIC_URL setting without its trailing slash; "" (unset) stays "". A ValueError
    at startup names what is wrong with any other value."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in PUBLIC_SCHEMES or not parts.netloc:
        raise ValueError(
            f"PUBLIC_URL must start with http:// or https:// and a host (got {value!r})"
        )
    if parts.query or parts.fragment or any(c.isspace() for c in value):
        raise ValueError(f"PUBLIC_URL must have no query, fragment or spaces (got {value!r})")
    return value.rstrip("/")


def guard_edge(app: Flask) -> None:
    """Believe `PROXY_COUNT` proxies' forwarded headers (none by default), and refuse query
    strings that are not UTF-8 before any view reads them."""
    app.config["PUBLIC_URL"] = check_public_url(app.config["PUBLIC_URL"])
    hops = int(app.config["PROXY_COUNT"])
    if hops < 0:
        raise ValueError(f"PROXY_COUNT must be 0 or more (got {hops})")
    if hops:
        # The client address (and so the rate limit's key), scheme, host and port become
        # what the nearest `hops` proxies say; with 0 the headers are ignored, as spoofable.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    # First of the app's before_request functions: no view or limiter reads args before it.
    app.before_request_funcs.setdefault(None, []).insert(0, require_utf8_query)


def require_utf8_query() -> None:
    """A 400 for raw 8-bit bytes that are not UTF-8 in the query string (Werkzeug would
    raise UnicodeDecodeError on reading `request.args`)."""
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(NOT_UTF8) from None


def bind_urls_for_untrusted_host() -> None:
    """Let the error page of a refused Host build its links: Flask keeps no URL adapter for a
    request whose host it refused, and the page's links are relative (no host in them)."""
    from flask.globals import request_ctx

    if request_ctx.url_adapter is None:
        script_name = request.environ.get("SCRIPT_NAME") or "/"
        request_ctx.url_adapter = current_app.url_map.bind("localhost", script_name)


def public_base() -> str:
    """The site's address for absolute URLs, without a trailing slash: PUBLIC_URL when set,
    else the address this request was made to (its Host, or the proxy's forwarded one)."""
    if current_app.config["PUBLIC_URL"]:
        return current_app.config["PUBLIC_URL"]
    # A forwarded scheme is whatever the proxy passed on: only http and https make a link.
    scheme = request.scheme if request.scheme in PUBLIC_SCHEMES else PUBLIC_SCHEMES[0]
    return f"{scheme}://{request.host}{request.root_path}"


def cache_by_host(response: Response, public_max_age: int | None = None) -> Response:
    """Cache headers for a response carrying absolute URLs: with PUBLIC_URL set it names no
    request's host (cacheable for `public_max_age` seconds, if given); without it, shared caches
    must not keep it and every cache keys it on the host headers."""
    if current_app.config["PUBLIC_URL"]:
        if public_max_age is not None:
            response.headers["Cache-Control"] = f"public, max-age={public_max_age}"
        return response
    response.headers["Cache-Control"] = HOST_DEPENDENT
    forwarded = current_app.config["PROXY_COUNT"]
    for name in FORWARDED_HOST_HEADERS if forwarded else HOST_HEADERS:
        response.vary.add(name)
    return response
