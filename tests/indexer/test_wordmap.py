"""indexer.wordmap: a text field's postings from a memo of each distinct word's analysis are
Whoosh's own, byte for byte (terms, frequencies, weights, encoded positions, spelling words)."""

from __future__ import annotations

import bisect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh.analysis import NgramFilter, RegexTokenizer, StandardAnalyzer, StemmingAnalyzer

from indexer.schema import (
    MemoText,
    SpelledText,
    make_schema,
    memoised,
    page_starts,
    text_analyzer,
)
from indexer.wordmap import WordMap, memoisable

AWKWARD = [
    "",
    "the of and a to",
    "The officers' U.S. café training, the training and TRAINING again",
    "naïve résumé Über straße 3.14 e-mail wild*card it IT us",
    "İstanbul ǅemal ﬁnance ﬀ Æsir œuvre ß ẞ ΣΊΣΥΦΟΣ",
    "a.b.c. x..y 1.2.3 _under_ __ ** *.* 9*9 it's",
    "the the the body body the cameras",
    "to be or not to be: that is the question, US and IT",
    "word\u0301 combining\u0327 marks\u200d zero\u200bwidth",
    "\n\n".join(["Title", "Use of Force", "Description here.", "Body " * 50]),
]
TEXT = st.text(
    alphabet=st.sampled_from(list("aeiouxyz TheUSIT.*'-_0123\n\u00e9\u00df\u0130\u01c5\ufb01")),
    max_size=200,
)


def whoosh_postings(text: str, phrase: bool = True) -> list:
    field = fields.TEXT(analyzer=text_analyzer(), phrase=phrase)
    return list(field.index(text))


def our_postings(text: str, phrase: bool = True) -> list:
    return list(MemoText(analyzer=text_analyzer(), phrase=phrase).index(text))


@pytest.mark.parametrize("text", AWKWARD)
def test_postings_are_whooshs(text):
    assert our_postings(text) == whoosh_postings(text)
    assert our_postings(text, phrase=False) == whoosh_postings(text, phrase=False)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_postings_are_whooshs_for_any_text(text):
    assert our_postings(text) == whoosh_postings(text)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_spelling_words_are_whooshs_for_any_text(text):
    ours = SpelledText(analyzer=text_analyzer(), spelling=True)
    whooshs = fields.TEXT(analyzer=text_analyzer(), spelling=True)
    assert list(ours.spellable_words(text)) == list(whooshs.spellable_words(text))


def test_a_stop_word_first_keeps_whooshs_numbering():
    """The stop filter numbers the words it keeps on from the first one kept."""
    postings = dict((t, v) for t, _, _, v in our_postings("the of camera the camera"))
    assert postings == dict((t, v) for t, _, _, v in whoosh_postings("the of camera the camera"))
    field = fields.TEXT(analyzer=text_analyzer())
    assert field.format.decode_positions(postings[b"camera"]) == [2, 3]


def test_the_memo_is_used_and_remembers_dropped_words():
    words = WordMap(text_analyzer())
    assert words.kept("the cameras and the Cameras") == (1, ["camera", "camera"])
    assert words.terms == {"the": None, "cameras": "camera", "and": None, "Cameras": "camera"}


def test_other_analyzers_take_whooshs_path():
    """Only a token-by-token chain is memoised; any other falls back to Whoosh's analysis."""
    assert memoisable(text_analyzer())
    assert memoisable(StemmingAnalyzer())
    assert not memoisable(StandardAnalyzer() | NgramFilter(2, 3))
    assert not memoisable(RegexTokenizer(r"\s+", gaps=True))
    ngrams = StandardAnalyzer() | NgramFilter(2, 3)
    text = "body cameras"
    assert list(MemoText(analyzer=ngrams).index(text)) == list(
        fields.TEXT(analyzer=ngrams).index(text)
    )


def test_the_writers_schema_is_memoised_and_the_published_one_plain():
    """Writers index through MemoText; the schema pickled into the index names Whoosh's
    TEXT (and SpelledText), which any version of the app can unpickle."""
    schema = make_schema()
    ours = memoised(schema)
    texts = [name for name in schema.names() if isinstance(schema[name], fields.TEXT)]
    assert texts and all(isinstance(ours[name], MemoText) for name in texts)
    assert all(type(schema[n]) in (fields.TEXT, SpelledText) for n in texts)
    assert ours.names() == schema.names()


def whooshs_pages(pages_of: list[list[str]]) -> list[tuple[int, int, int]]:
    """Each word Whoosh indexes in the `document` field made of these pages (joined as
    `to_document` joins them: the non-empty pages of each document, and the documents, by
    blank lines), with the (document, page) its characters are on."""
    parts, owners, at = [], [], 0
    for number, pages in enumerate(pages_of):
        for index, page in enumerate(pages):
            if not page:
                continue
            if parts:
                parts.append("\n\n")
                at += 2
            owners.append((at, number, index))
            parts.append(page)
            at += len(page)
    found = []
    for token in text_analyzer()("".join(parts), positions=True, chars=True):
        _, number, index = max(o for o in owners if o[0] <= token.startchar)
        found.append((token.pos, number, index))
    return found


def check_page_starts(pages_of: list[list[str]]) -> None:
    starts = page_starts(pages_of)
    assert [len(own) for own in starts] == [len(pages) for pages in pages_of]
    flat = [(at, n, i) for n, own in enumerate(starts) for i, at in enumerate(own)]
    begins = [at for at, _, _ in flat]
    for position, number, index in whooshs_pages(pages_of):
        _, page_number, page_index = flat[bisect.bisect_right(begins, position) - 1]
        assert (page_number, page_index) == (number, index)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(TEXT, max_size=4), max_size=3))
def test_page_starts_put_each_position_of_whooshs_on_its_page(pages_of):
    """`page_starts`: the page of each position Whoosh gives a word of the `document` field
    is the last page starting at or before it (stop words first, empty pages, several
    documents)."""
    check_page_starts(pages_of)


@pytest.mark.parametrize(
    "pages_of",
    [
        [["the of and", "a to the", "kangaroo the wallaby"], ["it is", "emu"]],
        [[], ["", "kangaroo"], ["the", "wallaby emu"]],
        [["the", ""], ["of the", "kangaroo."], ["wallaby"]],
    ],
)
def test_page_starts_of_awkward_documents(pages_of):
    check_page_starts(pages_of)
