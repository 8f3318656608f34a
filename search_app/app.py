"""The search app's Flask app factory (flaskr style): settings, the index holder, the JSON
API and HTML blueprints, rate limits and security headers, serving the published index.

Settings come from `DEFAULTS`, then environment variables prefixed `SEARCH_` (for example
`SEARCH_INDEX_DIR=/srv/index`), then the `test_config` mapping.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .export import DEFAULT_EXPORT_LIMIT
from .querylog import DEFAULT_MAX_BYTES, QueryLog

# Every setting, with its meaning; the README lists the same (a test keeps them in step).
DEFAULTS = {
    # Folder of the published index (the one `resource-index build --index` writes).
    "INDEX_DIR": "index",
    # Most resources one CSV/RIS/BibTeX export streams.
    "EXPORT_LIMIT": DEFAULT_EXPORT_LIMIT,
    # Related resources shown for a resource.
    "RELATED_COUNT": 5,
    # Most completions /suggest.json returns.
    "SUGGEST_LIMIT": 8,
    # Requests one client (IP address) may make, counted once per server; "" turns it off.
    "RATE_LIMIT": "300 per minute",
    # Where the rate limit's counts live: "" for a SQLite file in a private run folder that
    # the processes of one server share, or a store every server shares ("redis://host:6379").
    "RATE_LIMIT_STORAGE": "",
    # The site's public address ("https://search.example.org") for the absolute URLs of the
    # OpenSearch description and exports; "" uses the address each request was made to.
    "PUBLIC_URL": "",
    # Host names the app answers to (Flask's own setting, a list such as
    # ["search.example.org"]); None answers to any. Other hosts get a 400.
    "TRUSTED_HOSTS": None,
    # Reverse proxies in front whose X-Forwarded-For/-Proto/-Host/-Port are believed (the
    # rate limit then counts the forwarded client address); 0 ignores those headers.
    "PROXY_COUNT": 0,
    # Terms read ahead by `resource-search serve` before its workers start (the commonest).
    "WARM_TERMS": 64,
    # File the query log appends to (opt-in): the query, its filters, the result count and the
    # time of each search; no address, cookie or user agent. "" keeps no log.
    "QUERY_LOG": "",
    # Size past which the query log is rotated (to QUERY_LOG.1, .2...).
    "QUERY_LOG_MAX_BYTES": DEFAULT_MAX_BYTES,
    # Seconds one request may take: after half, searching stops and answers with what it
    # has ("searched partly"); at the end, a 503 with Retry-After (well before gunicorn's
    # 30 s worker timeout). 0 or None: no limit.
    "REQUEST_BUDGET": 10,
}


STATIC_MAX_AGE = 365 * 24 * 3600
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: settings, the index holder, the views and the error handlers."""
    app = Flask("search_app")
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SEARCH")
    if test_config:
        app.config.from_mapping(test_config)

    from . import files, web
    from .base import budget_requests, register_error_handlers
    from .edge import guard_edge
    from .ratelimit import limit_rate
    from .snapshots import IndexHolder
    from .views import bp

    app.extensions["index_holder"] = IndexHolder(Path(app.config["INDEX_DIR"]))
    if app.config["QUERY_LOG"]:
        log_path = Path(app.config["QUERY_LOG"])
        app.extensions["query_log"] = QueryLog(log_path, int(app.config["QUERY_LOG_MAX_BYTES"]))
    # Static files are linked with their content hash (web.asset_url): cache them a year.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    app.register_blueprint(bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(files.bp)
    guard_edge(app)
    limit_rate(app)
    budget_requests(app)
    register_error_handlers(app)
    app.after_request(add_security_headers)
    return app


def add_security_headers(response):
    """No inline script or style, no framing, no MIME sniffing, no referrer leaks."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
