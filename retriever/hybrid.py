"""Hybrid retrieval: dense (FAISS, chunks and sentences) + BM25 over script-folded keys.

Fusion. Dense cosine scores are min-max scaled over the corpus; BM25 scores are
scaled by their maximum. The lexical side is then weighted by *coverage*, the share
of the question's terms that occur in the corpus vocabulary at all:

    score = dense_scaled + lexical_weight * coverage * bm25_scaled

A Russian or English question shares almost no terms with an Uzbek article, so its
coverage is near zero and BM25's noise cannot drag the dense ranking down; an Uzbek
question in any script shares most terms and gets the full lexical signal.

What BM25 cannot give such a question, the embedder's sparse head can: its "latent
terms" are shared across languages. When coverage is below ``LATENT_MAX_COVERAGE``:

    score += latent_weight * (1 - coverage) * latent_scaled   (min-max scaled dot product)

(Recall@1 on the benchmark 0.842 -> 0.862; Russian 0.64 -> 0.76; `savol eval`, hybrid-nolatent vs hybrid.)

The dense score of a passage is the mean of its own cosine and its best sentence's.
An Uzbek question, in either script, is embedded in Uzbek Latin, the form the index
embedded the Uzbek article in (:func:`ingest.text.embedding_text`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict, PrivateAttr, SkipValidation

from ingest.dictionary import DictionaryUnavailable, gloss_question
from ingest.embeddings import Embedder
from ingest.lang import detect_language, referring_words, words
from ingest.store import Store
from ingest.text import embedding_text, lexical_tokens, normalize, strip_invisible
from retriever.hits import Hit
from retriever.lexical import Lexical
from retriever.views import ORIGINAL_WEIGHT, ViewSearch, sentence_view_score

MODES = ("hybrid", "dense", "bm25")
LATENT_MAX_COVERAGE = 0.6  # questions sharing more of the article's words rely on BM25 alone
# What one search may cost. The e5 model's work grows with the square of the tokens it reads (2,000
# tokens took 4 s to embed and 5 s for latent terms), and BM25's and the reranker's with the words.
# Questions of every eval set are under 130 characters and 40 e5 tokens (a follow-up read with its
# turn included), so none of them is cut; a longer question is read from its start.
MAX_QUERY_CHARS = 300  # each of the question and the turn it is read with, for BM25, the reranker and the model
MAX_QUERY_TOKENS = 48  # e5 tokens the model and its sparse head read of each text (a normal question: 10-25)
MAX_QUERY_TERMS = 64  # BM25 terms of each text
_APOSTROPHE = re.compile("[‘’ʻʼ`]")


@dataclass
class Query:
    """The question, and the question read with the previous turn for follow-ups."""

    text: str
    context: str | None = None

    def __post_init__(self) -> None:
        # Bounded here, so every reader of a query (BM25, the model, the reranker's analyzers) is too.
        self.text = clip(self.text)
        if self.context is not None:
            self.context = clip(self.context, 2 * MAX_QUERY_CHARS)

    @property
    def texts(self) -> list[str]:
        return [self.text] if self.context is None else [self.text, self.context]


def clip(text: str, max_chars: int = MAX_QUERY_CHARS) -> str:
    """``text`` cut to ``max_chars`` characters, at a space when there is one in its last fifth."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars * 4 // 5 else cut


