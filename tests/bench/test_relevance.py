"""The relevance bench's ranking and its verdict (bench/relevance.py); its figures are
printed by `python -m bench.relevance`, never asserted."""

from __future__ import annotations

from bench.relevance import TARGET_GAP, listed, policy_gaps
from indexer.records import Resource
from search_app.params import SearchParams
from search_app.search import export_hits
from tests.search.conftest import ram_snapshot


def test_a_ranking_is_the_full_matches_then_those_matching_some_words():
    snapshot = ram_snapshot(
        [
            Resource(id="both", title="Both", body="rabbit radish"),
            Resource(id="one", title="One", body="rabbit"),
            Resource(id="none", title="None", body="carrot"),
        ]
    )
    params = SearchParams(q="rabbit radish")
    _, exported = export_hits(snapshot, params, 10)
    assert [row["id"] for row in exported] == ["both"]
    assert listed(snapshot, params, 10) == ["both", "one"]
    assert listed(snapshot, params, 1) == ["both"]


def test_the_gaps_are_the_shipped_figures_less_the_ranking_models():
    rows = [
        {"collection": "c", "policy": "shipped", "ndcg@10": 0.50, "map": 0.30},
        {"collection": "c", "policy": "ranking only", "ndcg@10": 0.49, "map": 0.31},
    ]
    gaps = policy_gaps(rows)["c"]
    assert (round(gaps["ndcg@10"], 4), round(gaps["map"], 4)) == (0.01, -0.01)
    assert min(gaps.values()) < -TARGET_GAP
