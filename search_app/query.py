"""Step one of a search, the tree layer: prepared text -> a Whoosh query, and what was done.

`querytext` cleans, rewrites and lints the text; Whoosh's parser parses it (words,
"phrases", OR, NOT, prefix*, fuzzy~, fields, ranges). This module then builds the query the
search runs, returning new nodes rather than changing the parsed ones: facet clauses as an
exact filter; the top-level units and exclusions; wildcard, fuzzy and year-range terms and
phrases bounded (`bounds.py`: within one `Allowance` per query, so no query costs seconds,
issue 11); thesaurus terms expanded both ways
(`expand`, at most `thesaurus.MAX_EXPANSIONS` per term); the weight of repeated
words restored, as the parser drops duplicates (`weigh_repeats`); and how many units must
match (`MatchPolicy`). Malformed syntax runs as its plain words, and says so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from whoosh import qparser, query
from whoosh.query import And, AndNot, Every, Not, Or, Phrase, Term

from indexer import facet_fields
from indexer.schema import (
    CONTENT,
    DESCRIPTION,
    DOCUMENT,
    SEARCH_FIELDS,
    TITLE,
    TOPIC_TEXT,
    UNDATED,
    text_analyzer,
)
from indexer.thesaurus import MAX_EXPANSIONS as MAX_SYNONYMS
from indexer.thesaurus import Thesaurus
from indexer.vocabulary import Vocabulary

from . import querytext
from .bounds import (  # noqa: F401  (the bounds' limits, also read from here)
    MAX_BOOST,
    MAX_EXPANSIONS,
    MAX_PHRASES,
    Allowance,
    Bounds,
    changed,
    count_expandable,
    note,
)
from .notices import Notice, Reason
from .querytext import MAX_QUERY_CHARS
from .spelling import LazySpeller

# Query-time weight of a word found in each field (content holds all text; see schema),
# tuned with bench/relevance.py.
# A document's text counts less than the resource's own (content): see README "Documents".
DOCUMENT_WEIGHT = 0.3
FIELD_WEIGHTS = {
    CONTENT: 1.0,
    TITLE: 0.2,
    TOPIC_TEXT: 0.1,
    DESCRIPTION: 0.05,
    DOCUMENT: DOCUMENT_WEIGHT,
}
MAX_UNITS = 32

# Modes reported in the response's `query.mode`.
BROWSE = "browse"  # empty query: every resource
ALL = "all"  # every word must match (short queries, or explicit operators)
MOST = "most"  # longer queries: a minimum share of the words must match
RANKED = "ranked"  # long natural-language queries: any word, best matches first
ANY = "any"  # fallback when nothing matches all words
PLAIN = "plain"  # the syntax was malformed: the words were searched as plain words

# `year:2015..2020` (either end left open) as a range, read by Whoosh's range plugin.
YEAR_DOTS = re.compile(
    r"(?<=year:)(?P<open>)(?P<start>\d{4})?\.\.(?P<end>\d{4})?(?P<close>)(?=\s|\)|$)"
)


@dataclass(frozen=True)
class ParsedQuery:
    """A visitor's query as Whoosh will run it, with everything the response reports."""

    text: str
    query: query.Query
    mode: str
    units: list[query.Query] = field(default_factory=list)
    negatives: list[query.Query] = field(default_factory=list)
    min_match: int = 0
    # The minimum orders rather than filters: matches under it are listed after the rest.
    soft_minimum: bool = False
    # The policy (not the visitor's operators) narrowed the query to every word: resources
    # matching only some of them follow the full matches, apart (`matching.partial`).
    partial_after: bool = False
    notices: tuple[Notice, ...] = ()
    expansions: list[dict] = field(default_factory=list)
    facet_terms: list[tuple[str, str]] = field(default_factory=list)
    facet_filter: query.Query | None = None

    def relaxed(self) -> query.Query:
        """The same words with any one of them enough (the zero-results fallback)."""
        return _combine(Or(self.units), self.negatives, self.facet_filter)


@dataclass(frozen=True)
class MatchPolicy:
    """How many of a query's words (units) a resource must match.

    Up to `all_words` words, every one: adding a word narrows the results (those matching
    only some of the words are listed after them, apart: `matching.partial`). Up to
    `most_words`, at least `share` of them. Longer, natural-language queries: any one,
    ranked so that resources matching more, and rarer, words come first (the relevance
    bench shows what a stricter rule would cost on such queries).

    A query typed in more than `all_words` words is a question rather than a few key words:
    its minimum then ranks instead of filtering (`soft`): the resources meeting it gain
    `bonus` (a share of their score) over those matching fewer of its words, which are kept.
    The bonus is small: on the relevance collections the ranking model alone ranks best; a
    bonus of 0.05 moves the resources meeting the minimum above others at a nearly equal
    score. With the short queries' partial matches listed after their full ones, the
    shipped policy is within 0.0025 nDCG@10 and 0.0004 MAP of the ranking model alone on
    both collections (it was 0.0052 MAP behind on CACM while they were dropped); strict
    tiers (all those meeting the minimum first) cost 0.011 and 0.010 on CACM
    (`python -m bench.relevance`).
    """

    all_words: int = 3
    most_words: int = 6
    share: float = 0.5
    bonus: float = 0.05

    def minimum(self, units: int) -> int:
        """The number of units a resource must match."""
        if units <= self.all_words:
            return units
        if units <= self.most_words:
            return max(1, math.ceil(self.share * units))
        return 1

    def soft(self, typed_words: int) -> bool:
        """Whether the minimum of a query of so many typed words orders rather than filters."""
        return typed_words > self.all_words


