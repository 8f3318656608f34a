"""The speller: did-you-mean and fuzzy words ranked by real edit distance, then resources.

Small dictionaries are given directly (`Speller(resources, stems)`); the issue's examples and
what an index holds are read from in-memory indexes (Whoosh's `RamStorage`). The C distance
is checked against a plain re-implementation of optimal string alignment over every word.
"""

from __future__ import annotations

import threading
from random import Random
from string import ascii_lowercase

import pytest
from whoosh.filedb.filestore import RamStorage

from indexer.records import Resource
from indexer.schema import CONTENT, make_schema, text_analyzer, to_document
from search_app import spelling
from search_app.spelling import (
    MAX_FUZZY_WORDS,
    MAX_WORD_LENGTH,
    Candidate,
    LazySpeller,
    Speller,
    stem_words,
)


def ram_index(*texts: str):
    """An in-memory index with one resource per text (its title)."""
    index = RamStorage().create_index(make_schema())
    writer = index.writer()
    for number, text in enumerate(texts):
        writer.add_document(**to_document(Resource(id=f"r{number}", title=text)))
    writer.commit()
    return index


def speller_of(*texts: str) -> Speller:
    with ram_index(*texts).searcher() as searcher:
        return Speller.from_reader(searcher.reader())


def osa(a: str, b: str) -> int:
    """Optimal string alignment distance, as textbooks write it (a transposition is one edit)."""
    rows = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


TYPO_SAMPLE = 250


def reference_candidates(speller: Speller, word: str, maxdist: int, prefix: int = 0):
    """Every dictionary word within maxdist, by brute force over the whole dictionary."""
    found = [
        Candidate(osa(word, other), -count, -speller.printed.get(other, 0), other)
        for other, count in speller.resources.items()
        if other.startswith(word[:prefix]) and osa(word, other) <= maxdist
    ]
    return sorted(found)


# The issue's examples: the intended word one edit away and in many resources, a decoy two
# edits away that Whoosh's corrector preferred (alphabetically first).
ISSUE_LIBRARY = (
    *["Police accountability"] * 20,
    "Alike in all respects",
    *["First responders"] * 2,
    *["Best practices"] * 4,
    "Post incident review",
    *["A study of patrols"] * 2,
    *["Body cameras"] * 3,
    *["Bees and beekeepers"] * 3,
    "Beer and licensing",
)


@pytest.fixture(scope="module")
def issue_index():
    return ram_index(*ISSUE_LIBRARY)


def test_issue_examples_get_the_nearest_common_word(issue_index):
    with issue_index.searcher() as searcher:
        speller = Speller.from_reader(searcher.reader())
        typed = ["plice", "fist", "sudy", "beez"]
        assert {word: speller.suggest(word) for word in typed} == {
            "plice": "police",
            "fist": "first",
            "sudy": "study",
            "beez": "bees",  # "beer" is as near, in fewer resources; "best" is farther
        }
        # Whoosh's corrector, as did-you-mean used it, ranked two edits like one.
        corrector = searcher.corrector(CONTENT)
        assert {word: corrector.suggest(word, limit=3, maxdist=2)[0] for word in typed} == {
            "plice": "alike",
            "fist": "best",
            "sudy": "body",
            "beez": "best",
        }


def test_the_dictionary_holds_words_as_printed_with_their_stems_resources():
    speller = speller_of("Studies of Policing", "Police studied", "Café 2017")
    assert speller.resources == {
        "2017": 1,
        "cafe": 1,
        "police": 2,
        "policing": 2,
        "studied": 2,
        "studies": 2,
    }
    assert speller.stems == {"2017": 1, "cafe": 1, "polic": 2, "studi": 2}
    assert speller.printed == {
        "2017": 1,
        "cafe": 1,
        "police": 1,
        "policing": 1,
        "studied": 1,
        "studies": 1,
    }
    # A word near a stem gets the printed word, never the stem.
    assert [speller.suggest(word) for word in ("studiez", "studx", "polic")] == [
        "studied",
        None,
        None,
    ]


def test_candidates_rank_by_distance_then_resources_then_alphabet():
    speller = Speller(
        {"card": 5, "care": 5, "cast": 9, "carts": 1, "carton": 40, "dart": 2, "cat": 0},
        {},
    )
    assert speller.candidates("cart", 2) == [
        Candidate(1, -9, 0, "cast"),
        Candidate(1, -5, 0, "card"),
        Candidate(1, -5, 0, "care"),
        Candidate(1, -2, 0, "dart"),
        Candidate(1, -1, 0, "carts"),
        Candidate(2, -40, 0, "carton"),
    ]
    # The nearest wins over the far more common; a word in no resource is never offered.
    assert speller.suggest("cart") == "cast"
    assert "cat" not in speller.resources


