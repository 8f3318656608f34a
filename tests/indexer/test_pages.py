"""Parsing one page: tolerant of markup drift, strict about meaning."""

from __future__ import annotations

import codecs
from dataclasses import replace

import pytest

from indexer.pages import MAX_ID_LENGTH, ParsedPage, id_from_link, parse_page, safe_url, slugify
from indexer.records import ERROR, LISTING, RESOURCE_PAGE, WARNING, Problem, Sighting
from tests.conftest import card, listing_page, resource_page

LISTING_PATH = "topics/use-of-force/page-1.html"
DUTY_BELT = "A Law Enforcement Officer&#8217;s Duty Belt"


def parse(html: str | bytes, path: str = LISTING_PATH):
    data = html.encode("utf-8") if isinstance(html, str) else html
    return parse_page(path, data)


def listed(number: int = 1, label: str | None = "Use of Force", **fields) -> Sighting:
    """The sighting a card of the listing page gives."""
    return Sighting(
        path=LISTING_PATH,
        kind=LISTING,
        has_year=True,
        label=label,
        element=f"card {number}",
        **fields,
    )


ZEBRAFISH_CARD = card(
    "Zebrafish Drills",
    "/resources/zebrafish-drills/",
    "Guidebook/Tool, Video | 2021",
    ["Use of Force"],
)
ZEBRAFISH = listed(
    id="zebrafish-drills",
    title="Zebrafish Drills",
    types=("Guidebook/Tool", "Video"),
    year=2021,
    topics=("Use of Force",),
    url="/resources/zebrafish-drills/",
)


def test_card_fields():
    parsed = parse(listing_page("Use of Force", ZEBRAFISH_CARD))
    assert parsed.sightings == (ZEBRAFISH,)
    assert parsed.problems == ()


def test_every_card_of_a_listing_page_in_order():
    other = card("Quokka Notes", "/resources/quokka-notes/", "Report | 2019", ["Use of Force"])
    parsed = parse(listing_page("Use of Force", ZEBRAFISH_CARD, other))
    assert [(s.id, s.element) for s in parsed.sightings] == [
        ("zebrafish-drills", "card 1"),
        ("quokka-notes", "card 2"),
    ]


def test_extra_wrappers_and_thumbnails_are_ignored():
    # Wrapper divs, a wrapper that itself carries the card class, and a default thumbnail
    # whose alt text also shows as a caption, before and inside the card.
    thumbnail = (
        f'<img src="/img/default-thumbnail.jpg" alt="{DUTY_BELT}">'
        f"<figure><figcaption>{DUTY_BELT}</figcaption></figure>"
    )
    inner = ZEBRAFISH_CARD.replace(
        '<article class="resource-card">', f'<article class="resource-card">{thumbnail}'
    )
    html = listing_page(
        "Use of Force",
        f'{thumbnail}<div class="sf-result"><div class="resource-card wrapper"><div>{inner}</div></div></div>',
    )
    parsed = parse(html)
    assert [s.title for s in parsed.sightings] == ["Zebrafish Drills"]
    assert parsed.sightings[0].topics == ("Use of Force",)
    assert parsed.sightings[0].types == ("Guidebook/Tool", "Video")
    assert parsed.problems == ()


def test_whitespace_and_newlines_inside_meta_title_and_topics():
    html = listing_page(
        "Use of Force",
        card(
            "\n      Zebrafish   Drills\n    ",
            "\n  /resources/zebrafish-drills/  ",
            "\n      Guidebook/Tool ,\n  Video\n      |   2021\n  ",
            ["\n  Use   of\n Force  "],
        ),
    )
    assert parse(html).sightings == (ZEBRAFISH,)


def test_entities_decoded_and_curly_quotes_kept():
    html = listing_page(
        "Use of Force",
        card(
            "Crime &amp; Justice: &#8216;What Works&#8217; and “Why”",
            "/resources/crime-justice/",
            "Report | 2020",
            ["Stops, Searches, &amp; Arrests"],
        ),
    )
    sighting = parse(html).sightings[0]
    assert sighting.title == "Crime & Justice: \u2018What Works\u2019 and \u201cWhy\u201d"
    assert sighting.topics == ("Stops, Searches, & Arrests",)


