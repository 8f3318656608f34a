"""No request may cost seconds (issue 11): each finding of the hostile bench, as bounded work.

These tests count work (dictionary words compared, lexicon words scanned, terms searched,
position lists read), never wall time: each failed before its bound was in place. The
timings themselves are `python -m bench.hostile`'s.
"""

from __future__ import annotations

import signal
import string
import time

import pytest
import whoosh.reading
import whoosh.searching
import whoosh.spelling
from rapidfuzz import process
from whoosh.query import Phrase

from indexer.records import Resource
from indexer.schema import CONTENT, ID, TITLE, TOPIC, TYPE, URL, YEAR
from search_app import bounds as bounds_module
from search_app import budget, create_app
from search_app import scores as scores_module
from search_app import search as search_module
from search_app.params import SearchParams
from search_app.query import MAX_PHRASES
from search_app.rows import EXPORT_FIELDS
from search_app.scores import MAX_PHRASE_CHECKED
from search_app.search import find_resource, related, related_query, run_search
from search_app.spelling import MAX_WORD_LENGTH
from tests.search.conftest import ram_snapshot

UNKNOWN = ["".join(string.ascii_lowercase[(n + i) % 26] for i in range(30)) for n in range(32)]
PREFIXES = [a + b for a in "bcdfgh" for b in "aeiou"] + ["ja", "je"]  # 32 two-letter prefixes
# Words of every prefix, a few per resource: about 20 index words a prefix.
WORDS = [f"{prefix}{a}{b}" for prefix in PREFIXES for a in "lmnrst" for b in "aeiou"[:3]]
COMMON = ["police", "officer", "training", "community", "safety", "report", "crisis", "team"]


def corpus() -> list[Resource]:
    """Resources holding every word of WORDS, and the common words in one order."""
    resources = []
    for number in range(0, len(WORDS), 24):
        body = " ".join([*WORDS[number : number + 24], *COMMON])
        resources.append(Resource(id=f"r{number}", title=f"Resource {number}", body=body))
    resources.append(Resource(id="reverse", title="Reverse", body=" ".join(COMMON[::-1])))
    return resources


@pytest.fixture(scope="module")
def snapshot():
    return ram_snapshot(corpus())


@pytest.fixture
def compared(monkeypatch):
    """The dictionary words the speller compares typed words with (rapidfuzz's extract),
    and each call of Whoosh's own corrector and edit-distance walk."""
    counts = {"compared": 0, "whoosh corrector": 0, "whoosh terms_within": 0}
    extract = process.extract

    def counting_extract(word, words, *args, **kwargs):
        counts["compared"] += len(words)
        return extract(word, words, *args, **kwargs)

    def counter(name, original):
        def counting(*args, **kwargs):
            counts[name] += 1
            return original(*args, **kwargs)

        return counting

    monkeypatch.setattr(process, "extract", counting_extract)
    suggest = whoosh.spelling.Corrector.suggest
    monkeypatch.setattr(whoosh.spelling.Corrector, "suggest", counter("whoosh corrector", suggest))
    for reader in (
        whoosh.reading.IndexReader,
        whoosh.reading.SegmentReader,
        whoosh.reading.MultiReader,
    ):
        within = reader.terms_within
        monkeypatch.setattr(reader, "terms_within", counter("whoosh terms_within", within))
    return counts


def test_unknown_long_words_cost_no_spelling_comparison(snapshot, compared):
    """32 unknown 30-letter words took 12-14 s: Whoosh's corrector compared each with every
    dictionary word in pure Python. Words over MAX_WORD_LENGTH are no typing slip."""
    assert len(UNKNOWN[0]) > MAX_WORD_LENGTH
    response = run_search(snapshot, SearchParams(q=" ".join(UNKNOWN)))
    assert (response["total"], response["suggestions"]["did_you_mean"], compared) == (
        0,
        None,
        {"compared": 0, "whoosh corrector": 0, "whoosh terms_within": 0},
    )


def test_a_990_letter_word_costs_no_spelling_comparison(snapshot, compared):
    response = run_search(snapshot, SearchParams(q="x" * 990))
    assert (response["suggestions"]["did_you_mean"], compared) == (
        None,
        {"compared": 0, "whoosh corrector": 0, "whoosh terms_within": 0},
    )


