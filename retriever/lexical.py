"""BM25 over a passage's lexical tokens: the one place that knows which BM25 library scores them.

rank-bm25's ``BM25Okapi`` (no release since 2022) stays: bm25s 0.3.16 (``method="robertson"``, same k1
and b) scores differently where it counts. Its Robertson idf goes to zero for a term in more than half the
passages where rank-bm25 floors it at a quarter of the mean idf, and on ``eval/qa_dev.jsonl`` the
hybrid configuration lost a right answer (answer accuracy 0.845 -> 0.828) and a refusal (refusal recall
0.20 -> 0.10), R@1/R@5 unchanged; the reranker's weights were fitted on these scores. README: Retrieval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi

EMPTY = "\x00"  # the token of a passage that has none, so that every passage keeps its row


class Lexical:
    """Okapi BM25 (k1 1.5, b 0.75, negative idf floored) over token lists; a score per passage, in order."""

    def __init__(self, passages: Sequence[Sequence[str]]):
        self.size = len(passages)
        self._bm25 = BM25Okapi([list(tokens) or [EMPTY] for tokens in passages]) if passages else None

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 of every passage for the query ``tokens`` (zeros for no tokens)."""
        if not tokens or self._bm25 is None:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(list(tokens)), dtype=np.float32)
