"""The benchmark's corpus generator: deterministic, shaped like the catalog sample, readable.

No timings here: the benchmark itself is `python -m bench`, never a test.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from random import Random

import pytest

from bench.distributions import FIRST_YEAR, LAST_YEAR, fit, read_vocabulary
from bench.generate import MAX_BODY_WORDS, MIN_BODY_WORDS, SEED, generate, is_current, plan
from bench.lexicon import TextSampler, load_lexicon
from bench.sitepages import SITE_FOOTER, corpus_pages, render_resource
from indexer.build import check

PLANNED = 3000
WRITTEN = 40


@pytest.fixture(scope="module")
def planned():
    return plan(PLANNED, SEED, load_lexicon(), fit())


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_same_seed_same_bytes_whatever_the_number_of_processes(tmp_path):
    generate(WRITTEN, tmp_path / "one", workers=1)
    generate(WRITTEN, tmp_path / "two", workers=2)
    first, second = files(tmp_path / "one"), files(tmp_path / "two")
    assert first == second
    resource_pages = [name for name in first if name.startswith("resources/")]
    assert len(resource_pages) == WRITTEN
    assert {"vocabulary.toml", "thesaurus.txt", "index.html", "generated.json"} <= set(first)
    assert is_current(tmp_path / "one", WRITTEN)
    assert not is_current(tmp_path / "one", WRITTEN + 1)


def test_another_seed_other_bytes(tmp_path):
    generate(WRITTEN, tmp_path / "one", workers=1)
    generate(WRITTEN, tmp_path / "other", seed=SEED + 1, workers=1)
    assert files(tmp_path / "one") != files(tmp_path / "other")


def test_the_indexer_reads_every_resource_without_a_warning(tmp_path):
    generate(WRITTEN, tmp_path / "corpus", workers=1)
    report = check(tmp_path / "corpus")
    assert (report.resources, report.errors, report.warnings) == (WRITTEN, 0, 0)
    # Only topicless resources draw notices; a topic printed under an alias is folded quietly.
    assert all("has no topic" in p.message for p in report.problems)


def test_a_refilled_folder_loses_nothing_but_its_own_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(Exception, match="not written by bench.generate"):
        generate(WRITTEN, tmp_path, workers=1)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_metadata_follows_the_catalog_sample(planned):
    dists = fit()
    vocabulary = read_vocabulary()
    undated = sum(r["year"] is None for r in planned) / PLANNED
    assert 0.005 <= undated <= 0.04  # the sample: 1 in 51
    years = [r["year"] for r in planned if r["year"] is not None]
    assert min(years) >= FIRST_YEAR and max(years) <= LAST_YEAR
    recent = sum(year >= 2015 for year in years) / len(years)
    assert recent > 0.6  # skewed recent, as the sample (mean year 2019)
    multi_topic = sum(len(r["canonical"]) > 1 for r in planned) / PLANNED
    assert 0.7 <= multi_topic <= 0.87  # the sample: 40 of 51
    multi_type = sum(len(r["types"]) > 1 for r in planned) / PLANNED
    assert 0.14 <= multi_type <= 0.3  # the sample: 11 of 51
    assert all(1 <= len(r["types"]) <= max(dists.type_counts) for r in planned)
    topics = Counter(t for r in planned for t in r["canonical"])
    assert set(topics) == set(vocabulary["topic"])
    assert topics.most_common(1)[0][0] == "Community Trust and Partnerships"
    assert {t for r in planned for t in r["types"]} <= set(vocabulary["type"])
    assert len({r["slug"] for r in planned}) == PLANNED


def test_bodies_are_300_to_3000_words(planned):
    lengths = [r["words"] for r in planned]
    assert min(lengths) >= MIN_BODY_WORDS and max(lengths) <= MAX_BODY_WORDS
    assert 700 <= sorted(lengths)[PLANNED // 2] <= 1300  # log-uniform: median about 950
    sampler = TextSampler(load_lexicon())
    for count in (MIN_BODY_WORDS, 1234, MAX_BODY_WORDS):
        body = sampler.body(Random(count), count, "Use of Force")
        assert sum(len(text.split()) for _, texts in body for text in texts) == count


def test_word_frequencies_are_zipf_like():
    sampler = TextSampler(load_lexicon())
    counts = Counter(sampler.words(Random(1), 50_000, None))
    ranked = [count for _, count in counts.most_common()]
    # The head dominates and the tail is long: a few words cover much, most words are rare.
    assert sum(ranked[:50]) / sum(ranked) > 0.3
    assert len(ranked) > 2000
    assert sum(count <= 2 for count in ranked) / len(ranked) > 0.2


@pytest.mark.parametrize("position", [0, 1, 2])
def test_the_fast_resource_page_is_the_template_byte_for_byte(planned, position):
    resource = {
        **planned[position],
        "description": ["This report examines use of force in Tallahassee."],
        "body": TextSampler(load_lexicon()).body(Random(position), 800, "Use of Force"),
    }
    nav = [("Use of Force", "/topics/use-of-force/?sf_paged=1")]
    expected = corpus_pages.render_resource_page(resource, position, nav=nav, footer=SITE_FOOTER)
    assert render_resource(resource, position, nav) == expected
