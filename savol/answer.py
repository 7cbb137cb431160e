"""The extractive answerer: every answer sentence is a verbatim quote from the article.

The sentences of the top passages are scored against the question (cosine from the
retriever plus lexical overlap of folded terms plus a prior for the passage's rank);
the best 1-3 are returned, each followed by a marker ``[n]`` for its passage. When
the best evidence is too weak the answer is a refusal in the question's language,
and the closest passages are still returned.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

from langchain_core.documents import Document

from ingest.text import lexical_tokens, match_key
from retriever.hybrid import passage_document
from savol.answer_type import answer_type, can_answer, counted_noun, counts
from savol.language import detect_language, refusal

# Calibrated on eval/qa_dev.jsonl with `python -m eval.calibrate` (raw cosine plus
# the lexical bonus, not LangChain's relevance conversion): refuse below this.
REFUSAL_THRESHOLD = 0.8
LEXICAL_BONUS = 0.25  # times coverage times the idf-weighted share of question terms in the sentence
RANK_PRIOR = 0.03  # per rank of the passage the sentence comes from
SECOND_SENTENCE_MARGIN = 0.03
# A number/date question must find its value among this many best sentences; "how many X"
# takes the best sentence whose number counts X, wherever it ranks (above the threshold).
TYPED_CANDIDATES = 2
MAX_SENTENCES = 3
# On folded keys: a sentence that opens by pointing back ("Унинг номи — JOGMEC.", "Бироқ, ...")
# is quoted with the sentence before it.
REFERS_BACK = re.compile(r"(uning|bu|uşbu|şu|ular|ularning|u|biroq|ammo|lekin|xususan|şuning uçun)\b")


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
    supported: bool | None = None  # LLM answers: does the quote support the sentence (None: not checked)

    @classmethod
    def from_passage(cls, n: int, doc: Document, quote: str = "", paragraph: int | None = None,
                     supported: bool | None = None) -> "Citation":
        """Passage ``doc`` cited as ``[n]``; ``quote`` (when given) is located in its text."""
        start = doc.page_content.find(quote) if quote else 0
        if start < 0:  # not verbatim in the passage (cannot happen for savol's own index)
            quote, start = "", 0
        meta = doc.metadata
        return cls(
            n=n, chunk_id=meta["chunk_id"], title=meta["title"], date=meta["date"],
            paragraph=meta["paragraph"] if paragraph is None else paragraph, text=doc.page_content,
            quote=quote, quote_start=start, quote_end=start + len(quote), source=meta["source"],
            start=meta["start"], end=meta["end"], supported=supported,
        )


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
    answerer: str = "extractive"  # or "llm:SPEC"
    warnings: list[str] = field(default_factory=list)  # shown to the reader as notes
    support: list[bool] = field(default_factory=list)  # LLM answers: per sentence, verified or not

    def to_dict(self) -> dict:
        """The JSON object of ``savol ask --json`` and the ``/ask`` endpoint."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "lang": self.lang,
            "answerer": self.answerer,
            "citations": [
                {k: v for k, v in asdict(c).items()
                 if k not in ("source", "start", "end") and not (k == "supported" and v is None)}
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
    """Pick the best-supported sentences of the retrieved passages and quote them.

    Args:
        store: the loaded index (sentences and their folded tokens).
        fold: compare terms after script folding (off only for the ``hybrid-nofold`` benchmark).
        threshold: refuse when the best sentence scores below it; None never refuses.
        k: how many of the top passages may be quoted.
    """

    def __init__(self, store, fold: bool = True, threshold: float | None = REFUSAL_THRESHOLD, k: int = 3):
        self.store = store
        self.fold = fold
        self.threshold = threshold
        self.k = k
        sentences = list(store.sentences.values())
        df: dict[str, int] = {}
        for sentence in sentences:
            for token in set(self._tokens(sentence)):
                df[token] = df.get(token, 0) + 1
        n = max(1, len(sentences))
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._headings = [s for s in sentences if s.get("heading")]
        self._chunk_of_heading: dict[str, dict] = {}  # the first chunk holding each heading
        heading_ids = {s["id"] for s in self._headings}
        for chunk in store.chunks:
            for sid in heading_ids.intersection(chunk["sentence_ids"]):
                self._chunk_of_heading.setdefault(sid, chunk)

    def _tokens(self, sentence: dict) -> list[str]:
        return sentence["tokens"] if self.fold else lexical_tokens(sentence["text"], fold=False)

    def score_sentences(self, question: str, docs: list[Document]) -> list[tuple[float, dict, Document]]:
        """``(score, sentence, passage)`` for every sentence of the top passages, best first.

        Headings name a topic and never answer; they are left out.
        """
        q_terms = [t for t in set(lexical_tokens(question, fold=self.fold)) if t in self._idf]
        q_weight = sum(self._idf[t] for t in q_terms)
        scored = []
        for rank, doc in enumerate(docs[: self.k]):
            coverage = doc.metadata.get("coverage", 1.0)
            for sid in doc.metadata["sentence_ids"]:
                sentence = self.store.sentences.get(sid)
                if sentence is None or sentence.get("heading"):
                    continue
                dense = doc.metadata.get("sentence_scores", {}).get(sid, 0.0)
                tokens = set(self._tokens(sentence))
                overlap = sum(self._idf[t] for t in q_terms if t in tokens) / q_weight if q_weight else 0.0
                score = dense + LEXICAL_BONUS * coverage * overlap - RANK_PRIOR * rank
                scored.append((score, sentence, doc))
        scored.sort(key=lambda item: -item[0])
        return scored

    def best_evidence(self, question: str, docs: list[Document], kind: str | None = None):
        """The scored sentences and the index of the one to answer with (None: refuse).

        ``kind`` is :func:`answer_type` of the question, worked out here when not given.
        """
        scored, best, _noun = self._evidence(question, docs, kind or answer_type(question))
        return scored, best

    def _evidence(self, question: str, docs: list[Document], kind: str | None):
        """``best_evidence`` plus the counted noun of a "how many X" question when the chosen
        sentence counts it (None otherwise)."""
        scored = self.score_sentences(question, docs)
        noun = counted_noun(question) if kind == "number" else None
        counting = [
            i for i, (score, sentence, _doc) in enumerate(scored)
            if noun and counts(sentence["text"], noun) and (self.threshold is None or score >= self.threshold)
        ]
        typed = counting or [
            i for i, item in enumerate(scored[:TYPED_CANDIDATES]) if can_answer(kind, item[1]["text"])
        ]
        if not scored or (kind and not typed):
            return scored, None, None
        best = typed[0] if kind else 0
        if self.threshold is not None and scored[best][0] < self.threshold:
            return scored, None, None
        return scored, best, noun if counting else None

    def __call__(self, question: str, docs: list[Document], lang: str | None = None) -> Answer:
        lang = lang or detect_language(question)
        kind = answer_type(question)
        scored, best, noun = self._evidence(question, docs, kind)
        top = scored[0][0] if scored else 0.0
        if best is None:
            return Answer(question, refusal(lang), True, lang, retrieved=list(docs), evidence_score=top)
        lead = scored[best]
        if kind == "heading":
            return self._section_heading(question, lang, lead, docs)
        chosen = [lead]
        for item in scored:
            if len(chosen) >= MAX_SENTENCES - 1 or item[0] < lead[0] - SECOND_SENTENCE_MARGIN:
                break
            if item[1]["id"] != lead[1]["id"] and (noun is None or counts(item[1]["text"], noun)):
                chosen.append(item)
        # The sentence after the best one often carries the answer to a question that
        # restates the best one ("... a state agency exists." -> "Its name is JOGMEC.").
        context = [self._neighbour(lead, +1)]
        if REFERS_BACK.match(match_key(lead[1]["text"])):
            context.append(self._neighbour(lead, -1))  # "Its name is JOGMEC." needs the agency
        for sentence in context:
            if sentence and sentence["id"] not in {c[1]["id"] for c in chosen}:
                chosen.append((lead[0], sentence, lead[2]))
        chosen.sort(key=lambda item: (item[1]["source"], item[1]["start"]))
        return self._compose(question, lang, chosen, docs, lead[0])

    def _section_heading(self, question, lang, lead, docs) -> Answer:
        """The heading of the section the best evidence stands in, with the sentence under it."""
        score, sentence, _doc = lead
        headings = [
            s for s in self._headings if s["source"] == sentence["source"] and s["start"] < sentence["start"]
        ]
        if not headings:
            return Answer(question, refusal(lang), True, lang, retrieved=list(docs), evidence_score=score)
        heading = max(headings, key=lambda s: s["start"])
        chunk = self._chunk_of_heading[heading["id"]]
        rank = next((d.metadata["rank"] for d in docs if d.metadata["chunk_id"] == chunk["id"]), None)
        item = (score, heading, passage_document(chunk, rank=rank, score=None))
        following = self._neighbour(item, +1)
        chosen = [item] + ([(score, following, item[2])] if following else [])
        return self._compose(question, lang, chosen, docs, score)

    def _neighbour(self, item, step: int) -> dict | None:
        """The sentence ``step`` places from ``item``'s in the same passage, unless it is a heading."""
        _score, sentence, doc = item
        ids = doc.metadata["sentence_ids"]
        position = ids.index(sentence["id"]) + step
        if 0 <= position < len(ids):
            other = self.store.sentences.get(ids[position])
            if other and not other.get("heading"):
                return other
        return None

    def _compose(self, question, lang, chosen, docs, evidence_score) -> Answer:
        citations: list[Citation] = []
        by_chunk: dict[str, int] = {}
        parts, sentences = [], []
        for _score, sentence, doc in chosen:
            n = by_chunk.setdefault(doc.metadata["chunk_id"], len(by_chunk) + 1)
            quote = sentence["text"]
            citations.append(Citation.from_passage(n, doc, quote, paragraph=sentence["paragraph"]))
            parts.append(f"{quote} [{n}]")
            sentences.append((quote, n))
        return Answer(question, " ".join(parts), False, lang, citations=citations, sentences=sentences,
                      retrieved=list(docs), evidence_score=evidence_score)
