"""Step four, for people: the HTML pages, a blueprint rendering the same results dict the
JSON API (`views.py`) returns (`search.run_search`), plus the OpenSearch description.
Errors are answered as an error page (`base.py`).

Every page state is a GET URL; forms work without JavaScript, and `static/search.js` only
adds conveniences (facets that apply when ticked, search-as-you-type suggestions).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for

from indexer import facet_fields

from .base import resource_data, snapshot
from .edge import PUBLIC_MAX_AGE, cache_by_host, public_base
from .params import DEFAULT_PER_PAGE, MAX_PER_PAGE, parse_params
from .search import run_search

bp = Blueprint("web", __name__)

PER_PAGE_CHOICES = (DEFAULT_PER_PAGE, 20, 50, MAX_PER_PAGE)
SORT_LABELS = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title A–Z",
}
EXPORTS = (("csv", "CSV"), ("ris", "RIS"), ("bib", "BibTeX"), ("json", "JSON"))


@bp.get("/")
@bp.get("/search")
def search_page():
    """The search page: form, facets, results, pagination (also the home page)."""
    params = parse_params(request.args)
    results = run_search(snapshot(), params, base_path=url_for("web.search_page"))
    query_string = params.to_query(page=1)
    return render_template(
        "search.html",
        results=results,
        params=params,
        keyword_facets=facet_fields.keyword_facets(),
        range_facet=facet_fields.range_facet(),
        # A per_page from a shared URL that the menu does not offer stays selected.
        per_page_choices=sorted({*PER_PAGE_CHOICES, params.per_page}),
        sort_labels=SORT_LABELS,
        exports=[
            (f"/search.{ext}" + (f"?{query_string}" if query_string else ""), label)
            for ext, label in EXPORTS
        ],
        clear_url=url_for("web.search_page", q=params.q)
        if params.q
        else url_for("web.search_page"),
        chips=active_filters(results, params),
    )


def active_filters(results: dict, params) -> list[dict]:
    """The selected filters, each with the URL that removes it."""
    chips = [
        {"facet": facet.label, "value": value["value"], "url": value["toggle_url"]}
        for facet in facet_fields.keyword_facets()
        for value in results["facets"][facet.name]
        if value["selected"]
    ]
    if params.year_from is not None or params.year_to is not None:
        low, high = params.year_from or "…", params.year_to or "…"
        label = str(low) if low == high else f"{low}–{high}"
        query = params.to_query(year_from=None, year_to=None, page=1)
        chips.append(
            {
                "facet": facet_fields.range_facet().label,
                "value": label,
                "url": url_for("web.search_page") + (f"?{query}" if query else ""),
            }
        )
    return chips


@bp.get("/resources/<resource_id>", strict_slashes=False)
def resource_page(resource_id: str):
    """One resource: metadata, where it is listed, related resources."""
    return render_template(
        "resource.html", resource=resource_data(resource_id, request.args.get("q", ""))
    )


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description, so browsers can add the library as a search engine."""
    body = render_template("opensearch.xml", base=public_base())
    response = Response(body, content_type="application/opensearchdescription+xml; charset=utf-8")
    return cache_by_host(response, PUBLIC_MAX_AGE)


@bp.app_template_global()
def asset_url(filename: str) -> str:
    """A static file's URL with its content hash, so it can be cached for a year."""
    versions = current_app.extensions.setdefault("asset_versions", {})
    if filename not in versions:
        import hashlib
        from pathlib import Path

        data = (Path(current_app.static_folder) / filename).read_bytes()
        versions[filename] = hashlib.sha256(data).hexdigest()[:12]
    return url_for("static", filename=filename, v=versions[filename])
