"""Answers and the extractive answerer: every answer sentence is a verbatim quote from the article.

Both answerers (this one and the LLM's, :mod:`answering.llm`) take the same inputs, the
question and the reranker's :class:`~retriever.rerank.Evidence`, and stream the same
:class:`Answer` (:class:`Answerer`). The extractive answerer quotes the best sentence,
and the second best when the reranker scores it nearly as high; it refuses, in the
question's language, when the reranker says the article does not answer, and still
returns the closest passages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol

from retriever.hits import Hit
from retriever.rerank import Evidence

MAX_SENTENCES = 2  # an answer is the best sentence, and the second best when nearly as good
PLAIN_SECOND_MARGIN = 0.03  # without a trained model: quote the second sentence within this cosine
# "The article does not say", in each reader language.
REFUSALS = {
    "uz-Cyrl": "Мақолада бу ҳақда маълумот топилмади.",
    "uz-Latn": "Maqolada bu haqda ma'lumot topilmadi.",
    "ru": "В статье об этом нет сведений.",
    "en": "The article does not say.",
}


def refusal(lang: str) -> str:
    """The "the article does not say" answer in ``lang``."""
    return REFUSALS.get(lang, REFUSALS["uz-Cyrl"])


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
    sentence_id: str = ""  # the quoted sentence's id in the index
    translation: str | None = None  # the quote in the reader's language, when there is one (answering.reader)

    @classmethod
    def from_hit(
        cls,
        n: int,
        hit: Hit,
        quote: str = "",
        paragraph: int | None = None,
        supported: bool | None = None,
        sentence_id: str = "",
    ) -> Citation:
        """The passage of ``hit`` cited as ``[n]``; ``quote`` (when given) is located in its text."""
        passage = hit.passage
        start = passage.text.find(quote) if quote else 0
        if start < 0:  # not verbatim in the passage (cannot happen for savol's own index)
            quote, start = "", 0
        return cls(
            n=n,
            chunk_id=passage.id,
            title=passage.title,
            date=passage.date,
            paragraph=passage.paragraph if paragraph is None else paragraph,
            text=passage.text,
            quote=quote,
            quote_start=start,
            quote_end=start + len(quote),
            source=passage.source,
            start=passage.start,
            end=passage.end,
            supported=supported,
            sentence_id=sentence_id,
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
    retrieved: list[Hit] = field(default_factory=list)
    evidence_score: float = 0.0
    timings_ms: dict = field(default_factory=dict)
    answerer: str = "extractive"  # or "llm:SPEC"
    warnings: list[str] = field(default_factory=list)  # shown to the reader as notes
    support: list[bool] = field(default_factory=list)  # LLM answers: per sentence, verified or not
    translation: str | None = None  # the answer in the reader's language (a translation; markers as in answer)
    translation_lang: str | None = None

    def to_dict(self) -> dict:
        """The JSON object of ``savol ask --json`` and the ``/ask`` endpoint."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "lang": self.lang,
            "answerer": self.answerer,
            "translation": self.translation,
            "translation_lang": self.translation_lang,
            "citations": [
                {
                    k: v
                    for k, v in asdict(c).items()
                    if k not in ("source", "start", "end") and not (k == "supported" and v is None)
                }
                for c in self.citations
            ],
            "retrieved": [
                {
                    "rank": i,
                    "chunk_id": h.id,
                    "text": h.text,
                    "score": round(h.score, 6),
                    "paragraph": h.passage.paragraph,
                    "paragraphs": list(h.passage.paragraphs),  # a passage may span several; a quote has one
                }
                | ({"relevance": round(h.relevance, 6)} if h.relevance is not None else {})
                for i, h in enumerate(self.retrieved, start=1)
            ],
            "evidence_score": round(self.evidence_score, 6),
            "warnings": self.warnings,
            "timings_ms": self.timings_ms,
        }


