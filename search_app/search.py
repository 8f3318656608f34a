"""Step three: run a search on an index snapshot and shape the results dict.

Flask-free: parameters in, a plain dict out. The JSON API returns the dict as is, the HTML
page renders the same dict, and the CLI prints it, so the three cannot drift.

The path of a query: `query.QueryBuilder.parse` (text -> `ParsedQuery`), `canonical` (facet
selections as the index spells them), `facets.selections` (selected document sets),
`matching.match` (a frozen `Match`, with the zero-results fallback), then the response:
the page of results (here), `facets.facet_values`, and `corrections` (did you mean, filter
removals). Each step returns its own record and notices; none writes into an earlier one's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from markupsafe import escape
from whoosh.query import AndNot, Not, Or, Phrase, Term

from indexer import facet_fields
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
    URL,
    YEAR,
)

from . import budget, corrections, matching, passages
from . import facets as facet_sets
from .facets import first_in_order
from .highlights import SNIPPET_CHARS, TEXT_WORDS
from .matching import Match, Partial, match
from .notices import Notice, Reason, first_fallback, messages
from .params import SearchParams
from .query import BROWSE, ParsedQuery
from .querytext import alias_notices, named_label
from .scores import best
from .snapshots import Snapshot

SCORE_DIGITS = 4
WORD_FIELDS = set(SEARCH_FIELDS)
RELATED_TERMS = 8
RELATED_TEXT_CHARS = 5000


@dataclass(frozen=True)
class Searched:
    """The records of one search's steps, from which its response is shaped."""

    parsed: ParsedQuery
    params: SearchParams  # with the facet selections spelled as the index spells them
    selected: dict  # each facet's selected documents (None: no selection)
    found: Match
    notices: tuple[Notice, ...]  # the parser's, the selections', the fallback's


def search(snapshot: Snapshot, params: SearchParams) -> Searched:
    """Parse the query, resolve the selections and match: every step before the response."""
    parsed = snapshot.builder.parse(params.q)
    params, unknown = canonical(snapshot.builder, params)
    sets = snapshot.shared.facets
    selected = facet_sets.selections(sets, params)
    found = match(snapshot, parsed, selected)
    fallback = (found.fallback,) if found.fallback else ()
    return Searched(parsed, params, selected, found, (*parsed.notices, *unknown, *fallback))


def canonical(builder, params: SearchParams) -> tuple[SearchParams, list[Notice]]:
    """Facet selections spelled as the index spells them (any case, or an alias's canonical
    label); aliases and unknown values noted."""
    chosen, notices = {}, []
    for facet in facet_fields.keyword_facets():
        resolved = []
        known, aliases = builder.labels[facet.field], builder.aliases[facet.name]
        for value in params.values(facet.name):
            label = named_label(value, known, aliases)
            notices.extend(alias_notices(facet.name, value, known, aliases))
            if label is None:
                notices.append(Notice.of(Reason.UNKNOWN_SELECTION, facet=facet.name, value=value))
            resolved.append(value if label is None else label)
        chosen[facet.name] = tuple(dict.fromkeys(resolved))
    return replace(params, selected=chosen), notices


def ordered(
    snapshot: Snapshot, searched: Searched, stop: int | None, partial: Partial | None = None
) -> list[tuple]:
    """The first `stop` filtered matches in result order: (document number, score); then,
    with `partial`, the resources matching only some of the words, in their own order."""
    found, sort = searched.found, searched.params.sort
    full = ordered_set(snapshot, found.filtered, found.scores, found.mode, sort, stop)
    if partial is None or (stop is not None and stop <= len(full)):
        return full
    rest = None if stop is None else stop - len(full)
    return full + ordered_set(snapshot, partial.docs, partial.scores, found.mode, sort, rest)


def ordered_set(snapshot: Snapshot, docs, scores, mode: str, sort: str, stop: int | None):
    """The first `stop` of a set of documents by score (or by the sort's order)."""
    stop = len(docs) if stop is None else min(stop, len(docs))
    if not stop:
        return []
    orders = snapshot.shared.facets.orders
    if mode == BROWSE or sort != "relevance":
        return [(docnum, None) for docnum in first_in_order(docs, orders.ranks(sort), stop)]
    # Equal scores go newest first, as the newest order ranks them.
    return best(scores, docs.ids(), orders.newest, stop)


