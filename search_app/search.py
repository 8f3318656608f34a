"""Step three: run a search on an index snapshot and shape the results dict.

Flask-free: parameters in, a plain dict out. The JSON API returns the dict as is, the HTML
page renders the same dict, and the CLI prints it, so the three cannot drift.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

from markupsafe import escape
from whoosh import highlight, sorting
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.query import Or, Term

from indexer.schema import (
    BODY,
    CONTENT,
    DESCRIPTION,
    ID,
    MISSING_YEAR_SORT,
    SEARCH_FIELDS,
    SECTIONS,
    SOURCES,
    TITLE,
    TITLE_SORT,
    TOPIC,
    TYPE,
    UNDATED,
    URL,
    YEAR,
)
from indexer.vocabulary import label_key

from . import facets as facet_counts
from .params import SearchParams
from .query import ALL, ANY, BROWSE, MOST, ParsedQuery
from .snapshots import Snapshot

FEW_RESULTS = 5
SNIPPET_CHARS = 240
SNIPPET_SURROUND = 60
SNIPPET_FRAGMENTS = 2
SCORE_DIGITS = 4
MAX_CORRECTION_DISTANCE = 2
WORD_FIELDS = {*SEARCH_FIELDS, BODY}
RELATED_TERMS = 8
RELATED_TEXT_CHARS = 5000


def _newest_key(year: int) -> int:
    return 0 if year == MISSING_YEAR_SORT else -year


def sort_order(sort: str, scored: bool) -> list:
    """Whoosh sort facets: relevance ties broken by newer year; undated always last."""
    newest = sorting.TranslateFacet(_newest_key, sorting.FieldFacet(YEAR))
    title = sorting.FieldFacet(TITLE_SORT)
    if sort == "oldest":
        return [sorting.FieldFacet(YEAR), title]
    if sort == "title":
        return [title, newest]
    if sort == "newest" or not scored:
        return [newest, title]
    return [sorting.ScoreFacet(), newest, title]


def matching_docs(snapshot: Snapshot, parsed: ParsedQuery, relaxed: bool = False) -> frozenset[int]:
    """Documents matching the query: all units, a minimum number of them, or any."""
    searcher = snapshot.searcher
    if parsed.mode == BROWSE and parsed.facet_filter is None:
        return snapshot.shared.facets.everything
    query = parsed.relaxed() if relaxed else parsed.query
    docs = frozenset(searcher.docs_for_query(query))
    if relaxed or not parsed.min_match or parsed.min_match >= len(parsed.units):
        return docs
    hits: Counter[int] = Counter()
    for unit in parsed.units:
        hits.update(doc for doc in searcher.docs_for_query(unit) if doc in docs)
    return frozenset(doc for doc, count in hits.items() if count >= parsed.min_match)


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
        self.matched = matching_docs(snapshot, self.parsed)
        self.filtered = facet_counts.intersect(self.matched, self.selected)
        if not self.filtered and self.parsed.mode in (ALL, MOST) and len(self.parsed.units) > 1:
            relaxed = matching_docs(snapshot, self.parsed, relaxed=True)
            if facet_counts.intersect(relaxed, self.selected):
                self.matched, self.query = relaxed, self.parsed.relaxed()
                self.filtered = facet_counts.intersect(relaxed, self.selected)
                self.fallback = "No resource matches all the words; showing those that match some."
                self.parsed = replace(self.parsed, mode=ANY, min_match=1)
        if not self.fallback:
            self.query = self.parsed.query

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

    def hits(self, limit: int | None):
        """The ordered hits (Whoosh Results) of the filtered matches."""
        scored = self.parsed.mode != BROWSE
        return self.snapshot.searcher.search(
            self.query,
            limit=limit,
            filter=set(self.filtered),
            sortedby=sort_order(self.params.sort, scored),
            terms=scored,
        )

    def results(self) -> list[dict]:
        params = self.params
        start = (params.page - 1) * params.per_page
        if start >= len(self.filtered):
            return []
        hits = self.hits(start + params.per_page)
        return [self.result(hit) for hit in hits[start : start + params.per_page]]

    def result(self, hit) -> dict:
        fields = hit.fields()
        scored = self.parsed.mode != BROWSE
        # Words of the text fields only: a year's term is a number in bytes, not a word.
        words = (
            {text.decode("utf-8") for name, text in hit.matched_terms() if name in WORD_FIELDS}
            if scored
            else set()
        )
        texts = {
            "title": fields[TITLE],
            "topics": " ".join(fields.get(TOPIC, [])),
            "description": fields.get(DESCRIPTION, ""),
            "body": fields.get(BODY, ""),
        }
        analyze = self.snapshot.builder.words
        return {
            "id": fields[ID],
            "title": fields[TITLE],
            "url": fields.get(URL) or f"/resources/{fields[ID]}",
            "types": fields.get(TYPE, []),
            "topics": fields.get(TOPIC, []),
            "year": fields.get(YEAR),
            "snippet": self.snippet(fields, words),
            "title_html": self.marked(fields[TITLE], words, highlight.WholeFragmenter()),
            "matched_fields": [name for name, text in texts.items() if words & set(analyze(text))],
            "score": round(-hit.score[0], SCORE_DIGITS)
            if scored and self.params.sort == "relevance"
            else None,
        }

    def marked(self, text: str, words: set[str], fragmenter) -> str:
        """Escaped text with the matched words in <mark> ("" when none is in it)."""
        if not words or not text:
            return str(escape(text)) if isinstance(fragmenter, highlight.WholeFragmenter) else ""
        formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        found = highlight.highlight(
            text,
            frozenset(words),
            self.snapshot.builder.analyzer,
            fragmenter,
            formatter,
            top=SNIPPET_FRAGMENTS,
        )
        return found or (
            str(escape(text)) if isinstance(fragmenter, highlight.WholeFragmenter) else ""
        )

    def snippet(self, fields: dict, words: set[str]) -> str:
        """Escaped text around the matched words, which are wrapped in <mark>."""
        fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SNIPPET_SURROUND)
        for name in (DESCRIPTION, BODY):
            found = self.marked(fields.get(name, ""), words, fragmenter)
            if found:
                return found
        text = fields.get(DESCRIPTION) or fields.get(BODY) or ""
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
        selected = (low is not None or high is not None) and (low or 0) <= year <= (high or 10**4)
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
        for word in dict.fromkeys(words):
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
        total = len(
            facet_counts.intersect(
                matching_docs(self.snapshot, builder.parse(corrected)), self.selected
            )
        )
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
    hits = run.hits(limit) if run.filtered else []
    return len(run.filtered), (hit.fields() for hit in hits)


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
