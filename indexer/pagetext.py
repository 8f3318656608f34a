"""Part of step one and a half (document -> pages of text): tidying the text a PDF gives.

A PDF's text layer is its lines as typeset: words broken with a hyphen at a line end, and
on every page the same running header and footer (the document's title, "Page 3 of 12").
Left in, the header is one more hit for its words on every page and the footer splits
sentences across pages. `clean_pages` drops lines that recur at the top or bottom of most
pages (numbers ignored, so page numbers count as recurring) and joins hyphenated words.
"""

from __future__ import annotations

import re
from collections import Counter

FURNITURE_LINES = 3  # lines looked at, at the top and at the bottom of each page
FURNITURE_SHARE = 0.6  # a line on this share of the pages, in one place, is furniture
MIN_FURNITURE_PAGES = 2  # a single page: no line can be told to recur

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PAGE_NUMBER = re.compile(r"^(page\s+)?#(\s*(of|/)\s*#)?$|^[-\u2013\u2014]\s*#\s*[-\u2013\u2014]$")
# A word broken at a line end: letters, a hyphen, a line break, letters. PDFium finds these
# itself and writes the hyphen as \x02 (or U+FFFE, from its faster text call), without the
# line break. A soft hyphen (U+00AD) marks
# where a typesetter may break a word, never a character of it.
_BROKEN_WORD = re.compile(r"(?<![\w-])([\w-]*[^\W\d_])(?:[\x02\ufffe]\n?|-\n)([^\W\d_][\w-]*)")
_SOFT_HYPHEN = re.compile(r"\u00ad\n?")
_BREAKS = re.compile(r"[\x02\ufffe]\n?|-\n|\u00ad")
_TOKEN = re.compile(r"[\w-]+")
_PAGE_END_BREAK = re.compile(r"[^\W\d_][-\x02\ufffe]$")
_PAGE_START = re.compile(r"([^\W\d_][\w-]*)")
_LINE_ENDS = re.compile(r"\r\n?")


def _key(line: str) -> str:
    """A line as compared across pages: numbers as #, spaces collapsed, lower case."""
    return _SPACES.sub(" ", _DIGITS.sub("#", line)).strip().lower()


def _lines(page: str) -> list[str]:
    return [line.strip() for line in _LINE_ENDS.sub("\n", page).split("\n")]


def _edge_keys(lines: list[str]) -> set[tuple[str, int, str]]:
    """(end, position, key) of the first and last few non-blank lines of a page."""
    filled = [line for line in lines if line]
    top = [("top", i, _key(line)) for i, line in enumerate(filled[:FURNITURE_LINES])]
    bottom = [
        ("bottom", i, _key(line)) for i, line in enumerate(reversed(filled[-FURNITURE_LINES:]))
    ]
    return set(top + bottom)


def furniture(pages: list[list[str]]) -> set[tuple[str, int, str]]:
    """The (end, position, key) of lines that recur on most pages: headers and footers."""
    if len(pages) < MIN_FURNITURE_PAGES:
        return set()
    counts = Counter(key for lines in pages for key in _edge_keys(lines))
    needed = max(2, FURNITURE_SHARE * len(pages))
    return {key for key, count in counts.items() if count >= needed}


def _strip_furniture(lines: list[str], recurring: set[tuple[str, int, str]]) -> list[str]:
    filled = [i for i, line in enumerate(lines) if line]
    drop = set()
    for end, order in (
        ("top", filled[:FURNITURE_LINES]),
        ("bottom", filled[::-1][:FURNITURE_LINES]),
    ):
        for position, index in enumerate(order):
            key = _key(lines[index])
            if (end, position, key) in recurring or _PAGE_NUMBER.match(key):
                drop.add(index)
            else:
                break  # furniture sits at the very edge: stop at the first line of text
    return [line for i, line in enumerate(lines) if i not in drop]


def join_lines(lines: list[str]) -> str:
    """Lines as one text: each stripped, runs of blank lines as one."""
    kept: list[str] = []
    for line in lines:
        line = line.strip()
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def rejoin_words(pages: list[str]) -> tuple[str, ...]:
    """Pages with words broken at line ends made whole again.

    A hyphen at a line end is either the typesetter's (enfor-cement) or the word's own
    (community-based): the document itself decides. If it prints the word whole elsewhere,
    the break is joined; if it prints it with the hyphen, or the second half is capitalised
    (African-American), the hyphen stays; else it is joined, as most line-end hyphens are.
    """
    vocabulary = {t.lower() for page in pages for t in _TOKEN.findall(_BREAKS.sub(" ", page))}

    def rejoin(match: re.Match) -> str:
        left, right = match[1], match[2]
        if (left + right).lower() in vocabulary:
            return left + right
        if f"{left}-{right}".lower() in vocabulary or right[0].isupper():
            return f"{left}-{right}"
        return left + right

    pages = [_SOFT_HYPHEN.sub("", page) for page in pages]
    for number in range(len(pages) - 1):  # a word broken across pages stays on the first
        ending, following = (
            _PAGE_END_BREAK.search(pages[number][-2:]),
            _PAGE_START.match(pages[number + 1]),
        )
        if ending and following:
            pages[number] += "\n" + following[1]
            pages[number + 1] = pages[number + 1][following.end() :].lstrip()
    return tuple(_BROKEN_WORD.sub(rejoin, page) for page in pages)


def clean_pages(pages: list[str]) -> tuple[str, ...]:
    """PDF page texts without running headers, footers and page numbers, words rejoined."""
    split = [_lines(page) for page in pages]
    recurring = furniture(split)
    return rejoin_words([join_lines(_strip_furniture(lines, recurring)) for lines in split])
