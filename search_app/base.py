"""Step four, shared by both blueprints, the JSON API (`views.py`) and the HTML pages
(`web.py`): this request's snapshot of the published index, a resource's details by id,
and every error answered as JSON for API paths or as an error page otherwise (as Datasette's
`views/base.py` and `handle_exception.py`).

Only views read `current_app.config`; every user error is one `UserError`.
"""

from __future__ import annotations

import pickle
import re
import struct
import zlib

from flask import Response, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError

from indexer.records import MAX_ID_LENGTH, slugify

from . import budget
from .edge import UNTRUSTED_HOST, bind_urls_for_untrusted_host
from .errors import UserError
from .querytext import MAX_QUERY_CHARS
from .search import resource_details
from .snapshots import index_unavailable

RESOURCE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?")
# A link's last part longer than an id (the indexer cut it and added a hash): still its own.
MAX_LINK_PART = 2000
LONG_LINK_PART = re.compile(rf"[a-z0-9][a-z0-9-]{{{MAX_ID_LENGTH},{MAX_LINK_PART}}}")
API_SUFFIXES = (".json", ".csv", ".ris", ".bib")
API_PATHS = ("/healthz",)
SERVER_ERROR = 500
NOT_FOUND = 404
TOO_MANY_REQUESTS = 429
UNAVAILABLE = 503
# What a request that ran out of its budget is told, and when to try again (seconds).
OUT_OF_TIME = "This search took too long and was stopped; please try again or simplify it."
RETRY_AFTER_SECONDS = 5
# What Whoosh raises reading a damaged (truncated, overwritten, half-deleted) index file.
INDEX_READ_ERRORS = (EOFError, OSError, pickle.UnpicklingError, struct.error, zlib.error)


def log_search(params, results: dict) -> None:
    """Record a first page of results in the query log, when the app keeps one (`QUERY_LOG`):
    the query, its filters, the result count and the time; nothing about the visitor. The
    bare home page (no text, no filter) is not a search."""
    log = current_app.extensions.get("query_log")
    filters = params.filters()
    if log is None or params.page != 1 or not (params.q or any(filters.values())):
        return
    try:
        log.record(params.q, filters, results["total"])
    except OSError:  # a full disk or a removed folder loses log lines, never a search
        current_app.logger.exception("cannot write the query log %s", log.path)


def snapshot():
    """This request's snapshot of the published index (a 503 UserError if there is none,
    or if its files cannot be read: a damaged segment fails here, whatever Whoosh raises)."""
    try:
        return current_app.extensions["index_holder"].snapshot()
    except UserError:
        raise
    except Exception as error:
        current_app.logger.exception("cannot open the published index")
        raise index_unavailable(error) from None


def resource_data(resource_id: str, q: str = "") -> dict:
    """A resource's details for the JSON and HTML views (404 if unknown or malformed), with
    the passages of its documents matching `q`, the search it was found by."""
    if LONG_LINK_PART.fullmatch(resource_id):
        resource_id = slugify(resource_id)
    if not RESOURCE_ID.fullmatch(resource_id):
        raise UserError("There is no resource with that id.", NOT_FOUND)
    related = current_app.config["RELATED_COUNT"]
    details = resource_details(snapshot(), resource_id, related, q[:MAX_QUERY_CHARS])
    if details is None:
        raise UserError("There is no resource with that id.", NOT_FOUND)
    return details


def is_api_request() -> bool:
    """Whether errors of this request are answered in JSON."""
    return request.path.endswith(API_SUFFIXES) or request.path in API_PATHS


def render_error(error: UserError):
    """A user error as JSON for API requests, as an error page otherwise."""
    if is_api_request():
        response = jsonify(error.to_dict())
    else:
        response = Response(render_template("error.html", error=error), mimetype="text/html")
    response.status_code = error.status
    return response


def budget_requests(app) -> None:
    """Every request runs within REQUEST_BUDGET seconds (`budget`): its loops stop early
    after half, and a timer stops it at the end with a 503, long before gunicorn's worker
    timeout. The timer stops when the view returns (a streamed body is not timed)."""

    @app.before_request
    def start_budget():
        g.budget = budget.start(app.config["REQUEST_BUDGET"])

    @app.after_request
    def stop_timer(response):
        timing = g.get("budget")
        if timing is not None:
            timing.disarm()
        return response

    @app.teardown_request
    def stop_budget(error=None):
        timing = g.pop("budget", None)
        if timing is not None:
            timing.stop()


def register_error_handlers(app) -> None:
    """Every error reaches the visitor as a message and a status, never a traceback."""
    app.json.sort_keys = False

    @app.errorhandler(UserError)
    def user_error(error: UserError):
        if error.detail:
            app.logger.error("%s: %s", request.path, error.detail)
        return render_error(error)

    @app.errorhandler(budget.RequestTimeout)
    def out_of_time(error: budget.RequestTimeout):
        timing = g.get("budget")
        if timing is not None:
            timing.disarm()
        app.logger.error("%s: stopped after REQUEST_BUDGET seconds", request.full_path)
        # The thread's searcher may have been stopped half-way: the next request opens anew.
        app.extensions["index_holder"].forget()
        response = render_error(UserError(OUT_OF_TIME, UNAVAILABLE))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, SecurityError):
            # A Host outside TRUSTED_HOSTS: Werkzeug's description would echo it.
            bind_urls_for_untrusted_host()
            return render_error(UserError(UNTRUSTED_HOST))
        message = {
            NOT_FOUND: "There is no page at this address.",
            TOO_MANY_REQUESTS: "Too many requests from your address; please wait a minute.",
        }.get(error.code, error.description)
        return render_error(UserError(message, error.code or SERVER_ERROR))

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        if isinstance(error, INDEX_READ_ERRORS):
            # The index's files went bad under an open searcher: the next build mends it.
            return render_error(index_unavailable(error))
        return render_error(
            UserError("Something went wrong on our side; please try again.", SERVER_ERROR)
        )