@pytest.mark.parametrize(
    ("meta", "types", "year"),
    [
        ("Guidebook/Tool, Video | 2021", ("Guidebook/Tool", "Video"), 2021),
        ("Report,Case Study,  Other | 1999", ("Report", "Case Study", "Other"), 1999),
        ("Article", ("Article",), None),
        ("Article |", ("Article",), None),
        ("Report, Video", ("Report", "Video"), None),
    ],
)
def test_types_split_on_commas_and_year_optional(meta, types, year):
    html = listing_page("Use of Force", card("Zebrafish Drills", "/resources/z/", meta))
    parsed = parse(html)
    assert [(s.types, s.year, s.has_year) for s in parsed.sightings] == [(types, year, True)]
    assert parsed.problems == ()


@pytest.mark.parametrize(
    ("meta", "types", "message"),
    [
        ("Report | 20x1", ("Report",), "unreadable year '20x1'; treated as undated"),
        ("Report | 1700", ("Report",), "unreadable year '1700'; treated as undated"),
        ("Report | 21", ("Report",), "unreadable year '21'; treated as undated"),
        ("2020", (), "no resource type on the types/year line"),
        (None, (), "no types/year line (class resource-meta); undated"),
    ],
)
def test_doubtful_types_or_year_warn(meta, types, message):
    html = listing_page("Use of Force", card("Zebrafish Drills", "/resources/z/", meta))
    parsed = parse(html)
    year = 2020 if meta == "2020" else None
    assert [(s.id, s.types, s.year) for s in parsed.sightings] == [("z", types, year)]
    assert parsed.problems == (Problem(WARNING, LISTING_PATH, message, None, "card 1"),)


def test_several_bars_in_meta_warn_and_read_the_last_part_as_year():
    html = listing_page(
        "Use of Force", card("Zebrafish Drills", "/resources/z/", "Report | x | 2020")
    )
    parsed = parse(html)
    assert [(s.types, s.year) for s in parsed.sightings] == [(("Report",), 2020)]
    assert parsed.problems == (
        Problem(
            WARNING,
            LISTING_PATH,
            "types/year line 'Report | x | 2020' has several '|'",
            None,
            "card 1",
        ),
    )


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", " JavaScript:void(0) ", "data:text/html,hi"]
)
def test_unsafe_link_dropped_with_a_warning(href):
    html = listing_page("Use of Force", card("Zebrafish Drills", href, "Report | 2020"))
    parsed = parse(html)
    # The id then comes from the title.
    assert [(s.id, s.url) for s in parsed.sightings] == [("zebrafish-drills", None)]
    shown = href.strip()[:80]
    assert parsed.problems == (
        Problem(WARNING, LISTING_PATH, f"unsafe link {shown!r} dropped", None, "card 1"),
    )


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/resources/dna-facial-mapping/", "dna-facial-mapping"),
        ("/resources/DNA-Facial-Mapping", "dna-facial-mapping"),
        ("https://example.org/resources/dna-facial-mapping/?sf_paged=2#top", "dna-facial-mapping"),
        ("../resources/dna-facial-mapping.html", "dna-facial-mapping"),
        ("/resources/caf%C3%A9-protocols/", "cafe-protocols"),
        ("/", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_id_from_link(href, expected):
    assert id_from_link(href) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/resources/x/", "/resources/x/"),
        ("https://example.org/x", "https://example.org/x"),
        ("HTTP://example.org/x", "HTTP://example.org/x"),
        ("javascript:alert(1)", None),
        ("vbscript:x", None),
        ("", None),
        # Protocol-relative links leave the site: not a site path.
        ("//evil.example/resources/x/", None),
        ("\\\\evil.example/x", None),
        ("/\\evil.example/x", None),
        ("/resources//x/", "/resources//x/"),
    ],
)
def test_safe_url(href, expected):
    assert safe_url(href) == expected


def test_card_without_link_gets_its_id_from_the_title():
    html = listing_page("Use of Force", card("Zebrafish Drills: A Guide", None, "Report | 2020"))
    assert [(s.id, s.url) for s in parse(html).sightings] == [("zebrafish-drills-a-guide", None)]


def test_card_without_title_is_an_error_and_the_other_cards_are_read():
    html = listing_page("Use of Force", card("", "/resources/nothing/", "Report"), ZEBRAFISH_CARD)
    parsed = parse(html)
    assert parsed.sightings == (replace(ZEBRAFISH, element="card 2"),)
    assert parsed.problems == (
        Problem(
            ERROR,
            LISTING_PATH,
            "no title (class resource-title or a heading); skipped",
            None,
            "card 1",
        ),
    )


