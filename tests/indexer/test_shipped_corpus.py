"""The shipped corpus holds every resource of the catalog sample, as the catalog has it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from indexer.build import build
from indexer.schema import UNDATED
from indexer.stats import index_stats
from indexer.store import IndexStore
from indexer.vocabulary import load_vocabulary

REPO = Path(__file__).parents[2]
CORPUS = REPO / "corpus"
SAMPLE = REPO.parent / "shared" / "catalog" / "knowledge-lab-sample.json"
HOME_PAGE = "Home page (featured resources)"
NO_TOPIC = "What Works in De-Escalation Training: Implementation Lessons and Taking it to Scale"

pytestmark = pytest.mark.skipif(
    not SAMPLE.is_file(),
    reason=f"the catalog sample {SAMPLE} is absent (../shared not checked out)",
)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped corpus built once: the report, stats with every resource, stored documents."""
    index = tmp_path_factory.mktemp("shipped") / "index"
    report = build(CORPUS, index)
    with IndexStore(index).open_index().searcher() as searcher:
        documents = {fields["title"]: fields for fields in searcher.all_stored_fields()}
    return report, index_stats(index), documents


@pytest.fixture(scope="module")
def catalog():
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vocabulary():
    return load_vocabulary(CORPUS)


def canonical_topics(vocabulary, labels) -> list[str]:
    return sorted({vocabulary.topics.canonicalise(label) or label for label in labels})


def test_catalog_sample_is_as_expected(catalog):
    assert len(catalog) == 51
    assert len({entry["title"] for entry in catalog}) == 51


def test_every_catalog_resource_is_indexed_as_the_catalog_has_it(shipped, catalog, vocabulary):
    _, _, documents = shipped
    indexed = {
        entry["title"]: (
            documents[entry["title"]].get("type", []),
            documents[entry["title"]].get("year"),
            sorted(documents[entry["title"]].get("topic", [])),
        )
        for entry in catalog
        if entry["title"] in documents
    }
    expected = {
        entry["title"]: (
            [vocabulary.types.canonicalise(t) or t for t in entry["types"]],
            entry["year"],
            canonical_topics(vocabulary, entry["topics"]),
        )
        for entry in catalog
    }
    assert indexed == expected


def test_catalog_labels_are_all_in_the_vocabulary(catalog, vocabulary):
    unknown_topics = {
        t for e in catalog for t in e["topics"] if not vocabulary.topics.canonicalise(t)
    }
    unknown_types = {t for e in catalog for t in e["types"] if not vocabulary.types.canonicalise(t)}
    assert (unknown_topics, unknown_types) == (set(), set())


def test_topic_counts_of_the_catalog_resources_match_the_catalog(shipped, catalog, vocabulary):
    _, _, documents = shipped
    expected = Counter(
        t for entry in catalog for t in canonical_topics(vocabulary, entry["topics"])
    )
    indexed = Counter(t for entry in catalog for t in documents[entry["title"]].get("topic", []))
    assert indexed == expected
    # Aliases merged: the site's drifting labels count under their canonical topic.
    aliases = {"Mass Demonstration Response", "Mass Critical Incident Response"}
    assert aliases & {t for entry in catalog for t in entry["topics"]} == aliases
    assert aliases & set(indexed) == set()


def test_facet_counts_of_stats_match_the_documents(shipped):
    _, stats, documents = shipped
    for facet, field in (("topic", "topic"), ("type", "type")):
        counted = Counter(v for d in documents.values() for v in d.get(field, []))
        assert {c["value"]: c["count"] for c in stats["facets"][facet]} == dict(counted)
    years = Counter(str(d["year"]) if "year" in d else UNDATED for d in documents.values())
    assert {c["value"]: c["count"] for c in stats["facets"]["year"]} == dict(years)
    assert stats["facets"]["year"][-1]["value"] == UNDATED
    assert stats["index"]["documents"] == len(documents) == len(stats["resources"])


def test_undated_resources_are_in_the_undated_bucket(shipped, catalog):
    _, stats, documents = shipped
    undated = sorted(title for title, d in documents.items() if "year" not in d)
    assert {e["title"] for e in catalog if e["year"] is None} <= set(undated)
    assert "DNA Facial Mapping" in undated
    assert {c["value"]: c["count"] for c in stats["facets"]["year"]}[UNDATED] == len(undated)
    years = {c["value"] for c in stats["facets"]["year"]}
    assert years.isdisjoint({"0", "2147483647", "", "None"})


def test_every_resource_is_listed_under_each_of_its_topics(shipped, catalog, vocabulary):
    """Reachable from the listing pages of each topic it carries and was listed under."""
    _, _, documents = shipped
    listed_under = {entry["title"]: entry["listed_under"] for entry in catalog}
    missing = {}
    for title, document in documents.items():
        sources = [source for source in document["sources"] if source["kind"] == "listing"]
        listed = {vocabulary.topics.canonicalise(source.get("label", "")) for source in sources}
        if any(source["path"] == "index.html" for source in sources):
            listed.add(HOME_PAGE)
        expected = set(document.get("topic", []))
        for label in listed_under.get(title, []):
            expected.add(HOME_PAGE if label == HOME_PAGE else vocabulary.topics.canonicalise(label))
        if expected - listed:
            missing[title] = sorted(expected - listed)
    assert missing == {}


def test_report_is_clean_but_for_the_resource_without_topic(shipped, catalog):
    report, _, documents = shipped
    assert (report.errors, report.warnings, report.pages_skipped) == (0, 0, 0)
    resource_page = next(d for t, d in documents.items() if t == NO_TOPIC)["sources"][0]["path"]
    assert [str(problem) for problem in report.problems] == [
        f"notice: {resource_page} (resource): {NO_TOPIC!r} has no topic; it is found by search,"
        " not by topic"
    ]
    assert [e["topics"] for e in catalog if e["title"] == NO_TOPIC] == [[]]
    assert report.published
    assert report.resources == len(documents) >= len(catalog)