def fit_tokens(text: str, count_tokens, max_tokens: int = MAX_QUERY_TOKENS) -> str:
    """``text`` cut from its end until the model reads at most ``max_tokens`` tokens of it.

    ``count_tokens`` is the embedder's (it only tokenizes); a few rounds of proportional cuts suffice.
    """
    for _ in range(8):
        n = count_tokens(text)
        if n <= max_tokens:
            break
        text = clip(text, max(1, len(text) * max_tokens // n - 1))
    return text


def is_follow_up(question: str) -> bool:
    """Short questions and questions with a pronoun that refers back need the previous turn."""
    found = [_APOSTROPHE.sub("'", w) for w in words(question.lower(), letters=True)]
    return len(found) <= 3 or any(w in referring_words() for w in found)


def make_query(question: str, history: Sequence[str] | None = None, max_turns: int = 4) -> Query:
    """Attach the last user turn when the question looks like a follow-up."""
    turns = [t for t in (history or [])[-max_turns:] if isinstance(t, str) and t.strip()]
    if turns and is_follow_up(question):
        return Query(question, f"{clip(turns[-1].strip())} {clip(question)}")
    return Query(question)


class HybridRetriever(BaseRetriever):
    """LangChain retriever over a savol :class:`~ingest.store.Store`.

    savol calls :meth:`search`, which returns typed :class:`~retriever.hits.Hit`s (the passage and
    the scores the reranker reads). LangChain's ``invoke(question, k=...)`` returns the same hits as
    ``Document``s (:meth:`Hit.to_document`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: SkipValidation[Store]  # not copied or checked by pydantic: it holds FAISS indexes
    embedder: SkipValidation[Embedder]
    k: int = 4
    mode: str = "hybrid"
    fold: bool = True
    lexical_weight: float = 1.5
    latent_weight: float = 0.5  # 0 turns the sparse head off
    use_views: bool = True  # match ru/en questions against the article's translation (retriever.views)
    gloss_weight: float = 0.5  # English with no English view: BM25 of its words glossed into Uzbek (README)

    _bm25: Lexical = PrivateAttr()  # set in model_post_init
    _latent: Any = None  # (term ids, weights, chunk row) of every chunk's latent terms, flattened
    _latent_terms_seen: int = 0  # one past the highest term id any chunk has
    _latent_vocab: Any = None  # by term id: does some chunk have it
    _vocab: frozenset[str] = frozenset()
    _chunk_of_sentence: Any = None
    _views: Any = None  # ViewSearch: the article in the reader's language

    def model_post_init(self, __context: Any) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if isinstance(self.k, bool) or self.k < 1:
            raise ValueError(f"k must be a whole number of passages, 1 or more, not {self.k!r}")
        store: Store = self.store
        if self.fold:
            corpus = [list(c.tokens) for c in store.chunks]
        else:
            corpus = [lexical_tokens(c.text, fold=False) for c in store.chunks]
        self._bm25 = Lexical(corpus)
        self._vocab = frozenset(t for toks in corpus for t in toks)
        terms = [c.latent_terms for c in store.chunks if c.latent_terms is not None]
        if self.latent_weight and store.chunks and len(terms) == len(store.chunks) and self.embedder.has_latent_terms:
            ids = np.concatenate([np.asarray(t[0], dtype=np.int64) for t in terms])
            self._latent_terms_seen = int(ids.max(initial=-1)) + 1
            self._latent_vocab = np.zeros(self._latent_terms_seen, dtype=bool)
            self._latent_vocab[ids] = True
            self._latent = (
                ids,
                np.concatenate([np.asarray(t[1], dtype=np.float32) for t in terms]),
                np.repeat(np.arange(len(terms)), [len(t[0]) for t in terms]),
            )
        rows = {sid: i for i, sid in enumerate(store.sentence_ids)}
        self._chunk_of_sentence = [[rows[s] for s in c.sentence_ids if s in rows] for c in store.chunks]
        self._views = ViewSearch(store)

    # -- LangChain interface -------------------------------------------------

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None, k: int | None = None
    ) -> list[Document]:
        """LangChain's entry (``retriever.invoke(question, k=2)``): the top ``k`` passages as Documents
        (``k`` given to ``invoke`` wins over the retriever's own)."""
        return [hit.to_document() for hit in self.search(Query(query), k=k)]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun | None = None, k: int | None = None
    ) -> list[Document]:
        """``await retriever.ainvoke(question, k=2)``: the same, off the event loop (the model blocks)."""
        return await run_in_executor(None, self._get_relevant_documents, query, k=k)

    # -- savol interface -----------------------------------------------------

    def search(self, query: Query | str, k: int | None = None) -> list[Hit]:
        """Top ``k`` passages for a :class:`Query` (fusing the follow-up reading when present)."""
        if isinstance(query, str):
            query = Query(query)
        k = self.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number of passages, 1 or more, not {k!r}")
        texts, embedded = zip(*(query_forms(t) for t in query.texts))
        lang = detect_language(query.text)
        view = lang if self.use_views and self._views.covers(lang) else None
        if self.mode != "bm25":
            embedded = tuple(fit_tokens(e, self.embedder.count_tokens) for e in embedded)
        vectors = self.embedder.embed_queries(list(embedded)) if self.mode != "bm25" else None
        gloss = lang == "en" and view is None and self.gloss_weight > 0
        runs = [
            self._score(t, embedded[i], None if vectors is None else vectors[i], view, gloss)
            for i, t in enumerate(texts)
        ]
        score = np.mean([r["score"] for r in runs], axis=0)
        # Latent terms are read only for questions that share few words with the corpus (one more
        # pass of the model); for the others the reranker gets None.
        latent_runs = [r for r in runs if r["latent"] is not None]
        latent = np.mean([r["latent"] for r in latent_runs], axis=0) if latent_runs else None
        latent_coverage = float(np.mean([r["latent_coverage"] for r in latent_runs])) if latent_runs else None
        order = np.argsort(-score, kind="stable")[:k]
        hits = []
        for rank, i in enumerate(order, start=1):
            sentence_scores = (
                {
                    self.store.sentence_ids[row]: float(np.mean([r["sentences"][row] for r in runs]))
                    for row in self._chunk_of_sentence[i]
                }
                if vectors is not None
                else {}
            )
            hits.append(
                Hit(
                    self.store.chunks[i],
                    rank=rank,
                    score=float(score[i]),
                    dense=float(np.mean([r["dense"][i] for r in runs])),
                    lexical=float(np.mean([r["lexical"][i] for r in runs])),
                    latent=None if latent is None else float(latent[i]),
                    coverage=float(np.mean([r["coverage"] for r in runs])),
                    sentence_scores=sentence_scores,
                    latent_coverage=latent_coverage,
                    view=view,
                )
            )
        return hits

    def warm_up(self) -> None:
        """Run the embedder (and its sparse head, when used) once."""
        if self.mode != "bm25":
            self.embedder.embed_queries(["savol"])
            if self._latent is not None:
                self.embedder.latent_terms(["savol"])

    def lexical_tokens(self, text: str) -> list[str]:
        return lexical_tokens(text, fold=self.fold)[:MAX_QUERY_TERMS]

    def coverage(self, tokens: Sequence[str]) -> float:
        """Share of distinct query terms that occur anywhere in the corpus."""
        distinct = set(tokens)
        return len(distinct & self._vocab) / len(distinct) if distinct else 0.0

    def _score(
        self, text: str, embedded: str, vector: np.ndarray | None, view: str | None = None, gloss: bool = False
    ) -> dict:
        n = len(self.store.chunks)
        tokens = self.lexical_tokens(text)
        lexical = self._bm25.scores(tokens)
        if gloss:  # an English question the article has no English view for: its words in Uzbek
            glossed = self.lexical_tokens(_gloss(text))
            lexical = lexical + self.gloss_weight * self._bm25.scores(glossed)
            tokens = tokens + glossed
        coverage = self.coverage(tokens)
        lexical_scaled = lexical / lexical.max() if lexical.max() > 0 else np.zeros(n)
        if vector is None:
            return {
                "score": lexical_scaled,
                "dense": np.zeros(n),
                "lexical": lexical,
                "latent": None,
                "coverage": coverage,
                "latent_coverage": None,
                "sentences": None,
            }
        vector = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        chunk_cos = _all_scores(self.store.chunk_index, vector)
        sentence_cos = _all_scores(self.store.sentence_index, vector)
        best_sentence = np.array(
            [max((sentence_cos[r] for r in rows), default=-1.0) for rows in self._chunk_of_sentence],
            dtype=np.float32,
        )
        dense = (chunk_cos + best_sentence) / 2
        dense_scaled = _minmax(dense)
        latent = latent_coverage = None
        if self.mode == "dense":
            score = dense_scaled
        else:
            score = dense_scaled + self.lexical_weight * coverage * lexical_scaled
            if self._latent is not None and coverage < LATENT_MAX_COVERAGE:
                latent, latent_coverage = self._latent_scores(embedded)
                score = score + self.latent_weight * (1 - coverage) * _minmax(latent)
        if view is not None:
            found = self._views.scores(view, text, vector)
            weight = 0.0 if self.mode == "dense" else self.lexical_weight
            per_sentence = sentence_view_score(found, weight)
            in_view = np.array(
                [max((per_sentence[r] for r in rows), default=0.0) for rows in self._chunk_of_sentence],
                dtype=np.float32,
            )
            score = _minmax(in_view) + ORIGINAL_WEIGHT * score
            sentence_cos = np.where(found.cosine > -1.0, found.cosine, sentence_cos)
        return {
            "score": score,
            "dense": dense,
            "lexical": lexical,
            "latent": latent,
            "coverage": coverage,
            "latent_coverage": latent_coverage,
            "sentences": sentence_cos,
        }

    def _latent_scores(self, embedded: str) -> tuple[np.ndarray, float]:
        """Dot product of the question's latent terms with every chunk's (raw), and the share of the
        question's latent weight on terms some chunk has (low when it is about something else)."""
        ((term_list, weight_list),) = self.embedder.latent_terms([embedded])
        term_ids, term_weights, rows = self._latent
        ids, weights = np.asarray(term_list, dtype=np.int64), np.asarray(weight_list, dtype=np.float32)
        known = ids < self._latent_terms_seen  # a term no chunk has cannot score
        query = np.zeros(self._latent_terms_seen, dtype=np.float32)
        query[ids[known]] = weights[known]
        total = float(weights.sum())
        share = float(weights[known][self._latent_vocab[ids[known]]].sum()) / total if total > 0 else 0.0
        return np.bincount(rows, weights=term_weights * query[term_ids], minlength=len(self.store.chunks)), share


def _gloss(text: str) -> str:
    try:
        return gloss_question(text)
    except DictionaryUnavailable:
        return ""


def query_forms(text: str) -> tuple[str, str]:
    """A question (or claim) as BM25 reads it and as the embedder reads it: cleaned, then Uzbek in
    either script turned into the Uzbek Latin the passages were embedded in."""
    cleaned = normalize(strip_invisible(text))
    return cleaned, embedding_text(cleaned)


def _minmax(values: np.ndarray) -> np.ndarray:
    """``values`` scaled to 0..1 (all zeros when they are all equal)."""
    span = float(values.max() - values.min())
    return (values - values.min()) / span if span > 1e-9 else np.zeros_like(values)


def _all_scores(index, vector: np.ndarray) -> np.ndarray:
    """Inner product of ``vector`` with every row, in row order."""
    scores, ids = index.search(vector, index.ntotal)
    out = np.empty(index.ntotal, dtype=np.float32)
    out[ids[0]] = scores[0]
    return out