RESOURCE_PATH = "resources/body-cameras.html"


def test_resource_page_fields():
    html = resource_page(
        "Body Cameras on US Patrols",
        "Report | 2019",
        ["Technology Implementation", "Use of Force"],
        canonical="/resources/body-cameras-on-us-patrols/",
        description="<p>How xylophone mounts work.</p><p>Second &amp; last.</p>",
        body=(
            "<section><h2>Marzipan Protocol</h2><p>Quillwort checklist.</p></section>"
            "<section><h2>Findings</h2><ul><li>Fewer complaints</li></ul></section>"
        ),
    )
    parsed = parse(html, RESOURCE_PATH)
    assert parsed.sightings == (
        Sighting(
            id="body-cameras-on-us-patrols",
            path=RESOURCE_PATH,
            kind=RESOURCE_PAGE,
            title="Body Cameras on US Patrols",
            types=("Report",),
            year=2019,
            has_year=True,
            topics=("Technology Implementation", "Use of Force"),
            url="/resources/body-cameras-on-us-patrols/",
            description="How xylophone mounts work.\n\nSecond & last.",
            body="Marzipan Protocol\n\nQuillwort checklist.\n\nFindings\n\nFewer complaints",
            sections=("Marzipan Protocol", "Findings"),
            element="resource",
        ),
    )
    assert parsed.problems == ()


@pytest.mark.parametrize(
    ("path", "canonical", "expected_id", "expected_url"),
    [
        ("resources/any-name.html", "/resources/DNA-Facial-Mapping/", "dna-facial-mapping", None),
        (
            "resources/DNA_Facial_Mapping.html",
            None,
            "dna-facial-mapping",
            "/resources/dna-facial-mapping/",
        ),
        ("resources/dna.htm", None, "dna", "/resources/dna/"),
    ],
)
def test_resource_page_id_from_canonical_else_file_name(path, canonical, expected_id, expected_url):
    parsed = parse(resource_page("DNA Facial Mapping", "Article", canonical=canonical), path)
    assert [(s.id, s.url) for s in parsed.sightings] == [(expected_id, expected_url or canonical)]


def test_resource_page_title_falls_back_to_the_first_heading():
    html = resource_page("DNA Facial Mapping", "Article").replace(' class="resource-title"', "")
    assert [s.title for s in parse(html, RESOURCE_PATH).sightings] == ["DNA Facial Mapping"]


def test_resource_page_without_description_or_body():
    parsed = parse(resource_page("DNA Facial Mapping", "Article"), RESOURCE_PATH)
    assert [(s.description, s.body, s.sections) for s in parsed.sightings] == [("", "", ())]


def test_resource_page_without_title_is_an_error():
    parsed = parse(resource_page("", "Report | 2020", ["Use of Force"]), RESOURCE_PATH)
    assert parsed.sightings == ()
    assert parsed.problems == (
        Problem(
            ERROR,
            RESOURCE_PATH,
            "no title (class resource-title or a heading); skipped",
            None,
            "resource",
        ),
    )


def test_two_resource_articles_on_one_page_is_an_error_and_the_first_is_read():
    second = '<article class="resource"><h1 class="resource-title">Second</h1></article>'
    html = resource_page("First", "Article").replace("</body>", second + "</body>")
    parsed = parse(html, RESOURCE_PATH)
    assert [s.title for s in parsed.sightings] == ["First"]
    assert parsed.problems == (
        Problem(ERROR, RESOURCE_PATH, "2 resource articles on one page; only the first read"),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file; skipped"),
        (b"  \n\t\n", "empty file; skipped"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not an HTML page; skipped"),
        (b"<html>\x00<body></body></html>", "binary file, not an HTML page; skipped"),
    ],
)
def test_unreadable_pages_are_errors(data, message):
    assert parse(data) == ParsedPage((), (Problem(ERROR, LISTING_PATH, message),))


def test_page_without_cards_or_article_warns():
    parsed = parse("<html><body><h1>About us</h1><p>Nothing to index.</p></body></html>")
    assert parsed.sightings == ()
    assert parsed.problems == (
        Problem(
            WARNING, LISTING_PATH, "no resource cards and no resource article: not a resource page"
        ),
    )


