"""Hostile input, with the exact status and message each gets: markup in titles, topics,
queries and parameters; path traversal on every route that takes an id or a path; oversized
and repeated parameters; negative and huge page numbers; unicode edge cases; query bombs.

Already covered elsewhere, not repeated here: hostile titles, topics and bodies on the HTML
pages and in snippets (tests/web/test_safety.py), the bad-parameter messages of
tests/search/test_params.py (BAD_CASES, run on every API path by tests/search/test_api.py),
malformed query syntax (test_api.py::test_malformed_queries_are_answered_with_a_notice), and
CSV formula cells (tests/search/test_export.py).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

from search_app.params import MAX_FACET_VALUES, MAX_RAW_QUERY_CHARS, MAX_VALUE_CHARS
from search_app.query import MAX_UNITS
from search_app.querytext import MAX_QUERY_CHARS
from search_app.spelling import Speller
from tests.search.conftest import FILM, FOOTAGE, USE_OF_FORCE
from tests.web.conftest import (
    BREAKOUT,
    HOSTILE,
    HOSTILE_TITLE,
    HOSTILE_TOPIC,
    SCRIPT,
    accessible_text,
)

from .conftest import COMBINING, HARDENING_RESOURCES, RTL, RTL_TITLE

NO_PAGE = "There is no page at this address."
NO_RESOURCE = "There is no resource with that id."
CONTROL_NOTICE = "The query's control characters were ignored."
CUT_NOTICE = f"The query was cut to its first {MAX_QUERY_CHARS} characters."
FOOTAGE_IDS = [FOOTAGE, FILM]


def error(status: int, message: str) -> dict:
    return {"error": {"status": status, "message": message}}


def page_number_message(name: str, low: int, high: int, got: str) -> str:
    return f"{name} must be a whole number from {low} to {high} (got {got})"


def assert_error(response, status: int, message: str) -> None:
    """The API's error JSON, or the error page with the message as its heading."""
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    if response.is_json:
        assert response.get_json() == error(status, message)
        return
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.mimetype == "text/html"
    assert (accessible_text(soup.h1), soup.select_one(".error__status").get_text()) == (
        message,
        f"Error {status}",
    )
    assert_only_the_apps_script(soup)


def assert_only_the_apps_script(soup: BeautifulSoup) -> None:
    scripts = [script.get("src", "").split("?")[0] for script in soup.find_all("script")]
    assert scripts == ["/static/search.js"]
    handlers = [name for tag in soup.find_all(True) for name in tag.attrs if name.startswith("on")]
    assert handlers == []


# Markup in titles, topics, queries and parameters.


def test_a_hostile_title_in_json_is_plain_text_and_its_html_is_escaped(client):
    response = client.get("/search.json?q=hostile+handbook").get_json()
    [result] = response["results"]
    assert (result["id"], result["title"], result["topics"]) == (
        HOSTILE,
        HOSTILE_TITLE,
        [USE_OF_FORCE, HOSTILE_TOPIC],
    )
    title_html = BeautifulSoup(result["title_html"], "html.parser")
    assert [tag.name for tag in title_html.find_all(True)] == ["mark", "mark"]
    assert title_html.get_text() == HOSTILE_TITLE


def test_json_answers_cannot_be_sniffed_as_html(client):
    response = client.get("/search.json?" + urlencode({"q": SCRIPT}))
    assert (response.mimetype, response.headers["X-Content-Type-Options"]) == (
        "application/json",
        "nosniff",
    )
    assert response.get_json()["query"]["q"] == SCRIPT
    assert response.get_json()["links"]["self"] == "/search.json?" + urlencode({"q": SCRIPT})


def test_hostile_suggestions_are_plain_text(client):
    response = client.get("/suggest.json?q=onmouseover").get_json()
    assert response == {
        "q": "onmouseover",
        "suggestions": [
            {"kind": "topic", "value": HOSTILE_TOPIC, "url": "/search?" + urlencode({"topic": HOSTILE_TOPIC})},
            {"kind": "title", "value": HOSTILE_TITLE, "url": f"/resources/{HOSTILE}"},
        ],
    }  # fmt: skip


