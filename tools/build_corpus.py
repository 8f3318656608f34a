"""Build the shipped corpus/ from the catalog sample and the seed topic pages.

The step before the indexer: it reads ../shared/catalog/knowledge-lab-sample.json and the text
renderings of the real "Community Trust and Partnerships" page (../shared/seeds/*.txt), and
writes the website as HTML with corpus_pages: one resource page per resource, the listing pages
of every topic that has resources, and the home page with the featured resources. The catalog
is authoritative; cards found only on the seed pages are added. The nine public-domain texts of
../shared/fulltext/ are added as resources too, each linking its document, which
corpus_documents typesets into corpus/files/ (PDF, Word, HTML). Nothing is invented: resource
pages carry only title, types, year, topics and documents. Output is deterministic
(byte-identical on every run). Usage:

    python tools/build_corpus.py [--shared ../shared] [--out corpus]
"""

import json
import re
from itertools import takewhile
from pathlib import Path

import click
import corpus_documents  # beside this script: run as a script, its folder is on sys.path
import corpus_pages

ROOT = Path(__file__).resolve().parent.parent
CATALOG_FILE = "catalog/knowledge-lab-sample.json"
SEED_GLOB = "seeds/*.txt"
HOME_LISTING = "Home page (featured resources)"

# The catalog README's "Core practice areas", in its order, and the labels the site also uses.
CANONICAL_TOPICS = (
    "Community Trust and Partnerships",
    "Mental Health and Crisis Response",
    "Use of Force",
    "Stops, Searches, and Arrests",
    "Response to Mass Demonstrations",
    "Responding to Mass Critical Incidents",
    "Crime and Violence Response",
    "Public Transparency",
    "Officer Safety and Wellness",
    "Recruitment and Retention",
    "Training and Education",
    "Technology Implementation",
    "Crime Investigations",
)
TOPIC_ALIASES = {
    "Mass Demonstration Response": "Response to Mass Demonstrations",
    "Mass Critical Incident Response": "Responding to Mass Critical Incidents",
    "Crime and Violence Reduction": "Crime and Violence Response",
}
# The catalog README's "Types seen": a seed line is a card's meta line only if made of these.
KNOWN_TYPES = frozenset(
    {
        "Guidebook/Tool",
        "Report",
        "Article",
        "Research Brief",
        "Video",
        "Webpage",
        "After Action Report",
        "Training",
        "Policy",
        "Case Study",
        "Research Article",
        "Other",
    }
)

SEED_BULLET = "\u2022"
SEED_RESULTS_HEADING = re.compile(r"^Resources Related to (?P<topic>.+)$")
SEED_META = re.compile(r"^(?P<types>[^|]+?)(?:\s*\|\s*(?P<year>\d{4}))?$")
# The seed footer: the modules notice, the tagline heading and subheading, then paragraphs.
FOOTER_HEAD_LINES = 3


def canonical_topic(label):
    """Return the canonical topic of a label, or raise ClickException for an unknown one."""
    topic = TOPIC_ALIASES.get(label, label)
    if topic not in CANONICAL_TOPICS:
        raise click.ClickException(f"unknown topic label {label!r}")
    return topic


def load_catalog(path):
    """Return the catalog resources, titles stripped, in file order."""
    resources = json.loads(path.read_text(encoding="utf-8"))
    return [{**resource, "title": resource["title"].strip()} for resource in resources]


def _parse_meta(line):
    match = SEED_META.match(line.strip())
    if not match:
        return None
    types = [part.strip() for part in match["types"].split(",")]
    if not all(kind in KNOWN_TYPES for kind in types):
        return None
    return types, int(match["year"]) if match["year"] else None


def _bullet(line):
    stripped = line.strip()
    if not stripped.startswith(SEED_BULLET):
        return None
    return stripped[len(SEED_BULLET) :].strip()


