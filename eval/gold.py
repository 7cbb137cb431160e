"""Where a question's evidence sits in the corpus: its gold sentence and paragraph.

The evidence strings of a dataset item mark a passage that answers (:mod:`eval.dataset`); the
gold sentence is the corpus sentence that contains one, compared after the index's own
normalisation (:func:`ingest.text.match_key`, as :func:`eval.metrics.relevant` compares). An
evidence string that runs over a sentence boundary gives the sentences it covers. A document's
title counts as its paragraph 0 (a question may ask what the headline promises).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eval.dataset import Item
from ingest.corpus import list_corpus, read_source
from ingest.split import Sentence, split_sentences
from ingest.text import match_key


@dataclass(frozen=True)
class Gold:
    """The corpus sentences that hold one evidence string, and their paragraph."""

    evidence: str
    source: str
    paragraph: int
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


class Corpus:
    """The corpus's sentences with their match keys, for finding evidence in them."""

    def __init__(self, corpus_dir: Path):
        self.sentences: list[Sentence] = []
        for path in list_corpus(corpus_dir):
            source = read_source(path)
            if source.title:
                self.sentences.append(Sentence(f"{source.name}#title", source.name, 0, 0, 0, source.title))
            self.sentences += split_sentences(source)
        self.keys = [match_key(s.text) for s in self.sentences]

    def find(self, evidence: str) -> Gold | None:
        """The sentence holding ``evidence``, or the run of sentences of one paragraph it spans."""
        key = match_key(evidence).strip()
        if not key:
            return None
        for sentence, sentence_key in zip(self.sentences, self.keys):
            if key in sentence_key:
                return Gold(evidence, sentence.source, sentence.paragraph, (sentence,))
        for paragraph in sorted({(s.source, s.paragraph) for s in self.sentences}):
            members = [i for i, s in enumerate(self.sentences) if (s.source, s.paragraph) == paragraph]
            joined, spans = "", []
            for i in members:
                start = len(joined)
                joined += self.keys[i] + " "
                spans.append((start, len(joined), i))
            at = joined.find(key)
            if at >= 0:
                covered = tuple(self.sentences[i] for start, end, i in spans if start < at + len(key) and end > at)
                return Gold(evidence, paragraph[0], paragraph[1], covered)
        return None

    def gold(self, item: Item) -> list[Gold]:
        """Where each of ``item``'s evidence strings sits (those found; none for an unanswerable item)."""
        found = [self.find(e) for e in item.evidence]
        return [g for g in found if g is not None]
