"""The question-answering chain: question (+ history) -> retriever -> answerer.

:func:`build_chain` composes LangChain runnables, so an LLM answerer can replace the
last step. :class:`Savol` owns the loaded index and hot-swaps it when a new version
is ingested while serving.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from ingest.embeddings import get_embedder
from ingest.index import IngestReport, Store, build_index, current_version, load_store
from retriever.hybrid import HybridRetriever, make_query
from savol.answer import REFUSAL_THRESHOLD, Answer, ExtractiveAnswerer
from savol.errors import IndexMissing, SavolError
from savol.question import clean_history, clean_question
from savol.settings import Settings

log = logging.getLogger("savol")

RETRIEVED_SHOWN = 10


def build_chain(retriever: HybridRetriever, answerer: Callable, max_turns: int = 4) -> Runnable:
    """``{"question", "history"}`` -> :class:`Answer`, as a LangChain runnable chain."""

    def retrieve(inputs: dict) -> list:
        started = time.perf_counter()
        query = make_query(inputs["question"], inputs.get("history"), max_turns)
        docs = retriever.search(query, k=max(RETRIEVED_SHOWN, retriever.k))
        inputs["timings_ms"]["retrieve"] = round((time.perf_counter() - started) * 1000, 2)
        return docs

    def answer(inputs: dict) -> Answer:
        started = time.perf_counter()
        query = make_query(inputs["question"], inputs.get("history"), max_turns)
        result = answerer(" ".join(query.texts), inputs["docs"])
        result.question = inputs["question"]
        inputs["timings_ms"]["answer"] = round((time.perf_counter() - started) * 1000, 2)
        result.timings_ms = inputs["timings_ms"]
        return result

    return RunnablePassthrough.assign(docs=RunnableLambda(retrieve)) | RunnableLambda(answer)


class Savol:
    """The product's core: load (or build) the index, answer questions, follow re-ingests."""

    def __init__(self, settings: Settings | None = None, *, mode: str = "hybrid", fold: bool = True):
        self.settings = settings or Settings.from_env()
        self.mode = mode
        self.fold = fold
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._chain: Runnable | None = None
        self._embedder = None

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedder)
        return self._embedder

    def ingest(self, rebuild: bool = False, progress=None) -> IngestReport:
        """Build or update the index from the corpus folder."""
        report = build_index(self.settings, self.embedder, rebuild=rebuild, progress=progress)
        self.refresh()
        return report

    def ensure_index(self, progress=None) -> IngestReport | None:
        """Build the index when there is none, so a first run just works."""
        if current_version(self.settings.index_dir) is None:
            return self.ingest(progress=progress)
        return None

    @property
    def store(self) -> Store:
        self.refresh()
        assert self._store is not None
        return self._store

    def refresh(self) -> None:
        """Load the version ``CURRENT`` points at if it is not the one held.

        While serving, a version that fails to load is reported and the held one keeps serving.
        """
        name = current_version(self.settings.index_dir)
        if self._store is not None and self._store.version == name:
            return
        with self._lock:
            if self._store is not None and self._store.version == name:
                return
            if name is None and self._store is None:
                raise IndexMissing(f"No index in {self.settings.index_dir}; build it with: savol ingest")
            try:
                store = load_store(self.settings.index_dir, self.embedder.id)
            except SavolError as exc:
                if self._store is None:
                    raise
                log.warning("keeping index version %s: %s", self._store.version, exc)
                return
            retriever = HybridRetriever(
                store=store, embedder=self.embedder, k=self.settings.k, mode=self.mode, fold=self.fold,
                lexical_weight=self.settings.lexical_weight,
            )
            # BM25 alone has no calibrated score to refuse on: it always answers.
            threshold = None if self.mode == "bm25" else REFUSAL_THRESHOLD
            answerer = ExtractiveAnswerer(store, fold=self.fold, k=self.settings.k, threshold=threshold)
            self._chain = build_chain(retriever, answerer, self.settings.max_history_turns)
            self._store = store

    def ask(self, question, history=None) -> Answer:
        """Answer one question (with earlier user turns for follow-ups).

        Raises:
            BadQuestion: the question is empty, too long or undecodable (no model is called).
            IndexMissing, IndexCorrupt, EmbedderMismatch: the index cannot serve.
        """
        started = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        turns = clean_history(history, self.settings.max_history_turns, self.settings.max_question_chars)
        self.refresh()
        chain = self._chain
        result = chain.invoke({"question": text, "history": turns, "timings_ms": {}})
        result.retrieved = result.retrieved[:RETRIEVED_SHOWN]
        result.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 2)
        return result
