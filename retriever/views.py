"""Search the article in the reader's language: a Russian or English question meets its own view.

multilingual-e5-small matches a Russian question with a Russian sentence far better than with an
Uzbek one, and Snowball stems match where Uzbek shares no word with the question. For a question in
a language the index has a view of (:mod:`ingest.views`), each original sentence gets a view score

    view = minmax(cosine with its translation) + lexical_weight * coverage * bm25_scaled(stemmed terms)

and a passage the best of its sentences'. The hybrid retriever fuses it with the original's score
(``VIEW_WEIGHT * view + ORIGINAL_WEIGHT * original``): what only the Uzbek text can match (names in
their Uzbek spelling, the sparse head's terms) still counts. Uzbek questions are not routed here:
they read the original itself, and on the training questions a view did not help them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.store import Store
from ingest.terms import terms
from retriever.lexical import Lexical

ORIGINAL_WEIGHT = 0.5  # the original's fused score beside the view's (R@1 on ru/en training questions: see README)


@dataclass(frozen=True)
class ViewScores:
    """A question's scores against one view, by the original's sentence rows (``-inf``/0 where untranslated)."""

    cosine: np.ndarray  # cosine with each sentence's translation; -1 where there is none
    lexical: np.ndarray  # BM25 over the translation's stemmed terms
    coverage: float  # share of the question's terms the view has at all


class ViewSearch:
    """The views of one index version, ready to score questions against."""

    def __init__(self, store: Store):
        self.store = store
        rows = {sid: i for i, sid in enumerate(store.sentence_ids)}
        views = list(store.views.items())
        self._rows = {lang: np.array([rows[s] for s in v.sentence_ids], dtype=np.int64) for lang, v in views}
        self._bm25 = {lang: Lexical(v.terms) for lang, v in views}
        self.vocab = {lang: frozenset(t for bag in v.terms for t in bag) for lang, v in views}

    def covers(self, lang: str) -> bool:
        return lang in self._bm25 and self.store.views[lang].index.ntotal > 0

    def scores(self, lang: str, text: str, vector: np.ndarray | None) -> ViewScores:
        view = self.store.views[lang]
        n = len(self.store.sentence_ids)
        rows = self._rows[lang]
        bag = terms(text, lang)
        distinct = set(bag)
        known = distinct & self.vocab[lang]
        lexical = np.zeros(n, dtype=np.float32)
        lexical[rows] = self._bm25[lang].scores(bag)
        cosine = np.full(n, -1.0, dtype=np.float32)
        if vector is not None:
            found, ids = view.index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), view.index.ntotal)
            cosine[rows[ids[0]]] = found[0]
        return ViewScores(
            cosine=cosine,
            lexical=lexical,
            coverage=len(known) / len(distinct) if distinct else 0.0,
        )


def sentence_view_score(scores: ViewScores, lexical_weight: float) -> np.ndarray:
    """Each sentence's view score: scaled cosine plus coverage-weighted scaled BM25 (0 where untranslated)."""
    translated = scores.cosine > -1.0
    out = np.zeros_like(scores.cosine)
    if translated.any():
        cos = scores.cosine[translated]
        span = float(cos.max() - cos.min())
        out[translated] = (cos - cos.min()) / span if span > 1e-9 else 0.0
    top = float(scores.lexical.max())
    if top > 0:
        out = out + lexical_weight * scores.coverage * scores.lexical / top
    return out
