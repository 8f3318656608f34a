"""Step one of a search: the visitor's text -> a Whoosh query, and what was done to it.

Whoosh's parser does the parsing (words, "phrases", OR, NOT, prefix*, fuzzy~, fields,
ranges). Around it this module: cleans and bounds the text; turns `topic:`/`type:` clauses
into exact facet terms and `year:2015..2020` into a range; lints the syntax and, when it is
malformed, falls back to the plain words and says so; restores the weight of repeated
words (the parser drops duplicates); expands thesaurus terms both ways; and bounds the
cost of wildcard and fuzzy expansion.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

from whoosh import qparser, query
from whoosh.query import And, AndNot, Every, Not, Or, Phrase, Term

from indexer.schema import (
    CONTENT,
    DESCRIPTION,
    SEARCH_FIELDS,
    TITLE,
    TOPIC,
    TOPIC_TEXT,
    TYPE,
    UNDATED,
    YEAR,
    YEAR_FACET,
    text_analyzer,
)
from indexer.thesaurus import Thesaurus
from indexer.vocabulary import label_key
from indexer.whoosh_internals import multiterm_btexts

# Query-time weight of a word found in each field (content holds all text; see schema),
# tuned with bench/relevance.py.
FIELD_WEIGHTS = {CONTENT: 1.0, TITLE: 0.2, TOPIC_TEXT: 0.1, DESCRIPTION: 0.05}
MAX_QUERY_CHARS = 1000
MAX_UNITS = 32
MIN_WILDCARD_PREFIX = 2
MAX_EXPANSIONS = 64
MAX_EXPANSION_SCAN = 5000
MAX_FUZZY_DISTANCE = 2
MIN_FUZZY_PREFIX = 1
MAX_BOOST = 10.0

# Modes reported in the response's `query.mode`.
BROWSE = "browse"  # empty query: every resource
ALL = "all"  # every word must match (short queries, or explicit operators)
MOST = "most"  # longer queries: a minimum share of the words must match
RANKED = "ranked"  # long natural-language queries: any word, best matches first
ANY = "any"  # fallback when nothing matches all words
PLAIN = "plain"  # the syntax was malformed: the words were searched as plain words

# Field names a query may use. The body's words are indexed once, in `content` with the
# rest of the text, so `body:` (an alias of `content`) searches all of a resource's text.
FIELD_NAMES = {"title": TITLE, "description": DESCRIPTION, "body": CONTENT, "year": YEAR}
FACET_NAMES = {"topic": TOPIC, "type": TYPE}

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Invisible marks pasted from web pages inside words (soft hyphen, zero-width space, word
# joiner, direction marks and embeddings, byte order mark): removed, so the word stays whole.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_FACET_CLAUSE = re.compile(r'(?<!\S)(-?)(topic|type):(?:"([^"]*)"?|(\S+))', re.IGNORECASE)
_YEAR_RANGE = re.compile(r"\byear:(\d{4})?\.\.(\d{4})?(?=\s|\)|$)", re.IGNORECASE)
_EXCLUDE = re.compile(r'(?<![^\s(])-(?=[\w"(])')
_FIELD = re.compile(r"(?<![\w.])([A-Za-z_]+):")
_EMPTY_FIELD = re.compile(r"(?<![\w.])[A-Za-z_]+:(?=\s|\)|$)")
_DANGLING = re.compile(r"^\s*(AND|OR)\b|\b(AND|OR|NOT)\s*$|\b(AND|OR|NOT)\s+(AND|OR)\b|\(\s*\)")
_WILDCARD_TOKEN = re.compile(r"[^\s()\"]*[*?][^\s()\"]*")
# A question mark ending a word is punctuation, not a one-letter wildcard.
_PUNCTUATION_MARK = re.compile(r"(?<=\w)\?(?=[\s),.;:!]|$)")
_OPERATORS = re.compile(r"\b(OR|NOT)\b|\[|(?<![\w.])(title|description|body|year):")
_SYNTAX = re.compile(r'[()"*?~^:\[\]{}]|\b(AND|OR|NOT|TO)\b')


@dataclass
class ParsedQuery:
    """A visitor's query as Whoosh will run it, with everything the response reports."""

    text: str
    query: query.Query
    mode: str
    units: list[query.Query] = field(default_factory=list)
    negatives: list[query.Query] = field(default_factory=list)
    min_match: int = 0
    notices: list[str] = field(default_factory=list)
    expansions: list[dict] = field(default_factory=list)
    facet_terms: list[tuple[str, str]] = field(default_factory=list)
    facet_filter: query.Query | None = None

    def relaxed(self) -> query.Query:
        """The same words with any one of them enough (the zero-results fallback)."""
        return _combine(Or(self.units), self.negatives, self.facet_filter)


