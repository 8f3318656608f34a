"""Step three of a search: which documents match and their BM25F scores, for every document
at once.

Whoosh matches and scores one posting at a time in Python, so a common word over 100,000
resources costs a second. Here a query tree of terms combined with And, Or and AndNot (what
the query builder makes of what visitors type) is evaluated with numpy: each term's postings
are read as arrays, its BM25F scores computed for all of its documents at once with the
searcher's own ranking model (same idf, field lengths, B and K1), and kept in a bounded
cache; And, Or and AndNot become mask operations and sums, with Whoosh's rules for boosts.
Any other node (a phrase of repeated words, say) is matched and scored by Whoosh itself, so
the scores are Whoosh's in every case (tests compare them).

Postings, positions and field lengths come from the version's posting arrays
(indexer/posting_arrays.py: decoded at publish time, mapped read-only and shared by every
process), segment by segment; a segment without usable arrays (a version published before
them, a test's index in memory) is read from Whoosh's posting blocks, once per version per
process, and so are the positions of a version without arrays for every segment (kept in
the cache too).

A phrase reads the positions of its words rarest first and stops as soon as no document
is left, and reads those of MAX_PHRASE_CHECKED words at most: the others need only be in the
document (a 32-word phrase of common words read 32 position lists, 5 s at 10,000 resources).
The cache is changed only in `budget.protected` blocks: a request's timer never leaves it
half-updated.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from whoosh import query, scoring

from indexer.posting_arrays import SegmentArrays, segment_folder
from indexer.whoosh_internals import field_b, term_positions, term_postings

from . import budget

CACHE_BYTES = 256 * 2**20  # term arrays kept per index version (per server process)
# The words of one phrase whose positions are checked (the rarest); the others need only
# be in the document.
MAX_PHRASE_CHECKED = 8
POSITION_BITS = 2**32 - 1  # of a position key (document << 32 | position)


class Scored:
    """Matching documents (a mask) and their scores (zero elsewhere)."""

    __slots__ = ("mask", "scores")

    def __init__(self, mask: np.ndarray, scores: np.ndarray):
        self.mask, self.scores = mask, scores


class TermScores:
    """Per index version: each term's documents and unboosted scores, and field lengths;
    read from the version's posting arrays in `folder` where it has them."""

    def __init__(self, size: int, limit: int = CACHE_BYTES, folder: Path | None = None):
        self.size, self.limit, self.folder = size, limit, folder
        self.terms: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.lengths: dict[str, np.ndarray] = {}
        self.arrays: dict[str, SegmentArrays | None] = {}  # by segment id
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, searcher, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        key = (fieldname, btext)
        with budget.protected(), self.lock:
            found = self.terms.get(key)
            if found is not None:
                self.terms.move_to_end(key)
                return found
        found = self._read(searcher, fieldname, btext)
        self._keep(key, found)
        return found

    def positions(self, searcher, fieldname: str, btext: bytes) -> np.ndarray:
        """Every occurrence of a term as one sorted key per occurrence: document number
        times 2**32 plus the word's position in the field."""
        leaves = self.leaves(searcher, fieldname)
        if all(arrays is not None for _, _, arrays in leaves):
            return _joined(
                [(a.positions(fieldname, btext), offset << 32) for _, offset, a in leaves],
                np.int64,
            )
        key = ("positions", fieldname, btext)
        with budget.protected(), self.lock:
            found = self.terms.get(key)
            if found is not None:
                self.terms.move_to_end(key)
                return found[0]
        keys = _positions(searcher, fieldname, btext)  # Whoosh's, every segment's
        self._keep(key, (keys, keys[:0]))
        return keys

    def document_positions(self, searcher, fieldname: str, btext: bytes, docnum: int) -> np.ndarray:
        """Where a term is in one document's field: its positions, sorted."""
        for reader, offset, arrays in self.leaves(searcher, fieldname):
            if not offset <= docnum < offset + reader.doc_count_all():
                continue
            if arrays is None:  # every segment's keys, from Whoosh, cached
                keys, local = self.positions(searcher, fieldname, btext), docnum
            else:
                keys, local = arrays.positions(fieldname, btext), docnum - offset
            low, high = np.searchsorted(keys, [local << 32, (local + 1) << 32])
            return keys[low:high] & POSITION_BITS
        return np.zeros(0, dtype=np.int64)

    def _keep(self, key: tuple, found: tuple[np.ndarray, np.ndarray]) -> None:
        with budget.protected(), self.lock:
            if key not in self.terms:
                self.terms[key] = found
                self.bytes += sum(part.nbytes for part in found if part.flags.owndata)
                self._trim()

    def _trim(self) -> None:
        while self.bytes > self.limit and len(self.terms) > 1:
            _, found = self.terms.popitem(last=False)
            self.bytes -= sum(part.nbytes for part in found if part.flags.owndata)

    def leaves(self, searcher, fieldname: str) -> list[tuple[object, int, SegmentArrays | None]]:
        """Each segment's reader, first document number, and posting arrays of the field
        (None: read it from Whoosh)."""
        found = []
        for reader, offset in searcher.reader().leaf_readers():
            arrays = self._arrays(reader)
            found.append((reader, offset, arrays if arrays and arrays.covers(fieldname) else None))
        return found

    def _arrays(self, reader) -> SegmentArrays | None:
        if self.folder is None:
            return None
        segment_id = reader.segment().segment_id()
        if segment_id not in self.arrays:
            arrays = SegmentArrays.open(segment_folder(self.folder, segment_id), reader)
            with budget.protected(), self.lock:
                self.arrays.setdefault(segment_id, arrays)
        return self.arrays[segment_id]

    def _read(self, searcher, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        ids, weights = _postings(searcher, fieldname, btext, self.leaves(searcher, fieldname))
        weighting = searcher.weighting
        if not searcher.schema[fieldname].scorable:
            return ids, weights  # BM25F's weight scorer: the posting weight
        # BM25F as whoosh.scoring.BM25FScorer computes it, for all postings at once.
        b = field_b(weighting, fieldname)
        k1 = weighting.K1
        idf = searcher.idf(fieldname, btext)
        average = searcher.avg_field_length(fieldname) or 1
        lengths = self.field_lengths(searcher, fieldname)[ids]
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average)))
        return ids, scores

    def warm(self, searcher, fieldnames, count: int) -> None:
        """Read ahead: the fields' lengths, and the `count` terms of the first field found
        in the most documents (the costliest to read, and the most searched) unless the
        version's posting arrays hold them (then nothing is decoded: reading is cheap)."""
        for fieldname in fieldnames:
            self.field_lengths(searcher, fieldname)
        if count and fieldnames:
            reader, first = searcher.reader(), fieldnames[0]
            if all(arrays is not None for _, _, arrays in self.leaves(searcher, first)):
                return
            frequencies = ((reader.doc_frequency(first, t), t) for t in reader.lexicon(first))
            for _, btext in heapq.nlargest(count, frequencies):
                self.get(searcher, first, btext)

    def field_lengths(self, searcher, fieldname: str) -> np.ndarray:
        with budget.protected(), self.lock:
            found = self.lengths.get(fieldname)
        if found is None:
            parts = []
            for reader, _, arrays in self.leaves(searcher, fieldname):
                if arrays is not None:
                    parts.append((arrays.lengths(fieldname), 0))
                    continue
                count = reader.doc_count_all()
                lengths = [reader.doc_field_length(n, fieldname, 1) for n in range(count)]
                parts.append((np.asarray(lengths, dtype=np.float64), 0))
            found = _joined(parts, np.float64) if parts else np.ones(self.size)
            with budget.protected(), self.lock:
                self.lengths[fieldname] = found
        return found


