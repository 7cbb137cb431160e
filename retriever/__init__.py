"""Retrieval, the floor above ingest: hybrid search over the index (:mod:`retriever.hybrid`, a
LangChain retriever), the learned reranker that scores sentences and answerability
(:mod:`retriever.rerank`), and the index being served, swapped when a new version lands
(:mod:`retriever.live`)."""
