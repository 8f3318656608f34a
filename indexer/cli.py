"""The librarian's command line, `resource-index` (also `python -m indexer`).

A thin layer over `build`, `update`, `check` and `stats`: it validates options, shows a
progress bar on stderr when stderr is a terminal, and prints the report (text on stderr,
or JSON on stdout with `--json`). Exit codes: 0 done, 1 failed (nothing published).
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
from .corpus import CorpusError, check_corpus, list_pages
from .options import DEFAULT_CORPUS, corpus_option, index_option
from .report import BuildReport
from .stats import index_stats
from .store import StoreError

json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
strict_option = click.option("--strict", is_flag=True, help="Make warnings fatal.")


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


def emit(report: BuildReport, as_json: bool) -> None:
    """Print a report: JSON on stdout, or text on stderr."""
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for line in report.lines():
            click.echo(line, err=True)


def run(operation, corpus: Path, as_json: bool, verb: str, **options) -> BuildReport:
    """Run a build operation and print its report; failures exit 1 with the reason."""
    try:
        with progress_bar(corpus, verb) as on_page:
            report = operation(corpus=corpus, on_page=on_page, **options)
    except builder.BuildFailed as failure:
        emit(failure.report, as_json)
        message = f"{verb} failed, the published index is unchanged: {failure}"
        raise click.ClickException(message) from None
    except (CorpusError, StoreError) as error:
        raise click.ClickException(str(error)) from None
    except (OSError, sqlite3.Error, BrokenExecutor) as error:
        # A full disk, a failing device, a damaged page cache, a worker process killed: the
        # build never got to publish.
        reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
        message = f"{verb} failed, the published index is unchanged: {reason}"
        raise click.ClickException(message) from None
    emit(report, as_json)
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
def build(corpus: Path, index: Path, as_json: bool, strict: bool, jobs: int | None) -> None:
    """Build a new index from every page and publish it when complete and valid.

    The index in use keeps serving until the new one is published; a build that fails
    leaves it untouched.

    Example: resource-index build --corpus corpus --index index
    """
    run(builder.build, corpus, as_json, "build", index=index, strict=strict, processes=jobs)


@cli.command()
@corpus_option
@index_option
@json_option
@strict_option
def update(corpus: Path, index: Path, as_json: bool, strict: bool) -> None:
    """Re-index only the pages added, changed or removed since the last build.

    Gives the same documents as a full build; builds from scratch when no index exists.

    Example: resource-index update --index index
    """
    run(updater.update, corpus, as_json, "update", index=index, strict=strict)


@cli.command()
@corpus_option
@index_option
@json_option
@strict_option
def check(corpus: Path, index: Path, as_json: bool, strict: bool) -> None:
    """Parse and validate the corpus without writing anything, and list the pages added,
    changed or removed since the published index was built.

    Exit code 1 when a page has an error (or, with --strict, a warning).

    Example: resource-index check --corpus corpus --strict
    """
    report = run(builder.check, corpus, as_json, "check", index=index)
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="resource-index")
