"""Did-you-mean accuracy and cost: our `Speller` beside Whoosh's corrector (issues 11 and 13).

For every title and topic word of `MIN_TARGET_LENGTH`+ letters of a corpus, one typo of each
kind (a letter deleted, inserted, substituted, two neighbours transposed; positions and
letters from a seeded generator), and how often the suggestion is the intended word or a
word of the same stem. Typos that are real words of the index (a search for them finds
something) are left out and counted. Whoosh's corrector, as did-you-mean used it (the first
of `suggest(word, limit=3, maxdist=2)` that some resource holds), answers a deterministic
sample of the same typos (it takes a second or more per word at 10,000 resources). Then the
time per suggestion (mean, p95, max), the time to build the speller, and the hostile inputs
of issue 11 (one 990-letter word; 32 unknown 30-letter words) for both, with the load
average. Runs on the shipped corpus and on a generated corpus of `--size` resources (built
into `bench/out/` once, then reused), then times suggestions in a random dictionary of
`--large` words (the generated corpora have about 4,500 distinct words). Usage:

    python -m bench.spelling [--size 10000] [--large 100000] [--whoosh-sample 200]
        [--index PATH] [--json]
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from random import Random
from string import ascii_lowercase

import click

from indexer.build import build
from indexer.schema import CONTENT, TITLE, TOPIC, WORD, text_analyzer
from indexer.store import IndexStore
from search_app.spelling import Speller

from .perf import OUT, prepare_corpus

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"
SIZE = 10_000
TYPO_SEED = 20261201
MIN_TARGET_LENGTH = 5
WHOOSH_SAMPLE = 200
WHOOSH_LIMIT, WHOOSH_MAXDIST = 3, 2  # as search_app.search's did-you-mean asks
TARGET = 0.95
HOSTILE_LONG = 990
HOSTILE_WORDS, HOSTILE_WORD_LENGTH = 32, 30
KINDS = ("deletion", "insertion", "substitution", "transposition")
PERCENTILE = 95
SYNTHETIC_WORDS = 100_000
SYNTHETIC_LENGTHS = (3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 9, 10, 11, 12, 14)
SYNTHETIC_TYPOS = 1000


def typo(word: str, kind: str, rng: Random) -> str | None:
    """One typo of a kind at a random place; None when the kind cannot change the word."""
    if kind == "deletion":
        at = rng.randrange(len(word))
        return word[:at] + word[at + 1 :]
    if kind == "insertion":
        at = rng.randrange(len(word) + 1)
        return word[:at] + rng.choice(ascii_lowercase) + word[at:]
    if kind == "substitution":
        at = rng.randrange(len(word))
        letter = rng.choice([c for c in ascii_lowercase if c != word[at]])
        return word[:at] + letter + word[at + 1 :]
    places = [i for i in range(len(word) - 1) if word[i] != word[i + 1]]
    if not places:
        return None
    at = rng.choice(places)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def target_words(searcher, speller: Speller) -> list[str]:
    """The distinct title and topic words of 5+ letters, as the dictionary spells them."""
    words = set()
    for fields in searcher.all_stored_fields():
        for text in [fields.get(TITLE, ""), *fields.get(TOPIC, [])]:
            for word in WORD.findall(text):
                spelled = speller.spelled(word)
                if spelled and spelled.isalpha() and len(spelled) >= MIN_TARGET_LENGTH:
                    words.add(spelled)
    return sorted(words)


def typo_cases(words: list[str], speller: Speller) -> tuple[list[tuple[str, str, str]], int]:
    """(intended word, kind, typo) for each word and kind, and how many typos were real
    words (left out: there is nothing to correct)."""
    cases, real = [], 0
    for word in words:
        rng = Random(f"{TYPO_SEED}:{word}")
        for kind in KINDS:
            typed = typo(word, kind, rng)
            if typed is None:
                continue
            if speller.known(typed):
                real += 1
            else:
                cases.append((word, kind, typed))
    return cases, real


class WhooshCorrector:
    """Did-you-mean as search_app.search did it: Whoosh's corrector, filtered by frequency."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.corrector = searcher.corrector(CONTENT)
        self.analyzer = text_analyzer()

    def frequency(self, word: str) -> int:
        stems = [token.text for token in self.analyzer(word)]
        return self.searcher.doc_frequency(CONTENT, stems[0]) if stems else 0

    def suggest(self, word: str) -> str | None:
        found = self.corrector.suggest(word, limit=WHOOSH_LIMIT, maxdist=WHOOSH_MAXDIST)
        return next((s for s in found if self.frequency(s)), None)