def clean_query(text: str) -> tuple[str, list[str]]:
    """Text without control characters, composed, one space between words, bounded."""
    notices = []
    # Tabs and line breaks are spaces pasted in; any other control character is noted.
    text = text or ""
    if _INVISIBLE.search(text) or any(char not in "\t\n\r" for char in _CONTROL.findall(text)):
        notices.append("The query's control characters were ignored.")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", _INVISIBLE.sub("", text)))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notices.append(f"The query was cut to its first {MAX_QUERY_CHARS} characters.")
    return text, notices


def resolve_label(value: str, labels: list[str]) -> list[str]:
    """The facet labels a visitor's value names: exact (any case), else containing it."""
    key = label_key(value)
    exact = [label for label in labels if label_key(label) == key]
    if exact or not key:
        return exact
    return [label for label in labels if key in label_key(label)]


def _lint(text: str) -> str | None:
    """Why the query's syntax cannot be trusted, or None when it reads well."""
    if text.count('"') % 2:
        return "unbalanced quotes"
    depth = 0
    for char in re.sub(r'"[^"]*"', "", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        return "unbalanced parentheses"
    empty = _EMPTY_FIELD.search(text)
    if empty:
        return f"{empty.group(0)!r} with nothing after it"
    for name in _FIELD.findall(re.sub(r'"[^"]*"', "", text)):
        if name.lower() not in FIELD_NAMES:
            return f"unknown field {name + ':'!r}"
    if _DANGLING.search(text):
        return "an AND, OR or NOT with nothing to join"
    for token in _WILDCARD_TOKEN.findall(text):
        literal = re.split(r"[*?]", token.split(":")[-1], maxsplit=1)[0]
        if len(literal) < MIN_WILDCARD_PREFIX:
            return f"a wildcard {token!r} with fewer than {MIN_WILDCARD_PREFIX} letters before it"
    return None


@dataclass(frozen=True)
class MatchPolicy:
    """How many of a query's words (units) a resource must match.

    Up to `all_words` words, every one: adding a word narrows the results. Up to
    `most_words`, at least `share` of them. Longer, natural-language queries: any one,
    ranked so that resources matching more, and rarer, words come first (the relevance
    bench shows what a stricter rule would cost on such queries).
    """

    all_words: int = 3
    most_words: int = 6
    share: float = 0.5

    def minimum(self, units: int) -> int:
        """The number of units a resource must match."""
        if units <= self.all_words:
            return units
        if units <= self.most_words:
            return max(1, math.ceil(self.share * units))
        return 1


DEFAULT_POLICY = MatchPolicy()
# Every query ranked over all resources matching any word: the ranking model alone.
RANKING_ONLY = MatchPolicy(all_words=0, most_words=0)


class QueryBuilder:
    """Builds queries against one index: its schema, lexicon and thesaurus."""

    def __init__(
        self, searcher, thesaurus: Thesaurus | None = None, policy: MatchPolicy = DEFAULT_POLICY
    ):
        self.searcher = searcher
        self.policy = policy
        self._syntax = ""
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.thesaurus = thesaurus or Thesaurus()
        self.analyzer = text_analyzer()
        self.parser = qparser.MultifieldParser(
            list(SEARCH_FIELDS), self.schema, fieldboosts=FIELD_WEIGHTS, group=qparser.AndGroup
        )
        self.parser.add_plugin(qparser.FuzzyTermPlugin())
        self.parser.add_plugin(qparser.FieldAliasPlugin({CONTENT: ["body"]}))
        self.labels = {
            name: [t.decode("utf-8") for t in self.reader.lexicon(name)] for name in (TOPIC, TYPE)
        }
        self.years = [
            int(t) for t in self.reader.lexicon(YEAR_FACET) if t.decode("utf-8") != UNDATED
        ]

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
        text, notices = clean_query(raw)
        text, facet_filter, facet_terms = self.take_facet_clauses(text, notices)
        if not text:
            return ParsedQuery(
                text=raw.strip()[:MAX_QUERY_CHARS] if raw else "",
                query=_combine(Every(), [], facet_filter),
                mode=BROWSE,
                notices=notices,
                facet_terms=facet_terms,
                facet_filter=facet_filter,
            )
        syntax = _YEAR_RANGE.sub(_year_range, text)
        syntax = _EXCLUDE.sub("NOT ", _PUNCTUATION_MARK.sub("", syntax))
        # The parser knows field names in lower case only: `Title:` means `title:`.
        syntax = _FIELD.sub(
            lambda m: m.group(0).lower() if m.group(1).lower() in FIELD_NAMES else m.group(0),
            syntax,
        )
        problem = _lint(syntax)
        parsed = None
        self._syntax = syntax
        if problem is None:
            try:
                parsed = self.parser.parse(syntax)
            except Exception:  # Whoosh raises assorted errors on odd input; fall back below
                problem = "a syntax the search cannot read"
        if parsed is not None and isinstance(parsed, type(query.NullQuery)) and self.words(text):
            problem, parsed = "a syntax the search cannot read", None
        # Operators make a query precise: it then runs as written. Parentheses alone only
        # group words that must all match anyway, and are flattened.
        explicit = bool(_OPERATORS.search(syntax))
        if parsed is None:
            notices.append(f"The query had {problem}; its words were searched instead.")
            units, negatives = (
                [self.word_unit(w) for w in dict.fromkeys(self.words(_SYNTAX.sub(" ", text)))],
                [],
            )
            mode, explicit = PLAIN, False
        else:
            units, negatives = _split(parsed)
            mode = ALL
        units = self.bound(units, notices)
        negatives = self.bound(negatives, notices)
        expansions: list[dict] = []
        units = self.expand(units, expansions)
        self.weigh_repeats(units, text)
        if len(units) > MAX_UNITS:
            notices.append(f"Only the first {MAX_UNITS} words of the query were used.")
            units = units[:MAX_UNITS]
        min_match = len(units) if explicit else self.policy.minimum(len(units))
        if mode == ALL and min_match < len(units):
            mode = MOST if min_match > 1 else RANKED
        if not units:
            positive = Every() if negatives else query.NullQuery
        elif min_match >= len(units):
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
            notices=notices,
            expansions=expansions,
            facet_terms=facet_terms,
            facet_filter=facet_filter,
        )

    def take_facet_clauses(self, text: str, notices: list[str]):
        """Remove `topic:`/`type:` clauses from the text; return them as an exact filter."""
        required, excluded, terms = [], [], []

        def take(match: re.Match) -> str:
            negate, name = match.group(1) == "-", match.group(2).lower()
            value = match.group(3) if match.group(3) is not None else match.group(4)
            fieldname = FACET_NAMES[name]
            labels = resolve_label(value, self.labels[fieldname])
            if not labels:
                notices.append(f"No {name} matches {value!r}.")
            clause = Or([Term(fieldname, label) for label in labels]) if labels else query.NullQuery
            (excluded if negate else required).append(clause)
            terms.extend((fieldname, label) for label in labels)
            return " "

        text = _SPACES.sub(" ", _FACET_CLAUSE.sub(take, text)).strip()
        if not required and not excluded:
            return text, None, terms
        positive = And(required) if required else Every()
        return text, (AndNot(positive, Or(excluded)) if excluded else positive), terms

    def bound(self, nodes: list[query.Query], notices: list[str]) -> list[query.Query]:
        """Nodes with wildcard and fuzzy terms replaced by their most common expansions."""
        return [self._bound(node, notices) for node in nodes]

    def _bound(self, node: query.Query, notices: list[str]) -> query.Query:
        if isinstance(node, query.NumericRange) and node.fieldname == YEAR:
            return self._year_terms(node)
        if isinstance(node, query.FuzzyTerm):
            node.maxdist = min(node.maxdist, MAX_FUZZY_DISTANCE)
            node.prefixlength = max(node.prefixlength, MIN_FUZZY_PREFIX)
        if isinstance(node, query.MultiTerm):
            return self._expand_terms(node, notices)
        if node.boost > MAX_BOOST:
            node.boost = MAX_BOOST
        if node.is_leaf():
            return node
        return node.apply(lambda child: self._bound(child, notices))

    def _year_terms(self, node: query.NumericRange) -> query.Query:
        """A year range as the index's years within it. Whoosh's numeric ranges with an open
        or low start (`year:..2016`) underflow and match years after the end."""
        low = -1 if node.start is None else node.start + (1 if node.startexcl else 0)
        high = 10**4 if node.end is None else node.end - (1 if node.endexcl else 0)
        years = [Term(YEAR, year) for year in self.years if low <= year <= high]
        return query.ConstantScoreQuery(Or(years), score=node.boost) if years else query.NullQuery

    def _fuzzy_words(self, node: query.FuzzyTerm):
        """Words within the fuzzy distance of the word as typed (the parser hands over its
        stem, which is further from the unstemmed spelling words), from all the text."""
        typed = node.text
        if getattr(node, "startchar", None) is not None and self._syntax:
            typed = self._syntax[node.startchar : node.endchar].lower().split("~")[0] or typed
        prefix = typed[: node.prefixlength]
        return self.reader.terms_within(CONTENT, typed, node.maxdist, prefix=len(prefix))

    def _expand_terms(self, node: query.MultiTerm, notices: list[str]) -> query.Query:
        found = (
            self._fuzzy_words(node)
            if isinstance(node, query.FuzzyTerm)
            else multiterm_btexts(node, self.reader)
        )
        words = list(islice(found, MAX_EXPANSION_SCAN))
        if not words:
            return query.NullQuery
        if len(words) > MAX_EXPANSIONS:
            words.sort(key=lambda w: -self.reader.doc_frequency(node.fieldname, w))
            words = words[:MAX_EXPANSIONS]
            note = (
                f"{node.text!r} matches many words; the {MAX_EXPANSIONS} most common were searched."
            )
            if note not in notices:
                notices.append(note)
        # Prefixes and wildcards give bytes; fuzzy terms give the words as text.
        texts = [w.decode("utf-8") if isinstance(w, bytes) else w for w in words]
        if isinstance(node, query.FuzzyTerm):
            # Fuzzy matching runs over the unstemmed spelling words: stem them back.
            texts = [stem for text in texts for stem in self.words(text)]
        terms = [Term(node.fieldname, text) for text in dict.fromkeys(texts)]
        return Or(terms, boost=min(node.boost, MAX_BOOST))

    def expand(self, units: list[query.Query], expansions: list[dict]) -> list[query.Query]:
        """Units with thesaurus terms (single words or runs of words) or-ed with their group."""
        if not self.thesaurus.groups:
            return units
        result, position = [], 0
        texts = [_word_of(unit) for unit in units]
        while position < len(units):
            for size in range(min(self.thesaurus.longest, len(units) - position), 0, -1):
                span = tuple(texts[position : position + size])
                if None in span:
                    continue
                others = self.thesaurus.alternatives(span)
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

    def weigh_repeats(self, units: list[query.Query], text: str) -> None:
        """Give a word typed n times n times the weight (the parser keeps it once)."""
        counts = Counter(self.words(_SYNTAX.sub(" ", text)))
        for unit in units:
            word = _word_of(unit)
            if word is not None and counts[word] > 1:
                unit.boost = min(unit.boost * counts[word], MAX_BOOST)


def _year_range(match: re.Match) -> str:
    """`year:2015..2020` as Whoosh's range syntax; an open end is left out (`[2015 TO]`),
    as Whoosh reads `[2015 TO ]` as nothing at all."""
    return "year:[" + " ".join(p for p in (match.group(1), "TO", match.group(2)) if p) + "]"


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
