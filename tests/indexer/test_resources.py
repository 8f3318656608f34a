"""Merging the sightings of each resource into one normalised record."""

from __future__ import annotations

import pytest

from indexer.records import (
    CATALOG,
    LISTING,
    NOTICE,
    RESOURCE_PAGE,
    WARNING,
    Problem,
    Resource,
    Sighting,
    Source,
)
from indexer.resources import merge_sightings
from indexer.vocabulary import parse_vocabulary
from tests.conftest import VOCABULARY

VOCAB = parse_vocabulary(VOCABULARY)
PAGE = "resources/walrus.html"
FORCE = "topics/use-of-force/page-1.html"
SAFETY = "topics/officer-safety/page-1.html"


def seen(path: str = FORCE, kind: str = LISTING, **fields) -> Sighting:
    defaults = {
        "id": "walrus",
        "title": "Walrus Tactics",
        "types": ("Report",),
        "year": 2020,
        "has_year": True,
        "topics": ("Use of Force",),
        "url": "/resources/walrus/",
        "element": "card 1" if kind == LISTING else kind,
    }
    if kind == LISTING:
        defaults["label"] = "Use of Force" if path == FORCE else "Officer Safety and Wellness"
    return Sighting(path=path, kind=kind, **(defaults | fields))


def merged(*sightings: Sighting, vocabulary=VOCAB):
    return merge_sightings(sightings, vocabulary)


def test_one_sighting_one_resource():
    collection = merged(seen())
    assert collection.resources == (
        Resource(
            id="walrus",
            title="Walrus Tactics",
            types=("Report",),
            year=2020,
            topics=("Use of Force",),
            url="/resources/walrus/",
            sources=(Source(FORCE, LISTING, "Use of Force"),),
        ),
    )
    assert (collection.problems, collection.duplicates_merged) == ({}, 0)


def test_duplicates_merge_into_one_resource_with_topics_unioned():
    collection = merged(
        seen(FORCE, topics=("Use of Force", "Mass Demonstration Response")),
        seen(SAFETY, topics=("Officer Safety and Wellness", "Use of Force")),
        seen(
            PAGE,
            RESOURCE_PAGE,
            topics=("Technology Implementation",),
            description="Tusks.",
            body="Ice floes.",
            sections=("Ice",),
        ),
    )
    assert collection.resources == (
        Resource(
            id="walrus",
            title="Walrus Tactics",
            types=("Report",),
            year=2020,
            # The resource page's topics first, then the cards' in path order, each once.
            topics=(
                "Technology Implementation",
                "Officer Safety and Wellness",
                "Use of Force",
                "Response to Mass Demonstrations",
            ),
            url="/resources/walrus/",
            description="Tusks.",
            body="Ice floes.",
            sections=("Ice",),
            sources=(
                Source(PAGE, RESOURCE_PAGE),
                Source(SAFETY, LISTING, "Officer Safety and Wellness"),
                Source(FORCE, LISTING, "Use of Force"),
            ),
        ),
    )
    assert (collection.problems, collection.duplicates_merged) == ({}, 2)


def test_different_resources_stay_apart_sorted_by_id():
    collection = merged(seen(id="b", title="B"), seen(id="a", title="A"), seen(id="c", title="C"))
    assert [(r.id, r.title) for r in collection.resources] == [("a", "A"), ("b", "B"), ("c", "C")]
    assert collection.duplicates_merged == 0


def test_resource_page_beats_card_and_disagreements_name_both_files():
    collection = merged(
        seen(FORCE, title="Walrus Tactics (card)", types=("Video",), year=2019),
        seen(PAGE, RESOURCE_PAGE, types=("Report", "Article"), year=2020),
    )
    resource = collection.resources[0]
    assert (resource.title, resource.types, resource.year) == (
        "Walrus Tactics",
        ("Report", "Article"),
        2020,
    )
    assert collection.problems == {
        "walrus": (
            Problem(
                WARNING,
                PAGE,
                f"pages disagree on title: {PAGE} says Walrus Tactics; {FORCE} says Walrus Tactics"
                " (card); kept Walrus Tactics",
                None,
                RESOURCE_PAGE,
            ),
            Problem(
                WARNING,
                PAGE,
                f"pages disagree on types: {PAGE} says Report, Article; {FORCE} says Video;"
                " kept Report, Article",
                None,
                RESOURCE_PAGE,
            ),
            Problem(
                WARNING,
                PAGE,
                f"pages disagree on year: {PAGE} says 2020; {FORCE} says 2019; kept 2020",
                None,
                RESOURCE_PAGE,
            ),
        )
    }


def test_first_card_in_path_order_wins_and_undated_disagrees_with_dated():
    collection = merged(seen(FORCE, year=2021), seen(SAFETY, year=None))
    assert collection.resources[0].year is None
    assert collection.all_problems() == [
        Problem(
            WARNING,
            SAFETY,
            f"pages disagree on year: {SAFETY} says undated; {FORCE} says 2021; kept undated",
            None,
            "card 1",
        )
    ]


