"""The numpy evaluation of queries (search_app/scores.py) gives Whoosh's own matches and
scores: every query shape the builder makes, phrases and wildcards through Whoosh, deleted
documents left out, and the order of equal scores."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import scoring
from whoosh.filedb.filestore import RamStorage
from whoosh.query import And, AndNot, ConstantScoreQuery, Every, Or, Phrase, Prefix, Term

from indexer import posting_arrays
from indexer.posting_arrays import segment_folder
from indexer.records import Resource
from indexer.schema import SEARCH_FIELDS, make_schema, to_document
from search_app.facets import FacetSets
from search_app.ranking import ranking
from search_app.scores import Evaluator, TermScores, _positions, best
from tests.indexer.test_whoosh_internals import BLOCK, TERMS, segmented_index

QUERIES = [
    "training",
    "footage review",
    "use of force training policy review outcomes",
    '"footage review"',
    "marmalade OR zeppelin",
    "footage -zeppelin",
    "zep*",
    "title:training",
    "year:2015..2020 footage",
    "topic:force training",
    "cit",
    "bwc audit",
    "footage^3 review",
    "footag~",
    "a long natural language question about training officers for mental health calls",
]


def ram_searcher(bodies: list[str], weighting=None):
    """A searcher over an in-memory index of one resource per body."""
    index = RamStorage().create_index(make_schema())
    writer = index.writer()
    for n, body in enumerate(bodies):
        writer.add_document(**to_document(Resource(id=f"r{n}", title=f"Item {n}", body=body)))
    writer.commit()
    return index.searcher(weighting=weighting or ranking())


def whoosh_scores(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def ours(searcher, query, terms=None) -> dict[int, float]:
    facets = FacetSets.read(searcher)
    evaluator = Evaluator(searcher, terms or TermScores(facets.size), facets.everything.mask)
    found = evaluator.evaluate(query)
    return {int(d): float(found.scores[d]) for d in np.flatnonzero(found.mask)}


def mapped(terms: TermScores, searcher) -> bool:
    """Whether every segment's postings are read from the version's posting arrays."""
    leaves = terms.leaves(searcher, "content")
    return bool(leaves) and all(arrays is not None for _, _, arrays in leaves)


@pytest.mark.parametrize("arrays", [True, False], ids=["posting arrays", "whoosh blocks"])
@pytest.mark.parametrize("q", QUERIES)
def test_matches_and_scores_are_whooshs(snapshot, q, arrays):
    query = snapshot.builder.parse(q).query
    expected = whoosh_scores(snapshot.searcher, query)
    assert expected, "every query of the list finds something in the tiny library"
    terms = snapshot.shared.terms if arrays else TermScores(snapshot.shared.facets.size)
    assert mapped(terms, snapshot.searcher) == arrays
    found = ours(snapshot.searcher, query, terms)
    assert found.keys() == expected.keys()
    for docnum, score in expected.items():
        assert found[docnum] == pytest.approx(score, rel=1e-9)


def test_each_unit_too(snapshot):
    parsed = snapshot.builder.parse("use of force training policy review outcomes")
    for unit in parsed.units:
        assert ours(snapshot.searcher, unit).keys() == whoosh_scores(snapshot.searcher, unit).keys()


def test_boost_rules_of_compound_queries(snapshot):
    """Whoosh ignores the boost of an And or Or with a single subquery, and applies it to
    one with several; AndNot scores its first query; constant scores are constant."""
    searcher = snapshot.searcher
    training, footage = Term("content", "train"), Term("content", "footag")
    for query in [
        Or([training], boost=3.0),
        Or([training, footage], boost=3.0),
        And([Or([training, footage]), footage], boost=0.5),
        AndNot(Or([training, footage], boost=2.0), Term("content", "zeppelin")),
        And([ConstantScoreQuery(Term("year", 2019), score=2.5), footage]),
        Prefix("content", "foot"),
        Every(),
        Or([training, footage], scale=0.5),
    ]:
        expected = whoosh_scores(searcher, query)
        found = ours(searcher, query)
        assert found.keys() == expected.keys(), query
        assert all(found[d] == pytest.approx(s, rel=1e-9) for d, s in expected.items()), query


def test_deleted_documents_never_match():
    index = RamStorage().create_index(make_schema())
    writer = index.writer()
    for n in range(6):
        writer.add_document(**to_document(Resource(id=f"r{n}", title=f"Wetland survey {n}")))
    writer.commit()
    writer = index.writer()
    writer.delete_by_term("id", "r2")
    writer.add_document(**to_document(Resource(id="r6", title="Wetland survey again")))
    writer.commit(merge=False)
    searcher = index.searcher(weighting=ranking())
    query = Or([Term("content", "wetland"), Term("title", "wetland", boost=0.2)])
    expected = whoosh_scores(searcher, query)
    assert len(expected) == 6
    found = ours(searcher, query)
    assert found.keys() == expected.keys()
    assert all(found[d] == pytest.approx(s, rel=1e-9) for d, s in expected.items())


def test_phrases_need_their_words_in_order_and_adjacent():
    bodies = [
        "alpha beta gamma",
        "beta alpha gamma",
        "alpha gamma beta",
        "alpha xenon beta gamma",
        "gamma alpha beta alpha beta",
    ]
    searcher = ram_searcher(bodies)
    for words, slop in [
        (["alpha", "beta"], 1),
        (["beta", "gamma"], 1),
        (["alpha", "beta", "gamma"], 1),
        (["gamma", "alpha"], 1),
        (["alpha", "zulu"], 1),
        (["alpha", "beta"], 2),  # a looser phrase: Whoosh's own matcher
        (["alpha", "alpha"], 1),  # a repeated word: Whoosh's own matcher
    ]:
        phrase = Phrase("content", words, slop=slop, boost=1.5)
        expected = whoosh_scores(searcher, phrase)
        found = ours(searcher, phrase)
        assert found.keys() == expected.keys(), words
        assert all(found[d] == pytest.approx(s, rel=1e-9) for d, s in expected.items()), words


def test_position_keys_are_whooshs_positions():
    bodies = ["alpha beta alpha gamma alpha", "beta", "gamma alpha", "alpha " * 40]
    searcher = ram_searcher(bodies)
    matcher = searcher.postings("content", b"alpha")
    expected = []
    while matcher.is_active():
        expected += [(matcher.id() << 32) + p for p in matcher.value_as("positions")]
        matcher.next()
    assert _positions(searcher, "content", b"alpha").tolist() == sorted(expected)
    assert len(expected) == 3 + 1 + 40


def test_term_scores_are_cached_within_a_byte_budget(snapshot):
    searcher = snapshot.searcher
    size = FacetSets.read(searcher).size
    terms = TermScores(size, limit=1)
    first = terms.get(searcher, "content", b"train")
    assert terms.get(searcher, "content", b"train") is first
    terms.get(searcher, "content", b"footag")
    # Over budget: only the newest term is kept.
    assert list(terms.terms) == [("content", b"footag")]


def test_best_keeps_every_tie_of_the_last_place():
    class Found:
        scores = np.array([1.0, 3.0, 2.0, 2.0, 2.0, 0.5])

    docs = np.arange(6)
    ties = np.array([5, 4, 3, 0, 1, 2])  # rank of each document in the tie order
    assert best(Found, docs, ties, 2) == [(1, 3.0), (3, 2.0)]
    assert best(Found, docs, ties, 4) == [(1, 3.0), (3, 2.0), (4, 2.0), (2, 2.0)]
    assert best(Found, docs, ties, 10) == [
        (1, 3.0),
        (3, 2.0),
        (4, 2.0),
        (2, 2.0),
        (0, 1.0),
        (5, 0.5),
    ]


def test_another_ranking_model_is_left_to_whoosh():
    bodies = ["wetland survey", "wetland wetland birds", "dry survey"]
    searcher = ram_searcher(bodies, weighting=scoring.TF_IDF())
    query = Or([Term("content", "wetland"), Term("content", "item", boost=2.0)])
    expected = whoosh_scores(searcher, query)
    assert len(expected) == 3
    found = ours(searcher, query)
    assert found.keys() == expected.keys()
    assert all(found[d] == pytest.approx(s, rel=1e-9) for d, s in expected.items())


@pytest.mark.parametrize("arrays", ["all", "none", "some"])
def test_scores_over_segments_deletions_and_many_blocks(tmp_path, arrays):
    """Terms of more than one posting block (128 postings), in three segments, two of them
    with deleted documents: the numpy scores are Whoosh's, document by document, whether
    the postings are read from posting arrays, from Whoosh, or some segments from each."""
    folder = tmp_path / "index"
    index = segmented_index(folder)
    if arrays != "none":
        posting_arrays.write(folder, processes=1)
    with index.searcher(weighting=ranking()) as searcher:
        if arrays == "some":  # the middle segment's arrays damaged: read from Whoosh
            middle = searcher.reader().leaf_readers()[1][0].segment().segment_id()
            (segment_folder(folder, middle) / "content.weights").unlink()
        assert len(searcher.reader().leaf_readers()) == 3
        assert searcher.doc_count() < searcher.doc_count_all()
        scores = TermScores(FacetSets.read(searcher).size, folder=folder)
        used = [a is not None for _, _, a in scores.leaves(searcher, "content")]
        assert used == {"all": [True] * 3, "none": [False] * 3, "some": [True, False, True]}[arrays]
        for word in TERMS:  # the positions of every word, wherever they are read from
            btext = word.encode()
            assert scores.positions(searcher, "content", btext).tolist() == (
                _positions(searcher, "content", btext).tolist()
            )
        terms = [Term("content", word) for word in TERMS]
        for query in [
            *terms,
            Term("title", "item", boost=0.2),
            Or(terms[3:]),
            And(terms[:2], boost=2.0),
            AndNot(terms[0], terms[3]),
            Phrase("content", ["gamma", "delta"]),
            Phrase("content", ["alpha", "omega"]),
            Term("content", "zulu"),
        ]:
            expected = whoosh_scores(searcher, query)
            found = ours(searcher, query, scores)
            assert found.keys() == expected.keys(), query
            assert all(found[d] == pytest.approx(s, rel=1e-9) for d, s in expected.items()), query
        assert len(whoosh_scores(searcher, terms[0])) == searcher.doc_count() > 2 * BLOCK
        assert whoosh_scores(searcher, Term("content", "zulu")) == {}


def test_warming_reads_no_terms_ahead_from_posting_arrays(snapshot):
    """With posting arrays a term costs no decoding: warming maps the field lengths only;
    without them it reads the commonest terms ahead."""
    searcher, size = snapshot.searcher, snapshot.shared.facets.size
    for folder, cached in [(snapshot.shared.terms.folder, 0), (None, 5)]:
        terms = TermScores(size, folder=folder)
        terms.warm(searcher, SEARCH_FIELDS, 5)
        assert len(terms.terms) == cached
        assert set(terms.lengths) == set(SEARCH_FIELDS)
        assert all(len(lengths) == size for lengths in terms.lengths.values())
