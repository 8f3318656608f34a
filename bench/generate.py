"""A synthetic corpus for the benchmarks: N resources written as the library's website.

Deterministic (fixed seed; each resource draws from its own seeded generator, so the output
does not depend on how the work is split between processes). Topics, types and years follow
the catalog sample (`distributions.py`); titles, descriptions and bodies of 300 to 3,000 words
(log-uniform) come from the Zipf-like vocabulary of `lexicon.py`. Pages are rendered by the
shipped corpus's own templates (`tools/corpus_pages.py`): a resource page per resource and
topic listings of 8 cards a page, newest first, undated last. The corpus's `vocabulary.toml`
and `thesaurus.txt` are copied in. With `--documents SHARE`, that share of the resources (each
drawn from its own seeded generator) also links a real PDF, `files/<slug>.pdf`, typeset by the
shipped corpus's own typesetter (`tools/corpus_documents.py`): the resource's title, then 10
to 40 pages of generated text with a page break after each, a running header and page numbers.
Usage:

    python -m bench.generate --size 10000 --out /tmp/corpus-10k [--documents 0.2]
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import shutil
import time
from pathlib import Path
from random import Random

import click

from .distributions import CATALOG_SAMPLE, ROOT, VOCABULARY, Distributions, fit
from .lexicon import LEXICON_FILE, Lexicon, TextSampler, load_lexicon, title_case
from .sitepages import corpus_documents, corpus_pages, render_listing, render_resource

SEED = 20240611
MIN_BODY_WORDS, MAX_BODY_WORDS = 300, 3000
DESCRIPTION_SENTENCES = (1, 3)
DESCRIPTION_SENTENCE_WORDS = 18
FEATURED = 12
CHUNK_RESOURCES = 250
MANIFEST = "generated.json"
COPIED = ("vocabulary.toml", "thesaurus.txt")
OWNED = ("resources", "topics", "files", "index.html", MANIFEST)
DOCUMENT_PAGES = (10, 40)  # a linked PDF's pages, uniform
WORDS_PER_DOCUMENT_PAGE = 350  # fits a US Letter page at the typesetter's 11 pt
DOCUMENT_ISSUER = "Benchmark Corpus"
SOURCES = (
    Path(__file__).with_name("generate.py"),
    Path(__file__).with_name("sitepages.py"),
    Path(__file__).with_name("lexicon.py"),
    Path(__file__).with_name("distributions.py"),
    Path(corpus_documents.__file__),
    LEXICON_FILE,
    Path(corpus_pages.__file__),
    CATALOG_SAMPLE,
    VOCABULARY,
)
TITLE_FORMS = (
    ("{P}: {S}", 4),
    ("Assessing the Impact of {P}: {S}", 2),
    ("{P} in {L}", 3),
    ("{P} in {L}: {S}", 3),
    ("How to Implement {P} in {L}", 1),
    ("A Guide to {P} and {Q}", 1),
    ("Can {P} Reduce {Q}?", 1),
    ("Independent Review of {P} in {L}, {Y}", 1),
    ("{P} and {Q}: {S}", 2),
)
DESCRIPTION_VERBS = ("examines", "describes", "summarizes", "reviews", "offers guidance on")

# The share of resources linking a generated PDF: `python -m bench.generate` and `python -m bench`.
DOCUMENTS_OPTION = click.option(
    "--documents",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of the resources linking a generated PDF of 10 to 40 pages.",
)


def fingerprint() -> str:
    """A hash of everything the output depends on: a reused corpus must match it."""
    digest = hashlib.sha256()
    for path in SOURCES:
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def resource_rng(seed: int, number: int, purpose: str) -> Random:
    """The generator of one resource's metadata or text (string seeds hash the same everywhere)."""
    return Random(f"{seed}:{purpose}:{number}")


def make_title(rng: Random, lexicon: Lexicon, year: int | None) -> str:
    """A title in one of the library's usual forms."""
    forms, weights = zip(*TITLE_FORMS, strict=True)
    form = rng.choices(forms, weights=weights)[0]
    return form.format(
        P=title_case(rng.choice(lexicon.phrases)),
        Q=title_case(rng.choice(lexicon.phrases)),
        S=rng.choice(lexicon.subtitles),
        L=rng.choice(lexicon.places),
        Y=year or rng.randint(2000, 2025),
    )


