"""Speed at scale, with documents: extraction beside pdftotext, and a cached rebuild.

For a generated corpus whose resources link PDFs (`bench.generate --documents`): the pages
per second of the indexer's own step (`extraction.extract_all`, forks included, no cache) with
1 and 2 worker processes beside Debian's `pdftotext` (poppler-utils, one process per file, one
file at a time) on the same files, per core; and, after our build, a second build on the same
index folder, timed, with the count of documents it extracted (its cache writes: each document
extracted afresh is written to the index's cache, `shelf.EXTRACTED_DIR`; one read from the
cache is not). Timings come with the load average: the machine may be shared.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import click

from indexer.shelf import EXTRACTED_DIR

from .extraction import pdftotext_pages, pipeline
from .ours import measure_build
from .sitepages import corpus_documents

PROCESSES = (1, 2)
ROUNDS = 1  # each timing is one pass over every file: at 10,000 resources, minutes already


def sources_of(corpus: Path) -> list[str]:
    """The corpus-relative paths of the generated PDFs, sorted."""
    folder = corpus / corpus_documents.FILES_FOLDER
    return [f"{folder.name}/{path.name}" for path in sorted(folder.glob("*.pdf"))]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])


def time_pdftotext(corpus: Path, sources: list[str]) -> dict | None:
    """pdftotext over every file, one process per file as a build would run it; None if absent."""
    if not shutil.which("pdftotext"):
        return None
    started, pages = time.perf_counter(), 0
    for source in sources:
        pages += len(pdftotext_pages((corpus / source).read_bytes()))
    seconds = time.perf_counter() - started
    return {"pages": pages, "seconds": round(seconds, 3), "pages_per_second": pages / seconds}


def measure_extraction(corpus: Path) -> dict:
    """Pages per second of extract_all (1 and 2 processes, no cache) and of pdftotext."""
    sources = sources_of(corpus)
    ours = {}
    for processes in PROCESSES:
        pages, seconds = pipeline(corpus, sources, processes, ROUNDS)
        ours[processes] = {
            "pages": pages,
            "seconds": round(seconds, 3),
            "pages_per_second": pages / seconds,
            "pages_per_second_per_core": pages / seconds / processes,
        }
    return {
        "files": len(sources),
        "ours": ours,
        "pdftotext": time_pdftotext(corpus, sources),
        "load_average": load_average(),
    }


def measure_cached_rebuild(corpus: Path, index: Path) -> dict:
    """A second build into the same index folder: seconds, and documents extracted (want 0)."""
    cache = index / EXTRACTED_DIR
    started = time.time()
    build = measure_build(corpus, index)
    written = [p for p in cache.rglob("*") if p.is_file() and p.stat().st_mtime >= started]
    return {
        "seconds": build["seconds"],
        "extracted": len(written),
        "cached_documents": sum(1 for p in cache.rglob("*") if p.is_file()),
        "load_average": load_average(),
    }


def print_documents(figures: dict, build: dict, err: bool = False) -> None:
    """The documents' lines of the report."""

    def echo(text: str) -> None:
        click.echo(text, err=err)

    extraction, rebuild = figures["extraction"], figures["rebuild"]
    echo("")
    echo(
        f"documents: {extraction['files']} PDFs, {extraction['ours'][1]['pages']} pages; "
        f"{os.cpu_count()} cores; load average {extraction['load_average']}"
    )
    reference = extraction["pdftotext"]
    per_core = reference["pages_per_second"] if reference else None
    if reference:
        echo(
            f"  pdftotext (poppler), 1 process at a time: "
            f"{reference['pages_per_second']:.0f} pages/s ({reference['seconds']} s)"
        )
    for processes, ours in extraction["ours"].items():
        share = (
            f", {ours['pages_per_second_per_core'] / per_core:.2f}x pdftotext" if per_core else ""
        )
        echo(
            f"  extract_all, {processes} process{'es' if processes > 1 else ''}, no cache: "
            f"{ours['pages_per_second']:.0f} pages/s, "
            f"{ours['pages_per_second_per_core']:.0f} per core{share} ({ours['seconds']} s)"
        )
    echo(f"  build with documents: {build['seconds']} s")
    echo(
        f"  cached rebuild: {rebuild['seconds']} s, {rebuild['extracted']} documents extracted "
        f"(of {rebuild['cached_documents']} cached); load average {rebuild['load_average']}"
    )