def test_same_types_in_another_order_or_spelling_agree():
    collection = merged(
        seen(FORCE, types=("Report", "Video")), seen(SAFETY, types=("video", "REPORT"))
    )
    assert collection.resources[0].types == ("Video", "Report")
    assert collection.problems == {}


def test_unknown_labels_are_kept_as_printed_and_reported():
    collection = merged(seen(types=("Report", "Podcast"), topics=("Use of Force", "Body Armour")))
    resource = collection.resources[0]
    assert (resource.types, resource.topics) == (
        ("Report", "Podcast"),
        ("Use of Force", "Body Armour"),
    )
    assert collection.all_problems() == [
        Problem(
            WARNING,
            FORCE,
            "unknown type 'Podcast': kept as printed; add it to vocabulary.toml",
            None,
            "card 1",
        ),
        Problem(
            WARNING,
            FORCE,
            "unknown topic 'Body Armour': kept as printed; add it to vocabulary.toml",
            None,
            "card 1",
        ),
    ]


def test_aliases_map_to_canonical_labels_once():
    collection = merged(
        seen(
            topics=(
                "Mass Demonstration Response",
                "response to mass demonstrations",
                "Use of Force",
            )
        )
    )
    assert collection.resources[0].topics == ("Response to Mass Demonstrations", "Use of Force")
    assert collection.problems == {}


def test_repeated_types_are_kept_once():
    collection = merged(seen(types=("Guidebook/Tool", "guidebook/tool", "Video", "GUIDEBOOK/TOOL")))
    assert collection.resources[0].types == ("Guidebook/Tool", "Video")


def test_ignored_label_is_dropped_with_a_notice():
    belt = "A Law Enforcement Officer\u2019s Duty Belt"
    collection = merged(seen(topics=(belt, "Use of Force")))
    assert collection.resources[0].topics == ("Use of Force",)
    assert collection.all_problems() == [
        Problem(NOTICE, FORCE, f"ignored {belt!r} (listed under [ignore])", None, "card 1")
    ]


def test_without_a_vocabulary_labels_are_kept_silently():
    collection = merged(seen(topics=("Mass Demonstration Response",)), vocabulary=None)
    assert collection.resources[0].topics == ("Mass Demonstration Response",)
    assert collection.problems == {}


def test_resource_without_topic_gets_a_notice():
    collection = merged(seen(topics=()))
    assert collection.resources[0].topics == ()
    assert collection.all_problems() == [
        Problem(
            NOTICE,
            FORCE,
            "'Walrus Tactics' has no topic; it is found by search, not by topic",
            None,
            "card 1",
        )
    ]


def row(**fields) -> Sighting:
    return Sighting(
        id="walrus", path="catalog.jsonl", kind=CATALOG, line=3, element="row", **fields
    )


@pytest.mark.parametrize(
    ("catalog", "expected", "message"),
    [
        (
            row(year=2018, has_year=True),
            ("Walrus Tactics", ("Report",), 2018),
            "year to 2018 (pages: 2020)",
        ),
        (
            row(year=None, has_year=True),
            ("Walrus Tactics", ("Report",), None),
            "year to undated (pages: 2020)",
        ),
        (
            row(types=("Video",)),
            ("Walrus Tactics", ("Video",), 2020),
            "types to Video (pages: Report)",
        ),
        (
            row(title="Walrus"),
            ("Walrus", ("Report",), 2020),
            "title to Walrus (pages: Walrus Tactics)",
        ),
    ],
)
def test_catalog_row_beats_pages(catalog, expected, message):
    collection = merged(seen(FORCE), seen(PAGE, RESOURCE_PAGE), catalog)
    resource = collection.resources[0]
    assert (resource.title, resource.types, resource.year) == expected
    assert collection.all_problems() == [
        Problem(NOTICE, "catalog.jsonl", f"catalog sets {message}", 3, "row")
    ]


def test_catalog_row_agreeing_with_pages_is_silent():
    collection = merged(seen(FORCE), row(year=2020, has_year=True, types=("report",)))
    assert (collection.resources[0].year, collection.problems) == (2020, {})


def test_catalog_topics_replace_the_union_of_the_pages():
    collection = merged(
        seen(FORCE, topics=("Use of Force",)),
        seen(SAFETY, topics=("Officer Safety and Wellness",)),
        row(topics=("Technology Implementation",)),
    )
    assert collection.resources[0].topics == ("Technology Implementation",)


def test_catalog_row_without_topics_keeps_the_union():
    collection = merged(
        seen(FORCE, topics=("Use of Force",)),
        seen(SAFETY, topics=("Officer Safety and Wellness",)),
        row(description="From the catalog."),
    )
    resource = collection.resources[0]
    assert (resource.topics, resource.description) == (
        ("Officer Safety and Wellness", "Use of Force"),
        "From the catalog.",
    )


def test_catalog_exclude_drops_the_resource():
    collection = merged(seen(FORCE), seen(id="other", title="Other"), row(exclude=True))
    assert [r.id for r in collection.resources] == ["other"]
    assert collection.all_problems() == [
        Problem(NOTICE, "catalog.jsonl", "resource 'walrus' excluded by the catalog", 3, "row")
    ]