def plan(
    size: int, seed: int, lexicon: Lexicon, dists: Distributions, documents: float = 0.0
) -> list[dict]:
    """Every resource's metadata, in number order, with unique slugs; the `documents` share
    that links a PDF has its page count (drawn apart, so a share of 0 changes nothing)."""
    resources = []
    for number in range(size):
        rng = resource_rng(seed, number, "meta")
        topics, printed, types, year = dists.draw(rng)
        words = round(math.exp(rng.uniform(math.log(MIN_BODY_WORDS), math.log(MAX_BODY_WORDS))))
        resources.append(
            {
                "number": number,
                "title": make_title(rng, lexicon, year),
                "types": types,
                "year": year,
                "topics": printed,
                "canonical": topics,
                "words": words,
            }
        )
    slugs = corpus_pages.unique_slugs([resource["title"] for resource in resources])
    for resource, slug in zip(resources, slugs, strict=True):
        resource["slug"] = slug
        rng = resource_rng(seed, resource["number"], "document")
        if documents and rng.random() < documents:
            resource["document_pages"] = rng.randint(*DOCUMENT_PAGES)
            href = f"/{corpus_documents.FILES_FOLDER}/{slug}.pdf"
            resource["documents"] = [{"href": href, "format": "pdf", "label": resource["title"]}]
    return resources


def describe(rng: Random, sampler: TextSampler, resource: dict, topic: str | None) -> list[str]:
    """A description of a few sentences: what the resource is, then words of its topic."""
    kind = resource["types"][0].lower()
    about = rng.choice(sampler.lexicon.phrases)
    where = rng.choice(sampler.lexicon.places)
    first = f"This {kind} {rng.choice(DESCRIPTION_VERBS)} {about} in {where}."
    count = rng.randint(*DESCRIPTION_SENTENCES) * DESCRIPTION_SENTENCE_WORDS
    return [" ".join([first, *sampler.sentences(rng, sampler.words(rng, count, topic))])]


class _Worker:
    """One process's share of the writing; set up once per process by `_start`."""

    def __init__(self, resources: list[dict], nav: list, out: Path, seed: int):
        self.resources, self.nav, self.out, self.seed = resources, nav, out, seed
        self.sampler = TextSampler(load_lexicon())

    def resource_pages(self, start: int, stop: int) -> int:
        for resource in self.resources[start:stop]:
            rng = resource_rng(self.seed, resource["number"], "text")
            topic = resource["canonical"][0] if resource["canonical"] else None
            text = {
                "description": describe(rng, self.sampler, resource, topic),
                "body": self.sampler.body(rng, resource["words"], topic),
            }
            html = render_resource({**resource, **text}, resource["number"], self.nav)
            _write(self.out / corpus_pages.resource_file(resource["slug"]), html)
            if resource.get("documents"):
                self.document(resource, topic)
        return stop - start

    def document(self, resource: dict, topic: str | None) -> None:
        """The resource's PDF: its title, then one page of generated text per page drawn."""
        rng = resource_rng(self.seed, resource["number"], "document-text")
        blocks = []
        for page in range(resource["document_pages"]):
            if page:
                blocks.append((corpus_documents.PAGE_BREAK, ""))
            paragraphs = self.sampler.paragraphs(rng, WORDS_PER_DOCUMENT_PAGE, topic)
            blocks += [("p", paragraph) for paragraph in paragraphs]
        title = resource["title"]
        entry = ("", "pdf", title, title[:60], DOCUMENT_ISSUER)
        citation = f"{DOCUMENT_ISSUER}, {resource['year'] or 'undated'}."
        data = corpus_documents.render_pdf(entry, citation, blocks)
        href = resource["documents"][0]["href"]
        (self.out / href.lstrip("/")).write_bytes(data)

    def listing_pages(self, topic: dict, numbers: list[int], first: int, count: int) -> int:
        cards = [self.resources[number] for number in numbers]
        pages = corpus_pages.paginate(cards)
        for offset, page_cards in enumerate(pages):
            page = first + offset
            html = render_listing(topic, page_cards, page, count, self.nav)
            _write(self.out / corpus_pages.topic_file(topic["slug"], page), html)
        return len(pages)


_WORKER: _Worker | None = None


def _start(resources, nav, out, seed) -> None:
    global _WORKER
    _WORKER = _Worker(resources, nav, out, seed)


