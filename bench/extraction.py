"""PDF text extraction compared: pypdfium2 (the indexer's choice), pdfminer.six and pypdf, beside
Debian's `pdftotext` (poppler-utils), on the shipped corpus's PDFs (`corpus/files/*.pdf`).

    python -m bench.extraction [--corpus corpus] [--shared ../shared] [--repeat 10]

For each library: pages per second in one process (best of `--repeat` rounds over all the
files, the libraries taking turns; pdftotext is one process per file, as a build would run
it), and its text against the source texts of ../shared/fulltext, which the PDFs were
typeset from: the share of the source's words found in the same order, raw (the library's
text as it comes, hyphen markers dropped) and cleaned (after the indexer's own
`pagetext.clean_pages`, applied alike to every library); line-end hyphens left unresolved;
and the running header and footer lines on the pages, raw and cleaned. The last rows time
the indexer's whole step (`extraction.extract_all`: reading, hashing, PDFium and cleaning in
worker processes, forks included, no cache). The load average is printed with the table: on
a shared machine, speeds compare only within one run.
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from indexer.extraction import extract_all
from indexer.pagetext import clean_pages

REPO = Path(__file__).resolve().parent.parent
# The shipped PDFs' running header (short title, issuer) and footer (page number), whole or split.
FURNITURE = re.compile(r"^(Page \d+|.*\b(The White House|Civil Rights Division))$")
# A line-end hyphen the library left in the text, unmarked (PDFium marks those it finds as \x02;
# pdftotext joins them, dropping the hyphens of compounds too).
UNRESOLVED = re.compile(r"[^\W\d_][-\u00ad]\n[a-z]")


def pypdfium2_pages(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    pages = [pdf[number].get_textpage().get_text_range() for number in range(len(pdf))]
    pdf.close()
    return pages


def pdfminer_pages(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data)).split("\f")[:-1]


def pypdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdftotext_pages(data: bytes) -> list[str]:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8").split("\f")[:-1]


LIBRARIES = {
    "pypdfium2": (pypdfium2_pages, "pypdfium2"),
    "pdfminer.six": (pdfminer_pages, "pdfminer.six"),
    "pypdf": (pypdf_pages, "pypdf"),
    "pdftotext": (pdftotext_pages, None),
}


def _words(text: str) -> list[str]:
    text = re.sub("[\x02\ufffe\u00ad]", "", text.replace("\u2011", "-"))
    return [re.sub(r"(?<=\w)-(?=\w)", "", word) for word in text.split()]


def source_words(pdf: Path, shared: Path) -> list[str]:
    sys.path.insert(0, str(REPO / "tools"))
    import corpus_documents

    entry = next(e for e in corpus_documents.FULLTEXT if e[0] == pdf.stem)
    citation, blocks = corpus_documents.parse_text(
        (shared / "fulltext" / f"{pdf.stem}.txt").read_text("utf-8")
    )
    return _words(" ".join([entry[2], citation, *(text for _, text in blocks)]))


def time_libraries(names: list[str], files: dict[Path, bytes], repeat: int) -> dict:
    """Each library's best time over all the files and its page texts; rounds interleaved, so
    that a change in the machine's load falls on every library alike."""
    best = dict.fromkeys(names, float("inf"))
    outputs = {}
    for _ in range(repeat):
        for name in names:
            extract = LIBRARIES[name][0]
            started = time.perf_counter()
            outputs[name] = {path: extract(data) for path, data in files.items()}
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: (best[name], outputs[name]) for name in names}


def measure(timed: tuple[float, dict], shared: Path | None) -> dict:
    """Pages, best time over all the files, and text quality of one library."""
    best, outputs = timed
    pages = sum(len(texts) for texts in outputs.values())
    found = {"raw": 0, "cleaned": 0}
    expected = broken = furniture_raw = furniture = 0
    for path, texts in outputs.items():
        broken += sum(len(UNRESOLVED.findall(text.replace("\r", ""))) for text in texts)
        cleaned = clean_pages(texts)
        furniture_raw += _furniture(texts)
        furniture += _furniture(cleaned)
        if shared:
            source = source_words(path, shared)
            expected += len(source)
            for kind, text in (("raw", "\n".join(texts)), ("cleaned", "\n".join(cleaned))):
                matcher = difflib.SequenceMatcher(None, source, _words(text), autojunk=False)
                found[kind] += sum(block.size for block in matcher.get_matching_blocks())
    share = {kind: count / expected if expected else None for kind, count in found.items()}
    return {
        "pages": pages,
        "seconds": best,
        "in_order": share,
        "broken": broken,
        "furniture": (furniture_raw, furniture),
    }


def _furniture(pages: list[str] | tuple[str, ...]) -> int:
    return sum(1 for page in pages for line in page.splitlines() if FURNITURE.match(line.strip()))


def pipeline(corpus: Path, sources: list[str], processes: int, repeat: int) -> tuple[int, float]:
    """Pages and best seconds of the indexer's own step, with `processes` workers, no cache."""
    best, pages = float("inf"), 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            started = time.perf_counter()
            found = extract_all(sources, corpus, Path(cache), processes)
            best = min(best, time.perf_counter() - started)
        pages = sum(len(d.pages) for d in found.values())
    return pages, best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=10)
    options = parser.parse_args(argv)
    pdfs = sorted((options.corpus / "files").glob("*.pdf"))
    files = {path: path.read_bytes() for path in pdfs}
    shared = options.shared if (options.shared / "fulltext").is_dir() else None
    names = [name for name in LIBRARIES if name != "pdftotext" or shutil.which("pdftotext")]
    timed = time_libraries(names, files, options.repeat)
    results = {name: measure(timed[name], shared) for name in names}
    reference = (
        results.get("pdftotext", {}).get("pages", 0) / results["pdftotext"]["seconds"]
        if "pdftotext" in results
        else None
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"{len(pdfs)} PDFs, {results['pypdfium2']['pages']} pages; load average {' '.join(load)}; best of {options.repeat}, one process"
    )
    print(
        f"{'library':<22} {'pages/s':>8} {'vs pdftotext':>12} {'words in order, raw / cleaned':>30} {'hyphens left':>12} {'header/footer lines, raw / cleaned':>35}"
    )
    for name, result in results.items():
        package = LIBRARIES[name][1]
        label = f"{name} {version(package)}" if package else "pdftotext (poppler)"
        speed = result["pages"] / result["seconds"]
        share = f"{speed / reference:.2f}x" if reference else "-"
        in_order = " / ".join(
            f"{100 * v:.2f} %" if v is not None else "-" for v in result["in_order"].values()
        )
        furniture = " / ".join(str(v) for v in result["furniture"])
        print(
            f"{label:<22} {speed:>8.0f} {share:>12} {in_order:>30} {result['broken']:>12} {furniture:>35}"
        )
    sources = [f"files/{path.name}" for path in pdfs]
    for processes in (1, 2):
        pages, seconds = pipeline(options.corpus, sources, processes, options.repeat)
        print(
            f"indexer step (extract_all, {processes} worker{'s' if processes > 1 else ''}): {pages / seconds:.0f} pages/s ({pages} pages in {seconds:.2f} s, forks included)"
        )


if __name__ == "__main__":
    main()
