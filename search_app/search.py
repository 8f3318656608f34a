"""Step three: run a search on an index snapshot and shape the results dict.

Flask-free: parameters in, a plain dict out. The JSON API returns the dict as is, the HTML
page renders the same dict, and the CLI prints it, so the three cannot drift.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from markupsafe import escape
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.query import AndNot, Not, Or, Term

from indexer.records import YEAR_CEILING
from indexer.schema import (
    BODY,
    CONTENT,
    DESCRIPTION,
    ID,
    SEARCH_FIELDS,
    SECTIONS,
    SOURCES,
    TITLE,
    TOPIC,
    TYPE,
    UNDATED,
    URL,
    YEAR,
)
from indexer.vocabulary import label_key

from . import facets as facet_counts
from .facets import DocSet, first_in_order
from .highlights import SNIPPET_CHARS, TEXT_WORDS
from .params import SearchParams
from .query import ALL, ANY, BROWSE, MAX_UNITS, MOST, ParsedQuery
from .scores import Scored, best
from .snapshots import Snapshot

FEW_RESULTS = 5
SCORE_DIGITS = 4
MAX_CORRECTION_DISTANCE = 2
WORD_FIELDS = set(SEARCH_FIELDS)
RELATED_TERMS = 8
RELATED_TEXT_CHARS = 5000


def matching_docs(
    snapshot: Snapshot, parsed: ParsedQuery, relaxed: bool = False
) -> tuple[DocSet, Scored | None]:
    """Documents matching the query (all units, a minimum number of them, or any) and the
    scores of the query's matches (None when browsing)."""
    sets = snapshot.shared.facets
    if parsed.mode == BROWSE and parsed.facet_filter is None:
        return sets.everything, None
    evaluator = snapshot.evaluator()
    scored = evaluator.evaluate(parsed.relaxed() if relaxed else parsed.query)
    if relaxed or not parsed.min_match or parsed.min_match >= len(parsed.units):
        return DocSet(scored.mask), scored
    units = np.zeros(sets.size, dtype=np.int16)
    for unit in parsed.units:
        units += evaluator.evaluate(unit).mask
    return DocSet(scored.mask & (units >= parsed.min_match)), scored


