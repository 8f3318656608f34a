"""The generator's documents: real PDFs for a share of the resources, linked from their pages,
the same bytes for the same seed, readable by the indexer's extraction, extracted only once.

No timings here: those are `python -m bench --documents 0.2`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bench.distributions import fit
from bench.documents import sources_of
from bench.generate import DOCUMENT_PAGES, SEED, generate, plan
from bench.lexicon import load_lexicon
from indexer.extraction import extract_all

SIZE = 20
SHARE = 0.5


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    generate(SIZE, folder, workers=1, documents=SHARE)
    return folder


def linked_documents(corpus: Path) -> dict[str, list[dict]]:
    """Each resource page's document links (href, format), by page."""
    found = {}
    for page in sorted((corpus / "resources").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = soup.select("article.resource ul.resource-documents li a.resource-document")
        found[page.name] = [{"href": a["href"], "format": a["data-format"]} for a in links]
    return found


def test_a_share_of_the_resources_link_a_pdf_each_and_the_others_none(corpus):
    resources = plan(SIZE, SEED, load_lexicon(), fit(), SHARE)
    with_pdf = {r["slug"] for r in resources if r.get("documents")}
    assert 0 < len(with_pdf) < SIZE
    expected = {
        f"{r['slug']}.html": (
            [{"href": f"/files/{r['slug']}.pdf", "format": "pdf"}] if r["slug"] in with_pdf else []
        )
        for r in resources
    }
    assert linked_documents(corpus) == expected
    assert sources_of(corpus) == sorted(f"files/{slug}.pdf" for slug in with_pdf)
    manifest = json.loads((corpus / "generated.json").read_text(encoding="utf-8"))
    pages = sum(r["document_pages"] for r in resources if r.get("documents"))
    assert (manifest["documents"], manifest["pdfs"], manifest["pdf_pages"]) == (
        SHARE,
        len(with_pdf),
        pages,
    )


def test_no_share_links_nothing_and_writes_no_files(tmp_path):
    generate(SIZE, tmp_path, workers=1)
    assert all(links == [] for links in linked_documents(tmp_path).values())
    assert not (tmp_path / "files").exists()
    assert "pdfs" not in json.loads((tmp_path / "generated.json").read_text(encoding="utf-8"))


def test_the_same_seed_writes_the_same_pdfs_and_another_seed_others(corpus, tmp_path):
    generate(SIZE, tmp_path / "again", workers=2, documents=SHARE)
    generate(SIZE, tmp_path / "other", seed=SEED + 1, workers=1, documents=SHARE)
    first = {p.name: p.read_bytes() for p in (corpus / "files").iterdir()}
    again = {p.name: p.read_bytes() for p in (tmp_path / "again" / "files").iterdir()}
    other = {p.name: p.read_bytes() for p in (tmp_path / "other" / "files").iterdir()}
    assert first == again
    assert all(data.startswith(b"%PDF-") for data in first.values())
    assert not set(first.items()) & set(other.items())


def test_extraction_reads_every_page_and_a_cached_second_run_extracts_nothing(corpus, tmp_path):
    resources = plan(SIZE, SEED, load_lexicon(), fit(), SHARE)
    wanted = {
        f"files/{r['slug']}.pdf": (r["document_pages"], r["title"])
        for r in resources
        if r.get("documents")
    }
    extracted = []
    first = extract_all(
        sources_of(corpus), corpus, tmp_path, 2, lambda d, cached: extracted.append(cached)
    )
    assert {s: (len(d.pages), d.problem) for s, d in first.items()} == {
        s: (pages, None) for s, (pages, _) in wanted.items()
    }
    assert all(DOCUMENT_PAGES[0] <= pages <= DOCUMENT_PAGES[1] for pages, _ in wanted.values())
    for source, (_, title) in wanted.items():
        assert title.split()[0] in first[source].pages[0]
        assert "Page 2" not in first[source].pages[0]
    assert extracted == [False] * len(wanted)
    again = []
    second = extract_all(
        sources_of(corpus), corpus, tmp_path, 2, lambda d, cached: again.append(cached)
    )
    assert again == [True] * len(wanted)
    assert {s: d.pages for s, d in second.items()} == {s: d.pages for s, d in first.items()}
