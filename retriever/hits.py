"""A retrieved passage and the scores that ranked it: what the retriever hands the reranker,
the reranker the answerers, and an answer its reader (``retrieved``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from langchain_core.documents import Document

from ingest.records import Passage


@dataclass(frozen=True)
class Hit:
    """A passage as retrieval found it."""

    passage: Passage
    rank: int  # 1-based, in the current order (reranked, once the reranker has run)
    score: float  # the fused retrieval score
    dense: float  # mean of the passage's cosine and its best sentence's
    lexical: float  # raw BM25
    coverage: float  # share of the question's terms the corpus has at all
    sentence_scores: Mapping[str, float] = field(default_factory=dict)  # cosine of each sentence, by id
    latent: float | None = None  # the sparse head's score; None when not read for this question
    latent_coverage: float | None = None  # share of the question's latent weight the corpus has
    retrieval_rank: int | None = None  # the rank before reranking
    relevance: float | None = None  # the reranker's score of its best sentence
    view: str | None = None  # the language of the translated view the question was also matched in

    @property
    def id(self) -> str:
        return self.passage.id

    @property
    def text(self) -> str:
        return self.passage.text

    def to_document(self) -> Document:
        """The hit as a LangChain ``Document``: the passage's text, where it is, and the scores."""
        p = self.passage
        metadata = {
            "chunk_id": p.id,
            "source": p.source,
            "title": p.title,
            "date": p.date,
            "paragraph": p.paragraph,
            "paragraphs": list(p.paragraphs),
            "start": p.start,
            "end": p.end,
            "sentence_ids": list(p.sentence_ids),
            "rank": self.rank,
            "score": self.score,
            "dense": self.dense,
            "lexical": self.lexical,
            "latent": self.latent,
            "coverage": self.coverage,
            "latent_coverage": self.latent_coverage,
            "sentence_scores": dict(self.sentence_scores),
            "view": self.view,
        }
        if self.relevance is not None:
            metadata.update(retrieval_rank=self.retrieval_rank, relevance=self.relevance)
        return Document(page_content=p.text, id=p.id, metadata=metadata)