def test_words_of_one_stem_rank_by_the_resources_that_print_them():
    stems = {"office": 10, "officer": 10}
    assert Speller(stems, {}, {"office": 4, "officer": 9}).suggest("officr") == "officer"
    assert Speller(stems, {}, {"office": 9, "officer": 4}).suggest("officr") == "office"
    assert Speller(stems, {}).suggest("officr") == "office"  # then the alphabet


def test_a_transposition_is_one_edit_here_and_two_for_whoosh(issue_index):
    with issue_index.searcher() as searcher:
        speller = Speller.from_reader(searcher.reader())
        assert speller.candidates("polcie", 1) == [Candidate(1, -20, -20, "police")]
        assert speller.within("polcie", 1) == ["police"]
        assert speller.within("pilcoe", 1) == []  # two transpositions: two edits
        assert list(searcher.reader().terms_within(CONTENT, "polcie", 1)) == []


def test_never_a_word_farther_than_a_nearer_one(monkeypatch):
    """Typos of every kind of every word (a sample of them): the suggestion is at the least
    distance of any dictionary word, and the candidates are exactly those a brute force finds."""
    speller = speller_of(*ISSUE_LIBRARY, "Responders respond responsibly", "Patrol patrols")
    rng = Random(7)
    typed = set()
    for word in speller.resources:
        for at in range(len(word)):
            typed.add(word[:at] + word[at + 1 :])
            typed.add(word[:at] + rng.choice(ascii_lowercase) + word[at + 1 :])
            typed.add(word[:at] + rng.choice(ascii_lowercase) + word[at:])
            typed.add(word[:at] + word[at + 1 : at + 2] + word[at] + word[at + 2 :])
    checked = 0
    for word in rng.sample(sorted(typed), TYPO_SAMPLE):
        distances = {other: osa(word, other) for other in speller.resources}
        for maxdist in (1, 2):
            assert speller.candidates(word, maxdist) == sorted(
                Candidate(distance, -speller.resources[other], -speller.printed[other], other)
                for other, distance in distances.items()
                if distance <= maxdist
            )
        assert speller.one_edit(word) in (
            None,
            [c for c in speller.candidates(word, 1) if c.distance],
        )
        suggestion = speller.suggest(word)
        if suggestion is not None:
            assert distances[suggestion] == min(d for d in distances.values() if d)
            checked += 1
    assert checked > TYPO_SAMPLE // 2


def test_spelled_out_edits_and_comparisons_suggest_alike(issue_index, monkeypatch):
    with issue_index.searcher() as searcher:
        speller = Speller.from_reader(searcher.reader())
    typed = ["plice", "fist", "sudy", "beez", "polcie", "respnders", "lisensingg", "xyz"]
    assert speller.one_edit("plice") is None  # a small dictionary: comparing costs less
    compared = [speller.suggest(word) for word in typed]
    monkeypatch.setattr(spelling, "EDIT_COST", 0)
    assert speller.one_edit("plice") == [Candidate(1, -20, -20, "police")]
    assert [speller.suggest(word) for word in typed] == compared
    assert compared == [
        "police",
        "first",
        "study",
        "bees",
        "police",
        "responders",
        "licensing",  # two edits: always compared
        None,
    ]
    monkeypatch.setattr(spelling, "MAX_ALPHABET", 10)
    assert speller.one_edit("plice") is None


def test_words_too_short_too_long_or_numbers_get_no_suggestion():
    long_word = "abcdefghijklmnopqrstuvwx"  # MAX_WORD_LENGTH letters
    speller = Speller({"cat": 3, long_word: 1, long_word + "y": 1, "2017": 4}, {})
    assert len(long_word) == MAX_WORD_LENGTH
    typed = ["cta", "ca", long_word[:-1] + "z", long_word + "yz", "2018", "c4t"]
    assert {word: speller.suggest(word) for word in typed} == {
        "cta": "cat",
        "ca": None,
        long_word[:-1] + "z": long_word,
        long_word + "yz": None,
        "2018": None,
        "c4t": None,
    }


def test_two_edits_only_for_words_of_six_letters_or_more():
    speller = Speller({"best": 4, "patrol": 2}, {})
    assert [speller.suggest(word) for word in ("beez", "bext", "pantrl", "paxtrol")] == [
        None,
        "best",
        "patrol",
        "patrol",
    ]


