"""Answers a reader can read: each quoted sentence's translation in the reader's language.

The quote stays the original, verbatim, cited and highlighted; beside it the answer carries its
translation, marked as one: from the article's Russian or English view (:mod:`ingest.views`), or for
an Uzbek Latin reader the quote in Latin script (alifbo), in the spelling the question was written in
(the apostrophe spelling "oʻ gʻ sh ch", or the new one "ö ğ ş ç").
"""

from __future__ import annotations

import re
from dataclasses import replace

import alifbo

from answering.answer import Answer, Citation, compose
from ingest.store import Store
from ingest.text import normalize, uzbek_latin

_NEW_SPELLING = re.compile("[şçğöŞÇĞÖ]")


def latin_spelling(question: str) -> str:
    """``"new"`` when the question uses the new Latin letters (ş ç ğ ö), else ``"old"``."""
    return "new" if _NEW_SPELLING.search(question) else "old"


def to_latin(text: str, spelling: str = "old") -> str:
    """Uzbek Cyrillic ``text`` in Uzbek Latin, in the old (apostrophe) or new spelling."""
    if spelling == "old":
        return uzbek_latin(normalize(text))  # alifbo, through ingest's per-word cache
    return alifbo.from_cyrillic(normalize(text)).text


class Translations:
    """Translations of one index version's sentences into the reader languages it can serve."""

    def __init__(self, store: Store):
        self.store = store
        self._ids = {s.text: sid for sid, s in store.sentences.items()}

    def languages(self) -> set[str]:
        """The reader languages an answer can be translated into."""
        return {*self.store.views, "uz-Latn"}

    def sentence(self, sentence_id: str, lang: str, question: str = "") -> str | None:
        """The translation of one sentence for a reader of ``lang``, or None when there is none."""
        original = self.store.sentences.get(sentence_id)
        if original is None:
            return None
        if lang == "uz-Latn":
            return to_latin(original.text, latin_spelling(question))
        view = self.store.views.get(lang)
        return view.text_of(sentence_id) if view is not None else None

    def apply(self, answer: Answer) -> Answer:
        """``answer`` with a translation per citation and for the whole answer (same markers), when
        its reader's language has one; refusals are already in the reader's language."""
        if answer.refused or answer.lang not in self.languages() or not answer.citations:
            return answer
        citations = [self._cited(c, answer.lang, answer.question) for c in answer.citations]
        by_quote = {(c.quote, c.n): c.translation for c in citations}
        pieces = [(by_quote.get((quote, n)) or "", n) for quote, n in answer.sentences]
        if not all(text for text, _n in pieces):
            return replace(answer, citations=citations)
        return replace(answer, citations=citations, translation=compose(pieces), translation_lang=answer.lang)

    def _cited(self, citation: Citation, lang: str, question: str) -> Citation:
        sentence_id = citation.sentence_id or self._ids.get(citation.quote, "")
        text = self.sentence(sentence_id, lang, question) if sentence_id else None
        return replace(citation, sentence_id=sentence_id, translation=text)
