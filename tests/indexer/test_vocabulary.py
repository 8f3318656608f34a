"""The controlled vocabulary: canonical labels, aliases, loose matching, ignored labels."""

from __future__ import annotations

import pytest

from indexer.build import BuildFailed, build
from indexer.vocabulary import (
    Facet,
    VocabularyError,
    label_key,
    load_vocabulary,
    parse_vocabulary,
)
from tests.conftest import VOCABULARY, write_page


@pytest.mark.parametrize(
    "label",
    [
        "Stops, Searches, and Arrests",
        "stops, searches, and arrests",
        "  STOPS,  Searches,\n and Arrests ",
        "Stops, Searches, & Arrests",
        "Stops, Searches,&Arrests",
    ],
)
def test_label_key_matches_loosely(label):
    assert label_key(label) == "stops, searches, and arrests"


def test_label_key_folds_quote_and_dash_styles():
    assert label_key("Officer\u2019s \u201cDuty\u201d \u2013 Belt") == 'officer\'s "duty" - belt'
    assert label_key("Officers Duty Belt") != label_key("Officer's Duty Belt")


def test_parse_vocabulary():
    vocabulary = parse_vocabulary(VOCABULARY)
    assert vocabulary.topics.canonical == (
        "Use of Force",
        "Officer Safety and Wellness",
        "Response to Mass Demonstrations",
        "Technology Implementation",
    )
    assert vocabulary.types.canonical == ("Guidebook/Tool", "Report", "Article", "Video")
    assert vocabulary.ignored == frozenset({"a law enforcement officer's duty belt"})


@pytest.mark.parametrize(
    ("label", "canonical"),
    [
        ("Response to Mass Demonstrations", "Response to Mass Demonstrations"),
        ("Mass Demonstration Response", "Response to Mass Demonstrations"),
        ("mass  demonstration RESPONSE", "Response to Mass Demonstrations"),
        ("use of force", "Use of Force"),
        ("Mass Demonstrations", None),
        ("Force", None),
    ],
)
def test_topics_map_through_aliases(label, canonical):
    assert parse_vocabulary(VOCABULARY).topics.canonicalise(label) == canonical


def test_aliases_are_kept_as_spelled_with_their_canonical_label():
    vocabulary = parse_vocabulary(
        '[[topic]]\nname = "Use of Force"\n'
        'aliases = ["Response to Resistance", "USE OF  force", "response  to resistance"]\n'
    )
    # A spelling of the name itself, or of an alias already listed, is not another alias.
    assert vocabulary.topics.aliases == (("Response to Resistance", "Use of Force"),)
    assert parse_vocabulary(VOCABULARY).topics.aliases == (
        ("Mass Demonstration Response", "Response to Mass Demonstrations"),
    )


def test_topics_and_types_are_separate():
    vocabulary = parse_vocabulary(VOCABULARY)
    assert vocabulary.types.canonicalise("Report") == "Report"
    assert vocabulary.topics.canonicalise("Report") is None


def test_ignored_labels_match_loosely():
    vocabulary = parse_vocabulary(VOCABULARY)
    assert vocabulary.is_ignored("A Law Enforcement Officer\u2019s Duty Belt")
    assert not vocabulary.is_ignored("A Law Enforcement Officer")


def test_empty_vocabulary_knows_nothing():
    vocabulary = parse_vocabulary("")
    assert (vocabulary.topics, vocabulary.types, vocabulary.ignored) == (
        Facet(),
        Facet(),
        frozenset(),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[[topic]\nname = 'x'",
            "not valid TOML: Expected ']]' at the end of an array declaration (at line 1, column 8)",
        ),
        ("topic = 'x'", "[[topic]] must be a list of tables with a name"),
        ("[[topic]]\naliases = ['a']", "topic entry 1 has no name"),
        ("[[topic]]\nname = 'A'\n[[topic]]\nname = ' '", "topic entry 2 has no name"),
        ("[[type]]\nname = 'A'\naliases = 'b'", "type 'A': aliases must be a list of strings"),
        ("[[type]]\nname = 'A'\naliases = [1]", "type 'A': aliases must be a list of strings"),
        (
            "[[topic]]\nname = 'A'\n[[topic]]\nname = 'B'\naliases = ['a']",
            "topic label 'a' belongs to both 'A' and 'B'",
        ),
        ("[ignore]\nlabels = 'x'", "[ignore] labels must be a list of strings"),
        ("ignore = ['x']", "[ignore] labels must be a list of strings"),
    ],
)
def test_bad_vocabulary(text, message):
    with pytest.raises(VocabularyError) as raised:
        parse_vocabulary(text)
    assert str(raised.value) == message


def test_load_vocabulary(tmp_path):
    assert load_vocabulary(tmp_path) is None
    write_page(tmp_path, "vocabulary.toml", VOCABULARY)
    assert load_vocabulary(tmp_path) == parse_vocabulary(VOCABULARY)


def test_load_vocabulary_not_utf8(tmp_path):
    write_page(tmp_path, "vocabulary.toml", "[[topic]]\nname = 'Caf\u00e9'\n".encode("cp1252"))
    with pytest.raises(VocabularyError, match="^not valid UTF-8$"):
        load_vocabulary(tmp_path)


def test_bad_vocabulary_fails_the_build_and_keeps_the_index(corpus, index_dir):
    current = (index_dir / "CURRENT").read_text()
    write_page(corpus, "vocabulary.toml", "[[topic]]\naliases = ['a']\n")
    with pytest.raises(BuildFailed) as raised:
        build(corpus, index_dir)
    assert str(raised.value) == "vocabulary.toml: topic entry 1 has no name"
    assert (index_dir / "CURRENT").read_text() == current