def compose(sentences: list[tuple[str, int]]) -> str:
    """The answer text: quotes in order, one marker after each run of quotes from one passage
    ("A B [1] C [2]", never "A [1] B [1]")."""
    return " ".join(_pieces(sentences))


def _pieces(sentences: list[tuple[str, int]]) -> list[str]:
    """Each quote as it stands in the answer text: followed by its marker when it ends a run."""
    pieces = []
    for i, (quote, n) in enumerate(sentences):
        last_of_run = i + 1 == len(sentences) or sentences[i + 1][1] != n
        pieces.append(f"{quote} [{n}]" if last_of_run else quote)
    return pieces


def refused(question: str, lang: str, evidence: Evidence, answerer: str = "extractive") -> Answer:
    """The "the article does not say" answer, with the closest passages."""
    return Answer(
        question,
        refusal(lang),
        True,
        lang,
        retrieved=list(evidence.hits),
        evidence_score=_score(evidence),
        answerer=answerer,
    )


def _score(evidence: Evidence) -> float:
    if evidence.answerable is not None:
        return evidence.answerable
    return evidence.candidates[0].logit if evidence.candidates else 0.0


class Answerer(Protocol):
    """What the chain needs of an answerer: a name, and answers that grow until the final one."""

    name: str

    def stream(self, question: str, evidence: Evidence, *, earlier: str | None = None) -> Iterator[Answer]:
        """Yield the answer as it grows; the last one is final.

        Args:
            question: the reader's question.
            evidence: the reranker's :class:`~retriever.rerank.Evidence` for it.
            earlier: the previous question, when this one is a follow-up.
        """
        ...


class ExtractiveAnswerer:
    """Quote the reranker's best sentence (and the second best when nearly as good).

    Args:
        k: quotes come from the top ``k`` reranked passages.
        second_margin: quote the second-best sentence when its score is within this of the best's
            (None: :data:`PLAIN_SECOND_MARGIN`, for the fixed, model-free score).
    """

    name = "extractive"

    def __init__(self, k: int = 3, second_margin: float | None = None):
        self.k = k
        self.second_margin = PLAIN_SECOND_MARGIN if second_margin is None else second_margin

    def answer(self, question: str, evidence: Evidence, lang: str | None = None) -> Answer:
        """The final answer."""
        lang = lang or evidence.question.lang
        shown = {h.id for h in evidence.hits[: self.k]}
        candidates = [c for c in evidence.candidates if c.hit.id in shown]
        if evidence.refuse or not candidates:
            return refused(question, lang, evidence)
        lead = candidates[0]
        chosen = [lead]
        for c in candidates[1:]:
            if len(chosen) >= MAX_SENTENCES or c.logit < lead.logit - self.second_margin:
                break
            if c.sentence.id not in {x.sentence.id for x in chosen}:
                chosen.append(c)
        citations: list[Citation] = []
        numbers: dict[str, int] = {}
        sentences = []
        for c in chosen:
            n = numbers.setdefault(c.hit.id, len(numbers) + 1)
            quote = c.sentence.text
            citations.append(
                Citation.from_hit(n, c.hit, quote, paragraph=c.sentence.paragraph, sentence_id=c.sentence.id)
            )
            sentences.append((quote, n))
        return Answer(
            question,
            compose(sentences),
            False,
            lang,
            citations=citations,
            sentences=sentences,
            retrieved=list(evidence.hits),
            evidence_score=_score(evidence),
        )

    def stream(self, question: str, evidence: Evidence, *, earlier: str | None = None) -> Iterator[Answer]:
        """The answer one quoted sentence at a time, ending with the final answer. Each step's text
        begins the next one's: a marker shared with the next quote comes with that quote."""
        result = self.answer(question, evidence)
        pieces = _pieces(result.sentences)
        for i in range(1, len(result.sentences)):
            yield replace(
                result, answer=" ".join(pieces[:i]), sentences=result.sentences[:i], citations=result.citations[:i]
            )
        yield result
