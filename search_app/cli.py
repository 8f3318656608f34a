"""The researcher's command line, `resource-search`: the same search as the JSON API, the
production server, and the librarian's summary of the query log (`queries`).

`query --json` prints exactly what `/search.json` returns for the same parameters. A query
imports only what it needs (no Werkzeug, Flask or gunicorn; the exporters only to export):
its start-up is most of its time (`python -m bench.startup`).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from markupsafe import Markup

from indexer import facet_fields
from indexer.options import index_option

from .errors import UserError
from .params import DEFAULT_PER_PAGE, MAX_PER_PAGE, SORTS, parse_params
from .querylog import QueryLog, commonest, parse_since
from .search import export_hits, run_search
from .snapshots import IndexHolder

TITLE_WIDTH = 90
PASSAGE_WIDTH = 160  # characters of a passage printed under its page link
FACET_VALUES_SHOWN = 10


def workers_for_machine() -> int:
    """Gunicorn's rule of thumb: two workers per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


class Arguments(dict):
    """The command's options as the multi-dict `parse_params` reads (the methods of Flask's
    `request.args` it uses, without importing Werkzeug): each name's list of values."""

    def get(self, name: str, default=None):
        values = super().get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(super().get(name, ()))


def facet_options(command):
    """A repeatable `--<facet>` option for each keyword facet of the registry."""
    for facet in reversed(facet_fields.keyword_facets()):
        help_text = f"Only this {facet.name} (repeat for several: OR)."
        command = click.option(f"--{facet.name}", facet.name, multiple=True, help=help_text)(
            command
        )
    return command


@click.group()
@click.version_option(package_name="knowledge-lab-search")
def cli() -> None:
    """Search the resource library's index, or serve it over HTTP."""


@cli.command()
@click.argument("text", default="")
@facet_options
@click.option("--year-from", type=int, help="Only resources from this year on.")
@click.option("--year-to", type=int, help="Only resources up to this year.")
@click.option(
    "--undated", is_flag=True, help="Only resources without a year (with a year range: or these)."
)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_PER_PAGE),
    default=DEFAULT_PER_PAGE,
    show_default=True,
    help="Results per page.",
)
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print what /search.json returns.")
@click.option("--csv", "export", flag_value="csv", help="Print every match as CSV.")
@click.option("--ris", "export", flag_value="ris", help="Print every match as RIS.")
@click.option("--bib", "export", flag_value="bib", help="Print every match as BibTeX.")
@index_option
def query(text, year_from, year_to, undated, sort, limit, page, as_json, export, index, **selected):
    """Search the index and print ranked results with facet counts.

    Example: resource-search query "crisis intervention" --topic "Use of Force" --json
    """
    args = Arguments(q=[text], sort=[sort], per_page=[str(limit)], page=[str(page)])
    for facet in facet_fields.keyword_facets():
        args[facet.name] = list(selected[facet.name])
    for name, value in (("year_from", year_from), ("year_to", year_to)):
        if value is not None:
            args[name] = [str(value)]
    if undated:
        args[facet_fields.range_facet().name] = [facet_fields.UNDATED]
    try:
        params = parse_params(args)
        snapshot = IndexHolder(index).snapshot()
        if export:
            from .export import DEFAULT_EXPORT_LIMIT, WRITERS  # only exports need them

            _, rows = export_hits(snapshot, params, DEFAULT_EXPORT_LIMIT)
            for chunk in WRITERS[export](rows, ""):
                sys.stdout.write(chunk)
            return
        results = run_search(snapshot, params, base_path="/search.json")
    except UserError as error:
        # The researcher runs this on the server's own files: the detail names them.
        raise click.ClickException(error.detail or error.message) from None
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
        return
    print_results(results)


def print_results(results: dict) -> None:
    """Results as text: notices, the ranked list, then facet counts."""
    for notice in results["query"]["notices"]:
        click.echo(f"note: {notice}", err=True)
    for expansion in results["query"]["expansions"]:
        click.echo(
            f"note: {expansion['term']} also searched as {', '.join(expansion['expanded_to'])}",
            err=True,
        )
    start = (results["page"] - 1) * results["per_page"]
    click.echo(f"{results['total']} result(s) in {results['took_ms']} ms")
    for number, hit in enumerate(results["results"], start + 1):
        print_hit(number, hit)
    some = results["suggestions"]["some_words"]
    if some["results"]:
        click.echo(f"{some['total']} more matching some of the words:")
    for number, hit in enumerate(some["results"], start + len(results["results"]) + 1):
        print_hit(number, hit)
    suggestion = results["suggestions"]["did_you_mean"]
    if suggestion:
        click.echo(f"did you mean: {suggestion['q']} ({suggestion['total']} results)")
    for removal in results["suggestions"]["remove_filters"]:
        click.echo(f"without {removal['facet']} {removal['value']!r}: {removal['total']} results")
    for name, values in results["facets"].items():
        shown = ", ".join(f"{v['value']} ({v['count']})" for v in values[:FACET_VALUES_SHOWN])
        click.echo(f"{name}: {shown or '-'}")


def print_hit(number: int, hit: dict) -> None:
    """One result as text: its title, metadata, documents and best passages."""
    year = hit["year"] or "Undated"
    click.echo(f"{number:>4}. {hit['title'][:TITLE_WIDTH]}")
    click.echo(
        f"      {', '.join(hit['types'])} | {year} | {'; '.join(hit['topics'])} | {hit['id']}"
    )
    for document in hit["documents"]:
        click.echo(f"      {document['label']}: {document['link']}")
    for passage in hit["passages"]:
        text = " ".join(Markup(passage["snippet"]).striptags().split())[:PASSAGE_WIDTH]
        click.echo(f"      page {passage['page']}: {passage['link']}")
        click.echo(f"        {text}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Default: 2 per core + 1."
)
@index_option
def serve(host: str, port: int, workers: int | None, index: Path) -> None:
    """Serve the search app with gunicorn (a production WSGI server).

    Example: resource-search serve --host 0.0.0.0 --port 8000 --workers 5
    """
    from .server import run_server

    run_server(host, port, workers or workers_for_machine(), index)


@cli.command()
@click.option(
    "--log",
    "log_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="SEARCH_QUERY_LOG",
    show_envvar=True,
    required=True,
    help="The query log (the app's QUERY_LOG setting).",
)
@click.option("--since", default=None, help="Only searches this recent: 7d, 12h, 30m.")
@click.option("--zero", is_flag=True, help="Only queries that never found anything.")
@click.option(
    "--limit", type=click.IntRange(1, None), default=50, show_default=True, help="Rows shown."
)
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def queries(log_path: Path, since: str | None, zero: bool, limit: int, as_json: bool) -> None:
    """List the commonest queries of the query log, with how often each found nothing:
    the librarian's list of thesaurus entries and aliases to add.

    Example: resource-search queries --log /var/log/search/queries.jsonl --since 7d --zero
    """
    try:
        start = parse_since(since, datetime.now(UTC)) if since else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--since") from None
    log = QueryLog(log_path)
    if not log.files():
        raise click.ClickException(f"no query log at {log_path} (is QUERY_LOG set?)")
    rows = commonest(log.entries(start), zero_only=zero, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'searches':>8}  {'nothing':>7}  query")
    for row in rows:
        click.echo(f"{row['searches']:>8}  {row['found_nothing']:>7}  {row['q']}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="resource-search")