def results(snapshot: Snapshot, searched: Searched, partial: Partial | None = None):
    """The page of results the parameters ask for: the full matches on it, and the partial
    ones (matching only some of the words) that follow them on it."""
    params, found = searched.params, searched.found
    start = (params.page - 1) * params.per_page
    total = len(found.filtered)
    if start >= total + (len(partial.docs) if partial else 0):
        return [], []
    # The words to mark in results: the query's, less those it excludes.
    words = query_words(found.query) if found.mode != BROWSE else set()
    phrases = query_phrases(found.query) if words else ()
    page = ordered(snapshot, searched, start + params.per_page, partial)
    shown = [result(snapshot, d, score, words, phrases) for d, score in page[start:]]
    split = max(0, total - start)
    return shown[:split], shown[split:]


def result(
    snapshot: Snapshot,
    docnum: int,
    score: float | None,
    words: set[str],
    phrases: tuple[tuple[str, ...], ...] = (),
) -> dict:
    """One result: its metadata, matched fields, highlighted title and snippet, its documents
    and their best passages (each with its page and a link to it)."""
    fields = snapshot.searcher.stored_fields(docnum)
    found_passages = passages.passages(
        fields, words, snapshot.version, phrases, where=snapshot.document_words(docnum)
    )
    texts = {
        "title": fields[TITLE],
        "topics": " ".join(fields.get(TOPIC, [])),
        "description": fields.get(DESCRIPTION, ""),
        "body": fields.get(BODY, ""),
    }
    found = {name: TEXT_WORDS.holds(text, words) for name, text in texts.items()}
    marked = set().union(*found.values())
    text_snippet = snippet(texts, found)
    best = found_passages[0] if found_passages else None
    use_passage = best is not None and not (found["description"] or found["body"])
    return {
        "id": fields[ID],
        "title": fields[TITLE],
        "url": fields.get(URL) or f"/resources/{fields[ID]}",
        "types": fields.get(TYPE, []),
        "topics": fields.get(TOPIC, []),
        "year": fields.get(YEAR),
        "snippet": best["snippet"] if use_passage else text_snippet,
        "title_html": TEXT_WORDS.whole(fields[TITLE], marked) or str(escape(fields[TITLE])),
        "matched_fields": [name for name, hits in found.items() if hits]
        + (["document"] if found_passages else []),
        "score": None if score is None else round(score, SCORE_DIGITS),
        # The page the snippet is from (a document's passage), else None.
        "snippet_page": best["page"] if use_passage else None,
        "snippet_link": best["link"] if use_passage else None,
        "documents": passages.documents(fields, snapshot.version),
        "passages": found_passages,
    }


def snippet(texts: dict[str, str], found: dict[str, set[str]]) -> str:
    """Escaped text around the matched words, which are wrapped in <mark>; else the start of
    the description or body."""
    for name in ("description", "body"):
        marked = TEXT_WORDS.snippet(texts[name], found[name]) if found[name] else ""
        if marked:
            return marked
    text = texts["description"] or texts["body"]
    if len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return str(escape(text))


