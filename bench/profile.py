"""Where our query time goes: cProfile over the query mix, one kind at a time.

Runs the mix's queries of the chosen kinds through `run_search` on the index `python -m bench`
built (`bench/out/index-<size>`), after a warm-up, under cProfile, and prints the functions
that take the most time (own time and cumulative); with `--update`, the same for `update`
of that index from its corpus (`bench/out/corpus-<size>`): once with nothing changed, once
after one page changed as `python -m bench` changes it (then changed back and updated
again, unprofiled). Usage:

    python -m bench.profile --size 10000 --kind "sort by year" --kind phrase [--top 25]
    python -m bench.profile --size 10000 --update
"""

from __future__ import annotations

import cProfile
import io
import pstats
from pathlib import Path

import click

from indexer.update import update

from .distributions import fit
from .lexicon import load_lexicon
from .ours import Ours, one_page_edited
from .perf import OUT
from .querymix import KINDS, MIX_SEED, WARMUP_SEED, QueryMix

DRAWN = 2000
TOP = 25
SORTS = ("tottime", "cumulative")


def profile_kind(engine: Ours, queries: list[dict], warmup: list[dict], top: int) -> str:
    """The cProfile report of one batch of queries, after the warm-up."""
    for query in warmup:
        engine.search(query)
    return profiled(lambda: [engine.search(query) for query in queries], top)


def profiled(work, top: int) -> str:
    """The cProfile report of `work()`."""
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    for order in SORTS:
        stats.sort_stats(order).print_stats(top)
    return text.getvalue()


@click.command()
@click.option("--size", type=int, default=10_000, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=OUT)
@click.option("--kind", "kinds", type=click.Choice(list(KINDS)), multiple=True)
@click.option("--queries", type=click.IntRange(1), default=40, show_default=True)
@click.option("--top", type=click.IntRange(1), default=TOP, show_default=True)
@click.option("--update", "of_update", is_flag=True, help="Profile `update` instead.")
def main(size: int, out: Path, kinds: tuple[str, ...], queries: int, top: int, of_update) -> None:
    """Profile our search core on the query mix, kind by kind (or `update`).

    Example: python -m bench.profile --size 10000 --kind "sort by year"
    """
    index = out / f"index-{size}"
    if not (index / "CURRENT").is_file():
        raise click.ClickException(f"no index at {index}: run `python -m bench --size {size}`")
    if of_update:
        corpus = out / f"corpus-{size}"
        update(corpus, index)  # the index as the corpus is now, so the first run finds nothing
        click.echo("=== update, nothing changed ===")
        click.echo(profiled(lambda: update(corpus, index), top))
        with one_page_edited(corpus) as page:
            click.echo(f"=== update, one page changed ({page.name}) ===")
            click.echo(profiled(lambda: update(corpus, index), top))
        update(corpus, index)
        return
    lexicon, dists = load_lexicon(), fit()
    drawn = QueryMix(lexicon, dists, MIX_SEED).draw(DRAWN)
    warmup = QueryMix(lexicon, dists, WARMUP_SEED).draw(queries)
    engine = Ours(index)
    for kind in kinds or KINDS:
        batch = [query for query in drawn if query["kind"] == kind][:queries]
        click.echo(f"=== {kind}: {len(batch)} queries ===")
        click.echo(profile_kind(engine, batch, warmup, top))


if __name__ == "__main__":
    main()
