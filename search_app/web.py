"""Step four, for people: the HTML pages, a blueprint rendering the same results dict the
JSON API (`views.py`) returns (`search.run_search`), plus the OpenSearch description.
Errors are answered as an error page (`base.py`).

Every page state is a GET URL; forms work without JavaScript, and `static/search.js` only
adds conveniences (facets that apply when ticked, search-as-you-type suggestions).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request, url_for

from indexer import facet_fields
from indexer.facet_fields import UNDATED
from indexer.records import LISTING
from indexer.vocabulary import label_key

from .base import log_search, resource_data, snapshot
from .edge import PUBLIC_MAX_AGE, cache_by_host, public_base
from .facets import year_value
from .formerrors import parse_keeping_search
from .params import DEFAULT_PER_PAGE, MAX_PER_PAGE, parse_params
from .query import BROWSE
from .reasons import match_reasons
from .search import run_search

bp = Blueprint("web", __name__)

PER_PAGE_CHOICES = (DEFAULT_PER_PAGE, 20, 50, MAX_PER_PAGE)
SORT_LABELS = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title A–Z",
}
HTTP_OK, HTTP_BAD_REQUEST = 200, 400
ATOM_TYPE = "application/atom+xml; charset=utf-8"
FEED_EPOCH = "1970-01-01T00:00:00Z"  # an index without a build time (tests' own)
# Numbered pagination: the first and last pages, and this many either side of the current.
PAGE_NUMBERS_AROUND = 2
# The histogram shows the years no result has between the first and last, up to this many.
MAX_EMPTY_YEARS = 50
EXPORTS = (("csv", "CSV"), ("ris", "RIS"), ("bib", "BibTeX"), ("json", "JSON"))


@bp.get("/")
@bp.get("/search")
def search_page():
    """The search page: form, facets, results, pagination (also the home page)."""
    params, year_error = parse_keeping_search(request.args)
    results = run_search(snapshot(), params, base_path=url_for("web.search_page"))
    log_search(params, results)
    query_string = params.to_query(page=1)
    return render_template(
        "search.html",
        results=results,
        params=params,
        keyword_facets=facet_fields.keyword_facets(),
        range_facet=facet_fields.range_facet(),
        # A per_page from a shared URL that the menu does not offer stays selected.
        per_page_choices=sorted({*PER_PAGE_CHOICES, params.per_page}),
        sort_labels=sort_menu(results),
        shown_sort=shown_sort(results),
        exports=[
            (f"/search.{ext}" + (f"?{query_string}" if query_string else ""), label)
            for ext, label in EXPORTS
        ],
        clear_url=url_for("web.search_page", q=params.q)
        if params.q
        else url_for("web.search_page"),
        chips=active_filters(results, params),
        histogram=histogram_rows(results, params, url_for("web.search_page")),
        year_error=year_error,
        page_numbers=page_numbers(
            results["page"],
            results["total"] + results["suggestions"]["some_words"]["total"],
            results["per_page"],
        ),
        atom_url=params.url(url_for("web.search_atom"), sort="relevance", page=1),
        citation=citation(results, params),
        reasons=[]
        if results["query"]["mode"] == BROWSE
        else [
            match_reasons(result, params.q, results["query"]["expansions"])
            for result in results["results"]
        ],
    ), (HTTP_BAD_REQUEST if year_error else HTTP_OK)


def citation(results: dict, params) -> dict:
    """What "Cite this search" gives: the permalink, today's date, index version, count."""
    return {
        "url": public_base() + params.url(url_for("web.search_page"), page=1),
        "date": datetime.now(UTC).date().isoformat(),
        "version": results["index"]["version"],
        "total": results["total"],
    }


def page_numbers(page: int, total: int, per_page: int) -> list[int | None]:
    """The page numbers the pager links: first, last and those near `page` (None: a gap)."""
    last = max(1, -(-total // per_page))
    near = range(max(1, page - PAGE_NUMBERS_AROUND), min(last, page + PAGE_NUMBERS_AROUND) + 1)
    shown = sorted({1, last, *near})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def shown_sort(results: dict) -> str:
    """The order the results are in: browsing (no words) lists "relevance" newest first."""
    sort = results["query"]["sort"]
    return "newest" if sort == "relevance" and results["query"]["mode"] == BROWSE else sort


def sort_menu(results: dict) -> dict[str, str]:
    """The sort menu's options: without words to weigh, relevance is not one of them."""
    if results["query"]["mode"] != BROWSE:
        return SORT_LABELS
    return {value: label for value, label in SORT_LABELS.items() if value != "relevance"}


def histogram_rows(results: dict, params, base_path: str) -> list[dict]:
    """The year histogram: the facet's years, newest first, with the years between them that
    no result has shown as empty rows (still links selecting that year), then the undated.
    A span over MAX_EMPTY_YEARS empty years is left as it is."""
    values = results["facets"][facet_fields.range_facet().name]
    dated = {int(v["value"]): v for v in values if v["value"] != UNDATED}
    rows = list(dated.values())
    if dated and max(dated) - min(dated) + 1 - len(dated) <= MAX_EMPTY_YEARS:
        rows = [
            dated.get(year) or year_value(str(year), 0, params, base_path)
            for year in range(max(dated), min(dated) - 1, -1)
        ]
    return rows + [v for v in values if v["value"] == UNDATED]


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
    if params.undated:
        range_facet = facet_fields.range_facet()
        undated = next(v for v in results["facets"][range_facet.name] if v["value"] == UNDATED)
        chips.append({"facet": range_facet.label, "value": UNDATED, "url": undated["toggle_url"]})
    return chips


@bp.get("/search.atom")
def search_atom():
    """A search as an Atom feed, newest first, so it can be followed without an account."""
    asked = parse_params(request.args)
    params = replace(asked, sort="newest", page=1)
    results = run_search(snapshot(), params, base_path=url_for("web.search_page"))
    body = render_template(
        "search_atom.xml",
        results=results,
        params=params,
        chips=active_filters(results, params),
        base=public_base(),
        page_url=asked.url(url_for("web.search_page"), page=1),
        self_url=asked.url(url_for("web.search_atom"), sort="relevance", page=1),
        # Entries carry a year, not a date: the feed changes when the index is rebuilt.
        updated=results["index"]["built_at"] or FEED_EPOCH,
    )
    return cache_by_host(Response(body, content_type=ATOM_TYPE))


@bp.get("/resources/<resource_id>", strict_slashes=False)
def resource_page(resource_id: str):
    """One resource: metadata, where it is listed, related resources."""
    resource = resource_data(resource_id, request.args.get("q", ""))
    return render_template("resource.html", resource=resource, listed=listed(resource))


def listed(resource: dict) -> list[dict]:
    """Where a resource is listed, for people: each topic page as a link browsing that topic
    (its label as the vocabulary names it, when the resource has that topic), no file paths.
    The paths stay in the JSON."""
    canonical = {label_key(topic): topic for topic in resource["topics"]}
    places = []
    for source in resource["sources"]:
        label = source.get("label")
        if source["kind"] == LISTING and label:
            topic = canonical.get(label_key(label), label)
            url = url_for("web.search_page", topic=topic)
            places.append({"kind": source["kind"], "label": topic, "url": url})
        else:
            places.append({"kind": source["kind"], "label": label, "url": None})
    return places


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
