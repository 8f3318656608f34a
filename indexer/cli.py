"""The librarian's command line, `resource-index` (also `python -m indexer`).

A thin layer over `build`, `update`, `check`, `stats`, `rollback` and `diff`: it validates
options, shows a progress bar on stderr when stderr is a terminal, and prints the report
(text on stderr, or JSON on stdout with `--json`). Exit codes: 0 done, 1 failed (nothing
published).

It is also where the judged queries get their search: the search app's own ranking
(`search_app.judging.rank`), given to the indexer as an argument so that the indexer library
never imports the search app.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from concurrent.futures import BrokenExecutor
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from . import build as builder
from . import update as updater
from .changes import compare_versions
from .corpus import CorpusError, check_corpus, list_pages
from .judgments import Judge, JudgmentsError, load_judgments
from .options import DEFAULT_CORPUS, corpus_option, index_option
from .report import BuildReport
from .stats import index_stats
from .store import DEFAULT_KEEP_VERSIONS, MIN_KEEP_VERSIONS, IndexStore, StoreError

KEEP_ENV = "RESOURCE_INDEX_KEEP"
MAX_KEEP_VERSIONS = 100

json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
strict_option = click.option(
    "--strict", is_flag=True, help="Make warnings (and judged query failures) fatal."
)
verbose_option = click.option(
    "--verbose", "-v", is_flag=True, help="List every notice and every change, not counts."
)
keep_option = click.option(
    "--keep",
    type=click.IntRange(MIN_KEEP_VERSIONS, MAX_KEEP_VERSIONS),
    default=DEFAULT_KEEP_VERSIONS,
    show_default=True,
    envvar=KEEP_ENV,
    show_envvar=True,
    help="Published versions kept (the current one, and earlier ones to roll back to).",
)


@contextmanager
def progress_bar(corpus: Path, verb: str):
    """A page-by-page progress bar on stderr, hidden when stderr is not a terminal."""
    try:
        total = len(list_pages(corpus))
    except CorpusError:
        total = None
    bar = tqdm(
        total=total, desc=verb, unit="page", file=sys.stderr, disable=not sys.stderr.isatty()
    )
    with bar:
        yield lambda path: bar.update(1)


def emit(report: BuildReport, as_json: bool, verbose: bool = False) -> None:
    """Print a report: JSON on stdout, or text on stderr."""
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for line in report.lines(verbose):
            click.echo(line, err=True)


def judge_of(corpus: Path) -> Judge:
    """The corpus's judged queries, run with the search app's ranking (ClickException when
    the file is unusable)."""
    try:
        queries = load_judgments(corpus)
    except JudgmentsError as error:
        raise click.ClickException(str(error)) from None
    from search_app.judging import rank  # the search app's ranking, given to the indexer

    return Judge(tuple(queries), rank)


def run(
    operation, corpus: Path, as_json: bool, verb: str, verbose: bool = False, **options
) -> BuildReport:
    """Run a build operation and print its report; failures exit 1 with the reason."""
    try:
        with progress_bar(corpus, verb) as on_page:
            report = operation(corpus=corpus, on_page=on_page, **options)
    except builder.BuildFailed as failure:
        emit(failure.report, as_json, verbose)
        message = f"{verb} failed, the published index is unchanged: {failure}"
        raise click.ClickException(message) from None
    except (CorpusError, StoreError, JudgmentsError) as error:
        raise click.ClickException(str(error)) from None
    except (OSError, sqlite3.Error, BrokenExecutor) as error:
        # A full disk, a failing device, a damaged page cache, a worker process killed: the
        # build never got to publish.
        reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
        message = f"{verb} failed, the published index is unchanged: {reason}"
        raise click.ClickException(message) from None
    emit(report, as_json, verbose)
    return report


@click.group()
@click.version_option(package_name="knowledge-lab-search")
def cli() -> None:
    """Build and inspect the resource library's search index."""


jobs_option = click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for big corpora (default: one per core).",
)


@cli.command()
@corpus_option
@index_option
@json_option
@strict_option
@jobs_option
@keep_option
@verbose_option
def build(corpus, index, as_json, strict, jobs, keep, verbose) -> None:
    """Build a new index from every page and publish it when complete and valid.

    The index in use keeps serving until the new one is published; a build that fails
    leaves it untouched. The judged queries of the corpus (judged-queries.toml) run on the
    new version first: each failure is a warning (fatal with --strict). The report says
    what changed for readers against the version in use.

    Example: resource-index build --corpus corpus --index index
    """
    options = {"strict": strict, "processes": jobs, "keep": keep, "judge": judge_of(corpus)}
    run(builder.build, corpus, as_json, "build", verbose, index=index, **options)


@cli.command()
@corpus_option
@index_option
@json_option
@strict_option
@keep_option
@verbose_option
def update(corpus, index, as_json, strict, keep, verbose) -> None:
    """Re-index only the pages added, changed or removed since the last build.

    Gives the same documents as a full build; builds from scratch when no index exists.
    Judged queries and the report of changes for readers as for `build`.

    Example: resource-index update --index index
    """
    options = {"strict": strict, "keep": keep, "judge": judge_of(corpus)}
    run(updater.update, corpus, as_json, "update", verbose, index=index, **options)


