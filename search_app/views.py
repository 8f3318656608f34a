"""Step four, the JSON API: a blueprint of the machine-readable endpoints (`/search.json`,
`/resources/<id>.json`, `/suggest.json`, the CSV/RIS/BibTeX exports and `/healthz`). They
read request parameters, ask `search` for the results dict and return it as JSON or as a
file; `web.py` renders the same dict as the HTML pages.

Only views read `current_app.config`; errors are answered as `{"error": {"status",
"message"}}` (`base.py`).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from .base import log_search, resource_data, snapshot
from .edge import cache_by_host, public_base
from .export import FORMATS, WRITERS
from .params import parse_params
from .search import run_search
from .suggest import suggest

bp = Blueprint("search", __name__)

# Export rows sent to the server per write: one write a row cost a system call and a chunk
# header each (10,000 for an export of everything).
ROWS_PER_CHUNK = 200


@bp.get("/search.json")
def search_json():
    """Ranked search results with facet counts, as JSON."""
    params = parse_params(request.args)
    results = run_search(snapshot(), params, base_path=request.path)
    log_search(params, results)
    return jsonify(results)


@bp.get("/resources/<resource_id>.json")
def resource_json(resource_id: str):
    """One resource, as JSON."""
    return jsonify(resource_data(resource_id, request.args.get("q", "")))


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
    body = chunks(WRITERS[fmt](rows, public_base()), ROWS_PER_CHUNK)
    response = Response(stream_with_context(body), content_type=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="knowledge-lab-search.{extension}"'
    )
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Export-Limit"] = str(limit)
    return cache_by_host(response)


@bp.get("/healthz")
def healthz():
    """200 with the index version when the index can be searched, else 503."""
    return jsonify({"status": "ok", "index": snapshot().info()})


def chunks(parts, size: int):
    """The parts of a body joined `size` at a time."""
    batch = []
    for part in parts:
        batch.append(part)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)
