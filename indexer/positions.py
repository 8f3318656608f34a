"""Whoosh's `Positions` posting values decoded a whole term at a time (for the posting
arrays, `posting_arrays.py`).

A value is Whoosh's on-disk encoding of one posting's positions: the count of positions
(`pack_uint`), then a protocol-2 pickle of their gaps. Decoding them one at a time costs
about 2.5 us a posting in Python; here a term's values are joined and unpickled in one
call, then summed with numpy. Any value of another shape is decoded by the format's own
`decode_positions`, posting by posting (tests compare both with Whoosh's decoder).
"""

from __future__ import annotations

import pickle
from itertools import chain

import numpy as np
from whoosh import formats

PROTOCOL_2 = b"\x80\x02"  # how a pickle of protocol 2 starts
COUNT_BYTES = 4  # Positions values start with the count of positions (pack_uint)
HEAD_BYTES = COUNT_BYTES + len(PROTOCOL_2)


def decode_positions(field_format, values) -> tuple[np.ndarray, np.ndarray]:
    """The positions of encoded posting values: (how many each posting has, all of them in
    posting order, each posting's ascending). Whoosh's `Positions` values (a count, then the
    gaps pickled) are unpickled in one call, as one list of lists; values of another shape
    are decoded by the format's own `decode_positions`, posting by posting."""
    if type(field_format) is formats.Positions:
        found = _pickled_gaps(values)
        if found is not None:
            counts, gaps = found
            # Gaps to positions, each posting's sum starting again from 0.
            sums = np.cumsum(gaps)
            before = np.concatenate(([0], sums))[np.cumsum(counts) - counts]
            return counts, sums - np.repeat(before, counts)
    lists = [field_format.decode_positions(value) for value in values]
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    return counts, np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=counts.sum())


def _pickled_gaps(values) -> tuple[np.ndarray, np.ndarray] | None:
    """(counts, gaps) of the values, unpickled at once, or None unless every value is
    `pack_uint(count)` followed by a protocol-2 pickle of a list of `count` gaps."""
    if not len(values):
        return None
    whole = np.frombuffer(b"".join(values), dtype=np.uint8)
    ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)))
    starts = np.concatenate(([0], ends[:-1]))
    if (ends - starts).min() <= HEAD_BYTES:
        return None
    heads = starts[:, None] + np.arange(HEAD_BYTES)  # the count and the protocol mark
    marks = whole[heads[:, COUNT_BYTES:]] == np.frombuffer(PROTOCOL_2, dtype=np.uint8)
    if not marks.all() or (whole[ends - 1] != ord(".")).any():
        return None
    # Each pickle, without its protocol mark and STOP, pushes one list: between a list's
    # MARK and APPENDS, they unpickle as the list of those lists.
    keep = np.ones(len(whole), dtype=bool)
    keep[heads] = False
    keep[ends - 1] = False
    try:  # the index's own data, unpickled as Whoosh unpickles it
        lists = pickle.loads(PROTOCOL_2 + b"](" + whole[keep].tobytes() + b"e.")
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(values))
        gaps = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=counts.sum())
    except Exception:  # not the encoding expected (ValueError, TypeError...): Whoosh decodes
        return None
    heads = whole[heads[:, :COUNT_BYTES]].astype(np.int64) @ (256 ** np.arange(3, -1, -1))
    if len(lists) != len(values) or not np.array_equal(heads, counts):
        return None
    return counts, gaps
