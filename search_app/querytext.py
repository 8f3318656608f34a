"""Step one of a search, the text layer: the visitor's text made ready for Whoosh's parser.

Pure functions of strings, no index and no Whoosh: clean and bound the text; take out the
facet clauses (`topic:"use of force"`, `-type:video`), which become an exact filter rather
than words; rewrite what the parser reads otherwise (`year:2015..2020` as a range, `-word`
as `NOT word`, `Title:` as `title:`, a question mark ending a word as punctuation); and lint
the result: when the syntax cannot be trusted the query runs in plain mode (its words
only) and says why. `query.QueryBuilder` turns the prepared text into a query tree.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from indexer import facet_fields
from indexer.schema import CONTENT, DESCRIPTION, TITLE, YEAR
from indexer.vocabulary import Facet as Aliases
from indexer.vocabulary import label_key

from .notices import Notice, Reason, messages

MAX_QUERY_CHARS = 1000
MIN_WILDCARD_PREFIX = 2

# Field names a query may use. The body's words are indexed once, in `content` with the
# rest of the text, so `body:` (an alias of `content`) searches all of a resource's text.
FIELD_NAMES = {"title": TITLE, "description": DESCRIPTION, "body": CONTENT, "year": YEAR}

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Invisible marks pasted from web pages inside words (soft hyphen, zero-width space, word
# joiner, direction marks and embeddings, byte order mark): removed, so the word stays whole.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_QUOTED = re.compile(r'"[^"]*"')
_EXCLUDE = re.compile(r'(?<![^\s(])-(?=[\w"(])')
_FIELD = re.compile(r"(?<![\w.])([A-Za-z_]+):")
_EMPTY_FIELD = re.compile(r"(?<![\w.])[A-Za-z_]+:(?=\s|\)|$)")
_DANGLING = re.compile(r"^\s*(AND|OR)\b|\b(AND|OR|NOT)\s*$|\b(AND|OR|NOT)\s+(AND|OR)\b|\(\s*\)")
_WILDCARD_TOKEN = re.compile(r"[^\s()\"]*[*?][^\s()\"]*")
# A question mark ending a word is punctuation, not a one-letter wildcard.
_PUNCTUATION_MARK = re.compile(r"(?<=\w)\?(?=[\s),.;:!]|$)")
_OPERATORS = re.compile(r"\b(OR|NOT)\b|\[|(?<![\w.])(title|description|body|year):")
_WORD = re.compile(r"\w+")
_SYNTAX = re.compile(r'[()"*?~^:\[\]{}]|\b(AND|OR|NOT|TO)\b')


@functools.cache
def _facet_clause(names: tuple[str, ...]) -> re.Pattern:
    """`name:"a value"` or `name:value` of any of the facets, `-` before it to exclude."""
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf'(?<!\S)(-?)({alternatives}):(?:"([^"]*)"?|(\S+))', re.IGNORECASE)


def clause_facets() -> tuple[str, ...]:
    """The facets a query may name in a clause (`topic:...`): an exact filter, not words."""
    return tuple(facet.name for facet in facet_fields.FACETS if facet.clause)


@dataclass(frozen=True)
class FacetClause:
    """A facet named in the query text: `topic:"use of force"`, or `-type:video` to exclude."""

    facet: str  # the facet's name, lower case
    value: str  # as typed
    exclude: bool = False


@dataclass(frozen=True)
class QueryText:
    """A visitor's text made ready for the parser, and what was done to it."""

    text: str  # cleaned, facet clauses taken out: the words as typed
    syntax: str  # the text as the parser reads it
    clauses: tuple[FacetClause, ...] = ()
    problem: str | None = None  # why the syntax cannot be trusted (plain mode), or None
    explicit: bool = False  # operators or fields: the query runs as written
    notices: tuple[Notice, ...] = ()


def clean(text: str) -> tuple[str, list[Notice]]:
    """Text without control characters, composed, one space between words, bounded."""
    notices = []
    # Tabs and line breaks are spaces pasted in; any other control character is noted.
    text = text or ""
    if _INVISIBLE.search(text) or any(char not in "\t\n\r" for char in _CONTROL.findall(text)):
        notices.append(Notice.of(Reason.CONTROL_CHARACTERS))
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", _INVISIBLE.sub("", text)))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notices.append(Notice.of(Reason.CUT, limit=MAX_QUERY_CHARS))
    return text, notices


