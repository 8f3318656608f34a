"""The ranking model: BM25F with Lucene's idf, and the parameters the relevance bench chose."""

from __future__ import annotations

from math import log

from whoosh import scoring

# Tuned with bench/relevance.py (SciFact and CACM); see the README's figures.
BM25_K1 = 1.2
BM25_B = 0.75


class LuceneBM25F(scoring.BM25F):
    """BM25F whose idf is Lucene's, log(1 + (N - df + 0.5) / (df + 0.5)): a word found in
    most documents weighs almost nothing. Whoosh's own idf, 1 + log(N / (df + 1)), never
    drops below 1, which lets the filler words of long queries drown the rare ones."""

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        frequency = parent.doc_frequency(fieldname, text)
        documents = parent.doc_count_all()
        return log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def ranking() -> scoring.WeightingModel:
    """A fresh ranking model for a searcher."""
    return LuceneBM25F(B=BM25_B, K1=BM25_K1)