def test_a_misspelt_word_is_respelt_by_the_speller_not_by_whoosh(snapshot, compared):
    """The hit beside the misses above: a slip of a known word is still respelt."""
    response = run_search(snapshot, SearchParams(q="polise"))
    assert response["suggestions"]["did_you_mean"]["q"] == "police"
    assert (compared["whoosh corrector"], compared["compared"] > 0) == (0, True)


def test_fuzzy_unknown_long_words_cost_no_comparison(snapshot, compared):
    """Long `~2` words took 17-20 s: Whoosh's terms_within walked the whole dictionary."""
    response = run_search(snapshot, SearchParams(q=" ".join(f"{w}~2" for w in UNKNOWN)))
    assert (response["total"], compared) == (
        0,
        {"compared": 0, "whoosh corrector": 0, "whoosh terms_within": 0},
    )


def test_fuzzy_words_come_from_the_speller(snapshot, compared):
    response = run_search(snapshot, SearchParams(q="polise~1"))
    assert (response["total"], compared["whoosh terms_within"]) == (len(corpus()), 0)


def content_terms(snapshot, q: str) -> set[str]:
    """The content words a query searches, after expansion."""
    parsed = snapshot.builder.parse(q)
    return {text for name, text in parsed.query.iter_all_terms() if name == CONTENT}


@pytest.fixture
def scanned(monkeypatch):
    """Lexicon words read to expand wildcards and prefixes, by field."""
    counts: dict[str, int] = {}
    btexts = bounds_module.multiterm_btexts

    def counting(node, reader):
        for btext in btexts(node, reader):
            counts[node.fieldname] = counts.get(node.fieldname, 0) + 1
            yield btext

    monkeypatch.setattr(bounds_module, "multiterm_btexts", counting)
    return counts


def test_wildcards_share_one_allowance_of_expanded_words(snapshot, scanned, monkeypatch):
    """32 two-letter wildcards took 8-17 s: each expanded to 64 words after scanning up to
    5,000. Now they share MAX_QUERY_EXPANSIONS words and MAX_QUERY_SCAN scanned words."""
    monkeypatch.setattr(bounds_module, "MAX_QUERY_EXPANSIONS", 64)
    monkeypatch.setattr(bounds_module, "MAX_QUERY_SCAN", 320)
    monkeypatch.setattr(bounds_module, "MIN_SCAN", 4)
    q = " ".join(f"{prefix}*" for prefix in PREFIXES)
    terms = content_terms(snapshot, q)
    response = run_search(snapshot, SearchParams(q=q))
    # 64 words, two a wildcard; at most 10 lexicon words scanned a wildcard.
    assert (len(terms), {p: sum(t.startswith(p) for t in terms) for p in PREFIXES}) == (
        64,
        dict.fromkeys(PREFIXES, 2),
    )
    assert scanned[CONTENT] <= 2 * 320  # parsed twice: by content_terms, by run_search
    assert response["query"]["notices"] == [
        "The query's wildcard and fuzzy words match many words; the most common were searched."
    ]


def test_expansions_stop_at_the_query_allowance_of_postings(snapshot, monkeypatch):
    """Reading a word's postings is what an expansion costs: the commonest words fill the
    allowance (MAX_QUERY_POSTINGS documents in all), one word kept in any case."""
    assert content_terms(snapshot, "re*") == {"report", "resourc", "revers"}
    monkeypatch.setattr(bounds_module, "MAX_QUERY_POSTINGS", 30)  # report: 25, resourc: 24
    response = run_search(snapshot, SearchParams(q="re*"))
    assert (content_terms(snapshot, "re*"), response["query"]["notices"]) == (
        {"report"},
        ["The query's wildcard and fuzzy words match many words; the most common were searched."],
    )


def test_one_wildcard_keeps_its_own_cap(snapshot, scanned):
    """The miss beside the hit above: a query of one wildcard is not cut by the allowance."""
    terms = content_terms(snapshot, "ba*")
    assert (len(terms), scanned[CONTENT]) == (18, 18)
    assert run_search(snapshot, SearchParams(q="ba*"))["query"]["notices"] == []