def clean_query(text: str) -> tuple[str, list[str]]:
    """`clean`, with the sentences saying what was changed."""
    text, notices = clean(text)
    return text, messages(notices)


def take_facet_clauses(text: str) -> tuple[str, list[FacetClause]]:
    """The text without its facet clauses, and the clauses in the order typed."""
    clauses = []

    def take(match: re.Match) -> str:
        value = match.group(3) if match.group(3) is not None else match.group(4)
        clauses.append(FacetClause(match.group(2).lower(), value, match.group(1) == "-"))
        return " "

    pattern = _facet_clause(clause_facets())
    return _SPACES.sub(" ", pattern.sub(take, text)).strip(), clauses


def rewrite(text: str) -> str:
    """The text in the syntax Whoosh's parser reads: year ranges, `-word`, field names."""
    syntax = _EXCLUDE.sub("NOT ", _PUNCTUATION_MARK.sub("", text))
    # The parser knows field names in lower case only: `Title:` means `title:`.
    return _FIELD.sub(
        lambda m: m.group(0).lower() if m.group(1).lower() in FIELD_NAMES else m.group(0),
        syntax,
    )


def lint(syntax: str) -> str | None:
    """Why the query's syntax cannot be trusted, or None when it reads well."""
    if syntax.count('"') % 2:
        return "unbalanced quotes"
    depth = 0
    for char in _QUOTED.sub("", syntax):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        return "unbalanced parentheses"
    empty = _EMPTY_FIELD.search(syntax)
    if empty:
        return f"{empty.group(0)!r} with nothing after it"
    for name in _FIELD.findall(_QUOTED.sub("", syntax)):
        if name.lower() not in FIELD_NAMES:
            return f"unknown field {name + ':'!r}"
    if _DANGLING.search(syntax):
        return "an AND, OR or NOT with nothing to join"
    for token in _WILDCARD_TOKEN.findall(syntax):
        literal = re.split(r"[*?]", token.split(":")[-1], maxsplit=1)[0]
        if len(literal) < MIN_WILDCARD_PREFIX:
            return f"a wildcard {token!r} with fewer than {MIN_WILDCARD_PREFIX} letters before it"
    return None


def plain_words(text: str) -> str:
    """The text with every operator and syntax mark made a space: its words only."""
    return _SYNTAX.sub(" ", text)


def typed_words(text: str) -> list[str]:
    """The words of a text as typed, stop words included (a question's length)."""
    return _WORD.findall(plain_words(text))


def prepare(raw: str) -> QueryText:
    """The visitor's raw text, cleaned, its facet clauses taken, rewritten and linted."""
    text, notices = clean(raw)
    text, clauses = take_facet_clauses(text)
    if not text:
        return QueryText("", "", tuple(clauses), notices=tuple(notices))
    syntax = rewrite(text)
    return QueryText(
        text=text,
        syntax=syntax,
        clauses=tuple(clauses),
        problem=lint(syntax),
        # Operators make a query precise: it then runs as written. Parentheses alone only
        # group words that must all match anyway, and are flattened.
        explicit=bool(_OPERATORS.search(syntax)),
        notices=tuple(notices),
    )


def resolve_label(value: str, labels: list[str], aliases: Aliases | None = None) -> list[str]:
    """The facet labels a visitor's value names: exact (any case), else the canonical label
    of an alias or variant spelling the vocabulary knows, else the labels containing it."""
    named = named_label(value, labels, aliases)
    if named is not None:
        return [named]
    key = label_key(value)
    return [label for label in labels if key in label_key(label)] if key else []


def named_label(value: str, labels: list[str], aliases: Aliases | None = None) -> str | None:
    """The label a value names exactly: as the index spells it (any case, spacing, quote
    and dash style), else the canonical label of one of its aliases; None if neither."""
    key = label_key(value)
    exact = next((label for label in labels if label_key(label) == key), None)
    if exact is not None or aliases is None:
        return exact
    canonical = aliases.canonicalise(value)
    return canonical if canonical in labels else None


def alias_notices(facet: str, value: str, labels: list[str], aliases: Aliases | None) -> list:
    """A notice when a value names a label through one of its aliases (not just its case)."""
    named = named_label(value, labels, aliases)
    if named is None or named_label(value, labels) is not None:
        return []
    return [Notice.of(Reason.ALIAS, facet=facet, label=named, value=value)]
