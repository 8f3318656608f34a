"""The search that judged queries run on a new index version before it is published
(`indexer.judgments.Judge.search`): the same parameters, query building and ranking as
`/search.json`, on a version folder that is not yet the published one.

Given to the indexer by `resource-index` (the indexer never imports the search app).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from werkzeug.datastructures import MultiDict
from whoosh import index as whoosh_index

from indexer.judgments import JUDGED_FILE, JudgedQuery, JudgmentsError
from indexer.schema import text_words
from indexer.thesaurus import load_published_thesaurus

from .errors import UserError
from .facets import FacetSets
from .params import MAX_PER_PAGE, parse_params
from .query import QueryBuilder
from .ranking import ranking
from .search import run_search
from .snapshots import Shared, Snapshot


def params_of(query: JudgedQuery, number: int):
    """A judged query as search parameters (its top N on one page), or JudgmentsError."""
    args = MultiDict([("q", query.q), ("per_page", str(min(query.top, MAX_PER_PAGE)))])
    for name, values in query.filters:
        args.setlist(name, list(values))
    try:
        return parse_params(args)
    except UserError as error:
        raise JudgmentsError(f"{JUDGED_FILE}: query {number}: {error.message}") from None


def rank(version: Path, queries: Sequence[JudgedQuery]) -> list[list[str]]:
    """Each query's ranked ids (its top N) on the index in a version folder."""
    params = [params_of(query, number) for number, query in enumerate(queries, 1)]
    with whoosh_index.open_dir(str(version)).searcher(weighting=ranking()) as searcher:
        thesaurus = load_published_thesaurus(version, text_words())
        shared = Shared(version.name, {}, FacetSets.read(searcher), thesaurus)
        snapshot = Snapshot(shared, searcher, QueryBuilder(searcher, thesaurus))
        return [_listed(run_search(snapshot, p)) for p in params]


def _listed(response: dict) -> list[str]:
    """The ids a results page lists: the full matches, then those matching some words."""
    partial = response["suggestions"]["some_words"]["results"]
    return [hit["id"] for hit in [*response["results"], *partial]]