def parse_seed(text):
    """Return a seed page as {topic, intro, image_alt, cards, footer}.

    A card is a `TYPES | YEAR` line, the title line, then `  • Topic` bullet lines (blank lines
    between them are ignored). The intro is every line before the results heading except the
    last, which is the topic image's alt text; the footer is every line after the last card.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    heading_at = next(i for i, line in enumerate(lines) if SEED_RESULTS_HEADING.match(line))
    topic = SEED_RESULTS_HEADING.match(lines[heading_at])["topic"].strip()
    cards = []
    at = end = heading_at + 1
    while at + 1 < len(lines):
        meta = _parse_meta(lines[at])
        bullets = list(takewhile(lambda line: _bullet(line) is not None, lines[at + 2 :]))
        if meta is None or _bullet(lines[at + 1]) is not None or not bullets:
            at += 1
            continue
        types, year = meta
        cards.append(
            {
                "title": lines[at + 1].strip(),
                "types": types,
                "year": year,
                "topics": [_bullet(line) for line in bullets],
                "listed_under": [topic],
            }
        )
        at = end = at + 2 + len(bullets)
    footer_lines = [line.strip() for line in lines[end:]]
    notice, heading, subheading = footer_lines[:FOOTER_HEAD_LINES]
    return {
        "topic": topic,
        "intro": [line.strip() for line in lines[: heading_at - 1]],
        "image_alt": lines[heading_at - 1].strip(),
        "cards": cards,
        "footer": {
            "notice": notice,
            "heading": heading,
            "subheading": subheading,
            "paragraphs": footer_lines[FOOTER_HEAD_LINES:],
        },
    }


def merge_resources(catalog, seeds):
    """Return the catalog resources, then the seed-only cards; report seed/catalog differences."""
    by_title = {resource["title"]: resource for resource in catalog}
    merged = list(catalog)
    for seed in seeds:
        for card in seed["cards"]:
            known = by_title.get(card["title"])
            if known is None:
                by_title[card["title"]] = card
                merged.append(card)
                continue
            for field in ("types", "year", "topics"):
                if known[field] != card[field]:
                    click.echo(
                        f"note: seed and catalog differ on {field} of {card['title']!r}: "
                        f"{card[field]!r} vs {known[field]!r} (catalog kept)",
                        err=True,
                    )
    slugs = corpus_pages.unique_slugs([resource["title"] for resource in merged])
    return [{**resource, "slug": slug} for resource, slug in zip(merged, slugs, strict=True)]


def topic_listings(resources):
    """Return {canonical topic: [resources]}: its topics, aliases merged, plus its listed_under."""
    listings = {topic: [] for topic in CANONICAL_TOPICS}
    for resource in resources:
        labels = [*resource["topics"], *resource["listed_under"]]
        topics = {canonical_topic(label) for label in labels if label != HOME_LISTING}
        for topic in topics:
            listings[topic].append(resource)
    return {topic: listed for topic, listed in listings.items() if listed}


def topic_headings(resources):
    """Return {canonical topic: heading}: the label the site lists it under, first seen wins."""
    headings = {}
    for resource in resources:
        for label in resource["listed_under"]:
            if label != HOME_LISTING:
                headings.setdefault(canonical_topic(label), label)
    return headings


def build_pages(resources, seeds):
    """Return {corpus-relative file: html} for the whole site."""
    headings = topic_headings(resources)
    listings = topic_listings(resources)
    topics = {topic: {"heading": headings.get(topic, topic), "slug": None} for topic in listings}
    for topic in topics.values():
        topic["slug"] = corpus_pages.slugify(topic["heading"])
    nav = [
        (topic["heading"], corpus_pages.topic_url(topic["slug"], 1)) for topic in topics.values()
    ]
    # The seeds are the site at different times: the last one's footer stands on every page,
    # and the seeded topic's pages show each seed's intro and footer in turn.
    site_footer = {**seeds[-1]["footer"], "notice": None}
    topic_footer = seeds[-1]["footer"]
    editions = {}
    for seed in seeds:
        editions.setdefault(canonical_topic(seed["topic"]), []).append(seed)
    pages = {}
    for canonical, listed in listings.items():
        rendered = corpus_pages.render_topic_listing(
            topics[canonical],
            listed,
            nav=nav,
            footer=topic_footer,
            editions=editions.get(canonical, ()),
        )
        pages.update(rendered)
    for position, resource in enumerate(sorted(resources, key=corpus_pages.listing_key)):
        pages[corpus_pages.resource_file(resource["slug"])] = corpus_pages.render_resource_page(
            resource, position, nav=nav, footer=site_footer
        )
    featured = [resource for resource in resources if HOME_LISTING in resource["listed_under"]]
    pages["index.html"] = corpus_pages.render_home_page(featured, nav=nav, footer=site_footer)
    return pages


def remove_owned_pages(out):
    """Delete the .html files this script writes (and emptied topic folders), nothing else."""
    owned = [*out.glob("topics/*/*.html"), *out.glob("resources/*.html"), out / "index.html"]
    for path in owned:
        path.unlink(missing_ok=True)
    for folder in out.glob("topics/*/"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def write_pages(out, pages):
    """Write pages under out as UTF-8 with LF line ends, in path order."""
    for relative in sorted(pages):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pages[relative], encoding="utf-8", newline="\n")


def write_files(out, files):
    """Write document files (bytes) under out, in path order."""
    for relative in sorted(files):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[relative])


@click.command()
@click.option(
    "--shared",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=ROOT.parent / "shared",
    show_default=True,
    help="Folder holding catalog/, seeds/ and fulltext/.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "corpus",
    show_default=True,
    help="Corpus folder to write.",
)
def main(shared, out):
    """Write the corpus HTML from the catalog sample and the seed pages.

    Example: python tools/build_corpus.py --shared ../shared --out corpus
    """
    catalog = load_catalog(shared / CATALOG_FILE)
    seed_files = sorted(shared.glob(SEED_GLOB))
    if not seed_files:
        raise click.ClickException(f"no seed pages match {shared / SEED_GLOB}")
    seeds = [parse_seed(path.read_text(encoding="utf-8")) for path in seed_files]
    files, documented = corpus_documents.build_documents(shared)
    resources = merge_resources([*catalog, *documented], seeds)
    pages = build_pages(resources, seeds)
    remove_owned_pages(out)
    write_pages(out, pages)
    write_files(out, files)
    seed_only = len(resources) - len(catalog) - len(documented)
    click.echo(
        f"wrote {len(pages)} pages and {len(files)} documents for {len(resources)} resources "
        f"({len(catalog)} from the catalog, {seed_only} seed-only, {len(documented)} with full"
        f" text) to {out}",
        err=True,
    )


if __name__ == "__main__":
    main()
