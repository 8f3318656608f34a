"""How synthetic resources are spread over topics, types and years: fitted to the catalog sample.

From `../shared/catalog/knowledge-lab-sample.json` (51 real resources): how many topics and
types a resource has, how often each topic and type occurs (aliases folded into their
canonical name through `corpus/vocabulary.toml`, plus one for the vocabulary's entries the
sample never shows), how often a topic is printed under an alias, the share of undated
resources, and years from 2000 to 2025 growing geometrically at the rate that gives the
sample's mean year.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PATH = Path("shared", "catalog", "knowledge-lab-sample.json")
# `../shared` beside the checkout; from a git worktree (`<folder>/wt/<name>`) it is found
# further up, so the benchmarks run the same in every checkout.
CATALOG_SAMPLE = next(
    (parent / SAMPLE_PATH for parent in ROOT.parents if (parent / SAMPLE_PATH).is_file()),
    ROOT.parent / SAMPLE_PATH,
)
VOCABULARY = ROOT / "corpus" / "vocabulary.toml"
FIRST_YEAR, LAST_YEAR = 2000, 2025
SMOOTHING = 1  # added to every vocabulary entry's count, so unseen ones still occur
GROWTH_BOUNDS = (1.0, 3.0)
FIT_STEPS = 60


@dataclass(frozen=True)
class Distributions:
    """Weights to draw a resource's topics, types and year from."""

    topic_counts: dict[int, int]
    type_counts: dict[int, int]
    topics: dict[str, float]
    types: dict[str, float]
    aliases: dict[str, tuple[str, ...]]
    alias_share: dict[str, float]
    undated_share: float
    years: dict[int, float]

    def draw(self, rng: Random) -> tuple[list[str], list[str], list[str], int | None]:
        """Canonical topics, topics as printed, types, and year (None when undated)."""
        topics = _distinct(rng, self.topics, _pick(rng, self.topic_counts))
        printed = [self.printed(rng, topic) for topic in topics]
        types = _distinct(rng, self.types, max(1, _pick(rng, self.type_counts)))
        year = None if rng.random() < self.undated_share else _pick(rng, self.years)
        return topics, printed, types, year

    def printed(self, rng: Random, topic: str) -> str:
        """The label a page prints for a topic: its name, or now and then one of its aliases."""
        aliases = self.aliases.get(topic, ())
        if aliases and rng.random() < self.alias_share.get(topic, 0.0):
            return rng.choice(aliases)
        return topic


def _pick(rng: Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _distinct(rng: Random, weights: dict[str, float], count: int) -> list[str]:
    """`count` different keys, drawn by weight without replacement."""
    left = dict(weights)
    chosen = []
    for _ in range(min(count, len(left))):
        key = _pick(rng, left)
        chosen.append(key)
        del left[key]
    return chosen


def read_vocabulary(path: Path = VOCABULARY) -> dict[str, dict[str, tuple[str, ...]]]:
    """{"topic": {name: aliases}, "type": {name: aliases}} from the vocabulary file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        kind: {entry["name"]: tuple(entry.get("aliases", ())) for entry in data.get(kind, [])}
        for kind in ("topic", "type")
    }


def fit_growth(mean_year: float) -> float:
    """The yearly growth rate whose geometric year weights have the given mean (bisection)."""
    low, high = GROWTH_BOUNDS
    for _ in range(FIT_STEPS):
        rate = (low + high) / 2
        weights = {year: rate ** (year - FIRST_YEAR) for year in range(FIRST_YEAR, LAST_YEAR + 1)}
        mean = sum(y * w for y, w in weights.items()) / sum(weights.values())
        low, high = (rate, high) if mean < mean_year else (low, rate)
    return (low + high) / 2


def fit(catalog: Path = CATALOG_SAMPLE, vocabulary: Path = VOCABULARY) -> Distributions:
    """The distributions of the catalog sample, over the vocabulary's canonical names."""
    rows = json.loads(catalog.read_text(encoding="utf-8"))
    vocab = read_vocabulary(vocabulary)
    canonical = {
        kind: {alias: name for name, aliases in entries.items() for alias in (name, *aliases)}
        for kind, entries in vocab.items()
    }
    topic_seen: Counter[str] = Counter()
    alias_seen: Counter[str] = Counter()
    type_seen: Counter[str] = Counter()
    for row in rows:
        for label in row["topics"]:
            name = canonical["topic"].get(label, label)
            topic_seen[name] += 1
            alias_seen[name] += label != name
        type_seen.update(canonical["type"].get(label, label) for label in row["types"])
    dated = [row["year"] for row in rows if row.get("year") is not None]
    rate = fit_growth(sum(dated) / len(dated))
    return Distributions(
        topic_counts=dict(sorted(Counter(len(row["topics"]) for row in rows).items())),
        type_counts=dict(sorted(Counter(len(row["types"]) for row in rows).items())),
        topics={name: topic_seen[name] + SMOOTHING for name in vocab["topic"]},
        types={name: type_seen[name] + SMOOTHING for name in vocab["type"]},
        aliases=vocab["topic"],
        alias_share={name: alias_seen[name] / topic_seen[name] for name in topic_seen},
        undated_share=1 - len(dated) / len(rows),
        years={year: rate ** (year - FIRST_YEAR) for year in range(FIRST_YEAR, LAST_YEAR + 1)},
    )
