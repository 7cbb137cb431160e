"""The records an index holds, typed from the index to the answer.

A :class:`Passage` is the unit that is embedded, retrieved and cited (a chunk of whole
sentences); an :class:`IndexedSentence` is one of its sentences, the unit an answer quotes.
Both are written to the index as JSON (``chunks.json``, ``sentences.json``) and read back
with :meth:`from_json`, which checks every field, so a hand-edited index fails to load
instead of failing later on a question.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

LatentTerms = tuple[tuple[int, ...], tuple[float, ...]]  # the sparse head's term ids and weights


@dataclass(frozen=True)
class IndexedSentence:
    """A sentence of the corpus, with what matching it needs.

    ``text`` is ``file_text[start:end]`` minus invisible characters; ``paragraph`` is the
    number the page shows beside it.
    """

    id: str
    source: str
    paragraph: int
    start: int
    end: int
    text: str
    tokens: tuple[str, ...]  # BM25 tokens (ingest.text.lexical_tokens)
    terms: tuple[str, ...]  # content terms (ingest.terms) for the reranker's overlap
    heading: bool  # a heading names a topic and is never quoted as an answer

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexedSentence:
        return cls(**_typed(cls, data))


@dataclass(frozen=True)
class Passage:
    """A chunk of whole sentences: the unit that is embedded, retrieved and cited."""

    id: str
    source: str
    title: str
    date: str
    paragraphs: tuple[int, ...]
    start: int
    end: int
    text: str
    sentence_ids: tuple[str, ...]
    tokens: tuple[str, ...]  # BM25 tokens
    latent_terms: LatentTerms | None = None  # the embedder's sparse head, when it has one

    @property
    def paragraph(self) -> int:
        """The first paragraph the passage covers."""
        return self.paragraphs[0]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["paragraph"] = self.paragraph  # for people reading chunks.json
        if self.latent_terms is None:
            del data["latent_terms"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        data = {k: v for k, v in data.items() if k != "paragraph"}
        terms = data.get("latent_terms")
        if terms is not None:
            ids, weights = terms
            data["latent_terms"] = (tuple(int(i) for i in ids), tuple(float(w) for w in weights))
        return cls(**_typed(cls, data))


_TUPLES = {"paragraphs", "sentence_ids", "tokens", "terms"}


def _typed(cls, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its lists as tuples; unknown or missing fields raise ``TypeError``."""
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    return {k: tuple(v) if k in _TUPLES else v for k, v in data.items()}
