"""Which query words a text holds, and its snippet, without analysing the whole text."""

from __future__ import annotations

import re

from whoosh.query import And, AndNot, Not, Or, Phrase, Term

from search_app import highlights
from search_app.highlights import TextWords
from search_app.search import query_words
from search_app.snapshots import IndexHolder


def test_words_are_the_indexed_forms_of_a_texts_words():
    words = TextWords()
    # As the index holds them: lower-cased, accents folded, stop words out, stemmed.
    assert words.words("The Officers were TRAINING in the café") == {
        "offic",
        "were",
        "train",
        "cafe",
    }


def test_stop_words_have_no_indexed_form_but_us_and_it_do():
    words = TextWords()
    assert words.stem("the") is None
    assert words.stem("US") == "us"
    assert words.stem("IT") == "it"


def test_the_snippet_is_cut_around_the_first_match_deep_in_a_long_text():
    filler = "lorem ipsum dolor " * 800
    text = filler + "the quillwort checklist was reviewed. " + filler
    snippet = TextWords().snippet(text, {"quillwort"})
    assert re.search(r"<mark[^>]*>quillwort</mark>", snippet)
    assert len(snippet) < 2 * highlights.SNIPPET_CHARS


def test_no_snippet_when_no_word_is_in_the_text():
    assert TextWords().snippet("Officers reviewed the footage.", {"quillwort"}) == ""
    assert TextWords().snippet("Officers reviewed the footage.", set()) == ""


def test_the_snippet_escapes_the_text():
    snippet = TextWords().snippet('<script>alert("x")</script> camera mounts', {"camera"})
    assert "<script>" not in snippet
    assert "&lt;/script&gt;" in snippet
    assert re.search(r"<mark[^>]*>camera</mark>", snippet)


def test_a_title_is_marked_whole():
    marked = TextWords().whole("Body Cameras & Patrols", {"camera"})
    assert re.fullmatch(r"Body <mark[^>]*>Cameras</mark> &amp; Patrols", marked)
    assert TextWords().whole("Body Cameras", {"quillwort"}) == ""


def test_the_cache_starts_again_when_full(monkeypatch):
    monkeypatch.setattr(highlights, "CACHE_LIMIT", 3)
    words = TextWords()
    assert words.words("alpha bravo charlie delta echo") == {
        "alpha",
        "bravo",
        "charli",
        "delta",
        "echo",
    }
    assert len(words.cache) <= 3


def test_query_words_leave_out_excluded_words_and_facets():
    query = AndNot(
        And(
            [
                Or([Term("content", "camera"), Term("title", "camera")]),
                Phrase("content", ["night", "patrol"]),
                Term("topic", "Use of Force"),
            ]
        ),
        Term("content", "zeppelin"),
    )
    assert query_words(query) == {"camera", "night", "patrol"}
    assert query_words(And([Term("content", "camera"), Not(Term("title", "drone"))])) == {"camera"}


def test_learnt_words_have_the_analyzers_forms(monkeypatch):
    learnt = TextWords()
    dictionary = ["officers", "training", "the", "cafe", "us", "marmalade"]
    assert learnt.learn(iter(dictionary)) == len(dictionary)
    assert len(learnt.cache) == 2 * len(dictionary)  # lower case and capitalised
    for word in dictionary:
        for printed in (word, word.capitalize()):
            assert learnt.cache[printed] == TextWords().stem(printed), printed
    assert learnt.cache["Officers"] == "offic" and learnt.cache["The"] is None
    # In half the cache at most, the first words (the commonest) first: a word met later
    # finds room without clearing what was learnt.
    monkeypatch.setattr(highlights, "CACHE_LIMIT", 10)
    small = TextWords()
    assert small.learn(dictionary) == 2 and set(small.cache) == {
        "officers",
        "Officers",
        "training",
        "Training",
    }
    small.stem("zebras")
    assert "officers" in small.cache


def test_warming_learns_the_versions_words(library_index):
    saved = dict(highlights.TEXT_WORDS.cache)
    highlights.TEXT_WORDS.cache.clear()
    try:
        assert IndexHolder(library_index).warm(0)
        assert highlights.TEXT_WORDS.cache["marmalade"] == "marmalad"
        assert highlights.TEXT_WORDS.cache["Clinicians"] == TextWords().stem("clinicians")
    finally:
        highlights.TEXT_WORDS.cache.clear()
        highlights.TEXT_WORDS.cache.update(saved)