def test_truncated_page_warns_and_its_content_is_read():
    quokka = card(
        "Quokka Notes", "/resources/quokka-notes/", "Video | 2019", ["Use of Force", "Officer"]
    )
    html = listing_page("Use of Force", ZEBRAFISH_CARD, quokka)
    parsed = parse(html[: html.index("Officer")])
    assert [(s.id, s.topics) for s in parsed.sightings] == [
        ("zebrafish-drills", ("Use of Force",)),
        ("quokka-notes", ("Use of Force",)),
    ]
    assert parsed.problems == (
        Problem(WARNING, LISTING_PATH, "no closing </html>: the page may be truncated"),
    )


def test_non_utf8_page_warns_and_is_read_as_windows_1252():
    html = listing_page(
        "Use of Force", card("Caf\u00e9 \u2018Quokka\u2019 Notes", "/resources/q/", "Report | 2020")
    )
    data = html.encode("cp1252")
    offset = data.index(b"\xe9")
    parsed = parse(data)
    assert [s.title for s in parsed.sightings] == ["Caf\u00e9 \u2018Quokka\u2019 Notes"]
    assert parsed.problems == (
        Problem(
            WARNING,
            LISTING_PATH,
            f"not valid UTF-8 (byte 0xE9 at offset {offset}); read as Windows-1252, check accented letters",
        ),
    )


def test_declared_charset_is_used_without_a_warning():
    html = listing_page("Use of Force", card("Caf\u00e9 Notes", "/resources/q/", "Report | 2020"))
    html = html.replace("<head>", '<head><meta charset="iso-8859-1">')
    parsed = parse(html.encode("latin-1"))
    assert [s.title for s in parsed.sightings] == ["Caf\u00e9 Notes"]
    assert parsed.problems == ()


def test_utf8_with_byte_order_mark():
    parsed = parse(b"\xef\xbb\xbf" + listing_page("Use of Force", ZEBRAFISH_CARD).encode())
    assert parsed.sightings == (ZEBRAFISH,)
    assert parsed.problems == ()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_byte_order_mark(codec):
    html = listing_page("Use of Force", ZEBRAFISH_CARD)
    mark = {"utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    parsed = parse(mark + html.encode(codec))
    assert parsed.sightings == (ZEBRAFISH,)
    assert parsed.problems == ()


def test_utf16_without_byte_order_mark_is_binary():
    parsed = parse(listing_page("Use of Force", ZEBRAFISH_CARD).encode("utf-16-le"))
    assert parsed == ParsedPage(
        (), (Problem(ERROR, LISTING_PATH, "binary file, not an HTML page; skipped"),)
    )


def test_long_ids_are_cut_with_a_hash_and_never_merge():
    first, second = "x-" * 70 + "first", "x-" * 70 + "second"
    ids = [id_from_link(f"/resources/{first}/"), id_from_link(f"/resources/{second}/")]
    assert ids[0] != ids[1]
    assert [len(i) <= MAX_ID_LENGTH for i in ids] == [True, True]
    assert id_from_link(f"/resources/{first}/") == ids[0]  # stable
    assert slugify("x-" * 59 + "x") == "x-" * 59 + "x"  # 119 characters: kept whole


def test_malformed_html_is_read():
    # Unquoted attributes, unclosed <p>, <li>, <a> and <article>, a stray </span>.
    html = """<html><body><h1>Use of Force</h1><div class=sf-results>
    <article class=resource-card><p class=resource-meta>Report | 2020
    <h3 class=resource-title><a href=/resources/open-tags/>Open <i>Tags</h3>
    <ul class=resource-topics><li>Use of Force<li>Officer Safety</span></ul>
    <article class=resource-card><p class="resource-meta">Video | 2019</p>
    <h3 class="resource-title"><a href="/resources/second/">Second</a></h3>
    <ul class=resource-topics><li>Training</ul></article>
    </div></body></html>"""
    parsed = parse(html)
    assert [(s.id, s.title, s.types, s.year, s.topics) for s in parsed.sightings] == [
        ("open-tags", "Open Tags", ("Report",), 2020, ("Use of Force", "Officer Safety")),
        ("second", "Second", ("Video",), 2019, ("Training",)),
    ]
    assert parsed.problems == ()
