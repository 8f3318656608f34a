"""Step four: the views, a blueprint. They read request parameters, ask `search` for the
results dict, and return it as JSON, a file export, or (later in the file) HTML.

Only views read `current_app.config`; every user error is one `UserError`, rendered as
`{"error": {"status", "message"}}` for API paths and as an error page otherwise.
"""

from __future__ import annotations

import pickle
import re
import struct
import zlib

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    stream_with_context,
)
from werkzeug.exceptions import HTTPException

from indexer.pages import MAX_ID_LENGTH, slugify

from .errors import UserError
from .export import FORMATS, WRITERS
from .params import parse_params
from .search import resource_details, run_search
from .suggest import suggest

bp = Blueprint("search", __name__)

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
# What Whoosh raises reading a damaged (truncated, overwritten, half-deleted) index file.
INDEX_READ_ERRORS = (EOFError, OSError, pickle.UnpicklingError, struct.error, zlib.error)
INDEX_UNREADABLE = "The search index cannot be read; please try again later."


def snapshot():
    """This request's snapshot of the published index (a 503 UserError if there is none,
    or if its files cannot be read: a damaged segment fails here, whatever Whoosh raises)."""
    try:
        return current_app.extensions["index_holder"].snapshot()
    except UserError:
        raise
    except Exception as error:
        current_app.logger.exception("cannot open the published index")
        message = f"The search index is not available: its files cannot be read ({_name(error)})"
        raise UserError(message, UNAVAILABLE) from None


def _name(error: Exception) -> str:
    """An exception's class as a reader can place it: `EOFError`, `struct.error`."""
    kind = type(error)
    module = kind.__module__.rsplit(".", 1)[-1]
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def is_api_request() -> bool:
    """Whether errors of this request are answered in JSON."""
    return request.path.endswith(API_SUFFIXES) or request.path in API_PATHS


@bp.get("/search.json")
def search_json():
    """Ranked search results with facet counts, as JSON."""
    params = parse_params(request.args)
    return jsonify(run_search(snapshot(), params, base_path=request.path))


def resource_data(resource_id: str) -> dict:
    """A resource's details for the JSON and HTML views (404 if unknown or malformed)."""
    if LONG_LINK_PART.fullmatch(resource_id):
        resource_id = slugify(resource_id)
    if not RESOURCE_ID.fullmatch(resource_id):
        raise UserError("There is no resource with that id.", NOT_FOUND)
    details = resource_details(snapshot(), resource_id, current_app.config["RELATED_COUNT"])
    if details is None:
        raise UserError("There is no resource with that id.", NOT_FOUND)
    return details


@bp.get("/resources/<resource_id>.json")
def resource_json(resource_id: str):
    """One resource, as JSON."""
    return jsonify(resource_data(resource_id))


@bp.get("/suggest.json")
def suggest_json():
    """Completions for the search box: topics, types and titles matching a prefix."""
    text = request.args.get("q", "")
    limit = current_app.config["SUGGEST_LIMIT"]
    suggestions = suggest(snapshot(), text, limit)
    if request.args.get("format") == "opensearch":
        # The OpenSearch suggestions format browsers ask for: [query, [completions]].
        return jsonify([text[:100], [s["value"] for s in suggestions]])
    return jsonify({"q": text[:100], "suggestions": suggestions})


@bp.get("/search.<any(csv, ris, bib):fmt>")
def search_export(fmt: str):
    """Every matching resource (up to EXPORT_LIMIT), streamed as CSV, RIS or BibTeX."""
    from .search import export_hits

    params = parse_params(request.args)
    limit = current_app.config["EXPORT_LIMIT"]
    total, rows = export_hits(snapshot(), params, limit)
    mimetype, extension = FORMATS[fmt]
    body = WRITERS[fmt](rows, request.host_url)
    response = Response(stream_with_context(body), content_type=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="knowledge-lab-search.{extension}"'
    )
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Export-Limit"] = str(limit)
    return response


@bp.get("/healthz")
def healthz():
    """200 with the index version when the index can be searched, else 503."""
    return jsonify({"status": "ok", "index": snapshot().info()})


def render_error(error: UserError):
    """A user error as JSON for API requests, as an error page otherwise."""
    if is_api_request():
        response = jsonify(error.to_dict())
    else:
        response = Response(render_template("error.html", error=error), mimetype="text/html")
    response.status_code = error.status
    return response


def register_error_handlers(app) -> None:
    """Every error reaches the visitor as a message and a status, never a traceback."""
    app.json.sort_keys = False

    @app.errorhandler(UserError)
    def user_error(error: UserError):
        return render_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
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
            return render_error(UserError(INDEX_UNREADABLE, UNAVAILABLE))
        return render_error(
            UserError("Something went wrong on our side; please try again.", SERVER_ERROR)
        )
