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
_BIBTEX_SPECIAL = re.compile(r"([\\{}%&#$_^~])")
_RIS_LINE_BREAKS = re.compile(r"[\r\n]+")

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
    return _RIS_LINE_BREAKS.sub(" ", str(value)).strip()


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
            lines.append(f"UR  - {_ris_value(absolute(fields[URL], base))}")
        lines.append("ER  - ")
        yield "\r\n".join(lines) + "\r\n\r\n"


def _bibtex_value(value: object) -> str:
    text = _BIBTEX_SPECIAL.sub(r"\\\1", str(value))
    return " ".join(text.split())


def write_bibtex(rows: Iterable[dict], base: str) -> Iterator[str]:
    """BibTeX @misc entries (one per resource, keyed by its id; types in `note`)."""
    for fields in rows:
        types = fields.get(TYPE, [])
        entries = [("title", "{" + _bibtex_value(fields[TITLE]) + "}")]
        if fields.get(YEAR):
            entries.append(("year", str(fields[YEAR])))
        if fields.get(TOPIC):
            entries.append(("keywords", ", ".join(_bibtex_value(t) for t in fields[TOPIC])))
        if types:
            entries.append(("note", ", ".join(_bibtex_value(t) for t in types)))
        if fields.get(URL):
            entries.append(("url", _bibtex_value(absolute(fields[URL], base))))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in entries)
        yield f"@misc{{{fields[ID]},\n{body}\n}}\n\n"


WRITERS = {"csv": write_csv, "ris": write_ris, "bib": write_bibtex}