@pytest.fixture
def positions_read(monkeypatch):
    """The position lists phrases read, by field."""
    counts: dict[str, int] = {}
    positions = scores_module._positions

    def counting(searcher, fieldname, btext):
        counts[fieldname] = counts.get(fieldname, 0) + 1
        return positions(searcher, fieldname, btext)

    monkeypatch.setattr(scores_module, "_positions", counting)
    return counts


def test_a_long_phrase_reads_few_position_lists(positions_read):
    """A 32-word phrase of common words took 5 s: every word's positions were read. Now at
    most MAX_PHRASE_CHECKED words' (the rarest), stopping when no document is left."""
    snapshot = ram_snapshot(corpus())  # a cold term cache: every list read is counted
    words = [*COMMON, *WORDS[:24]]  # all in resource r0, but not in this order
    response = run_search(snapshot, SearchParams(q='"' + " ".join(words) + '"'))
    assert (response["total"], response["query"]["notices"]) == (
        0,
        [
            f"Only {MAX_PHRASE_CHECKED} words of a long phrase were checked in order; "
            "the others anywhere."
        ],
    )
    # The rarest word's list rules every document out: it starts r0, not the phrase's 9th.
    assert positions_read == {CONTENT: 1}


def test_a_phrase_in_order_is_still_found(positions_read):
    snapshot = ram_snapshot(corpus())
    response = run_search(snapshot, SearchParams(q='"' + " ".join(COMMON[::-1]) + '"'))
    assert ([r["id"] for r in response["results"]], response["query"]["notices"]) == (
        ["reverse"],
        [],
    )
    assert positions_read == {CONTENT: len(COMMON)}


def test_a_query_checks_at_most_max_phrases_phrases(snapshot):
    """An OR of 19 phrases took 5 s: the phrases past MAX_PHRASES are searched as words."""
    pairs = [f'"{a} {b}"' for a, b in zip(WORDS[:19], WORDS[1:20], strict=True)]
    parsed = snapshot.builder.parse(" OR ".join(pairs))
    phrases = {
        tuple(node.words)
        for node in parsed.query.leaves()
        if isinstance(node, Phrase) and node.fieldname == CONTENT
    }
    assert (len(phrases), [n.message for n in parsed.notices]) == (
        MAX_PHRASES,
        [f"Only the first {MAX_PHRASES} phrases were searched as phrases; the others as words."],
    )
    few = snapshot.builder.parse(" OR ".join(pairs[:MAX_PHRASES]))
    assert few.notices == ()


def test_phrases_of_common_words_read_no_more_than_the_allowance_of_positions(
    monkeypatch, positions_read
):
    """Each phrase checked in order reads its rarest words' positions: the query's phrases
    together read at most MAX_PHRASE_POSTINGS (the documents of their words)."""
    snapshot = ram_snapshot(corpus())
    monkeypatch.setattr(bounds_module, "MAX_PHRASE_POSTINGS", 60)  # every COMMON word: 25
    q = f'"{COMMON[0]} {COMMON[1]}" OR "{COMMON[2]} {COMMON[3]}"'
    response = run_search(snapshot, SearchParams(q=q))
    assert (response["total"], response["query"]["notices"], positions_read) == (
        len(corpus()),  # "reverse" too: the second phrase's words, in the other order
        ["Phrases of very common words were searched as their words, in any order."],
        {CONTENT: 2},  # the first phrase's two words
    )


def test_a_term_with_many_synonyms_is_expanded_to_the_first_twenty():
    thesaurus = "".join(f"police, officer{n}\n" for n in range(25))
    snapshot = ram_snapshot(corpus(), thesaurus)
    response = run_search(snapshot, SearchParams(q="police"))
    assert (response["query"]["expansions"][0]["expanded_to"], response["query"]["notices"]) == (
        [f"officer{n}" for n in range(20)],
        ["'police' has more than 20 synonyms; the first 20 were searched."],
    )
    few = ram_snapshot(corpus(), "police, officer1, officer2\n")
    assert run_search(few, SearchParams(q="police"))["query"]["notices"] == []


def test_related_resources_are_whooshs_without_whooshs_search(monkeypatch):
    """Resource pages took 0.5-0.95 s: Whoosh's search scored every posting of the
    more-like-this query in Python. The numpy evaluator gives Whoosh's answer."""
    snapshot = ram_snapshot(corpus())
    docnum, fields = find_resource(snapshot, "r24")
    expected = [
        hit[ID]
        for hit in snapshot.searcher.search(related_query(snapshot, fields), limit=5, mask={docnum})
    ]

    def refused(*args, **kwargs):
        raise AssertionError("Whoosh's search was called")

    monkeypatch.setattr(whoosh.searching.Searcher, "search", refused)
    assert [hit["id"] for hit in related(snapshot, docnum, fields, 5)] == expected
    assert len(expected) == 5


