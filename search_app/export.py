"""Step four, for researchers: search results as CSV, RIS and BibTeX, streamed row by row.

Each writer takes stored fields (as the index keeps them) and yields text; nothing here
knows about Flask or Whoosh. Values are escaped for their format, and CSV cells that a
spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from indexer.schema import ID, TITLE, TOPIC, TYPE, URL, YEAR

# Most resources one export streams (the app's EXPORT_LIMIT setting, the CLI's limit).
DEFAULT_EXPORT_LIMIT = 10_000
CSV_COLUMNS = ("id", "title", "types", "year", "topics", "url")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
# RIS reference types by the library's resource types (first match wins; GEN otherwise).
RIS_TYPES = {
    "Report": "RPRT",
    "After Action Report": "RPRT",
    "Research Brief": "RPRT",
    "Research Article": "JOUR",
    "Case Study": "CASE",
    "Video": "VIDEO",
    "Webpage": "ELEC",
    "Policy": "GOVDOC",
}
# BibTeX counts every brace, escaped or not, to find where a value ends: a brace of the text
# is written as a LaTeX command (a lone one would end the field early or swallow the entry);
# the other characters LaTeX or BibTeX give a meaning are escaped as LaTeX does, and `@`
# (where a BibTeX entry starts) is braced.
BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "@": "{@}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in BIBTEX_ESCAPES))
# A BibTeX key: what every BibTeX tool accepts; anything else in a resource id becomes `-`.
_BIBTEX_KEY_OTHER = re.compile(r"[^A-Za-z0-9_:.-]+")
BIBTEX_DEFAULT_KEY = "resource"
# URLs are read verbatim (biblatex, `\url`): only what would break the field is
# percent-encoded (braces, backslash, spaces, quotes, non-ASCII), never `%` itself. RIS
# readers split a UR line at `;` (several URLs in one line), so RIS encodes it too.
BIBTEX_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
RIS_URL_SAFE = BIBTEX_URL_SAFE.replace(";", "")
# Every character `str.splitlines` breaks on, and the other control characters: one space in
# a RIS line or a BibTeX value (a reader splitting on any of them would see a new tag).
_LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bib": ("application/x-bibtex; charset=utf-8", "bib"),
}


def absolute(url: str, base: str) -> str:
    """A site path made absolute against the app's base URL; full URLs unchanged."""
    return base.rstrip("/") + url if url.startswith("/") else url


def _csv_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def write_csv(rows: Iterable[dict], base: str) -> Iterator[str]:
    """CSV with a header row, one resource a line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for fields in rows:
        writer.writerow(
            [
                _csv_cell(fields[ID]),
                _csv_cell(fields[TITLE]),
                _csv_cell(LIST_SEPARATOR.join(fields.get(TYPE, []))),
                fields.get(YEAR, ""),
                _csv_cell(LIST_SEPARATOR.join(fields.get(TOPIC, []))),
                _csv_cell(absolute(fields.get(URL, ""), base)),
            ]
        )
        yield flush()


def _ris_value(value: object) -> str:
    return _LINE_BREAKS_AND_CONTROLS.sub(" ", str(value)).strip()


def _url(url: str, safe: str) -> str:
    """A URL on one line, with the characters outside `safe` percent-encoded."""
    return quote(_LINE_BREAKS_AND_CONTROLS.sub("", url).strip(), safe=safe)


def write_ris(rows: Iterable[dict], base: str) -> Iterator[str]:
    """RIS records (one per resource), for reference managers."""
    for fields in rows:
        types = fields.get(TYPE, [])
        kind = next((RIS_TYPES[t] for t in types if t in RIS_TYPES), "GEN")
        lines = [
            f"TY  - {kind}",
            f"ID  - {_ris_value(fields[ID])}",
            f"TI  - {_ris_value(fields[TITLE])}",
        ]
        if fields.get(YEAR):
            lines.append(f"PY  - {fields[YEAR]}")
        lines += [f"KW  - {_ris_value(topic)}" for topic in fields.get(TOPIC, [])]
        if types:
            lines.append(f"M3  - {_ris_value(', '.join(types))}")
        if fields.get(URL):
            lines.append(f"UR  - {_url(absolute(fields[URL], base), RIS_URL_SAFE)}")
        lines.append("ER  - ")
        yield "\r\n".join(lines) + "\r\n\r\n"


def _bibtex_value(value: object) -> str:
    text = " ".join(_LINE_BREAKS_AND_CONTROLS.sub(" ", str(value)).split())
    return _BIBTEX_SPECIAL.sub(lambda match: BIBTEX_ESCAPES[match.group()], text)


def _bibtex_key(resource_id: str, used: set[str]) -> str:
    """A key BibTeX accepts, unique within the export (`-2`, `-3`... on a clash); keys are
    compared in any case, as BibTeX tools do (`F` and `f` clash)."""
    key = _BIBTEX_KEY_OTHER.sub("-", resource_id).strip("-") or BIBTEX_DEFAULT_KEY
    unique, number = key, 1
    while unique.casefold() in used:
        number += 1
        unique = f"{key}-{number}"
    used.add(unique.casefold())
    return unique


def write_bibtex(rows: Iterable[dict], base: str) -> Iterator[str]:
    """BibTeX @misc entries (one per resource, keyed by its id; types in `note`), every
    value in braces and escaped by BibTeX's and LaTeX's rules."""
    used: set[str] = set()
    for fields in rows:
        types = fields.get(TYPE, [])
        # Double braces keep the title's capitals as they are.
        entries = [("title", "{" + _bibtex_value(fields[TITLE]) + "}")]
        if fields.get(YEAR):
            entries.append(("year", str(int(fields[YEAR]))))
        if fields.get(TOPIC):
            entries.append(("keywords", ", ".join(_bibtex_value(t) for t in fields[TOPIC])))
        if types:
            entries.append(("note", ", ".join(_bibtex_value(t) for t in types)))
        if fields.get(URL):
            entries.append(("url", _url(absolute(fields[URL], base), BIBTEX_URL_SAFE)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in entries)
        yield f"@misc{{{_bibtex_key(fields[ID], used)},\n{body}\n}}\n\n"


WRITERS = {"csv": write_csv, "ris": write_ris, "bib": write_bibtex}
