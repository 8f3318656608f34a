"""The site's page templates (`tools/corpus_pages.py`) as the benchmark generator uses them.

Two shortcuts keep a 100k corpus fast to write and its pages the size of a real site's, and
neither changes what the indexer reads:
- A resource page's body paragraphs are escaped in one pass when they are ASCII, which is
  byte-for-byte what `render_resource_page` writes (its entity styles only touch non-ASCII
  characters) but avoids its per-character loop over thousands of words.
- A listing page's pagination shows a window of pages around the current one with the first
  and the last, as real sites do; the template links every page, which makes a topic of
  60,000 resources weigh gigabytes.
"""

from __future__ import annotations

import importlib.util
import sys
from html import escape
from pathlib import Path

from .distributions import ROOT

CORPUS_PAGES = ROOT / "tools" / "corpus_pages.py"
CORPUS_DOCUMENTS = ROOT / "tools" / "corpus_documents.py"
PAGINATION_WINDOW = 2
GAP = '<span class="gap">\u2026</span>'
SITE_FOOTER = {
    "heading": "National Law Enforcement Knowledge Lab",
    "subheading": "Evidence-informed resources for public safety",
    "paragraphs": ["A synthetic corpus written by bench/generate.py for benchmarks."],
}


def _load_tool(name: str, path: Path):
    """tools/*.py are a script's neighbours, not a package: load one by path."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus_pages = _load_tool("corpus_pages", CORPUS_PAGES)
corpus_documents = _load_tool("corpus_documents", CORPUS_DOCUMENTS)


def _placeholder(section: int) -> str:
    return f"@@BENCH-BODY-{section}@@"


def render_resource(resource: dict, position: int, nav: list) -> str:
    """A resource page, exactly as `corpus_pages.render_resource_page` renders it."""
    body = resource.get("body") or []
    ascii_only = all(text.isascii() for _, texts in body for text in texts)
    if not ascii_only:
        return corpus_pages.render_resource_page(resource, position, nav=nav, footer=SITE_FOOTER)
    shell = {
        **resource,
        "body": [(heading, [_placeholder(n)]) for n, (heading, _) in enumerate(body)],
    }
    html = corpus_pages.render_resource_page(shell, position, nav=nav, footer=SITE_FOOTER)
    for number, (_, texts) in enumerate(body):
        paragraphs = "".join(f"<p>{escape(text, quote=False)}</p>" for text in texts)
        html = html.replace(f"<p>{_placeholder(number)}</p>", paragraphs, 1)
    return html


def render_pagination_window(slug: str, page: int, page_count: int) -> str:
    """The pagination nav in the template's markup, with a window of page links."""
    shown = {1, page_count, *range(page - PAGINATION_WINDOW, page + PAGINATION_WINDOW + 1)}
    links = []
    if page > 1:
        links.append(
            f'<a class="prev" href="{corpus_pages.topic_url(slug, page - 1)}">Previous</a>'
        )
    previous = 0
    for number in sorted(n for n in shown if 1 <= n <= page_count):
        if number > previous + 1:
            links.append(GAP)
        if number == page:
            links.append(f'<span class="current" aria-current="page">{number}</span>')
        else:
            links.append(f'<a href="{corpus_pages.topic_url(slug, number)}">{number}</a>')
        previous = number
    if page < page_count:
        links.append(f'<a class="next" href="{corpus_pages.topic_url(slug, page + 1)}">Next</a>')
    items = "".join(f"  {link}\n" for link in links)
    return f'<nav class="pagination" aria-label="Resource pages">\n{items}</nav>\n'


def render_listing(topic: dict, cards: list[dict], page: int, page_count: int, nav: list) -> str:
    """One listing page of a topic: the template's page with a windowed pagination."""
    # Rendered as a one-page listing (cheap pagination), whose nav is then swapped.
    html = corpus_pages.render_topic_page(topic, cards, page, 1, nav=nav, footer=SITE_FOOTER)
    stub = corpus_pages.render_pagination(topic["slug"], page, 1)
    return html.replace(stub, render_pagination_window(topic["slug"], page, page_count), 1)