DEFAULT_POLICY = MatchPolicy()
# Every query ranked over all resources matching any word: the ranking model alone.
RANKING_ONLY = MatchPolicy(all_words=0, most_words=0)


class QueryBuilder:
    """Builds queries against one index: its schema, lexicon and thesaurus."""

    def __init__(
        self,
        searcher,
        thesaurus: Thesaurus | None = None,
        policy: MatchPolicy = DEFAULT_POLICY,
        vocabulary: Vocabulary | None = None,
        speller: LazySpeller | None = None,
    ):
        self.searcher = searcher
        self.policy = policy
        # Fuzzy words from the speller (None: Whoosh's terms_within, unbounded).
        self.speller = speller
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.thesaurus = thesaurus or Thesaurus()
        self.analyzer = text_analyzer()
        self.parser = qparser.MultifieldParser(
            list(SEARCH_FIELDS), self.schema, fieldboosts=FIELD_WEIGHTS, group=qparser.AndGroup
        )
        self.parser.add_plugin(qparser.FuzzyTermPlugin())
        self.parser.add_plugin(qparser.FieldAliasPlugin({CONTENT: ["body"]}))
        self.parser.add_plugin(qparser.RangePlugin(expr=YEAR_DOTS))
        # Each keyword facet's labels, by field.
        self.labels = {
            facet.field: [t.decode("utf-8") for t in self.reader.lexicon(facet.field)]
            for facet in facet_fields.keyword_facets()
        }
        # Each keyword facet's aliases and variant spellings, by facet name.
        self.aliases = {
            facet.name: getattr(vocabulary, facet.attribute, None) if vocabulary else None
            for facet in facet_fields.keyword_facets()
        }
        self.years = [
            int(t)
            for t in self.reader.lexicon(facet_fields.range_facet().field)
            if t.decode("utf-8") != UNDATED
        ]
        self.bounds = Bounds(self.reader, self.words, self.years, speller)

    def words(self, text: str) -> list[str]:
        """The analyzed words of a text, repeats kept."""
        return [token.text for token in self.analyzer(text)]

    def word_unit(self, word: str, boost: float = 1.0) -> query.Query:
        """One word searched in every text field."""
        return Or(
            [Term(name, word, boost=FIELD_WEIGHTS[name]) for name in SEARCH_FIELDS], boost=boost
        )

    def phrase_unit(self, words: tuple[str, ...]) -> query.Query:
        if len(words) == 1:
            return self.word_unit(words[0])
        return Or([Phrase(name, list(words), boost=FIELD_WEIGHTS[name]) for name in SEARCH_FIELDS])

    def parse(self, raw: str) -> ParsedQuery:
        """The ParsedQuery of a visitor's raw query text (never raises on bad syntax)."""
        prepared = querytext.prepare(raw)
        notices = list(prepared.notices)
        facet_filter, facet_terms = self.facet_filter(prepared.clauses, notices)
        text, syntax = prepared.text, prepared.syntax
        if not text:
            return ParsedQuery(
                text=raw.strip()[:MAX_QUERY_CHARS] if raw else "",
                query=_combine(Every(), [], facet_filter),
                mode=BROWSE,
                notices=tuple(notices),
                facet_terms=facet_terms,
                facet_filter=facet_filter,
            )
        problem, parsed = prepared.problem, None
        if problem is None:
            try:
                parsed = self.parser.parse(syntax)
            except Exception:  # Whoosh raises assorted errors on odd input; fall back below
                problem = "a syntax the search cannot read"
        if parsed is not None and isinstance(parsed, type(query.NullQuery)) and self.words(text):
            problem, parsed = "a syntax the search cannot read", None
        if parsed is None:
            notices.append(Notice.of(Reason.PLAIN_WORDS, problem=problem))
            words = dict.fromkeys(self.words(querytext.plain_words(text)))
            units, negatives = [self.word_unit(w) for w in words], []
            mode, explicit = PLAIN, False
        else:
            units, negatives = _split(parsed)
            mode, explicit = ALL, prepared.explicit
        allowance = Allowance(expandable=count_expandable([*units, *negatives]))
        units = self.bounds.bound(units, syntax, notices, allowance)
        negatives = self.bounds.bound(negatives, syntax, notices, allowance)
        expansions: list[dict] = []
        units = self.weigh_repeats(self.expand(units, expansions, notices), text)
        if len(units) > MAX_UNITS:
            notices.append(Notice.of(Reason.TOO_MANY_WORDS, limit=MAX_UNITS))
            units = units[:MAX_UNITS]
        min_match = len(units) if explicit else self.policy.minimum(len(units))
        if mode == ALL and min_match < len(units):
            mode = MOST if min_match > 1 else RANKED
        soft = not explicit and self.policy.soft(len(querytext.typed_words(text)))
        if not units:
            positive = Every() if negatives else query.NullQuery
        elif min_match >= len(units) and not soft:
            positive = And(units) if len(units) > 1 else units[0]
        else:
            positive = Or(units)
        return ParsedQuery(
            text=text,
            query=_combine(positive, negatives, facet_filter),
            mode=mode,
            units=units,
            negatives=negatives,
            min_match=min_match,
            soft_minimum=soft and min_match > 1,
            partial_after=not explicit and not soft and 1 < min_match == len(units),
            notices=tuple(notices),
            expansions=expansions,
            facet_terms=facet_terms,
            facet_filter=facet_filter,
        )

    def facet_filter(self, clauses, notices: list[Notice]):
        """The query's facet clauses as an exact filter (None without clauses), and the
        (field, label) terms they name."""
        required, excluded, terms = [], [], []
        for clause in clauses:
            fieldname = facet_fields.named(clause.facet).field
            known, aliases = self.labels[fieldname], self.aliases[clause.facet]
            labels = querytext.resolve_label(clause.value, known, aliases)
            notices.extend(querytext.alias_notices(clause.facet, clause.value, known, aliases))
            if not labels:
                notices.append(
                    Notice.of(Reason.NO_FACET_MATCH, facet=clause.facet, value=clause.value)
                )
            node = Or([Term(fieldname, label) for label in labels]) if labels else query.NullQuery
            (excluded if clause.exclude else required).append(node)
            terms.extend((fieldname, label) for label in labels)
        if not required and not excluded:
            return None, terms
        positive = And(required) if required else Every()
        return (AndNot(positive, Or(excluded)) if excluded else positive), terms

    def expand(
        self, units: list[query.Query], expansions: list[dict], notices: list[Notice] | None = None
    ) -> list[query.Query]:
        """Units with thesaurus terms (single words or runs of words) or-ed with their group
        (its first MAX_SYNONYMS other terms, noted when there are more)."""
        if not self.thesaurus.groups:
            return units
        result, position = [], 0
        texts = [_word_of(unit) for unit in units]
        while position < len(units):
            for size in range(min(self.thesaurus.longest, len(units) - position), 0, -1):
                span = tuple(texts[position : position + size])
                if None in span:
                    continue
                others = self.thesaurus.alternatives(span, MAX_SYNONYMS + 1)
                if len(others) > MAX_SYNONYMS:
                    others = others[:MAX_SYNONYMS]
                    if notices is not None:
                        label = self.thesaurus.label(span)
                        note(notices, Reason.MANY_SYNONYMS, text=label, limit=MAX_SYNONYMS)
                if others:
                    original = (
                        And(units[position : position + size]) if size > 1 else units[position]
                    )
                    result.append(Or([original, *(self.phrase_unit(e.words) for e in others)]))
                    expansions.append(
                        {
                            "term": self.thesaurus.label(span),
                            "expanded_to": [e.label for e in others],
                        }
                    )
                    position += size
                    break
            else:
                result.append(units[position])
                position += 1
        return result

    def weigh_repeats(self, units: list[query.Query], text: str) -> list[query.Query]:
        """Units where a word typed n times has n times the weight (the parser keeps it once)."""
        counts = Counter(self.words(querytext.plain_words(text)))
        weighed = []
        for unit in units:
            word = _word_of(unit)
            if word is not None and counts[word] > 1:
                unit = changed(unit, boost=min(unit.boost * counts[word], MAX_BOOST))
            weighed.append(unit)
        return weighed


