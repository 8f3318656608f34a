"""Our engine, measured: full build, `update`, and query latency through the search core.

- Build: `indexer.build.build` in a child process, so its peak memory is the build's own:
  the PSS of the child and every process it starts, summed and sampled every 0.2 s
  (`memory.PeakPss`: shared pages counted once); pages per second count every page read; the
  index size is the published version's folder (Whoosh files, pages.sqlite).
- Update: `indexer.update.update` with nothing changed, then after one resource page's body
  changed (and again after it is changed back, which leaves the corpus as generated).
- Queries: `search_app.search.run_search` on one snapshot (`IndexHolder`), as a gunicorn
  worker thread runs them: ranking, snippets, all three facet counts and the suggestions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.build import build
from indexer.store import IndexStore
from indexer.update import update
from search_app.params import SearchParams
from search_app.search import run_search
from search_app.snapshots import IndexHolder

from .measure import DIGITS, folder_bytes, megabytes, timed
from .memory import PeakPss

ROOT = Path(__file__).resolve().parent.parent
EDIT_MARKER = "</p></section>"
EDIT_TEXT = " Benchmark edit: a sentence added to one page."
CHILD = "import sys; from bench.ours import child_build; child_build(sys.argv[1], sys.argv[2])"


def child_build(corpus: str, index: str) -> None:
    """Run in the child: build, then print the timing and counts as JSON."""
    started = time.perf_counter()
    report = build(Path(corpus), Path(index))
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "pages": report.pages_read,
        "resources": report.resources,
        "problems": {"errors": report.errors, "warnings": report.warnings},
    }
    print(json.dumps(figures))


def measure_build(corpus: Path, index: Path) -> dict:
    """A full build in a child process: seconds, pages per second, peak PSS, index size."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(corpus), str(index)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with PeakPss(child.pid) as memory:
        stdout, stderr = child.communicate()
    if child.returncode:
        raise RuntimeError(f"build failed:\n{stderr[-4000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    version = IndexStore(index).published().path
    return {
        "seconds": round(figures["seconds"], DIGITS),
        "pages": figures["pages"],
        "resources": figures["resources"],
        "pages_per_second": round(figures["pages"] / figures["seconds"], 1),
        "peak_pss_mb": megabytes(memory.peak) if PeakPss.available() else None,
        "memory_samples": memory.samples,
        "index_mb": megabytes(folder_bytes(version)),
        "whoosh_files_mb": megabytes(
            sum(p.stat().st_size for p in version.iterdir() if p.suffix in (".seg", ".toc"))
        ),
        "problems": figures["problems"],
    }


def edited_page(corpus: Path) -> Path:
    """The resource page the update figures change: the first one, in path order."""
    return min((corpus / "resources").glob("*.html"))


@contextmanager
def one_page_edited(corpus: Path) -> Iterator[Path]:
    """One resource page with a sentence added to its body, as it was again afterwards."""
    page = edited_page(corpus)
    original = page.read_bytes()
    text = original.decode("utf-8")
    page.write_text(text.replace(EDIT_MARKER, EDIT_TEXT + EDIT_MARKER, 1), encoding="utf-8")
    try:
        yield page
    finally:
        page.write_bytes(original)


def measure_update(corpus: Path, index: Path) -> dict:
    """`update` with no change, after one changed page, and after changing it back."""
    nothing, unchanged_seconds = timed(update, corpus, index)
    with one_page_edited(corpus) as page:
        changed, changed_seconds = timed(update, corpus, index)
    restored, restored_seconds = timed(update, corpus, index)
    return {
        "unchanged_seconds": unchanged_seconds,
        "one_page_seconds": changed_seconds,
        "one_page_back_seconds": restored_seconds,
        "published": [nothing.published, changed.published, restored.published],
        "documents_updated": changed.documents_updated,
        "page": page.relative_to(corpus).as_posix(),
    }


def params_of(query: dict) -> SearchParams:
    """The search parameters of a mix query, as `/search.json` would parse them."""
    return SearchParams(
        q=query["q"],
        selected={"topic": tuple(query["topics"]), "type": tuple(query["types"])},
        year_from=query["year_from"],
        year_to=query["year_to"],
        sort=query["sort"],
        page=query["page"],
        per_page=query["per_page"],
    )


class Ours:
    """Our search core on one snapshot of the published index."""

    name = "ours"

    def __init__(self, index: Path):
        self.snapshot = IndexHolder(index).snapshot()

    def search(self, query: dict) -> int:
        return run_search(self.snapshot, params_of(query))["total"]