class _Run:
    """One search: the parsed query, its match sets, and the pieces of the response."""

    def __init__(self, snapshot: Snapshot, params: SearchParams, base_path: str):
        self.snapshot, self.base_path = snapshot, base_path
        self.sets = snapshot.shared.facets
        self.parsed = snapshot.builder.parse(params.q)
        self.params = params = self.canonical(params)
        self.selected = facet_counts.selections(
            self.sets, params.topics, params.types, params.year_from, params.year_to
        )
        self.fallback = None
        self.matched, self.scores = matching_docs(snapshot, self.parsed)
        self.filtered = facet_counts.intersect(self.matched, self.selected)
        if not self.filtered and self.parsed.mode in (ALL, MOST) and len(self.parsed.units) > 1:
            relaxed, scores = matching_docs(snapshot, self.parsed, relaxed=True)
            if facet_counts.intersect(relaxed, self.selected):
                self.matched, self.scores, self.query = relaxed, scores, self.parsed.relaxed()
                self.filtered = facet_counts.intersect(relaxed, self.selected)
                self.fallback = "No resource matches all the words; showing those that match some."
                self.parsed = replace(self.parsed, mode=ANY, min_match=1)
        if not self.fallback:
            self.query = self.parsed.query
        # The words to mark in results: the query's, less those it excludes.
        self.words = query_words(self.query) if self.parsed.mode != BROWSE else set()

    def canonical(self, params: SearchParams) -> SearchParams:
        """Facet selections spelled as the index spells them (any case); unknown ones noted."""
        chosen = {}
        for name, key, fieldname in (("topic", "topics", TOPIC), ("type", "types", TYPE)):
            labels = self.snapshot.builder.labels[fieldname]
            resolved = []
            for value in getattr(params, key):
                exact = [label for label in labels if label_key(label) == label_key(value)]
                if not exact:
                    self.parsed.notices.append(f"No resource has the {name} {value!r}.")
                resolved.append(exact[0] if exact else value)
            chosen[key] = tuple(dict.fromkeys(resolved))
        return replace(params, **chosen)

    def url(self, **changes) -> str:
        query = self.params.to_query(**changes)
        return f"{self.base_path}?{query}" if query else self.base_path

    def ordered(self, stop: int | None) -> list[tuple[int, float | None]]:
        """The first `stop` filtered matches in result order: (document number, score)."""
        stop = len(self.filtered) if stop is None else min(stop, len(self.filtered))
        if not stop:
            return []
        if self.parsed.mode == BROWSE or self.params.sort != "relevance":
            ranks = self.sets.orders.ranks(self.params.sort)
            return [(docnum, None) for docnum in first_in_order(self.filtered, ranks, stop)]
        # Equal scores go newest first, as the newest order ranks them.
        return best(self.scores, self.filtered.ids(), self.sets.orders.newest, stop)

    def results(self) -> list[dict]:
        params = self.params
        start = (params.page - 1) * params.per_page
        if start >= len(self.filtered):
            return []
        page = self.ordered(start + params.per_page)[start:]
        return [self.result(docnum, score) for docnum, score in page]

    def result(self, docnum: int, score: float | None) -> dict:
        fields = self.snapshot.searcher.stored_fields(docnum)
        texts = {
            "title": fields[TITLE],
            "topics": " ".join(fields.get(TOPIC, [])),
            "description": fields.get(DESCRIPTION, ""),
            "body": fields.get(BODY, ""),
        }
        found = {
            name: self.words & TEXT_WORDS.words(text) if self.words else set()
            for name, text in texts.items()
        }
        words = set().union(*found.values())
        return {
            "id": fields[ID],
            "title": fields[TITLE],
            "url": fields.get(URL) or f"/resources/{fields[ID]}",
            "types": fields.get(TYPE, []),
            "topics": fields.get(TOPIC, []),
            "year": fields.get(YEAR),
            "snippet": self.snippet(texts, found),
            "title_html": TEXT_WORDS.whole(fields[TITLE], words) or str(escape(fields[TITLE])),
            "matched_fields": [name for name, hits in found.items() if hits],
            "score": None if score is None else round(score, SCORE_DIGITS),
        }

    @staticmethod
    def snippet(texts: dict[str, str], found: dict[str, set[str]]) -> str:
        """Escaped text around the matched words, which are wrapped in <mark>; else the
        start of the description or body."""
        for name in ("description", "body"):
            marked = TEXT_WORDS.snippet(texts[name], found[name]) if found[name] else ""
            if marked:
                return marked
        text = texts["description"] or texts["body"]
        if len(text) > SNIPPET_CHARS:
            text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
        return str(escape(text))

    def facet_block(self) -> dict:
        counts = facet_counts.count(self.sets, self.matched, self.selected)
        params = self.params
        block = {}
        for name, chosen, key in (
            ("topic", params.topics, "topics"),
            ("type", params.types, "types"),
        ):
            values = counts[name]
            labels = sorted(values, key=lambda v: (-values[v], v))
            labels = [v for v in labels if values[v] or v in chosen] + [
                v for v in chosen if v not in values
            ]
            block[name] = [
                {
                    "value": label,
                    "count": values.get(label, 0),
                    "selected": label in chosen,
                    "toggle_url": self.url(
                        page=1,
                        **{
                            key: tuple(v for v in chosen if v != label)
                            if label in chosen
                            else (*chosen, label)
                        },
                    ),
                }
                for label in labels
            ]
        years = counts["year"]
        ordered = sorted((v for v in years if v != UNDATED and years[v]), reverse=True)
        if years.get(UNDATED):
            ordered.append(UNDATED)
        block["year"] = [self.year_value(label, years[label]) for label in ordered]
        return block

    def year_value(self, label: str, count: int) -> dict:
        params = self.params
        if label == UNDATED:
            return {"value": label, "count": count, "selected": False, "toggle_url": None}
        year = int(label)
        low, high = params.year_from, params.year_to
        selected = (low is not None or high is not None) and (low or 0) <= year <= (
            high or YEAR_CEILING
        )
        only = low == year == high
        toggle = (
            self.url(page=1, year_from=None, year_to=None)
            if only
            else self.url(page=1, year_from=year, year_to=year)
        )
        return {"value": label, "count": count, "selected": selected, "toggle_url": toggle}

    def did_you_mean(self) -> dict | None:
        """A respelling from the index's own words, when the query finds little."""
        if self.parsed.mode == BROWSE or (
            self.parsed.mode != ANY and len(self.filtered) >= FEW_RESULTS
        ):
            return None
        searcher = self.snapshot.searcher
        builder = self.snapshot.builder
        correctors = [searcher.corrector(CONTENT)]
        words = [token.text for token in _raw_words(self.parsed.text)]
        replacements = {}
        # No more words than a query searches (the first MAX_UNITS).
        for word in list(dict.fromkeys(words))[:MAX_UNITS]:
            stems = builder.words(word)
            if not stems or searcher.doc_frequency(CONTENT, stems[0]):
                continue
            # The closest words first; keep the first that some document contains.
            found = [
                suggestion
                for corrector in correctors
                for suggestion in corrector.suggest(word, limit=3, maxdist=MAX_CORRECTION_DISTANCE)
                if self.frequency(suggestion)
            ]
            if found:
                replacements[word] = found[0]
        if not replacements:
            return None
        corrected = " ".join(replacements.get(w.lower(), w) for w in self.parsed.text.split(" "))
        matched, _ = matching_docs(self.snapshot, builder.parse(corrected))
        total = len(facet_counts.intersect(matched, self.selected))
        # In the any-word fallback nothing matched all the words: any full match is better.
        if total <= (0 if self.parsed.mode == ANY else len(self.filtered)):
            return None
        return {"q": corrected, "total": total, "url": self.url(q=corrected, page=1)}

    def frequency(self, word: str) -> int:
        """How many documents contain a word (as analyzed) in any text field."""
        stems = self.snapshot.builder.words(word)
        searcher = self.snapshot.searcher
        return searcher.doc_frequency(CONTENT, stems[0]) if stems else 0

    def filter_removals(self) -> list[dict]:
        """Which selected filter to remove, and how many results that would give."""
        if len(self.filtered) >= FEW_RESULTS:
            return []
        params, removals = self.params, []
        options = [("topic", "topics", v) for v in params.topics] + [
            ("type", "types", v) for v in params.types
        ]
        for name, key, value in options:
            remaining = tuple(v for v in getattr(params, key) if v != value)
            selected = dict(
                self.selected, **{name: self.sets.union(name, remaining) if remaining else None}
            )
            total = len(facet_counts.intersect(self.matched, selected))
            if total > len(self.filtered):
                removals.append(
                    {
                        "facet": name,
                        "value": value,
                        "total": total,
                        "url": self.url(page=1, **{key: remaining}),
                    }
                )
        if self.selected["year"] is not None:
            total = len(facet_counts.intersect(self.matched, self.selected, skip="year"))
            if total > len(self.filtered):
                label = f"{params.year_from or '…'}–{params.year_to or '…'}"
                removals.append(
                    {
                        "facet": "year",
                        "value": label,
                        "total": total,
                        "url": self.url(page=1, year_from=None, year_to=None),
                    }
                )
        return sorted(removals, key=lambda r: -r["total"])

    def links(self) -> dict:
        params, total = self.params, len(self.filtered)
        has_next = params.page * params.per_page < total
        return {
            "self": self.url(),
            "next": self.url(page=params.page + 1) if has_next else None,
            "prev": self.url(page=params.page - 1) if params.page > 1 else None,
        }


