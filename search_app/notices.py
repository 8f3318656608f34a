"""What a search did to the visitor's query, as data: a reason, and the sentence it reads as.

Every step of a search (cleaning the text, parsing it, resolving facet selections, the
zero-results fallback) says what it changed by returning `Notice`s; the response lists their
messages. Behaviour is decided from the reason, never by matching a message's text: the
response's `query.fallback` is the first notice whose reason is a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Reason(Enum):
    """Why a notice was given; each value is the template of its message."""

    CONTROL_CHARACTERS = "The query's control characters were ignored."
    CUT = "The query was cut to its first {limit} characters."
    NO_FACET_MATCH = "No {facet} matches {value!r}."
    PLAIN_WORDS = "The query had {problem}; its words were searched instead."
    MANY_EXPANSIONS = "{text!r} matches many words; the {kept} most common were searched."
    EXPANSIONS_CUT = (
        "The query's wildcard and fuzzy words match many words; the most common were searched."
    )
    MANY_PHRASES = "Only the first {limit} phrases were searched as phrases; the others as words."
    COMMON_PHRASES = "Phrases of very common words were searched as their words, in any order."
    LONG_PHRASE = "Only {limit} words of a long phrase were checked in order; the others anywhere."
    MANY_SYNONYMS = "{text!r} has more than {limit} synonyms; the first {limit} were searched."
    SEARCHED_PARTLY = "Searched partly: the request took too long."
    TOO_MANY_WORDS = "Only the first {limit} words of the query were used."
    UNKNOWN_SELECTION = "No resource has the {facet} {value!r}."
    ALIAS = "Showing {facet} {label!r} for {value!r}."
    SOME_WORDS = "No resource matches all the words; showing those that match some."


# Reasons that mean the search ran a looser query than the one typed.
FALLBACKS = frozenset({Reason.PLAIN_WORDS, Reason.SOME_WORDS})


@dataclass(frozen=True)
class Notice:
    """One thing a search did to the query, and the sentence a visitor reads."""

    reason: Reason
    message: str

    @classmethod
    def of(cls, reason: Reason, **details) -> Notice:
        """The notice of a reason, its message filled in with the details."""
        return cls(reason, reason.value.format(**details))

    @property
    def is_fallback(self) -> bool:
        return self.reason in FALLBACKS


def messages(notices) -> list[str]:
    """The sentences of notices, in order."""
    return [notice.message for notice in notices]


def first_fallback(notices) -> str | None:
    """The message of the first fallback notice, or None."""
    return next((notice.message for notice in notices if notice.is_fallback), None)
