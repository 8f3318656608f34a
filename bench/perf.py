"""Speed at scale: build, update, query latency and HTTP throughput, beside other engines.

For one corpus size: generate the synthetic corpus (or reuse it), build our index in a child
process (time, pages per second, peak memory, size on disk), time `update` for no change and
for one changed page, time the fixed query mix through `run_search` on one snapshot, serve the
index with gunicorn and drive it over loopback, then build a straightforward Whoosh, SQLite
FTS5 and tantivy index of the same parsed records and time the same mix on each. With
`--documents SHARE`, that share of the resources links a generated PDF: the build extracts
them, a second (cached) build is timed and must extract nothing, and extraction's pages per
second are timed beside pdftotext (`bench/documents.py`). Prints the tables and writes
`bench/out/perf-<size>.json`. Usage:

    python -m bench [--size 10000] [--documents 0.2] [--json] [--baselines ...|none] [--no-http]
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import click

from .baselines import ENGINES, ratios, run_baseline
from .distributions import fit
from .documents import measure_cached_rebuild, measure_extraction, print_documents
from .generate import SEED, generate, is_current
from .lexicon import load_lexicon
from .load import measure_http, workers_for_machine
from .measure import time_queries
from .ours import Ours, measure_build, measure_update
from .querymix import MIX_SEED, WARMUP_SEED, QueryMix
from .records import describe, load_resources
from .report import machine, print_tables, targets

OUT = Path(__file__).resolve().parent / "out"
QUERIES = 300
WARMUP = 30
HTTP_REQUESTS = 2000
HTTP_SECONDS = 30.0
CONCURRENCY = 8


def progress(message: str) -> None:
    click.echo(f"bench: {message}", err=True)


def prepare_corpus(
    out: Path, size: int, regenerate: bool, documents: float = 0.0
) -> tuple[Path, dict]:
    """The corpus folder of this size, generated unless an identical one is there."""
    corpus = out / f"corpus-{size}"
    if not regenerate and is_current(corpus, size, SEED, documents):
        manifest = json.loads((corpus / "generated.json").read_text(encoding="utf-8"))
        return corpus, {**manifest, "reused": True}
    share = f" ({documents:.0%} with a PDF)" if documents else ""
    progress(f"generating {size} resources{share} into {corpus}")
    return corpus, {**generate(size, corpus, SEED, documents=documents), "reused": False}


def measure_ours(
    corpus: Path, index: Path, mix: tuple[list, list], http: dict | None, documents: bool = False
) -> dict:
    """Build, (with documents) a cached rebuild, update, queries and (optionally) HTTP."""
    if index.exists():
        shutil.rmtree(index)
    progress("building our index (child process)")
    build = measure_build(corpus, index)
    rebuild = None
    if documents:
        progress(f"built in {build['seconds']} s; building again (cached documents)")
        rebuild = measure_cached_rebuild(corpus, index)
    progress(f"built in {build['seconds']} s; timing update")
    update = measure_update(corpus, index)
    queries, warmup = mix
    progress(f"timing {len(queries)} queries through run_search")
    figures = {"build": build, "update": update}
    if rebuild is not None:
        figures["rebuild"] = rebuild
    figures["queries"] = time_queries(Ours(index).search, queries, warmup)
    if http is not None:
        progress(f"HTTP: {http['workers']} gunicorn workers, {http['concurrency']} clients")
        figures["http"] = measure_http(index, queries, **http)
    return figures


def run(size: int, out: Path, options: dict) -> dict:
    """The whole suite at one size; returns the JSON document."""
    out.mkdir(parents=True, exist_ok=True)
    load_start = round(os.getloadavg()[0], 2)
    corpus, corpus_info = prepare_corpus(out, size, options["regenerate"], options["documents"])
    lexicon, dists = load_lexicon(), fit()
    queries = QueryMix(lexicon, dists, MIX_SEED).draw(options["queries"])
    warmup = QueryMix(lexicon, dists, WARMUP_SEED).draw(options["warmup"])
    http = None
    if options["http"]:
        http = {
            "log": out / f"server-{size}.log",
            "workers": options["workers"] or workers_for_machine(),
            "concurrency": options["concurrency"],
            "limit": options["http_requests"],
            "seconds": options["http_seconds"],
        }
    has_documents = bool(corpus_info.get("pdfs"))
    ours = measure_ours(corpus, out / f"index-{size}", (queries, warmup), http, has_documents)
    if has_documents:
        progress("timing extraction (extract_all with 1 and 2 processes, pdftotext)")
        ours["extraction"] = measure_extraction(corpus)
    baselines, records = {}, {}
    if options["baselines"]:
        progress("reading the records with the indexer's parser (single process)")
        resources, parse = load_resources(corpus, out / f"records-{size}.pickle")
        records = {**parse, **describe(resources)}
        for key in options["baselines"]:
            progress(f"baseline {key}: building and timing")
            folder = out / f"baseline-{size}" / key
            baselines[key] = run_baseline(key, folder, resources, parse, queries, warmup)
    result = {
        "size": size,
        "machine": machine(),
        # Other work on the machine skews every figure: the load average shows it.
        "load_average": {"start": load_start, "end": round(os.getloadavg()[0], 2)},
        "corpus": {**corpus_info, "path": str(corpus)},
        "records": records,
        "query_mix": {"queries": len(queries), "warmup": len(warmup), "seed": MIX_SEED},
        "ours": ours,
        "baselines": baselines,
        "ratios": {key: ratios(value, ours) for key, value in baselines.items()},
    }
    result["targets"] = targets(result)
    return result


def parse_baselines(_ctx, _param, value: str) -> list[str]:
    names = [] if value.strip() == "none" else [v.strip() for v in value.split(",") if v.strip()]
    unknown = [name for name in names if name not in ENGINES]
    if unknown:
        raise click.BadParameter(
            f"unknown engine(s) {', '.join(unknown)}; use {', '.join(ENGINES)}"
        )
    return names


@click.command()
@click.option("--size", type=click.IntRange(10, 1_000_000), default=10_000, show_default=True)
@click.option(
    "--documents",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of the resources linking a generated PDF of 10 to 40 pages.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=OUT)
@click.option("--queries", type=click.IntRange(10, 100_000), default=QUERIES, show_default=True)
@click.option("--warmup", type=click.IntRange(0, 10_000), default=WARMUP, show_default=True)
@click.option("--baselines", default=",".join(ENGINES), callback=parse_baselines, show_default=True)
@click.option("--http/--no-http", default=True, show_default=True)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Default: 2 per core + 1."
)
@click.option("--concurrency", type=click.IntRange(1, 256), default=CONCURRENCY, show_default=True)
@click.option("--http-requests", type=click.IntRange(1), default=HTTP_REQUESTS, show_default=True)
@click.option("--http-seconds", type=click.FloatRange(1), default=HTTP_SECONDS, show_default=True)
@click.option("--regenerate", is_flag=True, help="Write the corpus again even if it is current.")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout (the tables go to stderr).")
def main(size: int, out: Path, as_json: bool, **options) -> None:
    """Measure build, update, queries and HTTP at one corpus size, beside other engines.

    Example: python -m bench --size 10000 --baselines whoosh,sqlite,tantivy
    """
    result = run(size, out, options)
    path = out / f"perf-{size}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_tables(result, err=as_json)
    if "extraction" in result["ours"]:
        print_documents(result["ours"], result["ours"]["build"], err=as_json)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    progress(f"figures written to {path}")
