"""The thesaurus: groups of words and phrases that mean the same (CIT = crisis intervention
team), read from the file librarians edit; the build checks it and ships it in the index,
where the search app reads it to expand queries both ways.

File format: one group per line, terms separated by commas or `=`; `#` starts a comment.

    CIT = crisis intervention team
    BWC, body-worn camera, body camera
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

THESAURUS_FILE = "thesaurus.txt"
MAX_THESAURUS_BYTES = 1024 * 1024
MAX_TERM_WORDS = 6
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
    """For each analyzed word sequence, the other terms of its group."""

    groups: dict[tuple[str, ...], tuple[Entry, ...]] = field(default_factory=dict)
    labels: dict[tuple[str, ...], str] = field(default_factory=dict)
    longest: int = 0

    def alternatives(self, words: tuple[str, ...]) -> tuple[Entry, ...]:
        """The other terms of the group a word sequence belongs to (empty when none)."""
        return self.groups.get(words, ())

    def label(self, words: tuple[str, ...]) -> str:
        """A word sequence of the thesaurus as the librarian wrote it."""
        return self.labels.get(words, " ".join(words))


def parse_thesaurus(text: str, analyze) -> Thesaurus:
    """A Thesaurus from the file's text, with terms analyzed by `analyze(str) -> [words]`."""
    groups: dict[tuple[str, ...], tuple[Entry, ...]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        labels = [label.strip() for label in _SEPARATORS.split(line) if label.strip()]
        entries = []
        for label in labels:
            words = tuple(analyze(label))
            if not words or len(words) > MAX_TERM_WORDS:
                raise ThesaurusError(
                    f"line {number}: {label!r} must have 1 to {MAX_TERM_WORDS} searchable words"
                )
            entries.append(Entry(label, words))
        if len(entries) < 2:
            raise ThesaurusError(f"line {number}: a group needs at least two terms")
        for entry in entries:
            others = tuple(e for e in entries if e.words != entry.words)
            groups[entry.words] = tuple(dict.fromkeys(groups.get(entry.words, ()) + others))
    labels = {entry.words: entry.label for entries in groups.values() for entry in entries}
    return Thesaurus(groups, labels, max((len(words) for words in groups), default=0))


def load_thesaurus(path: Path | None, analyze) -> Thesaurus:
    """The thesaurus at `path`, or an empty one when there is no file."""
    if path is None or not path.is_file():
        return Thesaurus()
    data = path.read_bytes()[: MAX_THESAURUS_BYTES + 1]
    if len(data) > MAX_THESAURUS_BYTES:
        raise ThesaurusError("thesaurus file over 1 MB")
    try:
        return parse_thesaurus(data.decode("utf-8-sig"), analyze)
    except UnicodeDecodeError:
        raise ThesaurusError("thesaurus file is not valid UTF-8") from None
