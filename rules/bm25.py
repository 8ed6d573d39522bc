"""Okapi BM25: how well each of a set of short documents matches a query, both given as tokens.

The knowledge base indexes its paraphrased questions with it (rules/answer.py); the tokens come
from rules/words.py.
"""

from __future__ import annotations

import math
from collections import Counter

__all__ = ["BM25"]

_K1, _B = 1.2, 0.75


class BM25:
    """Okapi BM25 over short documents."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.tfs = [Counter(d) for d in docs]
        self.lens = [len(d) for d in docs]
        self.avg = sum(self.lens) / max(len(docs), 1)
        df = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self.tfs):
            for t in tf:
                self.postings.setdefault(t, []).append(i)

    def scores(self, query: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for t in set(query):
            idf = self.idf.get(t)
            if idf is None:
                continue
            for i in self.postings[t]:
                tf = self.tfs[i][t]
                norm = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * self.lens[i] / self.avg))
                out[i] = out.get(i, 0.0) + idf * norm
        return out