def _joined(parts: list[tuple[np.ndarray, int]], dtype) -> np.ndarray:
    """The parts end to end, each plus its number; a single part as it is (a view of the
    mapped arrays: read-only)."""
    if len(parts) == 1 and not parts[0][1] and parts[0][0].dtype == dtype:
        return parts[0][0]
    found = np.empty(sum(len(part) for part, _ in parts), dtype=dtype)
    at = 0
    for part, plus in parts:
        found[at : at + len(part)] = part
        found[at : at + len(part)] += plus
        at += len(part)
    return found


def _postings(searcher, fieldname: str, btext: bytes, leaves) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and posting weights, over every segment (deleted documents
    included: the evaluator masks them)."""
    id_parts, weight_parts = [], []
    for reader, offset, arrays in leaves:
        if arrays is not None:
            ids, weights = arrays.postings(fieldname, btext)
        elif (fieldname, btext) in reader:
            ids, weights = term_postings(reader, fieldname, btext)
        else:
            continue
        id_parts.append((ids, offset))
        weight_parts.append((weights, 0))
    if not id_parts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    return _joined(id_parts, np.int32), _joined(weight_parts, np.float64)


def _positions(searcher, fieldname: str, btext: bytes) -> np.ndarray:
    """A term's position keys read from Whoosh, posting by posting (a version without
    posting arrays for every segment)."""
    docs: list[int] = []
    counts: list[int] = []
    positions: list[int] = []
    for reader, offset in searcher.reader().leaf_readers():
        if (fieldname, btext) not in reader:
            continue
        for docnum, found in term_positions(reader, fieldname, btext):
            positions.extend(found)
            counts.append(len(found))
            docs.append(docnum + offset)
    keys = np.repeat(np.asarray(docs, dtype=np.int64) << 32, counts)
    keys += np.asarray(positions, dtype=np.int64)
    keys.sort()
    return keys


class Evaluator:
    """Evaluates query trees on one searcher, with one version's term cache."""

    def __init__(self, searcher, terms: TermScores, live: np.ndarray):
        self.searcher, self.terms, self.live = searcher, terms, live
        self.size = terms.size
        # The arrays hold BM25F scores: any other ranking model is left to Whoosh.
        self.vectors = isinstance(searcher.weighting, scoring.BM25F)

    def empty(self) -> Scored:
        return Scored(np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float64))

    def evaluate(self, node) -> Scored:
        """The documents a query matches, and their scores as Whoosh would give them."""
        found = self._node(node)
        return Scored(found.mask & self.live, np.where(self.live, found.scores, 0.0))

    def _node(self, node) -> Scored:
        if not self.vectors:
            return self._whoosh(node)
        if node is query.NullQuery or isinstance(node, type(query.NullQuery)):
            return self.empty()
        kind = type(node)
        if kind is query.Term:
            return self._term(node)
        if kind in (query.And, query.Or):
            subs = node.subqueries
            if not subs:
                return self.empty()
            if len(subs) == 1:  # Whoosh uses the one subquery's matcher, boost and all
                return self._node(subs[0])
            if kind is query.Or and (node.minmatch or node.scale):
                return self._whoosh(node)
            return self._combine(kind is query.And, [self._node(sub) for sub in subs], node.boost)
        if kind is query.AndNot:
            scored, excluded = self._node(node.a), self._node(node.b)
            mask = scored.mask & ~excluded.mask
            return Scored(mask, np.where(mask, scored.scores, 0.0))
        if kind is query.Phrase and self._plain_phrase(node):
            return self._phrase(node)
        if kind is query.ConstantScoreQuery:
            matched = self._node(node.child)
            return Scored(matched.mask, np.where(matched.mask, node.score, 0.0))
        return self._whoosh(node)

    def _combine(self, every: bool, parts: list[Scored], boost: float) -> Scored:
        mask = parts[0].mask.copy()
        scores = parts[0].scores.copy()
        for part in parts[1:]:
            if every:
                mask &= part.mask
            else:
                mask |= part.mask
            scores += part.scores
        if every:
            scores[~mask] = 0.0
        if boost != 1.0:
            scores *= boost
        return Scored(mask, scores)

    def _term(self, node: query.Term) -> Scored:
        schema = self.searcher.schema
        if node.fieldname not in schema:
            return self.empty()
        try:
            btext = schema[node.fieldname].to_bytes(node.text)
        except ValueError:
            return self.empty()
        ids, scores = self.terms.get(self.searcher, node.fieldname, btext)
        found = self.empty()
        found.mask[ids] = True
        found.scores[ids] = scores * node.boost if node.boost != 1.0 else scores
        return found

    def _plain_phrase(self, node: query.Phrase) -> bool:
        """Adjacent distinct words in a field with positions (else Whoosh matches it)."""
        schema = self.searcher.schema
        if node.fieldname not in schema:
            return False
        field = schema[node.fieldname]
        return (
            node.slop == 1
            and len(node.words) > 1
            and len(set(node.words)) == len(node.words)
            and field.format is not None
            and field.format.supports("positions")
        )

    def _phrase(self, node: query.Phrase) -> Scored:
        """Whoosh's phrase (a span of its words in order, one position apart) scores the sum
        of its words' scores, times its boost."""
        words = [self._term(query.Term(node.fieldname, word)) for word in node.words]
        both = self._combine(True, words, 1.0)
        if not both.mask.any():
            return self.empty()
        field = self.searcher.schema[node.fieldname]
        # The rarest words first: the fewest positions to read, and the soonest to rule out.
        counts = [int(word.mask.sum()) for word in words]
        checked = sorted(range(len(words)), key=lambda at: counts[at])[:MAX_PHRASE_CHECKED]
        starts = None
        for at in checked:
            if budget.exhausted():
                budget.cut()
                break
            keys = self.terms.positions(
                self.searcher, node.fieldname, field.to_bytes(node.words[at])
            )
            # Where the phrase would start, by this word's place in it (not before the field).
            keys = keys[(keys & POSITION_BITS) >= at] - at
            starts = keys if starts is None else starts[np.isin(starts, keys, assume_unique=True)]
            if not len(starts):
                return self.empty()
        found = self.empty()
        if starts is None:
            return found
        found.mask[starts >> 32] = True
        found.mask &= both.mask
        found.scores[found.mask] = both.scores[found.mask] * node.boost
        return found

    def _whoosh(self, node) -> Scored:
        """Any other query, matched and scored by Whoosh posting by posting."""
        found = self.empty()
        matcher = node.matcher(self.searcher, self.searcher.context())
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        if ids:
            found.mask[ids] = True
            found.scores[ids] = scores
        return found


def best(scored: Scored, docs: np.ndarray, ties: np.ndarray, stop: int) -> list[tuple[int, float]]:
    """The first `stop` of the documents by score, equal scores in the order of `ties`
    (ranks): (document number, score)."""
    scores = scored.scores[docs]
    if stop < len(docs):
        threshold = np.partition(scores, len(scores) - stop)[len(scores) - stop]
        keep = scores >= threshold  # every document tied with the last one stays in
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((ties[docs], -scores))[:stop]
    return [(int(docs[i]), float(scores[i])) for i in order]