def score(suggest, cases, stem) -> dict:
    """Accuracy (overall and by kind) and time per suggestion of one suggester."""
    right = dict.fromkeys(KINDS, 0)
    total = dict.fromkeys(KINDS, 0)
    times = []
    for word, kind, typed in cases:
        start = time.perf_counter()
        found = suggest(typed)
        times.append(time.perf_counter() - start)
        total[kind] += 1
        if found is not None and (found == word or stem(found) == stem(word)):
            right[kind] += 1
    return {
        "typos": len(cases),
        "accuracy": round(sum(right.values()) / max(1, len(cases)), 4),
        "by_kind": {k: round(right[k] / total[k], 4) if total[k] else None for k in KINDS},
        "ms": timing(times),
    }


def timing(times: list[float]) -> dict:
    """Mean, p95 and max of some durations, in milliseconds."""
    if not times:
        return {"mean": None, "p95": None, "max": None}
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * PERCENTILE / 100))]
    return {
        "mean": round(statistics.fmean(times) * 1e3, 3),
        "p95": round(p95 * 1e3, 3),
        "max": round(ordered[-1] * 1e3, 3),
    }


def hostile_inputs() -> dict[str, list[str]]:
    """Issue 11's slow queries: a 990-letter word, 32 unknown 30-letter words."""
    rng = Random(TYPO_SEED)

    def letters(n: int) -> str:
        return "".join(rng.choice(ascii_lowercase) for _ in range(n))

    return {
        f"one {HOSTILE_LONG}-letter word": [letters(HOSTILE_LONG)],
        f"{HOSTILE_WORDS} words of {HOSTILE_WORD_LENGTH} letters": [
            letters(HOSTILE_WORD_LENGTH) for _ in range(HOSTILE_WORDS)
        ],
    }


def milliseconds(suggest, words: list[str]) -> float:
    """The time to suggest a respelling of each word, in all."""
    start = time.perf_counter()
    for word in words:
        suggest(word)
    return round((time.perf_counter() - start) * 1e3, 3)


def measure(index: Path, whoosh_sample: int, with_whoosh: bool = True) -> dict:
    """Every figure for one published index."""
    with IndexStore(index).open_index().searcher() as searcher:
        start = time.perf_counter()
        speller = Speller.from_reader(searcher.reader())
        built = time.perf_counter() - start
        analyzer = text_analyzer()

        def stem(word: str) -> str | None:
            return next((token.text for token in analyzer(word)), None)

        words = target_words(searcher, speller)
        cases, real = typo_cases(words, speller)
        result = {
            "resources": searcher.doc_count(),
            "dictionary_words": len(speller.resources),
            "speller_build_s": round(built, 3),
            "target_words": len(words),
            "real_word_typos_left_out": real,
            "ours": score(speller.suggest, cases, stem),
        }
        sample = Random(TYPO_SEED).sample(cases, min(whoosh_sample, len(cases)))
        hostile = hostile_inputs()
        result["ours_on_whoosh_sample"] = score(speller.suggest, sample, stem)
        result["hostile_ms"] = {
            "ours": {key: milliseconds(speller.suggest, words) for key, words in hostile.items()}
        }
        if with_whoosh:
            whoosh = WhooshCorrector(searcher)
            result["whoosh_on_whoosh_sample"] = score(whoosh.suggest, sample, stem)
            result["hostile_ms"]["whoosh"] = {
                key: milliseconds(whoosh.suggest, words) for key, words in hostile.items()
            }
    return result


def random_words(count: int, rng: Random) -> dict[str, int]:
    """A dictionary of random letter strings of English-like lengths, with resources."""
    words: dict[str, int] = {}
    while len(words) < count:
        length = rng.choice(SYNTHETIC_LENGTHS)
        words["".join(rng.choice(ascii_lowercase) for _ in range(length))] = rng.randint(1, 1000)
    return words


def measure_large(count: int) -> dict:
    """Suggestion time in a large random dictionary (no index): one- and two-edit typos of
    its words of 8+ letters, and 32 unknown 8-letter words."""
    rng = Random(TYPO_SEED)
    words = random_words(count, rng)
    start = time.perf_counter()
    speller = Speller(words, {}, words)
    built = time.perf_counter() - start
    long = [word for word in words if len(word) >= 8]
    typos = {"one edit": [], "two edits": []}
    for _ in range(SYNTHETIC_TYPOS):
        word = rng.choice(long)
        at = rng.randrange(len(word))
        typos["one edit"].append(word[:at] + word[at + 1 :])
        typos["two edits"].append(word[:at] + word[at + 1 : -1])
    unknown = ["".join(rng.choice(ascii_lowercase) for _ in range(8)) for _ in range(HOSTILE_WORDS)]
    result = {"dictionary_words": count, "speller_build_s": round(built, 3)}
    for label, typed in typos.items():
        times = []
        for word in typed:
            start = time.perf_counter()
            speller.suggest(word)
            times.append(time.perf_counter() - start)
        result[label] = timing(times)
    result[f"{HOSTILE_WORDS} unknown 8-letter words, ms"] = milliseconds(speller.suggest, unknown)
    return result