def test_hostile_words_compare_with_nothing(issue_index):
    """Issue 11: a 990-letter word and 32 unknown 30-letter words cost no comparison."""
    with issue_index.searcher() as searcher:
        speller = Speller.from_reader(searcher.reader())
    rng = Random(11)
    words = ["".join(rng.choice(ascii_lowercase) for _ in range(30)) for _ in range(32)]
    assert [len(speller.pool(word, 2)) for word in ["x" * 990, *words]] == [0] * 33
    assert [speller.suggest(word) for word in ["x" * 990, *words]] == [None] * 33
    # A word of ordinary length is compared with the words of nearby lengths only.
    compared = speller.compared("plice", 2)
    assert compared == sum(1 for word in speller.resources if 3 <= len(word) <= 7)
    assert compared < len(speller.resources)


def test_two_edits_in_a_large_dictionary_keep_the_first_letter(issue_index, monkeypatch):
    with issue_index.searcher() as searcher:
        speller = Speller.from_reader(searcher.reader())
    typed = ["lisensingg", "kicensinng"]
    assert [speller.suggest(word) for word in typed] == ["licensing", "licensing"]
    monkeypatch.setattr(spelling, "MAX_COMPARED", 0)
    assert [speller.suggest(word) for word in typed] == ["licensing", None]
    assert speller.compared("kicensinng", 2, prefix=1) < speller.compared("kicensinng", 2)


def test_known_words_get_no_suggestion(issue_index):
    with issue_index.searcher() as searcher:
        speller = Speller.from_reader(searcher.reader())
    typed = ["police", "Police", "policing", "studies", "the", "polise"]
    assert {word: speller.suggest(word) for word in typed} == {
        "police": None,
        "Police": None,
        "policing": None,  # not printed anywhere, but its stem is: a search finds it
        "studies": None,
        "the": None,  # a stop word: nothing to respell
        "polise": "police",
    }


def test_within_expands_fuzzy_words_nearest_and_commonest_first():
    words = {f"ward{letter}": 1 for letter in ascii_lowercase}
    words.update({f"ward{a}{b}": 1 for a in "abc" for b in ascii_lowercase})
    speller = Speller({"ward": 5, "word": 7, "world": 3, "sword": 2, **words}, {})
    assert speller.within("word", 1) == ["word", "ward", "world", "sword"]
    assert speller.within("word", 1, prefix=2) == ["word", "world"]
    assert speller.within("wrod", 1) == ["word"]
    assert speller.within("word", 0) == ["word"]
    reference = [candidate.word for candidate in reference_candidates(speller, "ward", 2)]
    assert len(reference) > MAX_FUZZY_WORDS
    assert speller.within("ward", 2) == reference[:MAX_FUZZY_WORDS]


def test_within_finds_what_whoosh_finds_and_transpositions_besides(issue_index):
    """Whoosh's `terms_within` counts a transposition as two edits: its words are a subset."""
    with issue_index.searcher() as searcher:
        reader = searcher.reader()
        speller = Speller.from_reader(reader)
        for word in ("plice", "polcie", "respnoders", "bees", "stdy", "licensign", "qqq"):
            for maxdist, prefix in ((1, 0), (1, 1), (2, 1)):
                ours = speller.within(word, maxdist, prefix)
                whoosh = set(reader.terms_within(CONTENT, word, maxdist, prefix=prefix))
                assert whoosh <= set(ours)
                assert ours == [
                    c.word for c in reference_candidates(speller, word, maxdist, prefix)
                ]
        assert speller.within("polcie", 1) == ["police"]
        assert set(reader.terms_within(CONTENT, "polcie", 1)) == set()


def test_within_an_overlong_word_matches_itself_only():
    long_word = "a" * 30
    speller = Speller({long_word: 1, long_word + "b": 1}, {})
    assert speller.within(long_word, 2) == [long_word]
    assert speller.within(long_word + "c", 2) == []


def test_stem_words_agree_with_the_analyzer_word_by_word():
    words = ["police", "studies", "u.s", "2017", "cafe", "running", "it", "us", "x1y2"]
    analyzer = text_analyzer()
    expected = [next((t.text for t in analyzer(word)), None) for word in words]
    assert stem_words(words) == expected
    assert stem_words([]) == []


def test_lazy_speller_is_built_once_for_all_threads(issue_index, monkeypatch):
    built = []
    original = Speller.from_reader

    def counting(reader):
        built.append(reader)
        return original(reader)

    monkeypatch.setattr(spelling.Speller, "from_reader", staticmethod(counting))
    lazy = LazySpeller()
    spellers = []
    with issue_index.searcher() as searcher:
        reader = searcher.reader()
        threads = [
            threading.Thread(target=lambda: spellers.append(lazy.get(reader))) for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(built) == 1
    assert len(spellers) == 8
    assert all(speller is spellers[0] for speller in spellers)
