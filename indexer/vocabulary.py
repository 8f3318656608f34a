"""The controlled vocabulary: canonical topics and types, their aliases, and ignored labels.

Read from `vocabulary.toml` in the corpus. Labels are matched loosely (case, spacing, quote
and dash styles, `&` for `and`) and mapped to their canonical spelling; a label the
vocabulary does not know is kept as printed and reported by the caller.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import PageReadError, read_inside

VOCABULARY_FILE = "vocabulary.toml"
MAX_VOCABULARY_BYTES = 1024 * 1024

_PUNCTUATION = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
_SPACES = re.compile(r"\s+")


class VocabularyError(ValueError):
    """The vocabulary file cannot be read or does not have the expected shape."""


def label_key(label: str) -> str:
    """The loose matching key of a label: `Use of force` and `USE  OF FORCE` share one."""
    text = unicodedata.normalize("NFKC", label).translate(_PUNCTUATION)
    text = text.replace("&", " and ")
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class Facet:
    """The canonical values of one facet (topics or types) and what each alias maps to."""

    canonical: tuple[str, ...] = ()
    lookup: dict[str, str] = field(default_factory=dict)
    # Each alias as the vocabulary spells it, with its canonical value (for suggestions).
    aliases: tuple[tuple[str, str], ...] = ()

    def canonicalise(self, label: str) -> str | None:
        """The canonical value for a label, or None if the vocabulary does not know it."""
        return self.lookup.get(label_key(label))


@dataclass(frozen=True)
class Vocabulary:
    """Topics and types, plus labels that are never values (a thumbnail's alt text)."""

    topics: Facet = field(default_factory=Facet)
    types: Facet = field(default_factory=Facet)
    ignored: frozenset[str] = frozenset()

    def is_ignored(self, label: str) -> bool:
        """Whether the label is known noise, not a topic or type."""
        return label_key(label) in self.ignored


def _facet(entries: object, section: str) -> Facet:
    if not isinstance(entries, list):
        raise VocabularyError(f"[[{section}]] must be a list of tables with a name")
    canonical: list[str] = []
    lookup: dict[str, str] = {}
    named: list[tuple[str, str]] = []
    for number, entry in enumerate(entries, 1):
        name = entry.get("name") if isinstance(entry, dict) else None
        aliases = entry.get("aliases", []) if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise VocabularyError(f"{section} entry {number} has no name")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise VocabularyError(f"{section} {name!r}: aliases must be a list of strings")
        name = name.strip()
        canonical.append(name)
        for label in (name, *aliases):
            key = label_key(label)
            if lookup.get(key, name) != name:
                raise VocabularyError(
                    f"{section} label {label!r} belongs to both {lookup[key]!r} and {name!r}"
                )
            if key not in lookup and key != label_key(name):
                named.append((label.strip(), name))
            lookup[key] = name
    return Facet(tuple(canonical), lookup, tuple(named))


def parse_vocabulary(text: str) -> Vocabulary:
    """A Vocabulary from the text of a vocabulary file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise VocabularyError(f"not valid TOML: {error}") from None
    except RecursionError:  # the TOML reader nests one call per bracket
        raise VocabularyError("not valid TOML: nested too deeply") from None
    ignore = data.get("ignore", {})
    ignored = ignore.get("labels", []) if isinstance(ignore, dict) else None
    if not isinstance(ignored, list) or not all(isinstance(i, str) for i in ignored):
        raise VocabularyError("[ignore] labels must be a list of strings")
    return Vocabulary(
        topics=_facet(data.get("topic", []), "topic"),
        types=_facet(data.get("type", []), "type"),
        ignored=frozenset(label_key(label) for label in ignored),
    )


def load_vocabulary(corpus: Path) -> Vocabulary | None:
    """The corpus's vocabulary, or None when the corpus has no vocabulary file."""
    text = read_vocabulary_text(corpus)
    return None if text is None else parse_vocabulary(text)


def read_vocabulary_text(corpus: Path) -> str | None:
    """The text of a folder's vocabulary file (a corpus, or a published index version), or
    None when it has none."""
    if not os.path.lexists(corpus / VOCABULARY_FILE):
        return None
    try:
        data, _ = read_inside(corpus, VOCABULARY_FILE, MAX_VOCABULARY_BYTES)
    except PageReadError as error:
        raise VocabularyError(str(error)) from None
    if len(data) > MAX_VOCABULARY_BYTES:
        raise VocabularyError(f"over {MAX_VOCABULARY_BYTES // (1024 * 1024)} MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise VocabularyError("not valid UTF-8") from None
