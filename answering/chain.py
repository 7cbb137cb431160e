"""The question-answering chain: question (+ history) -> retriever -> reranker -> answerer.

:func:`build_chain` composes LangChain runnables; the last step is an
:class:`~answering.answer.Answerer`: the extractive one or, with ``--llm``, the LLM's
(:mod:`answering.llm`), both fed the same evidence. :class:`Savol` owns the loaded index
and hot-swaps it when a new version is ingested while serving; :meth:`Savol.stream`
yields the answer as it grows, for the chat page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableLambda

from answering.answer import Answer, Answerer, ExtractiveAnswerer
from answering.llm import LLMAnswerer, SupportChecker, load_chat_model
from answering.question import clean_history, clean_question
from answering.reader import Translations
from ingest.embeddings import Embedder, get_embedder
from ingest.index import IngestReport, build_index
from ingest.settings import Settings
from ingest.store import SCHEMA_VERSION, Store, current_version, serving_manifest
from retriever.features import CANDIDATE_PASSAGES
from retriever.hits import Hit
from retriever.hybrid import HybridRetriever, Query, make_query
from retriever.live import LiveIndex
from retriever.rerank import Evidence, Reranker, load_reranker

log = logging.getLogger("savol")

RETRIEVED_SHOWN = 10


def build_chain(
    retriever: HybridRetriever,
    reranker: Reranker,
    answerer: Answerer,
    max_turns: int = 4,
    translations: Translations | None = None,
) -> Runnable:
    """``{"question", "history"}`` -> :class:`Answer`, as a LangChain runnable chain.

    The last step is a generator: ``chain.stream`` yields the answer as it grows (per
    sentence for the extractive answerer, per token for an LLM) and ``chain.invoke``
    returns the last, final one. With ``translations``, each answer carries its quotes'
    translations into the reader's language.
    """

    def query(inputs: dict) -> Query:
        return make_query(inputs["question"], inputs.get("history"), max_turns)

    def retrieve(inputs: dict) -> list[Hit]:
        started = time.perf_counter()
        hits = retriever.search(inputs["query"], k=max(RETRIEVED_SHOWN, CANDIDATE_PASSAGES, retriever.k))
        inputs["timings_ms"]["retrieve"] = round((time.perf_counter() - started) * 1000, 2)
        return hits

    def rerank(inputs: dict) -> Evidence:
        started = time.perf_counter()
        evidence = reranker.rank(inputs["query"], inputs["hits"])
        inputs["timings_ms"]["rerank"] = round((time.perf_counter() - started) * 1000, 2)
        return evidence

    def answer(inputs: dict) -> Iterator[Answer]:
        started = time.perf_counter()
        # History reaches the chain cleaned (clean_history); a follow-up read its last turn.
        earlier = inputs["history"][-1] if inputs["query"].context else None
        # The translation comes with the final answer: a growing answer only grows at its end.
        last = None
        for result in answerer.stream(inputs["question"], inputs["evidence"], earlier=earlier):
            if last is not None:
                yield last
            inputs["timings_ms"]["answer"] = round((time.perf_counter() - started) * 1000, 2)
            result.timings_ms = inputs["timings_ms"]
            last = result
        if last is not None:
            yield translations.apply(last) if translations is not None else last

    return _adding("query", query) | _adding("hits", retrieve) | _adding("evidence", rerank) | RunnableLambda(answer)


def _adding(key: str, step: Callable[[dict], object]) -> Runnable:
    """A chain step that adds ``step(inputs)`` to the inputs under ``key``.

    ``RunnablePassthrough.assign`` does the same through a thread pool made for each call (~0.5 ms
    and a thread start per step, all under the GIL the other requests need).
    """
    return RunnableLambda(lambda inputs: {**inputs, key: step(inputs)}, name=key)


class Savol:
    """The product's core: load (or build) the index, answer questions, follow re-ingests."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        mode: str = "hybrid",
        fold: bool = True,
        rerank: bool = True,
        chat_model: BaseChatModel | None = None,
    ):
        """Set up; nothing is loaded until the first question or ingest.

        Args:
            settings: defaults to :meth:`Settings.from_env`.
            mode, fold, rerank: retrieval configuration (the benchmark compares them). Without the
                learned reranker, sentences are ordered by a fixed score and nothing is refused.
            chat_model: answer with this LangChain chat model instead of ``settings.llm``.
        """
        self.settings = settings or Settings.from_env()
        self.mode = mode
        self.fold = fold
        self.rerank = rerank
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._chat_model = chat_model
        self._live = LiveIndex(self.settings.index_dir, lambda: self.embedder.id, self._make_retriever)
        self._chain: tuple[str, Runnable, Reranker] | None = None  # (index version, chain, reranker)

    @property
    def answerer_name(self) -> str:
        """``extractive``, or ``llm:SPEC`` when an LLM writes the answers."""
        if self._chat_model is not None and not self.settings.llm:
            return f"llm:{self._chat_model._llm_type}"
        if not self.settings.llm:
            return "extractive"
        backend, _, model = self.settings.llm.partition(":")
        return f"llm:gguf:{Path(model).name}" if backend == "gguf" else f"llm:{self.settings.llm}"

    @property
    def chat_model(self) -> BaseChatModel | None:
        """The LLM of ``settings.llm``, loaded on first use (None: extractive answers only).

        Raises:
            LLMUnavailable: bad spec, missing extra or model file.
        """
        if self._chat_model is None and self.settings.llm:
            self._chat_model = load_chat_model(self.settings.llm, self.settings.llm_timeout)
        return self._chat_model

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedder)
        return self._embedder

    def ingest(self, rebuild: bool = False, progress=None) -> IngestReport:
        """Build or update the index from the corpus folder."""
        report = build_index(self.settings, self.embedder, rebuild=rebuild, progress=progress)
        self._live.refresh()
        return report

    def ensure_index(self, progress=None) -> IngestReport | None:
        """Build the index when there is none, or rebuild one another savol version wrote with
        this embedder (it is derived from the corpus), so a first run, and the first run after
        an upgrade, just work. An index of another embedder is left for load_store to report."""
        index_dir = self.settings.index_dir
        if current_version(index_dir) is None:
            return self.ingest(progress=progress)
        manifest = serving_manifest(index_dir) or {}
        schema = manifest.get("schema_version", SCHEMA_VERSION)
        if schema != SCHEMA_VERSION and manifest.get("embedder") == self.embedder.id:
            log.warning(
                "the index in %s has schema %s, this savol reads %s: rebuilding it", index_dir, schema, SCHEMA_VERSION
            )
            return self.ingest(rebuild=True, progress=progress)
        return None

    def warm_up(self) -> None:
        """Load what the first question would (the index, the embedder and its sparse head, the
        reranker and its analyzers), so a server's first reader does not wait for it."""
        self.retriever.warm_up()
        self.chain()

    @property
    def store(self) -> Store:
        """The index version being served."""
        return self._live.current().store

    @property
    def retriever(self) -> HybridRetriever:
        """The retriever over the index being served, as the chain uses it."""
        return self._live.current().retriever

    @property
    def reranker(self) -> Reranker:
        """The reranker over the index being served (its weights loaded on first use)."""
        self.chain()
        assert self._chain is not None
        return self._chain[2]

    def refresh(self) -> None:
        """Load a newly ingested index version now rather than on the next question."""
        self._live.refresh()

    def _make_retriever(self, store: Store) -> HybridRetriever:
        return HybridRetriever(
            store=store,
            embedder=self.embedder,
            k=self.settings.k,
            mode=self.mode,
            fold=self.fold,
            lexical_weight=self.settings.lexical_weight,
            latent_weight=self.settings.latent_weight,
            use_views=self.settings.views,
        )

    def chain(self) -> Runnable:
        """The chain over the index being served (built, and the reranker and LLM loaded, on first use).

        Raises:
            ModelUnusable: the reranker's weights are missing or garbled.
            LLMUnavailable: ``settings.llm`` names a backend that cannot be set up.
        """
        served = self._live.current()
        with self._lock:
            if self._chain is None or self._chain[0] != served.store.version:
                # The learned reranker reads hybrid retrieval's signals; BM25 or dense alone use the fixed score.
                reranker = load_reranker(
                    served.store,
                    self.embedder.id,
                    self.settings.reranker,
                    enabled=self.rerank and self.mode == "hybrid",
                )
                weights = reranker.weights
                extractive = ExtractiveAnswerer(
                    k=self.settings.k, second_margin=weights.second_margin if weights else None
                )
                answerer: Answerer = extractive
                if self.chat_model is not None:
                    checker = SupportChecker(served.store, self.embedder)
                    answerer = LLMAnswerer(
                        self.chat_model,
                        checker,
                        extractive,
                        self.answerer_name,
                        timeout=self.settings.llm_timeout,
                        k=self.settings.k,
                    )
                chain = build_chain(
                    served.retriever,
                    reranker,
                    answerer,
                    self.settings.max_history_turns,
                    Translations(served.store),
                )
                self._chain = (served.store.version, chain, reranker)
            return self._chain[1]

    def ask(self, question, history=None) -> Answer:
        """Answer one question (with earlier user turns for follow-ups).

        Raises:
            BadQuestion: the question is empty, too long or undecodable (no model is called).
            IndexMissing, IndexCorrupt, EmbedderMismatch: the index cannot serve.
            LLMUnavailable: ``settings.llm`` names a backend that cannot be set up.
        """
        started = time.perf_counter()
        inputs = self._inputs(question, history)
        return self._finish(self.chain().invoke(inputs), started)

    def stream(self, question, history=None) -> Iterator[Answer]:
        """Answer one question, yielding the answer as it grows; the last one is final.

        Extractive answers grow a sentence at a time. LLM answers grow with each token,
        their ``[n]`` markers already resolved to citations (not yet checked); the last
        answer is the post-checked one, or the extractive answer with a note in
        ``warnings`` when the LLM failed, timed out or wrote something unverifiable.

        Raises:
            BadQuestion, IndexMissing, IndexCorrupt, EmbedderMismatch, LLMUnavailable: as :meth:`ask`.
        """
        started = time.perf_counter()
        inputs = self._inputs(question, history)
        for result in self.chain().stream(inputs):
            yield self._finish(result, started)

    def _inputs(self, question, history) -> dict:
        """The chain's input: the question and history cleaned (no model runs on bad input)."""
        text = clean_question(question, self.settings.max_question_chars)
        turns = clean_history(history, self.settings.max_history_turns).turns
        return {"question": text, "history": turns, "timings_ms": {}}

    @staticmethod
    def _finish(result: Answer, started: float) -> Answer:
        result.retrieved = result.retrieved[:RETRIEVED_SHOWN]
        result.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 2)
        return result
