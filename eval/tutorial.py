"""The usual LangChain tutorial setup, benchmarked beside savol (``savol eval --config tutorial``):
RecursiveCharacterTextSplitter(1000, 200), all-MiniLM-L6-v2 via sentence-transformers, FAISS, top 4."""

from __future__ import annotations

import time

from eval.dataset import Item
from ingest.settings import Settings


class TutorialConfig:
    """The LangChain tutorial pipeline, for comparison (retrieval only: it has no answerer without an LLM)."""

    def __init__(self, settings: Settings):
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest.corpus import list_corpus
        from ingest.embeddings import get_embedder

        self.name = "tutorial"
        started = time.perf_counter()
        embedder = get_embedder("st:all-MiniLM-L6-v2")
        docs = [
            Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
            for p in list_corpus(settings.corpus_dir)
        ]
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        self.store = FAISS.from_documents(splits, embedder)
        self.ingest_s = time.perf_counter() - started

    def run(self, item: Item) -> dict:
        started = time.perf_counter()
        docs = self.store.similarity_search_with_score(item.question, k=4)
        latency = (time.perf_counter() - started) * 1000
        retrieved = [
            {"rank": i, "chunk_id": f"tutorial-{i}", "text": d.page_content, "score": float(s)}
            for i, (d, s) in enumerate(docs, start=1)
        ]
        return {
            "answer": None,
            "refused": None,
            "citations": [],
            "retrieved": retrieved,
            "latency_ms": latency,
            "first_sentence": None,
            "sentences": None,
            "chars": None,
        }


def st_available() -> bool:
    try:
        import langchain_huggingface  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True
