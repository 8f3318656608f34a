"""Step four, for people: why each result matched, in plain words ("in the title", "topic:
Use of Force", "also searched crisis intervention team for CIT"), read off the results dict
the page renders (its `matched_fields`, topics, snippet and the query's expansions).

Only the page shows these; the JSON already carries what they are made of.
"""

from __future__ import annotations

import re

from .highlights import TEXT_WORDS

# matched_fields -> how the page says it; topics are named one by one instead.
FIELD_WORDS = {"title": "in the title", "description": "in the description", "body": "in the text"}
TAGS = re.compile(r"<[^>]+>")
# A result found by its labels alone (a type, a topic spelled otherwise) still says so.
BY_LABEL = "by its topic or type"


def match_reasons(result: dict, q: str, expansions: list[dict]) -> list[str]:
    """The reasons one result matched the query `q`, in the order a reader checks them."""
    expanded_text = " ".join(e for expansion in expansions for e in expansion["expanded_to"])
    words = TEXT_WORDS.words(q) | TEXT_WORDS.words(expanded_text)
    reasons = [FIELD_WORDS["title"]] if "title" in result["matched_fields"] else []
    topics = [topic for topic in result["topics"] if words & TEXT_WORDS.words(topic)]
    reasons += [f"topic: {topic}" for topic in topics]
    if "topics" in result["matched_fields"] and not topics:
        reasons.append("in its topics")
    reasons += [
        FIELD_WORDS[name] for name in ("description", "body") if name in result["matched_fields"]
    ]
    seen = TEXT_WORDS.words(
        " ".join([result["title"], *result["topics"], TAGS.sub(" ", result["snippet"] or "")])
    )
    for expansion in expansions:
        for expanded in expansion["expanded_to"]:
            expanded_words = TEXT_WORDS.words(expanded)
            if expanded_words and expanded_words <= seen:
                reasons.append(f"also searched {expanded} for {expansion['term']}")
    return reasons or [BY_LABEL]