def query_words(node) -> set[str]:
    """The indexed words a query searches the text fields for, excluded words left out."""
    if isinstance(node, Not):
        return set()
    if isinstance(node, AndNot):
        return query_words(node.a)
    if node.is_leaf():
        return {
            text.decode("utf-8") if isinstance(text, bytes) else text
            for name, text in node.terms(phrases=True)
            if name in WORD_FIELDS
        }
    return set().union(*(query_words(child) for child in node.children()))


def _raw_words(text: str):
    """Words as typed (lower-cased, not stemmed), which the spelling corrector expects."""
    return (RegexTokenizer() | LowercaseFilter())(text)


def run_search(snapshot: Snapshot, params: SearchParams, base_path: str = "/search.json") -> dict:
    """The results dict of one search: the stable public shape of `/search.json`."""
    started = time.perf_counter()
    run = _Run(snapshot, params, base_path)
    parsed = run.parsed
    response = {
        "query": {
            "q": params.q,
            "mode": parsed.mode,
            "expansions": parsed.expansions,
            "fallback": run.fallback
            or next((n for n in parsed.notices if "searched instead" in n), None),
            "notices": parsed.notices + ([run.fallback] if run.fallback else []),
            "filters": run.params.filters(),
            "sort": params.sort,
            "min_match": parsed.min_match,
        },
        "total": len(run.filtered),
        "page": params.page,
        "per_page": params.per_page,
        "results": run.results(),
        "facets": run.facet_block(),
        "suggestions": {
            "did_you_mean": run.did_you_mean(),
            "remove_filters": run.filter_removals(),
        },
        "links": run.links(),
        "index": snapshot.info(),
    }
    response["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return response


def export_hits(snapshot: Snapshot, params: SearchParams, limit: int) -> tuple[int, Iterator[dict]]:
    """The number of matches, and the stored fields of the first `limit` in result order."""
    run = _Run(snapshot, replace(params, page=1), "")
    searcher = snapshot.searcher
    return len(run.filtered), (searcher.stored_fields(d) for d, _ in run.ordered(limit))


def find_resource(snapshot: Snapshot, resource_id: str) -> tuple[int, dict] | None:
    """The document number and stored fields of a resource, or None."""
    searcher = snapshot.searcher
    docnum = searcher.document_number(id=resource_id)
    return None if docnum is None else (docnum, searcher.stored_fields(docnum))


def related(snapshot: Snapshot, docnum: int, fields: dict, top: int) -> list[dict]:
    """Resources like this one: its key words (Whoosh's more-like-this model, over its
    title and text) searched in every text field, and its topics."""
    searcher = snapshot.searcher
    text = " ".join(
        [fields[TITLE], fields.get(DESCRIPTION, ""), fields.get(BODY, "")[:RELATED_TEXT_CHARS]]
    )
    keys = dict(searcher.key_terms_from_text(TITLE, text, numterms=RELATED_TERMS))
    for word, weight in searcher.key_terms_from_text(CONTENT, text, numterms=RELATED_TERMS):
        keys[word] = max(weight, keys.get(word, 0))
    units = [snapshot.builder.word_unit(word, boost=weight) for word, weight in keys.items()]
    units += [Term(TOPIC, topic) for topic in fields.get(TOPIC, [])]
    if not units:
        return []
    hits = searcher.search(Or(units), limit=top, mask={docnum})
    return [
        {"id": h[ID], "title": h[TITLE], "year": h.get(YEAR), "types": h.get(TYPE, [])}
        for h in hits
    ]


def resource_details(snapshot: Snapshot, resource_id: str, related_count: int) -> dict | None:
    """A resource's metadata, text, source pages and related resources, or None."""
    found = find_resource(snapshot, resource_id)
    if found is None:
        return None
    docnum, fields = found
    return {
        "id": resource_id,
        "title": fields[TITLE],
        "url": fields.get(URL),
        "types": fields.get(TYPE, []),
        "topics": fields.get(TOPIC, []),
        "year": fields.get(YEAR),
        "description": fields.get(DESCRIPTION, ""),
        "body": fields.get(BODY, ""),
        "sections": fields.get(SECTIONS, []),
        "sources": fields.get(SOURCES, []),
        "related": related(snapshot, docnum, fields, related_count),
        "index": snapshot.info(),
    }