def links(params: SearchParams, total: int, base_path: str) -> dict:
    """The response's `links`: this page, and the next and previous ones if any."""
    has_next = params.page * params.per_page < total
    return {
        "self": params.url(base_path),
        "next": params.url(base_path, page=params.page + 1) if has_next else None,
        "prev": params.url(base_path, page=params.page - 1) if params.page > 1 else None,
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


def query_phrases(node) -> tuple[tuple[str, ...], ...]:
    """The phrases a query searches the text fields for (each once), excluded ones left out."""
    if isinstance(node, Not):
        return ()
    if isinstance(node, AndNot):
        return query_phrases(node.a)
    if isinstance(node, Phrase):
        return ((*node.words,),) if node.fieldname in WORD_FIELDS else ()
    if node.is_leaf():
        return ()
    return tuple(dict.fromkeys(p for child in node.children() for p in query_phrases(child)))


def run_search(snapshot: Snapshot, params: SearchParams, base_path: str = "/search.json") -> dict:
    """The results dict of one search: the stable public shape of `/search.json`."""
    started = time.perf_counter()
    searched = search(snapshot, params)
    found, canonical_params, sets = searched.found, searched.params, snapshot.shared.facets
    counts = facet_sets.count(sets, found.matched, searched.selected)
    partial = matching.partial(snapshot, searched.parsed, found, searched.selected)
    full_page, partial_page = results(snapshot, searched, partial)
    response = {
        "query": {
            "q": params.q,
            "mode": found.mode,
            "expansions": searched.parsed.expansions,
            "fallback": first_fallback(searched.notices),
            "notices": messages(searched.notices),
            "filters": canonical_params.filters(),
            "sort": params.sort,
            "min_match": found.min_match,
            # How many results match at least `min_match` units (the rest rank lower).
            "min_match_total": len(found.filtered if found.enough is None else found.enough),
        },
        "total": len(found.filtered),
        "page": params.page,
        "per_page": params.per_page,
        "results": full_page,
        "facets": facet_sets.facet_values(counts, canonical_params, base_path),
        "suggestions": {
            "did_you_mean": corrections.did_you_mean(
                snapshot,
                searched.parsed.text,
                found,
                searched.selected,
                canonical_params,
                base_path,
            ),
            "remove_filters": corrections.filter_removals(
                sets, found, searched.selected, canonical_params, base_path
            ),
            # The resources matching only some of a narrowed query's words: the results go
            # on with them after the last full match (this page's share of them).
            "some_words": {"total": len(partial.docs) if partial else 0, "results": partial_page},
        },
        "links": links(
            canonical_params, len(found.filtered) + (len(partial.docs) if partial else 0), base_path
        ),
        "index": snapshot.info(),
    }
    if budget.was_cut():  # a loop stopped early: say the results may be incomplete
        partly = Notice.of(Reason.SEARCHED_PARTLY)
        response["query"]["notices"] = messages([*searched.notices, partly])
    response["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return response


def export_hits(snapshot: Snapshot, params: SearchParams, limit: int) -> tuple[int, Iterator[dict]]:
    """The number of matches, and the export rows (`rows`: stored fields less the text) of
    the first `limit` in result order: no snippets, no highlights."""
    searched = search(snapshot, replace(params, page=1))
    rows = snapshot.shared.rows.get(snapshot.searcher)
    hits = ordered(snapshot, searched, limit)
    return len(searched.found.filtered), (rows[d] for d, _ in hits)


def find_resource(snapshot: Snapshot, resource_id: str) -> tuple[int, dict] | None:
    """The document number and stored fields of a resource, or None."""
    searcher = snapshot.searcher
    docnum = searcher.document_number(id=resource_id)
    return None if docnum is None else (docnum, searcher.stored_fields(docnum))


def related_query(snapshot: Snapshot, fields: dict):
    """The query of resources like one: its key words (Whoosh's more-like-this model, over
    its title and text) searched in every text field, and its topics; None without any."""
    searcher = snapshot.searcher
    text = " ".join(
        [fields[TITLE], fields.get(DESCRIPTION, ""), fields.get(BODY, "")[:RELATED_TEXT_CHARS]]
    )
    keys = dict(searcher.key_terms_from_text(TITLE, text, numterms=RELATED_TERMS))
    for word, weight in searcher.key_terms_from_text(CONTENT, text, numterms=RELATED_TERMS):
        keys[word] = max(weight, keys.get(word, 0))
    units = [snapshot.builder.word_unit(word, boost=weight) for word, weight in keys.items()]
    units += [Term(TOPIC, topic) for topic in fields.get(TOPIC, [])]
    return Or(units) if units else None


def related(snapshot: Snapshot, docnum: int, fields: dict, top: int) -> list[dict]:
    """The `top` resources most like one (`related_query`), scored by the numpy evaluator
    as Whoosh would score them (Whoosh's own search scored every posting in Python: up to
    0.95 s a resource page at 10,000 resources)."""
    like = related_query(snapshot, fields)
    if like is None:
        return []
    scored = snapshot.evaluator().evaluate(like)
    scored.mask[docnum] = False
    docs = np.flatnonzero(scored.mask)
    # Equal scores in document order, as Whoosh's search ranks them.
    order = np.arange(len(scored.mask))
    hits = [snapshot.searcher.stored_fields(d) for d, _ in best(scored, docs, order, top)]
    return [
        {"id": h[ID], "title": h[TITLE], "year": h.get(YEAR), "types": h.get(TYPE, [])}
        for h in hits
    ]


def resource_details(
    snapshot: Snapshot, resource_id: str, related_count: int, q: str = ""
) -> dict | None:
    """A resource's metadata, text, source pages, documents and related resources, or None;
    with a query `q` (the search it was found by), the passages of its documents matching it."""
    found = find_resource(snapshot, resource_id)
    if found is None:
        return None
    docnum, fields = found
    query = snapshot.builder.parse(q).query if q else None
    words = query_words(query) if query is not None else set()
    phrases = query_phrases(query) if words else ()
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
        "documents": passages.documents(fields, snapshot.version),
        "q": q,
        "passages": passages.passages(
            fields, words, snapshot.version, phrases, where=snapshot.document_words(docnum)
        ),
    }