def test_exports_read_each_resource_once_per_version_without_its_text(monkeypatch):
    """Exporting everything took 5 s: each export unpickled every resource's stored fields,
    text included. The rows are read once per index version, without the text."""
    snapshot = ram_snapshot(corpus())
    read = []
    stored = whoosh.reading.SegmentReader.stored_fields

    def counting(self, docnum):
        read.append(docnum)
        return stored(self, docnum)

    monkeypatch.setattr(whoosh.reading.SegmentReader, "stored_fields", counting)
    monkeypatch.setattr(search_module, "result", lambda *a: pytest.fail("a snippet was made"))
    exported = []
    for _ in range(2):
        total, rows = search_module.export_hits(snapshot, SearchParams(q="police"), 100)
        exported.append((total, sorted(row[ID] for row in rows)))
    everyone = sorted(r.id for r in corpus())
    assert exported == [(len(everyone), everyone)] * 2
    assert sorted(read) == list(range(len(everyone)))  # once each, for both exports
    _, rows = search_module.export_hits(snapshot, SearchParams(q="police"), 1)
    # Those resources have an id, a title and a body (no url, year, types or topics).
    assert (set(next(rows)), set(EXPORT_FIELDS)) == (
        {ID, TITLE},
        {ID, TITLE, TYPE, YEAR, TOPIC, URL},
    )


def test_loops_stop_when_the_budget_runs_low_and_say_so(snapshot, monkeypatch):
    """Past the cooperative share of REQUEST_BUDGET, wildcards expand to nothing and
    did-you-mean is skipped: the response says it searched partly."""
    monkeypatch.setattr(budget, "COOPERATIVE_SHARE", 0.0)
    with budget.within(60):
        response = run_search(snapshot, SearchParams(q="ba* polise"))
    assert (response["total"], response["suggestions"]["did_you_mean"]) == (0, None)
    assert response["query"]["notices"][-1] == "Searched partly: the request took too long."
    # The miss: with time left, the same query expands and respells.
    whole = run_search(snapshot, SearchParams(q="ba* polise"))
    assert "Searched partly: the request took too long." not in whole["query"]["notices"]
    assert whole["suggestions"]["did_you_mean"] is not None


def test_the_timer_waits_for_protected_code():
    finished = []
    with pytest.raises(budget.RequestTimeout), budget.within(0.05):
        with budget.protected():
            time.sleep(0.2)  # the timer fires here, and waits
            finished.append("protected")
        time.sleep(1)
        finished.append("after")
    assert finished == ["protected"]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.fixture
def slow_app(library_index, monkeypatch):
    """The app with a budget of 0.2 s, and a search that would take 3 s."""
    from search_app import views

    def slow_search(*args, **kwargs):
        time.sleep(3)
        return {}

    monkeypatch.setattr(views, "run_search", slow_search)
    config = {"INDEX_DIR": str(library_index), "RATE_LIMIT": "", "REQUEST_BUDGET": 0.2}
    return create_app(config)


def test_a_request_over_its_budget_gets_a_503_with_retry_after(slow_app):
    """Five slow requests at once made gunicorn kill every worker (30 s timeout); now each
    is stopped at REQUEST_BUDGET with a 503, and the worker answers the next request."""
    handler = signal.getsignal(signal.SIGALRM)
    client = slow_app.test_client()
    started = time.perf_counter()
    response = client.get("/search.json?q=police")
    elapsed = time.perf_counter() - started
    assert (response.status_code, response.headers["Retry-After"], response.get_json()) == (
        503,
        "5",
        {
            "error": {
                "status": 503,
                "message": "This search took too long and was stopped; please try again or "
                "simplify it.",
            }
        },
    )
    assert elapsed < 3  # stopped, not waited for
    assert (signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)) == (
        handler,
        (0.0, 0.0),
    )
    healthy = client.get("/healthz")
    assert healthy.status_code == 200 and "Retry-After" not in healthy.headers