def _run(task: tuple) -> int:
    kind, *arguments = task
    return getattr(_WORKER, kind)(*arguments)


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def listing_tasks(resources: list[dict], topics: dict[str, dict]) -> list[tuple]:
    """One task per chunk of each topic's listing pages, cards in listing order."""
    tasks = []
    per_task = CHUNK_RESOURCES // corpus_pages.CARDS_PER_PAGE * corpus_pages.CARDS_PER_PAGE
    for name, topic in topics.items():
        listed = sorted(
            (r for r in resources if name in r["canonical"]), key=corpus_pages.listing_key
        )
        count = math.ceil(len(listed) / corpus_pages.CARDS_PER_PAGE)
        for start in range(0, len(listed), per_task):
            numbers = [r["number"] for r in listed[start : start + per_task]]
            first = start // corpus_pages.CARDS_PER_PAGE + 1
            tasks.append(("listing_pages", topic, numbers, first, count))
    return tasks


def prepare(out: Path) -> None:
    """Empty a folder this generator wrote before (only its own files); refuse any other."""
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise click.ClickException(f"{out} is not empty and was not written by bench.generate")
    for name in OWNED:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    (out / "resources").mkdir(parents=True)


def generate(
    size: int, out: Path, seed: int = SEED, workers: int | None = None, documents: float = 0.0
) -> dict:
    """Write a corpus of `size` resources into `out` (the `documents` share linking a PDF);
    return its manifest."""
    started = time.perf_counter()
    lexicon, dists = load_lexicon(), fit()
    resources = plan(size, seed, lexicon, dists, documents)
    names = [name for name in dists.topics if any(name in r["canonical"] for r in resources)]
    topics = {name: {"heading": name, "slug": corpus_pages.slugify(name)} for name in names}
    nav = [(t["heading"], corpus_pages.topic_url(t["slug"], 1)) for t in topics.values()]
    prepare(out)
    for topic in topics.values():
        (out / "topics" / topic["slug"]).mkdir(parents=True)
    for name in COPIED:
        shutil.copyfile(ROOT / "corpus" / name, out / name)
    linked = [r for r in resources if r.get("documents")]
    if linked:
        (out / corpus_documents.FILES_FOLDER).mkdir()
    tasks = listing_tasks(resources, topics) + [
        ("resource_pages", start, min(start + CHUNK_RESOURCES, size))
        for start in range(0, size, CHUNK_RESOURCES)
    ]
    context = multiprocessing.get_context("spawn")
    arguments = (resources, nav, out, seed)
    with context.Pool(workers or os.cpu_count(), _start, arguments) as pool:
        written = list(pool.imap_unordered(_run, tasks))
    step = max(1, size // FEATURED)
    featured = resources[::step][:FEATURED]
    _write(out / "index.html", corpus_pages.render_home_page(featured, nav=nav))
    listing = sum(written) - size
    manifest = {
        "generator": fingerprint(),
        "size": size,
        "seed": seed,
        "resources": size,
        "listing_pages": listing,
        "pages": size + listing + 1,
    }
    if documents:
        manifest["documents"] = documents
        manifest["pdfs"] = len(linked)
        manifest["pdf_pages"] = sum(r["document_pages"] for r in linked)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return {**manifest, "seconds": round(time.perf_counter() - started, 1)}


def is_current(out: Path, size: int, seed: int = SEED, documents: float = 0.0) -> bool:
    """Whether `out` holds a complete corpus of this generator, size, seed and documents share."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = {"generator": fingerprint(), "size": size, "seed": seed}
    current = all(manifest.get(key) == value for key, value in wanted.items())
    return current and manifest.get("documents", 0.0) == documents


@click.command()
@click.option("--size", type=click.IntRange(1, 1_000_000), default=1000, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--seed", type=int, default=SEED, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Default: all cores.")
@DOCUMENTS_OPTION
def main(size: int, out: Path, seed: int, workers: int | None, documents: float) -> None:
    """Write a synthetic corpus of SIZE resources.

    Example: python -m bench.generate --size 10000 --out /tmp/corpus-10k
    """
    manifest = generate(size, out, seed, workers, documents)
    click.echo(
        f"wrote {manifest['pages']} pages ({manifest['resources']} resources, "
        f"{manifest['listing_pages']} listing pages) to {out} in {manifest['seconds']} s",
        err=True,
    )


if __name__ == "__main__":
    main()