@cli.command()
@corpus_option
@index_option
@json_option
@strict_option
@verbose_option
def check(corpus: Path, index: Path, as_json: bool, strict: bool, verbose: bool) -> None:
    """Parse and validate the corpus without writing anything, and list the pages added,
    changed or removed since the published index was built.

    Exit code 1 when a page has an error (or, with --strict, a warning).

    Example: resource-index check --corpus corpus --strict
    """
    report = run(builder.check, corpus, as_json, "check", verbose, index=index)
    counts = f"{report.errors} error(s), {report.warnings} warning(s)"
    if strict and (report.errors or report.warnings):
        raise click.ClickException(f"--strict: {counts}")
    if report.errors:
        raise click.ClickException(f"check found {counts}")


@cli.command()
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of resource pages [default: the one the index was built from].",
)
@index_option
@json_option
@click.option("--resources/--no-resources", default=True, help="List every resource (JSON).")
def stats(corpus: Path | None, index: Path, as_json: bool, resources: bool) -> None:
    """Show the published index: documents, facet counts, build time, version, and how many
    corpus pages changed since it was built.

    Example: resource-index stats --json
    """
    try:
        data = index_stats(index, with_resources=resources and as_json)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    corpus = corpus or Path(data["index"]["corpus"] or DEFAULT_CORPUS)
    try:
        changes = builder.changed_pages(check_corpus(corpus), index)
    except CorpusError:
        changes = None
    data["corpus_changes"] = (
        None if changes is None else {kind: len(paths) for kind, paths in changes.items()}
    )
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    info = data["index"]
    click.echo(
        f"index version {info['version']}, built {info['built_at']} in {info['build_seconds']} s"
    )
    click.echo(f"documents: {info['documents']}")
    for name, values in data["facets"].items():
        click.echo(f"{name}:")
        for value in values:
            click.echo(f"  {value['count']:>6}  {value['value']}")
    if data["corpus_changes"] is not None:
        counts = ", ".join(f"{n} {kind}" for kind, n in data["corpus_changes"].items())
        click.echo(f"corpus pages since this build: {counts}")
    report = data["report"]
    click.echo(
        f"last build: {report.get('errors', 0)} error(s), {report.get('warnings', 0)} warning(s),"
        f" {report.get('notices', 0)} notice(s)"
    )


@cli.command()
@index_option
@keep_option
@json_option
def rollback(index: Path, keep: int, as_json: bool) -> None:
    """Publish again the version published before the current one, atomically (the same
    lock, switch and fsync as a build). Rolling back twice goes two publishes back, as far
    as the versions kept (--keep) allow.

    Example: resource-index rollback --index index
    """
    store = IndexStore(index, keep)
    try:
        with store.lock():
            current = store.published()
            rolled_from, rolled_to = store.roll_back()
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    changes = compare_versions(current.path, store.versions / rolled_to)
    if as_json:
        data = {"rolled_back_from": rolled_from, "published": rolled_to, **changes.to_dict()}
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"rolled back from {rolled_from}: published index version {rolled_to}", err=True)
    for line in changes.lines():
        click.echo(line, err=True)


@cli.command()
@index_option
@click.argument("before", required=False)
@click.argument("after", required=False)
@json_option
@verbose_option
def diff(index: Path, before: str | None, after: str | None, as_json, verbose) -> None:
    """Show what changed for readers between two kept versions: resources added, removed,
    and changed (with the fields that differ). Without versions: from the version published
    before the current one to the current one. `versions` lists the kept ones.

    Example: resource-index diff v20261201T101500000000Z-42 v20261201T113000000000Z-57 --json
    """
    store = IndexStore(index)
    try:
        if before is None:
            history = store.history()
            if len(history) < 2:
                raise click.ClickException(f"no earlier published version is kept in {index}")
            before, after = history[-2], history[-1]
        after = after or store.published().version
        for name in (before, after):
            if name not in store.kept_versions():
                message = f"no version {name} is kept in {index} (see `resource-index versions`)"
                raise click.ClickException(message)
        changes = compare_versions(store.published(before).path, store.published(after).path)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(changes.to_dict(), indent=2))
        return
    for line in changes.lines(verbose):
        click.echo(line)


@cli.command()
@index_option
@json_option
def versions(index: Path, as_json: bool) -> None:
    """List the kept versions, oldest build first, with their build time and documents,
    marking the published one and the one `rollback` would publish.

    Example: resource-index versions
    """
    store = IndexStore(index)
    history = store.history()
    rows = []
    for name in store.kept_versions():
        try:
            manifest = store.published(name).manifest
        except StoreError:
            manifest = {}
        rows.append(
            {
                "version": name,
                "built_at": manifest.get("built_at"),
                "documents": manifest.get("documents"),
                "current": bool(history) and name == history[-1],
                "rollback_target": len(history) > 1 and name == history[-2],
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        mark = "*" if row["current"] else ("<" if row["rollback_target"] else " ")
        click.echo(f"{mark} {row['version']}  {row['built_at']}  {row['documents']} documents")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="resource-index")
