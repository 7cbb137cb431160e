"""The extractive answerer: every answer sentence is a verbatim quote from the article.

The sentences of the top passages are scored against the question (cosine from the
retriever plus lexical overlap of folded terms plus a prior for the passage's rank);
the best 1-3 are returned, each followed by a marker ``[n]`` for its passage. When
the best evidence is too weak the answer is a refusal in the question's language,
and the closest passages are still returned.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from langchain_core.documents import Document

from ingest.text import lexical_tokens
from savol.language import detect_language, refusal

# Calibrated on eval/qa_dev.jsonl with `python -m eval.calibrate` (raw cosine, not
# LangChain's relevance conversion): refuse when the best sentence's evidence score
# is below this.
REFUSAL_THRESHOLD = 0.80
LEXICAL_BONUS = 0.06
RANK_PRIOR = 0.015
SECOND_SENTENCE_MARGIN = 0.012
MAX_SENTENCES = 3


@dataclass
class Citation:
    """A cited passage and the exact quote taken from it (``text[quote_start:quote_end] == quote``)."""

    n: int
    chunk_id: str
    title: str
    date: str
    paragraph: int
    text: str
    quote: str
    quote_start: int
    quote_end: int
    source: str = ""
    start: int = 0  # the passage's span in the source file
    end: int = 0


@dataclass
class Answer:
    """An answer as the CLI, page and benchmark show it."""

    question: str
    answer: str
    refused: bool
    lang: str
    citations: list[Citation] = field(default_factory=list)
    sentences: list[tuple[str, int]] = field(default_factory=list)  # (quote, citation n)
    retrieved: list[Document] = field(default_factory=list)
    evidence_score: float = 0.0
    timings_ms: dict = field(default_factory=dict)
    answerer: str = "extractive"
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON object of ``savol ask --json`` and the ``/ask`` endpoint."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "lang": self.lang,
            "answerer": self.answerer,
            "citations": [
                {k: v for k, v in asdict(c).items() if k not in ("source", "start", "end")}
                for c in self.citations
            ],
            "retrieved": [
                {"rank": i, "chunk_id": d.metadata["chunk_id"], "text": d.page_content,
                 "score": round(d.metadata["score"], 6), "paragraph": d.metadata["paragraph"]}
                for i, d in enumerate(self.retrieved, start=1)
            ],
            "evidence_score": round(self.evidence_score, 6),
            "warnings": self.warnings,
            "timings_ms": self.timings_ms,
        }


class ExtractiveAnswerer:
    """Pick the best-supported sentences of the retrieved passages and quote them."""

    def __init__(self, store, fold: bool = True, threshold: float = REFUSAL_THRESHOLD, k: int = 3):
        self.store = store
        self.fold = fold
        self.threshold = threshold
        self.k = k

    def score_sentences(self, question: str, docs: list[Document]) -> list[tuple[float, dict, Document]]:
        """``(score, sentence, passage)`` for every sentence of the top passages, best first."""
        q_tokens = set(lexical_tokens(question, fold=self.fold))
        scored = []
        for rank, doc in enumerate(docs[: self.k]):
            coverage = doc.metadata.get("coverage", 1.0)
            for sid in doc.metadata["sentence_ids"]:
                sentence = self.store.sentences.get(sid)
                if sentence is None or sentence.get("heading"):
                    continue
                dense = doc.metadata.get("sentence_scores", {}).get(sid, 0.0)
                s_tokens = set(sentence["tokens"] if self.fold else lexical_tokens(sentence["text"], fold=False))
                overlap = len(q_tokens & s_tokens) / len(q_tokens) if q_tokens else 0.0
                score = dense + LEXICAL_BONUS * coverage * overlap - RANK_PRIOR * rank
                scored.append((score, sentence, doc))
        scored.sort(key=lambda item: -item[0])
        return scored

    def __call__(self, question: str, docs: list[Document]) -> Answer:
        lang = detect_language(question)
        scored = self.score_sentences(question, docs)
        best = scored[0][0] if scored else 0.0
        if not scored or best < self.threshold:
            return Answer(question, refusal(lang), True, lang, retrieved=list(docs), evidence_score=best)
        chosen = [scored[0]]
        for item in scored[1:]:
            if len(chosen) >= MAX_SENTENCES or item[0] < best - SECOND_SENTENCE_MARGIN:
                break
            if item[1]["id"] not in {c[1]["id"] for c in chosen}:
                chosen.append(item)
        # Read in article order, so two sentences of one passage keep their sense.
        chosen.sort(key=lambda item: (item[1]["source"], item[1]["start"]))
        citations: list[Citation] = []
        by_chunk: dict[str, int] = {}
        parts, sentences = [], []
        for _score, sentence, doc in chosen:
            chunk_id = doc.metadata["chunk_id"]
            if chunk_id not in by_chunk:
                by_chunk[chunk_id] = len(by_chunk) + 1
            n = by_chunk[chunk_id]
            quote = sentence["text"]
            start = doc.page_content.find(quote)
            citations.append(
                Citation(
                    n=n, chunk_id=chunk_id, title=doc.metadata["title"], date=doc.metadata["date"],
                    paragraph=sentence["paragraph"], text=doc.page_content, quote=quote,
                    quote_start=start, quote_end=start + len(quote), source=doc.metadata["source"],
                    start=doc.metadata["start"], end=doc.metadata["end"],
                )
            )
            parts.append(f"{quote} [{n}]")
            sentences.append((quote, n))
        return Answer(question, " ".join(parts), False, lang, citations=citations, sentences=sentences,
                      retrieved=list(docs), evidence_score=best)