def generated_index(size: int) -> tuple[Path, bool]:
    """The generated corpus's published index in bench/out, built unless already there."""
    corpus, info = prepare_corpus(OUT, size, regenerate=False)
    index = OUT / f"index-{size}"
    store = IndexStore(index)
    fresh = info["reused"] and index.exists()
    try:
        store.published()
    except Exception:  # no published version yet
        fresh = False
    if not fresh:
        click.echo(f"bench: building the index of {corpus} into {index}", err=True)
        build(corpus, index)
    return index, not fresh


def print_table(name: str, figures: dict) -> None:
    ours, whoosh = figures["ours"], figures.get("whoosh_on_whoosh_sample")
    sample = figures["ours_on_whoosh_sample"]
    click.echo(
        f"\n{name}: {figures['resources']} resources, {figures['dictionary_words']} dictionary "
        f"words (speller built in {figures['speller_build_s']} s), {figures['target_words']} "
        f"title/topic words of {MIN_TARGET_LENGTH}+ letters, {ours['typos']} typos "
        f"({figures['real_word_typos_left_out']} real-word typos left out)"
    )
    click.echo(f"{'':28}{'accuracy':>9}  " + "  ".join(f"{k[:5]:>6}" for k in KINDS))
    rows = [("ours, all typos", ours), (f"ours, sample of {sample['typos']}", sample)]
    if whoosh:
        rows.append((f"whoosh, sample of {whoosh['typos']}", whoosh))
    for label, row in rows:
        kinds = "  ".join(
            f"{row['by_kind'][k]:>6.1%}" if row["by_kind"][k] is not None else f"{'-':>6}"
            for k in KINDS
        )
        click.echo(f"{label:28}{row['accuracy']:>9.1%}  {kinds}")
    click.echo(f"{'ms per suggestion':28}{'mean':>9}{'p95':>9}{'max':>9}")
    for label, row in rows:
        ms = row["ms"]
        click.echo(f"{label:28}{ms['mean']:>9}{ms['p95']:>9}{ms['max']:>9}")
    for engine, cases in figures["hostile_ms"].items():
        for key, value in cases.items():
            click.echo(f"{engine + ', ' + key:40} {value:>12} ms")


@click.command()
@click.option("--size", default=SIZE, show_default=True, help="Generated corpus size (0: none).")
@click.option(
    "--large",
    default=SYNTHETIC_WORDS,
    show_default=True,
    help="Words of a random dictionary to time suggestions in (0: none).",
)
@click.option("--whoosh-sample", default=WHOOSH_SAMPLE, show_default=True, type=int)
@click.option("--no-whoosh", is_flag=True, help="Leave Whoosh's corrector out.")
@click.option(
    "--index",
    "reuse",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A published index of the generated corpus to measure instead (no generating).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def main(
    size: int, large: int, whoosh_sample: int, no_whoosh: bool, reuse: Path | None, as_json: bool
) -> None:
    """Did-you-mean accuracy on one-letter typos and its cost, beside Whoosh's corrector.

    Example: python -m bench.spelling --size 10000
    """
    result = {"load_average_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index"
        build(SHIPPED, index)
        result["shipped"] = measure(index, whoosh_sample, not no_whoosh)
    if size:
        index, built = (reuse, False) if reuse else generated_index(size)
        result[f"generated_{size}"] = {
            **measure(index, whoosh_sample, not no_whoosh),
            "index": str(index),
            "index_built_now": built,
        }
    if large:
        result["large_dictionary"] = measure_large(large)
    result["load_average_end"] = os.getloadavg()
    result["target"] = TARGET
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for key, figures in result.items():
        if isinstance(figures, dict) and "ours" in figures:
            print_table(key, figures)
    if "large_dictionary" in result:
        figures = result["large_dictionary"]
        click.echo(
            f"\nrandom dictionary of {figures['dictionary_words']} words (speller built in "
            f"{figures['speller_build_s']} s), ms per suggestion:"
        )
        for key, value in figures.items():
            if isinstance(value, dict):
                click.echo(f"{key:28}{value['mean']:>9}{value['p95']:>9}{value['max']:>9}")
            elif key.endswith("ms"):
                click.echo(f"{key:40} {value:>12} ms")
    start, end = result["load_average_start"], result["load_average_end"]
    click.echo(
        f"\nload average (1/5/15 min): start {start[0]:.2f} {start[1]:.2f} {start[2]:.2f}, "
        f"end {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}; target accuracy {TARGET:.0%}"
    )


if __name__ == "__main__":
    main()
