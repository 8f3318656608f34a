"""Speed at scale: build, update, query latency and HTTP throughput, beside other engines.

For one corpus size: generate the synthetic corpus (or reuse it), build our index in a child
process (time, pages per second, peak PSS of the process tree, size on disk), time `update`
for no change and for one changed page, time the first query of each kind in a fresh process
(`coldstart.py`), time the fixed query mix through `run_search` on one snapshot, serve the
index with gunicorn and drive it over loopback, then build a straightforward Whoosh, SQLite
FTS5 and tantivy index of the same parsed records and time the same mix on each (and
tantivy's first query of each kind in a fresh process). Each step is a phase whose load
average is kept (`phases.py`); the goals of issue 15 are checked last (`goals.py`). With
`--documents SHARE`, that share of the resources links a generated PDF: the build extracts
them, a second (cached) build is timed and must extract nothing, and extraction's pages per
second are timed beside pdftotext (`bench/documents.py`). Prints the tables, the goals
table, and writes `bench/out/perf-<size>.json`. Usage:

    python -m bench [--size 10000] [--documents 0.2] [--json] [--baselines ...|none] [--no-http]
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import click

from .baselines import ENGINES, ratios, run_baseline
from .coldstart import cold_queries
from .distributions import fit
from .documents import measure_cached_rebuild, measure_extraction, print_documents
from .generate import DOCUMENTS_OPTION, SEED, generate, is_current
from .goals import goals, print_goals
from .lexicon import load_lexicon
from .load import measure_http, workers_for_machine
from .measure import time_queries
from .ours import Ours, measure_build, measure_update
from .phases import LoadWatch
from .querymix import MIX_SEED, WARMUP_SEED, QueryMix
from .records import describe, load_resources
from .report import machine, print_tables

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
    corpus: Path,
    index: Path,
    mix: tuple[list, list],
    http: dict | None,
    load: LoadWatch,
    documents: bool = False,
) -> dict:
    """Build, (with documents) a cached rebuild, update, the first query of each kind in a
    fresh process, queries and (optionally) HTTP; each a phase of `load`."""
    if index.exists():
        shutil.rmtree(index)
    progress("building our index (child process)")
    with load.phase("build"):
        figures = {"build": measure_build(corpus, index)}
    seconds = figures["build"]["seconds"]
    if documents:
        progress(f"built in {seconds} s; building again (cached documents)")
        with load.phase("rebuild"):
            figures["rebuild"] = measure_cached_rebuild(corpus, index)
    progress(f"built in {seconds} s; timing update")
    with load.phase("update"):
        figures["update"] = measure_update(corpus, index)
    queries, warmup = mix
    progress("the first query of each kind, a fresh process each (after the update's publish)")
    with load.phase("cold ours"):
        figures["cold"] = cold_queries(index, queries)
    progress(f"timing {len(queries)} queries through run_search")
    with load.phase("queries"):
        figures["queries"] = time_queries(Ours(index).search, queries, warmup)
    if http is not None:
        progress(f"HTTP: {http['workers']} gunicorn workers, {http['concurrency']} clients")
        with load.phase("http"):
            figures["http"] = measure_http(index, queries, **http)
    return figures


def measure_baselines(
    corpus: Path, out: Path, size: int, options: dict, mix: tuple[list, list], load: LoadWatch
) -> tuple[dict, dict, dict | None]:
    """The records, each baseline engine, and tantivy's first query of each kind."""
    if not options["baselines"]:
        return {}, {}, None
    queries, warmup = mix
    progress("reading the records with the indexer's parser (single process)")
    with load.phase("records"):
        resources, parse = load_resources(corpus, out / f"records-{size}.pickle")
    baselines, cold = {}, None
    for key in options["baselines"]:
        progress(f"baseline {key}: building and timing")
        folder = out / f"baseline-{size}" / key
        with load.phase(key):
            baselines[key] = run_baseline(key, folder, resources, parse, queries, warmup)
        if key == "tantivy" and "skipped" not in baselines[key]:
            progress("tantivy: the first query of each kind, a fresh process each")
            with load.phase("cold tantivy"):
                cold = cold_queries(folder, queries, "tantivy")
    return {**parse, **describe(resources)}, baselines, cold


def run(size: int, out: Path, options: dict) -> dict:
    """The whole suite at one size; returns the JSON document."""
    out.mkdir(parents=True, exist_ok=True)
    load = LoadWatch()
    load_start = round(os.getloadavg()[0], 2)
    with load.phase("corpus"):
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
    index = out / f"index-{size}"
    ours = measure_ours(corpus, index, (queries, warmup), http, load, has_documents)
    cold = {"ours": ours.pop("cold")}
    if has_documents:
        progress("timing extraction (extract_all with 1 and 2 processes, pdftotext)")
        with load.phase("extraction"):
            ours["extraction"] = measure_extraction(corpus)
    records, baselines, cold_tantivy = measure_baselines(
        corpus, out, size, options, (queries, warmup), load
    )
    if cold_tantivy is not None:
        cold["tantivy"] = cold_tantivy
    result = {
        "size": size,
        "machine": machine(),
        # Other work on the machine skews every figure: the load average shows it.
        "load_average": {"start": load_start, "end": round(os.getloadavg()[0], 2)},
        "corpus": {**corpus_info, "path": str(corpus)},
        "records": records,
        "query_mix": {"queries": len(queries), "warmup": len(warmup), "seed": MIX_SEED},
        "ours": ours,
        "cold": cold,
        "baselines": baselines,
        "ratios": {key: ratios(value, ours) for key, value in baselines.items()},
        "load": load.summary(),
    }
    result["goals"] = goals(result, load)
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
@DOCUMENTS_OPTION
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
    print_goals(result, err=as_json)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    progress(f"figures written to {path}")
