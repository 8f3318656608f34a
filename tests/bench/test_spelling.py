"""The spelling benchmark's typos, and the accuracy floor of did-you-mean on the shipped corpus.

No timings are asserted: the benchmark itself is `python -m bench.spelling`.
"""

from __future__ import annotations

from pathlib import Path
from random import Random

import pytest
from rapidfuzz.distance import OSA

from bench.spelling import KINDS, SHIPPED, measure, typo
from indexer.build import build

# The shipped corpus scores 99 % (README); the floor leaves room for corpus edits.
ACCURACY_FLOOR = 0.95
KIND_FLOOR = 0.9


def test_each_typo_is_one_edit_of_its_kind():
    rng = Random(3)
    typed = {kind: typo("police", kind, rng) for kind in KINDS}
    assert typed == {
        "deletion": "plice",
        "insertion": "polirce",
        "substitution": "pllice",
        "transposition": "poliec",
    }
    assert [OSA.distance("police", word) for word in typed.values()] == [1, 1, 1, 1]
    # Letters that are all alike cannot be transposed.
    assert typo("aaaa", "transposition", rng) is None


@pytest.fixture(scope="module")
def shipped_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("shipped") / "index"
    build(SHIPPED, index)
    return index


def test_did_you_mean_finds_the_intended_word_of_one_letter_typos(shipped_index):
    figures = measure(shipped_index, whoosh_sample=0, with_whoosh=False)
    ours = figures["ours"]
    assert ours["typos"] > 800
    assert ours["accuracy"] >= ACCURACY_FLOOR
    assert {kind: share >= KIND_FLOOR for kind, share in ours["by_kind"].items()} == dict.fromkeys(
        KINDS, True
    )
    # Typos that spell another word of the library are left out, not counted as misses.
    assert figures["real_word_typos_left_out"] > 0
    assert "whoosh_on_whoosh_sample" not in figures
