"""Step four, for people: a search page whose year range cannot be read still shows the
search. The JSON API answers such a request with its 400; the page answers with the query
and the other filters applied, and the reason beside the year fields, which keep what was
typed so it can be corrected.

Which field is wrong is found by parsing (each bound alone, then both), never by reading
the error's message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from indexer import facet_fields
from indexer.records import MAX_YEAR, MIN_YEAR

from .errors import UserError
from .params import SearchParams, parse_params


@dataclass(frozen=True)
class YearRangeError:
    """Why the year range was left out: the message, the fields at fault, what was typed."""

    message: str
    fields: tuple[str, ...]
    typed: dict[str, str] = field(default_factory=dict)


def _parses(name: str, value: str) -> bool:
    try:
        parse_params(MultiDict({name: value}))
    except UserError:
        return False
    return True


def parse_keeping_search(args) -> tuple[SearchParams, YearRangeError | None]:
    """The parameters of `args`; when only the year range is at fault, the parameters
    without it and why. Any other problem is raised as the UserError it is."""
    try:
        return parse_params(args), None
    except UserError as error:
        low, high = facet_fields.range_facet().bounds
        rest = MultiDict(args)
        rest.poplist(low)
        rest.poplist(high)
        try:
            params = parse_params(rest)
        except UserError:
            raise error from None
    typed = {name: (args.get(name) or "").strip() for name in (low, high)}
    unreadable = tuple(name for name in (low, high) if not _parses(name, typed[name]))
    if unreadable:
        message = f"Enter a year from {MIN_YEAR} to {MAX_YEAR}."
    else:
        message = f"“From” ({typed[low]}) is after “To” ({typed[high]}): swap them or change one."
    return params, YearRangeError(message, unreadable or (low, high), typed)