ECHOED = [
    # The value is echoed in the message, cut to 20 characters and quoted.
    ("/search?page=" + SCRIPT, "page must be a whole number from 1 to 1000 (got '<script>alert(1)</sc')"),
    ("/search.json?page=" + SCRIPT, "page must be a whole number from 1 to 1000 (got '<script>alert(1)</sc')"),
    ("/search?" + urlencode({"sort": BREAKOUT}), f"sort must be one of relevance, newest, oldest, title (got '{BREAKOUT}')"),
    ("/search.csv?" + urlencode({"sort": SCRIPT}), "sort must be one of relevance, newest, oldest, title (got '<script>alert(1)</sc')"),
    ("/search.json?" + urlencode({"year_from": BREAKOUT}), f"year_from must be a whole number from 1800 to 2100 (got '{BREAKOUT}')"),
]  # fmt: skip


def test_markup_typed_as_a_year_is_kept_as_text_beside_the_field(client):
    """The search page keeps a bad year range's typed text in its field (issue 14, item 4):
    as an attribute's text, never markup."""
    response = client.get("/search?" + urlencode({"year_from": BREAKOUT}))
    assert (response.status_code, response.mimetype) == (400, "text/html")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    field = soup.find("input", id="year_from")
    assert (field["value"], field["aria-invalid"]) == (BREAKOUT, "true")
    assert accessible_text(soup.find(id="year-error")) == "Enter a year from 1800 to 2100."
    assert_only_the_apps_script(soup)


@pytest.mark.parametrize(("url", "message"), ECHOED)
def test_markup_echoed_in_an_error_is_text(client, url, message):
    assert_error(client.get(url), 400, message)


@pytest.mark.parametrize(
    "host", ['evil.example"><script>alert(1)</script>', "evil.example/<b>", "a b"]
)
def test_markup_in_the_host_header_is_never_reflected(client, host):
    for path in ("/opensearch.xml", "/search.ris?q=footage", "/search.bib?q=footage"):
        response = client.get(path, headers={"Host": host})
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "<script" not in body and "<b>" not in body and "evil" not in body, path


# Path traversal on every route that takes an id or a path.

TRAVERSALS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%5C..%5Cetc%5Cpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "%2Fetc%2Fpasswd",
    "file:%2F%2F%2Fetc%2Fpasswd",
    "..",
    "%2e%2e",
    "%EF%BC%8E%EF%BC%8E",  # fullwidth dots
    "%00",
    "~root",
]
# A decoded slash leaves the id route; anything else is read as a malformed id.
LEAVES_THE_ROUTE = {
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2Fetc%2Fpasswd",
    "file:%2F%2F%2Fetc%2Fpasswd",
}


@pytest.mark.parametrize("attempt", TRAVERSALS)
@pytest.mark.parametrize("suffix", ["", ".json"])
def test_path_traversal_in_a_resource_id_is_a_404(client, attempt, suffix):
    message = NO_PAGE if attempt in LEAVES_THE_ROUTE else NO_RESOURCE
    response = client.get(f"/resources/{attempt}{suffix}")
    assert_error(response, 404, message)
    assert "root:" not in response.get_data(as_text=True)


STATIC_TRAVERSALS = [
    *TRAVERSALS[:5],  # (a leading %2F makes a doubled slash: see the redirect test below)
    # Files that do exist one folder up from search_app/static.
    "../views.py",
    "..%2Fviews.py",
    "%2e%2e%2fviews.py",
    "%2e%2e/__init__.py",
    "../templates/base.html",
    "style.css%00",
    "..",
    "",
]


@pytest.mark.parametrize("attempt", STATIC_TRAVERSALS)
def test_path_traversal_in_a_static_path_is_a_404(client, attempt):
    response = client.get(f"/static/{attempt}")
    assert_error(response, 404, NO_PAGE)
    body = response.get_data(as_text=True)
    assert "root:" not in body and "import " not in body and "{% block" not in body