def _word_of(unit: query.Query) -> str | None:
    """The word of a one-word unit (the same Term in every text field), else None."""
    if isinstance(unit, Or) and unit.subqueries:
        texts = {child.text for child in unit.subqueries if isinstance(child, Term)}
        if len(texts) == 1 and all(isinstance(c, Term) for c in unit.subqueries):
            return texts.pop()
    return None


def _is_word_unit(node: query.Query) -> bool:
    return _word_of(node) is not None


def _split(parsed: query.Query) -> tuple[list[query.Query], list[query.Query]]:
    """The top-level positive units and negated units of a parsed query."""
    if isinstance(parsed, AndNot):
        units, negatives = _split(parsed.a)
        return units, [*negatives, parsed.b]
    if isinstance(parsed, And):
        units, negatives = [], []
        for child in parsed.subqueries:
            if isinstance(child, Not):
                negatives.append(child.query)
            else:
                nested = isinstance(child, AndNot | And) and not _is_word_unit(child)
                sub_units, sub_negatives = _split(child) if nested else ([child], [])
                units.extend(sub_units)
                negatives.extend(sub_negatives)
        return units, negatives
    if isinstance(parsed, Not):
        return [], [parsed.query]
    return [parsed], []


def _combine(positive: query.Query, negatives: list[query.Query], facet_filter) -> query.Query:
    combined = AndNot(positive, Or(negatives)) if negatives else positive
    return And([combined, facet_filter]) if facet_filter is not None else combined
