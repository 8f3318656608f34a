"""The search parameters: read from a query string (or the CLI), bounded, and written back.

Every page state is a GET URL: `SearchParams.to_query` writes the parameters back, with
changes, so facet toggles, pagination and exports are plain links.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from indexer import facet_fields
from indexer.facet_fields import UNDATED
from indexer.records import MAX_YEAR, MIN_YEAR
from indexer.vocabulary import label_key

from .errors import UserError

SORTS = ("relevance", "newest", "oldest", "title")
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_FACET_VALUES = 20
MAX_VALUE_CHARS = 200
MAX_RAW_QUERY_CHARS = 20_000
# Encoded name=value pairs of links kept per process (facet values, years, page numbers).
PAIRS_CACHED = 4096


Selection = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class SearchParams:
    """One search: query text, facet selections, year range, sort and page.

    `undated` selects the resources without a year (`year=Undated` in a URL), alone or
    besides the year range (either matches, as values of one facet are OR-ed).

    `selected` holds each keyword facet's selected values; it may be given as a mapping
    (`selected={"topic": ("Use of Force",)}`) and is kept as (name, values) pairs in
    registry order, facets without a value left out, so equal selections compare equal.
    """

    q: str = ""
    selected: Selection = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    undated: bool = False

    def __post_init__(self):
        object.__setattr__(self, "selected", _selection(self.selected))

    def values(self, name: str) -> tuple[str, ...]:
        """The selected values of a keyword facet."""
        return dict(self.selected).get(name, ())

    def choosing(self, name: str, values) -> Selection:
        """The selections with one facet's values replaced."""
        return tuple({**dict(self.selected), name: tuple(values)}.items())

    def filters(self) -> dict:
        """The facet selections as the response's `query.filters` shows them."""
        low, high = facet_fields.range_facet().bounds
        return {
            **{
                facet.name: list(self.values(facet.name)) for facet in facet_fields.keyword_facets()
            },
            low: self.year_from,
            high: self.year_to,
            facet_fields.range_facet().name: [UNDATED] if self.undated else [],
        }

    def url(self, base_path: str, **changes) -> str:
        """The link to these parameters with some changed, on the page at `base_path`."""
        query = self.to_query(**changes)
        return f"{base_path}?{query}" if query else base_path

    def to_query(self, **changes) -> str:
        """The query string of these parameters with some changed (defaults left out), as
        `urllib.parse.urlencode` writes it. A results page writes one per facet value (its
        toggle link): each name=value pair is encoded once per process (`_pair`), and the
        parameters are not copied."""
        for name in changes:
            if name not in _FIELDS:
                raise TypeError(f"SearchParams has no parameter {name!r}")
        get = {**self.__dict__, **changes}.get
        pairs: list[str] = []
        if get("q"):
            pairs.append(_pair("q", get("q")))
        selected = get("selected") if "selected" not in changes else _selection(get("selected"))
        pairs += [_pair(name, value) for name, values in selected for value in values]
        low, high = facet_fields.range_facet().bounds
        for name, value in ((low, get("year_from")), (high, get("year_to"))):
            if value is not None:
                pairs.append(_pair(name, str(value)))
        if get("undated"):
            pairs.append(_pair(facet_fields.range_facet().name, UNDATED))
        if get("sort") != "relevance":
            pairs.append(_pair("sort", get("sort")))
        if get("page") != 1:
            pairs.append(_pair("page", str(get("page"))))
        if get("per_page") != DEFAULT_PER_PAGE:
            pairs.append(_pair("per_page", str(get("per_page"))))
        return "&".join(pairs)


_FIELDS = frozenset(field.name for field in fields(SearchParams))


def _selection(selected) -> Selection:
    """Facet selections as `SearchParams` keeps them (registry order, empty ones left out)."""
    chosen = dict(selected)
    return tuple(
        (facet.name, tuple(chosen[facet.name]))
        for facet in facet_fields.keyword_facets()
        if chosen.get(facet.name)
    )


@functools.lru_cache(maxsize=PAIRS_CACHED)
def _pair(name: str, value: str) -> str:
    """One `name=value` of a query string, as `urlencode` writes it."""
    return urlencode([(name, value)])


def _integer(args, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    text = str(raw).strip()
    # Digits as int() reads them: not "--5", "²" or "①", which isdigit() lets through.
    if not text.removeprefix("-").isdecimal() or len(text) > len(str(high)) + 1:
        raise UserError(f"{name} must be a whole number from {low} to {high} (got {text[:20]!r})")
    value = int(text)
    if not low <= value <= high:
        raise UserError(f"{name} must be a whole number from {low} to {high} (got {value})")
    return value


def _values(args, name: str) -> tuple[str, ...]:
    values = [v.strip() for v in args.getlist(name) if v and v.strip()]
    if len(values) > MAX_FACET_VALUES:
        raise UserError(f"at most {MAX_FACET_VALUES} {name} values can be selected at once")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise UserError(f"a {name} value must be at most {MAX_VALUE_CHARS} characters")
    return tuple(dict.fromkeys(values))


def _undated(args) -> bool:
    """Whether `year=Undated` selects the resources without a year (any case)."""
    name = facet_fields.range_facet().name
    low, high = facet_fields.range_facet().bounds
    for value in _values(args, name):
        if label_key(value) != label_key(UNDATED):
            raise UserError(
                f"{name} must be {UNDATED!r} (a range of years is {low} and {high};"
                f" got {value[:20]!r})"
            )
    return bool(_values(args, name))


def parse_params(args) -> SearchParams:
    """SearchParams from a multi-dict (Flask's `request.args`), or a UserError saying why not."""
    q = args.get("q") or ""
    if len(q) > MAX_RAW_QUERY_CHARS:
        raise UserError(f"q must be at most {MAX_RAW_QUERY_CHARS} characters")
    if len(args.getlist("q")) > 1:
        raise UserError("q must be given once")
    sort = (args.get("sort") or "relevance").strip().lower()
    if sort not in SORTS:
        raise UserError(f"sort must be one of {', '.join(SORTS)} (got {sort[:20]!r})")
    low, high = facet_fields.range_facet().bounds
    year_from = _integer(args, low, None, MIN_YEAR, MAX_YEAR)
    year_to = _integer(args, high, None, MIN_YEAR, MAX_YEAR)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise UserError(f"{low} ({year_from}) must not be after {high} ({year_to})")
    return SearchParams(
        q=q,
        selected={facet.name: _values(args, facet.name) for facet in facet_fields.keyword_facets()},
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        page=_integer(args, "page", 1, 1, MAX_PAGE),
        per_page=_integer(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        undated=_undated(args),
    )