def test_a_static_path_with_a_doubled_slash_redirects_inside_static(client):
    for url in ("/static//etc/passwd", "/static/%2Fetc%2Fpasswd"):
        response = client.get(url)
        location = urlsplit(response.headers["Location"]).path
        assert (response.status_code, location) == (308, "/static/etc/passwd")
        assert_error(client.get(location), 404, NO_PAGE)


def test_a_static_file_is_served(client):
    """The miss of the traversal tests: the static route does serve its own files."""
    response = client.get("/static/style.css")
    assert (response.status_code, response.mimetype) == (200, "text/css")
    response.close()


@pytest.mark.parametrize(
    "url",
    [
        "/search.%2e%2e%2fetc",
        "/search.json/../../etc/passwd",
        "/search.json%2F..%2F..%2Fetc%2Fpasswd",
        "/opensearch.xml/../../etc/passwd",
        "/search.exe",
    ],
)
def test_paths_around_the_fixed_routes_are_a_404(client, url):
    assert_error(client.get(url), 404, NO_PAGE)


# Oversized and repeated parameters.

OVERSIZED = [
    # (pairs, status, message or None for a 200)
    ([("q", "footage " * (MAX_RAW_QUERY_CHARS // 8))], 200, None),
    ([("q", "a" * (MAX_RAW_QUERY_CHARS + 1))], 400, f"q must be at most {MAX_RAW_QUERY_CHARS} characters"),
    ([("topic", USE_OF_FORCE)] * (MAX_FACET_VALUES + 1), 400, f"at most {MAX_FACET_VALUES} topic values can be selected at once"),
    ([("type", "Report")] * 1000, 400, f"at most {MAX_FACET_VALUES} type values can be selected at once"),
    ([("topic", "t" * MAX_VALUE_CHARS)], 200, None),
    ([("type", "t" * (MAX_VALUE_CHARS + 1))], 400, f"a type value must be at most {MAX_VALUE_CHARS} characters"),
    ([(f"x{n}", "y") for n in range(5000)], 200, None),
    ([("x" * 10_000, "y")], 200, None),
    ([("page", "9" * 10_000)], 400, "page must be a whole number from 1 to 1000 (got '99999999999999999999')"),
    ([("sort", "s" * 10_000)], 400, "sort must be one of relevance, newest, oldest, title (got 'ssssssssssssssssssss')"),
]  # fmt: skip


@pytest.mark.parametrize(("pairs", "status", "message"), OVERSIZED)
@pytest.mark.parametrize("path", ["/search.json", "/search"])
def test_oversized_parameters(client, path, pairs, status, message):
    response = client.get(path, query_string=pairs)
    if message is None:
        assert response.status_code == 200
    else:
        assert_error(response, status, message)


def test_a_query_at_the_limit_is_cut_with_a_notice(client):
    response = client.get("/search.json", query_string={"q": "footage " * 2500}).get_json()
    assert (response["query"]["notices"], response["total"]) == ([CUT_NOTICE], 2)


def test_an_oversized_suggestion_prefix_is_cut(client):
    response = client.get("/suggest.json", query_string={"q": "footage" * 2000})
    assert (response.status_code, response.get_json()["q"]) == (200, ("footage" * 2000)[:100])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Werkzeug's rule: a repeated parameter's first value counts (q alone must be single).
        ("page=2&page=1&per_page=3", {"page": 2, "per_page": 3}),
        ("sort=title&sort=bogus", {"sort": "title"}),
        ("per_page=100&per_page=1000", {"per_page": 100}),
        ("year_from=2019&year_from=1500", {"year_from": 2019}),
    ],
)
def test_a_repeated_parameter_takes_its_first_value(client, query, expected):
    response = client.get(f"/search.json?{query}").get_json()
    seen = {
        "page": response["page"],
        "per_page": response["per_page"],
        "sort": response["query"]["sort"],
        "year_from": response["query"]["filters"]["year_from"],
    }
    assert {name: seen[name] for name in expected} == expected


def test_a_repeated_query_is_refused(client):
    assert_error(client.get("/search?q=a&q=b"), 400, "q must be given once")


def test_repeated_facet_values_count_once(client):
    response = client.get("/search.json", query_string=[("topic", USE_OF_FORCE)] * 20).get_json()
    assert response["query"]["filters"]["topic"] == [USE_OF_FORCE]


# Negative and huge page numbers (and other numbers that are not whole numbers).

PAGE = "page must be a whole number from 1 to 1000 (got {})"
NUMBERS = [
    ("page", "-1", PAGE.format("-1")),
    ("page", "-0", PAGE.format("0")),
    ("page", "-99999", PAGE.format("'-99999'")),
    ("page", "99999", PAGE.format("99999")),
    ("page", str(2**64), PAGE.format(f"'{2**64}'")),
    ("page", "1e3", PAGE.format("'1e3'")),
    ("page", "0x10", PAGE.format("'0x10'")),
    ("page", "1_000", PAGE.format("'1_000'")),
    ("page", "1.0", PAGE.format("'1.0'")),
    ("page", "+1", PAGE.format("'+1'")),
    ("page", "--5", PAGE.format("'--5'")),
    ("page", "NaN", PAGE.format("'NaN'")),
    ("page", "Infinity", PAGE.format("'Infinity'")),
    ("page", "\x00", PAGE.format("'\\x00'")),
    # Characters str.isdigit() accepts but int() does not read: these were 500s.
    ("page", "\u00b2", PAGE.format("'\u00b2'")),  # superscript two
    ("per_page", "\u2460", "per_page must be a whole number from 1 to 100 (got '\u2460')"),  # circled one
    ("year_to", "\u00b9\u2078\u2070\u2070", "year_to must be a whole number from 1800 to 2100 (got '\u00b9\u2078\u2070\u2070')"),
    ("per_page", "-5", "per_page must be a whole number from 1 to 100 (got -5)"),
    ("year_from", "-2020", "year_from must be a whole number from 1800 to 2100 (got -2020)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "message"), NUMBERS)
@pytest.mark.parametrize("path", ["/search.json", "/search", "/search.ris"])
def test_numbers_out_of_range_or_malformed_are_a_400(client, path, name, value, message):
    response = client.get(path, query_string={name: value})
    if path == "/search" and name in ("year_from", "year_to"):
        # The search page keeps the search and says so beside the year (issue 14, item 4).
        assert (response.status_code, response.mimetype) == (400, "text/html")
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        field = soup.find("input", id=name)
        assert (field["value"], field["aria-invalid"]) == (value, "true")
        assert accessible_text(soup.find(id="year-error")) == "Enter a year from 1800 to 2100."
        assert_only_the_apps_script(soup)
        return
    assert_error(response, 400, message)


@pytest.mark.parametrize(
    ("value", "page"),
    [(" 7 ", 7), ("\u0663", 3), ("\uff11", 1), ("", 1), ("1000", 1000)],
    ids=["spaces", "arabic-indic-3", "fullwidth-1", "blank", "last"],
)
def test_decimal_digits_in_any_script_are_read(client, value, page):
    """The misses of the test above: what int() reads as a whole number is accepted."""
    response = client.get("/search.json", query_string={"page": value})
    assert (response.status_code, response.get_json()["page"]) == (200, page)


# Unicode edge cases: combining marks, right-to-left text, NUL, surrogates, invisible marks.

UNICODE_QUERIES = [
    # (query string, expected q echoed, notices, result ids)
    ("q=cafe%CC%81", "cafe\u0301", [], [COMBINING]),  # e + combining acute (echoed as typed)
    ("q=caf%C3%A9", "caf\u00e9", [], [COMBINING]),
    ("q=CAFE", "CAFE", [], [COMBINING]),  # accents folded
    ("q=" + "e%CC%81" * 1000, None, [], []),  # 2,000 code points, composed to 1,000: not cut
    ("q=" + "e%CC%81" * 1001, None, [CUT_NOTICE], []),
    ("q=%D8%A7%D9%84%D8%B4%D8%B1%D8%B7%D8%A9", "\u0627\u0644\u0634\u0631\u0637\u0629", [], [RTL]),  # Arabic
    ("q=%D7%A9%D7%9C%D7%95%D7%9D", "\u05e9\u05dc\u05d5\u05dd", [], [RTL]),  # Hebrew, in a description
    ("q=%E2%80%8F%D8%A7%D9%84%D8%B4%D8%B1%D8%B7%D8%A9%E2%80%8E", "\u200f\u0627\u0644\u0634\u0631\u0637\u0629\u200e", [CONTROL_NOTICE], [RTL]),  # RLM, LRM
    ("q=%E2%80%AEfootage", "\u202efootage", [CONTROL_NOTICE], FOOTAGE_IDS),  # RTL override
    ("q=footage%00", "footage\x00", [CONTROL_NOTICE], FOOTAGE_IDS),
    ("q=%00%00%00", "\x00\x00\x00", [CONTROL_NOTICE], None),  # nothing left: browse
    ("q=%F0%9F%94%A5%20footage", "\U0001f525 footage", [], FOOTAGE_IDS),  # 4-byte UTF-8
    ("q=footage%EF%BB%BF", "footage\ufeff", [CONTROL_NOTICE], FOOTAGE_IDS),  # a stray byte order mark: removed
    # Surrogates and bytes that are not UTF-8 are kept percent-encoded, as Werkzeug reads them.
    ("q=%ED%A0%80", "%ED%A0%80", [], []),
    ("q=%ED%B2%80footage", "%ED%B2%80footage", [], []),
    ("q=%FF%FE", "%FF%FE", [], []),
]  # fmt: skip


@pytest.mark.parametrize(("query", "q", "notices", "ids"), UNICODE_QUERIES)
def test_unicode_edge_cases_in_queries(client, query, q, notices, ids):
    response = client.get(f"/search.json?{query}")
    data = response.get_json()
    assert response.status_code == 200
    if q is not None:
        assert data["query"]["q"] == q
    assert data["query"]["notices"] == notices
    if ids is None:
        assert (data["query"]["mode"], data["total"]) == ("browse", len(HARDENING_RESOURCES))
    else:
        assert [result["id"] for result in data["results"]] == ids


def test_a_combining_mark_title_is_stored_composed(client):
    response = client.get(f"/resources/{COMBINING}.json").get_json()
    assert response["title"] == "Caf\u00e9 Rounds for Night Patrols"
    suggestions = client.get("/suggest.json?q=Cafe%CC%81").get_json()["suggestions"]
    assert [s["value"] for s in suggestions] == ["Caf\u00e9 Rounds for Night Patrols"]


def test_a_right_to_left_title_round_trips(client):
    assert client.get(f"/resources/{RTL}.json").get_json()["title"] == RTL_TITLE
    soup = BeautifulSoup(client.get(f"/resources/{RTL}").get_data(as_text=True), "html.parser")
    assert accessible_text(soup.h1) == RTL_TITLE


@pytest.mark.parametrize(
    ("value", "shown"),
    [("Use of Force\x00", "'Use of Force\\x00'"), ("use of force\u202e", "'use of force\\u202e'")],
)
def test_a_facet_value_with_control_characters_is_an_unknown_value(client, value, shown):
    response = client.get("/search.json", query_string={"topic": value}).get_json()
    assert (response["query"]["notices"], response["total"]) == (
        [f"No resource has the topic {shown}."],
        0,
    )


@pytest.mark.parametrize("resource_id", ["caf%C3%A9-rounds", "cafe%CC%81-rounds", "%ED%A0%80"])
def test_a_unicode_resource_id_is_a_404(client, resource_id):
    assert_error(client.get(f"/resources/{resource_id}.json"), 404, NO_RESOURCE)


@pytest.mark.parametrize("mark", ["%E2%80%8B", "%E2%81%A0", "%C2%AD"])
def test_an_invisible_mark_inside_a_word_does_not_split_it(client, mark):
    """Text pasted from a web page may hold a zero-width space (U+200B), a word joiner
    (U+2060) or a soft hyphen (U+00AD) inside a word: it shows as "footage", but
    query.clean_query turns the first two into spaces and the analyzer breaks at the third."""
    response = client.get(f"/search.json?q=foot{mark}age").get_json()
    assert [result["id"] for result in response["results"]] == FOOTAGE_IDS


# Query bombs: each is answered (200), bounded, with what was done said in the notices.

NESTED = "(" * 496 + "footage" + ")" * 496
BOMBS = {
    # name: (query, mode, notices, result ids)
    # fo* expands to footage, force, forty...: the footage and Use of Force resources.
    "many wildcards": ("fo* " * 250, "all", [], [FOOTAGE, FILM, "crisis-intervention-team-handbook", "de-escalation-training-outcomes", HOSTILE, COMBINING, RTL]),
    "many single-letter wildcards": ("fo?ta?e " * 125, "all", [], FOOTAGE_IDS),
    "deeply nested parentheses": (NESTED, "all", [], FOOTAGE_IDS),
    "unbalanced nesting": ("(" * 999 + "footage", "plain", [CUT_NOTICE, "The query had unbalanced parentheses; its words were searched instead."], []),
    "nested ORs": ("(footage OR " * 70 + "zeppelin" + ")" * 70, "all", [], FOOTAGE_IDS),
    "200 ORs": (" OR ".join(["footage"] * 200), "all", [CUT_NOTICE], FOOTAGE_IDS),
    "300 NOTs": (" ".join(["-footage"] * 300), "all", [CUT_NOTICE], None),
    "100 fuzzy terms": ("footage~2 " * 100, "all", [], FOOTAGE_IDS),
    "70 phrases": ('"body camera" ' * 70, "all", [], [FOOTAGE]),
    "a huge boost": ("footage^99999999999", "all", [], FOOTAGE_IDS),
    "an unbounded year range": ("year:0000..9999", "all", [], None),
    "45 year ranges": ("year:[1800 TO 2100] " * 45, "all", [], None),
    "70 field clauses": ("title:footage " * 70, "all", [], [FOOTAGE]),
    "80 facet clauses": ("topic:force " * 80, "browse", [], None),
    "mixed operators": ('(fo* OR ca?era~2 -"x y" title:foot*)^9 ' * 25, "all", [], [FOOTAGE]),
    "400 words": (" ".join(f"w{n}" for n in range(400)), "ranked", [CUT_NOTICE, f"Only the first {MAX_UNITS} words of the query were used."], []),
    "999 quotes": ('"' * 999, "plain", ["The query had unbalanced quotes; its words were searched instead."], []),
    "1000 stars": ("*" * 1000, "plain", [f"The query had a wildcard {'*' * 1000!r} with fewer than 2 letters before it; its words were searched instead."], []),
    "1000 colons": (":" * 1000, "all", [], []),
}  # fmt: skip


@pytest.mark.parametrize(("query", "mode", "notices", "ids"), BOMBS.values(), ids=BOMBS)
def test_query_bombs_are_answered_within_bounds(client, figures, query, mode, notices, ids):
    started = time.perf_counter()
    response = client.get("/search.json", query_string={"q": query})
    elapsed = time.perf_counter() - started
    data = response.get_json()
    assert response.status_code == 200
    assert (data["query"]["mode"], data["query"]["notices"]) == (mode, notices)
    if ids is not None:
        # Which resources, not their ranking: these tests are about bounds, not relevance.
        assert sorted(result["id"] for result in data["results"]) == sorted(ids)
    else:
        assert data["total"] > 0
    if elapsed > 0.2:
        figures("slow query bomb", f"{len(query)} characters took {elapsed * 1000:.0f} ms")


def test_spelling_suggestions_check_no_more_words_than_are_searched(client, monkeypatch):
    """corrections.did_you_mean looks up every distinct word of the (up to 1,000-character)
    query, though only the first 32 are searched: about 200 corrector lookups for one request,
    the slowest query bomb here (with Whoosh's corrector), and the cost grows with the
    index's vocabulary."""
    checked = []
    suggest = Speller.suggest

    def counting(self, text, *args, **kwargs):
        checked.append(text)
        return suggest(self, text, *args, **kwargs)

    monkeypatch.setattr(Speller, "suggest", counting)
    client.get("/search.json", query_string={"q": " ".join(f"w{n}" for n in range(400))})
    assert 0 < len(checked) <= MAX_UNITS
