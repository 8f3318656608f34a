"""The thesaurus: groups of words and phrases that mean the same (CIT = crisis intervention
team), read from the file librarians edit; the build checks it and ships it in the index,
where the search app reads it to expand queries both ways.

File format: one group per line, terms separated by commas or `=`; `#` starts a comment.

    CIT = crisis intervention team
    BWC, body-worn camera, body camera
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import PageReadError, read_inside

THESAURUS_FILE = "thesaurus.txt"
# The analysed groups, written by the build beside the index (see `analysed_groups`).
ANALYSED_FILE = "thesaurus.json"
ANALYSED_FORMAT = 1
MAX_ANALYSED_BYTES = 16 * 1024 * 1024
MAX_THESAURUS_BYTES = 1024 * 1024
MAX_TERM_WORDS = 6
MAX_GROUP_TERMS = 20  # a longer line is an error naming it
MAX_EXPANSIONS = 20  # the most other terms one lookup returns (a term may be in many groups)
_SEPARATORS = re.compile(r"[,=]")


class ThesaurusError(ValueError):
    """The thesaurus file cannot be used; the message names the line."""


@dataclass(frozen=True)
class Entry:
    """One term of a group: as written, and as the index's analyzer sees it."""

    label: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Thesaurus:
    """The groups of the file, and for each analyzed word sequence the groups it is in.

    Each group is kept once and shared by its terms, so reading a file is linear in its size
    (listing every term's partners instead took 24 s for one group of 3,000 terms).
    """

    groups: dict[tuple[str, ...], tuple[int, ...]] = field(default_factory=dict)
    members: tuple[tuple[Entry, ...], ...] = ()
    labels: dict[tuple[str, ...], str] = field(default_factory=dict)
    longest: int = 0

    def alternatives(
        self, words: tuple[str, ...], limit: int = MAX_EXPANSIONS
    ) -> tuple[Entry, ...]:
        """The other terms of the groups a word sequence is in, in file order, at most
        `limit` (ask for one more to learn whether some were left out); empty when none."""
        found: dict[Entry, None] = {}
        for group in self.groups.get(words, ()):
            for entry in self.members[group]:
                if entry.words != words:
                    found[entry] = None
                    if len(found) >= limit:
                        return tuple(found)
        return tuple(found)

    def label(self, words: tuple[str, ...]) -> str:
        """A word sequence of the thesaurus as the librarian first wrote it."""
        return self.labels.get(words, " ".join(words))


def parse_thesaurus(text: str, analyze) -> Thesaurus:
    """A Thesaurus from the file's text, with terms analyzed by `analyze(str) -> [words]`."""
    groups = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        names = [label.strip() for label in _SEPARATORS.split(line) if label.strip()]
        if len(names) > MAX_GROUP_TERMS:
            raise ThesaurusError(
                f"line {number}: a group has {len(names)} terms; at most {MAX_GROUP_TERMS}"
            )
        entries = []
        for label in names:
            words = tuple(analyze(label))
            if not words or len(words) > MAX_TERM_WORDS:
                raise ThesaurusError(
                    f"line {number}: {label!r} must have 1 to {MAX_TERM_WORDS} searchable words"
                )
            entries.append(Entry(label, words))
        if len(entries) < 2:
            raise ThesaurusError(f"line {number}: a group needs at least two terms")
        groups.append(tuple(entries))
    return _thesaurus(groups)


def _thesaurus(members: list[tuple[Entry, ...]]) -> Thesaurus:
    """The lookups of a list of groups, each group kept once."""
    groups: dict[tuple[str, ...], list[int]] = {}
    labels: dict[tuple[str, ...], str] = {}
    for group, entries in enumerate(members):
        for entry in entries:
            labels.setdefault(entry.words, entry.label)
            in_groups = groups.setdefault(entry.words, [])
            if not in_groups or in_groups[-1] != group:
                in_groups.append(group)
    return Thesaurus(
        {words: tuple(found) for words, found in groups.items()},
        tuple(members),
        labels,
        max((len(words) for words in groups), default=0),
    )


def analysed_groups(thesaurus: Thesaurus) -> str:
    """The thesaurus as the build analysed it, as JSON: published beside the index, so the
    search app reads it without analysing a term again (once per version, not per worker)."""
    groups = [[[entry.label, list(entry.words)] for entry in group] for group in thesaurus.members]
    return json.dumps({"format": ANALYSED_FORMAT, "groups": groups}, ensure_ascii=False)


def load_published_thesaurus(folder: Path, analyze) -> Thesaurus:
    """The thesaurus of a published version: its analysed groups when the build wrote them,
    else its text analysed again (versions published before they were written)."""
    path = folder / ANALYSED_FILE
    if not os.path.lexists(path):
        return load_thesaurus(folder / THESAURUS_FILE, analyze)
    try:
        data, _ = read_inside(folder, ANALYSED_FILE, MAX_ANALYSED_BYTES)
        found = json.loads(data)
        if found.get("format") != ANALYSED_FORMAT:
            raise ValueError(f"unknown format {found.get('format')!r}")
        members = [
            tuple(Entry(str(label), tuple(str(w) for w in words)) for label, words in group)
            for group in found["groups"]
        ]
    except (PageReadError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise ThesaurusError(f"{ANALYSED_FILE}: {error}") from None
    return _thesaurus(members)


def load_thesaurus(path: Path | None, analyze) -> Thesaurus:
    """The thesaurus at `path`, or an empty one when there is no file. The file must be a
    regular file in its folder (a link out of the corpus or a pipe is an error)."""
    if path is None or not os.path.lexists(path):
        return Thesaurus()
    try:
        data, _ = read_inside(path.parent, path.name, MAX_THESAURUS_BYTES)
    except PageReadError as error:
        raise ThesaurusError(str(error)) from None
    if len(data) > MAX_THESAURUS_BYTES:
        raise ThesaurusError("thesaurus file over 1 MB")
    try:
        return parse_thesaurus(data.decode("utf-8-sig"), analyze)
    except UnicodeDecodeError:
        raise ThesaurusError("thesaurus file is not valid UTF-8") from None
